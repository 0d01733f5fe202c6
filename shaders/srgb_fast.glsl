// sRGB <-> linear light without pow (llvmpipe's pow is a log2/exp2 pair per channel): the
// exact formulas' linear toes, and above them polynomials (to_srgb's in sqrt(x)) fitted to
// the exact curves. On 8-bit colour both stay within a quarter of a level of the exact
// formulas (tests/render/test_srgb_fast.py checks every level).
vec3 to_linear(vec3 c) {
    vec3 p = 0.00095391 + c * (0.03115563 + c * (0.54014394 + c * (0.57112683 - 0.14483204 * c)));
    return mix(c / 12.92, p, step(0.04045, c));
}
vec3 to_srgb(vec3 x) {  // x >= 0
    vec3 s = sqrt(x);
    vec3 p = -0.04010162 + s * (1.51780943 + s * (-1.40196273 + s * (2.02983165
        + s * (-1.62195547 + 0.5167048 * s))));
    return mix(x * 12.92, p, step(0.0031308, x));
}
