#version 330 core
// Hair cards, alpha-blended: strands from the card texture (alpha = coverage, grey = the
// strands' own shade) in the style's colour, lit with Kajiya-Kay's anisotropic model. The
// strand direction is where v (root to tip) grows, found from screen-space derivatives of
// position and uv. Two highlights as on real hair (Marschner): a white one shifted toward the
// tip and a dimmer one in the hair's colour shifted toward the root.
#include "lighting.glsl"

uniform vec4 u_base_color;       // linear; rgb is the strands' colour
uniform float u_intensity;       // 0: not worn, 1: fully opaque strands
#ifdef HAS_BASE_COLOR_MAP
uniform sampler2D u_base_color_map;  // sRGB texture: sampled values are linear
#endif

in vec3 v_position;
in vec3 v_normal;
#ifdef HAS_UV
in vec2 v_uv;
#endif
out vec4 f_color;

// Kajiya-Kay: brightness of the highlight of a strand along t, lit along l, seen along v.
float strand_specular(vec3 t, vec3 l, vec3 v, float exponent) {
    vec3 h = normalize(l + v);
    float th = dot(t, h);
    return pow(sqrt(max(1.0 - th * th, 0.0)), exponent) * smoothstep(-1.0, 0.0, dot(t, h));
}

vec3 strand_light(vec3 base, vec3 t, vec3 n, vec3 v, vec3 l, vec3 radiance, float shade) {
    l = normalize(l);
    float diffuse = clamp(0.25 + 0.75 * dot(n, l), 0.0, 1.0);  // wrapped: hair scatters light
    vec3 t1 = normalize(t + 0.08 * n);   // primary: reflected at the cuticle, shifted
    vec3 t2 = normalize(t - 0.12 * n);   // secondary: through the strand, coloured
    float s1 = strand_specular(t1, l, v, 300.0) * 0.22 * shade * shade;
    float s2 = strand_specular(t2, l, v, 60.0) * 0.5 * shade;
    return (base * diffuse / PI + vec3(s1) + base * s2) * radiance;
}

void main() {
    vec4 texel = vec4(1.0);
#if defined(HAS_BASE_COLOR_MAP) && defined(HAS_UV)
    texel = texture(u_base_color_map, v_uv);
#endif
    float alpha = texel.a * u_base_color.a * u_intensity;
    if (alpha < 0.03) discard;  // invisible: skip the lighting (cards overlap a lot)
    vec3 n = facing_normal(v_normal);
    vec3 v = normalize(-v_position);
    vec3 t = vec3(0.0, -1.0, 0.0);
    float depth_shade = 1.0;
#ifdef HAS_UV
    // Roots lie in the shadow of the hair above them.
    depth_shade = 0.55 + 0.45 * smoothstep(0.0, 0.5, v_uv.y);
    vec3 dpdx = dFdx(v_position), dpdy = dFdy(v_position);
    vec2 duvdx = dFdx(v_uv), duvdy = dFdy(v_uv);
    float det = duvdx.x * duvdy.y - duvdx.y * duvdy.x;
    vec3 along = (duvdx.x * dpdy - duvdy.x * dpdx) * sign(det);  // d position / d v
    if (dot(along, along) > 1e-20) t = normalize(along);
#endif
    t = normalize(t - n * dot(t, n));
    float shade = texel.r;  // the strand's own brightness (grey texture)
    vec3 base = u_base_color.rgb * shade;
    vec3 c = strand_light(base, t, n, v, KEY_DIR, KEY_COLOR, shade)
           + strand_light(base, t, n, v, FILL_DIR, FILL_COLOR, shade)
           + base * irradiance(n) * 0.35;
    f_color = vec4(linear_to_srgb(c * depth_shade), alpha);
}
