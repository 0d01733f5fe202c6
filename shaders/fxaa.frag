#version 330 core
// FXAA-style edge smoothing of the drawn box, for renderers where MSAA is slow (software
// rasterisers). The steps follow Lottes' FXAA 3.11 "quality" preset: find the edge through
// a pixel from luma contrasts, walk along it both ways to its ends, and resample across it
// by the pixel's distance to the nearer end; plus a sub-pixel blend for features thinner
// than a pixel. Only pixels whose neighbourhood changes coverage (alpha: a product against
// the camera frame, a lens against its rim) are edges.
// Two passes over the box, because a software rasteriser runs every instruction of a shader
// for a block of pixels even when none of them takes a branch, but skips the whole shader
// for a block that fails an early depth test:
// * MARK: copies each texel and writes depth 1 where the pixel is an edge, 0 elsewhere;
// * the smoothing pass, drawn at depth 1 with the test "<=", runs on the edge pixels only
//   and redraws them over that copy.
uniform sampler2D u_scene;  // the drawn colour, bilinear filtering
uniform ivec2 u_box;        // the drawn box's size in texels, at the texture's corner
out vec4 f_color;

const float EDGE_THRESHOLD = 0.125;      // least luma range, relative to the brightest
const float EDGE_THRESHOLD_MIN = 0.0312; // and absolute (dark edges)
const float COVERAGE_EDGE = 0.0625;      // least alpha range that marks a geometric edge
const float SUBPIXEL = 0.75;
const int SEARCH_STEPS = 10;
const float STEP_SIZES[SEARCH_STEPS] = float[](1.0, 1.0, 1.0, 1.0, 1.5, 2.0, 2.0, 2.0, 4.0, 8.0);

float luma(vec4 c) {
    return dot(c.rgb, vec3(0.299, 0.587, 0.114));
}

vec4 texel(ivec2 p) {
    return texelFetch(u_scene, clamp(p, ivec2(0), u_box - 1), 0);
}

vec2 g_lo;
vec2 g_hi;

vec4 bilinear(vec2 uv) {
    return textureLod(u_scene, clamp(uv, g_lo, g_hi), 0.0);
}

// The pixel and its four neighbours, their lumas, and whether it is an edge to smooth.
struct Cross {
    vec4 c;
    float l_c, l_n, l_s, l_e, l_w, l_max, range;
    bool edge;
};

Cross cross_at(ivec2 p) {
    Cross x;
    x.c = texel(p);
    vec4 n = texel(p + ivec2(0, 1));
    vec4 s = texel(p - ivec2(0, 1));
    vec4 e = texel(p + ivec2(1, 0));
    vec4 w = texel(p - ivec2(1, 0));
    float a_range = max(x.c.a, max(max(n.a, s.a), max(e.a, w.a)))
                  - min(x.c.a, min(min(n.a, s.a), min(e.a, w.a)));
    x.l_c = luma(x.c);
    x.l_n = luma(n);
    x.l_s = luma(s);
    x.l_e = luma(e);
    x.l_w = luma(w);
    x.l_max = max(x.l_c, max(max(x.l_n, x.l_s), max(x.l_e, x.l_w)));
    x.range = x.l_max - min(x.l_c, min(min(x.l_n, x.l_s), min(x.l_e, x.l_w)));
    x.edge = a_range >= COVERAGE_EDGE
          && x.range >= max(EDGE_THRESHOLD_MIN, x.l_max * EDGE_THRESHOLD);
    return x;
}

#ifdef MARK
void main() {
    Cross x = cross_at(ivec2(gl_FragCoord.xy));
    f_color = x.c;
    gl_FragDepth = x.edge ? 1.0 : 0.0;
}
#else
void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    Cross x = cross_at(p);
    float l_c = x.l_c, l_n = x.l_n, l_s = x.l_s, l_e = x.l_e, l_w = x.l_w, range = x.range;
    float l_ne = luma(texel(p + ivec2(1, 1)));
    float l_nw = luma(texel(p + ivec2(-1, 1)));
    float l_se = luma(texel(p + ivec2(1, -1)));
    float l_sw = luma(texel(p + ivec2(-1, -1)));

    // Second differences across y (a horizontal edge) and across x (a vertical one).
    float across_y = abs(l_nw + l_sw - 2.0 * l_w) + 2.0 * abs(l_n + l_s - 2.0 * l_c)
                   + abs(l_ne + l_se - 2.0 * l_e);
    float across_x = abs(l_nw + l_ne - 2.0 * l_n) + 2.0 * abs(l_w + l_e - 2.0 * l_c)
                   + abs(l_sw + l_se - 2.0 * l_s);
    bool horizontal = across_y >= across_x;

    vec2 size = 1.0 / vec2(textureSize(u_scene, 0));
    g_lo = 0.5 * size;
    g_hi = (vec2(u_box) - 0.5) * size;
    // One texel across the edge, toward the neighbour with the steeper change.
    float l_pos = horizontal ? l_n : l_e;
    float l_neg = horizontal ? l_s : l_w;
    float grad_pos = abs(l_pos - l_c);
    float grad_neg = abs(l_neg - l_c);
    float side = grad_pos >= grad_neg ? 1.0 : -1.0;
    vec2 across = side * (horizontal ? vec2(0.0, size.y) : vec2(size.x, 0.0));
    vec2 along = horizontal ? vec2(size.x, 0.0) : vec2(0.0, size.y);
    float l_edge = 0.5 * (l_c + (side > 0.0 ? l_pos : l_neg));
    float gradient = 0.25 * max(grad_pos, grad_neg);

    // Walk both ways along the edge until the luma leaves the edge's average.
    vec2 uv = gl_FragCoord.xy * size;
    vec2 uv_a = uv + 0.5 * across - along;
    vec2 uv_b = uv + 0.5 * across + along;
    float d_a = luma(bilinear(uv_a)) - l_edge;
    float d_b = luma(bilinear(uv_b)) - l_edge;
    bool done_a = abs(d_a) >= gradient;
    bool done_b = abs(d_b) >= gradient;
    for (int i = 1; i < SEARCH_STEPS && !(done_a && done_b); ++i) {
        if (!done_a) {
            uv_a -= along * STEP_SIZES[i];
            d_a = luma(bilinear(uv_a)) - l_edge;
            done_a = abs(d_a) >= gradient;
        }
        if (!done_b) {
            uv_b += along * STEP_SIZES[i];
            d_b = luma(bilinear(uv_b)) - l_edge;
            done_b = abs(d_b) >= gradient;
        }
    }
    float dist_a = horizontal ? uv.x - uv_a.x : uv.y - uv_a.y;
    float dist_b = horizontal ? uv_b.x - uv.x : uv_b.y - uv.y;
    float offset = 0.5 - min(dist_a, dist_b) / (dist_a + dist_b);
    // Only on the side of the edge that the nearer end bends toward.
    float d_near = dist_a < dist_b ? d_a : d_b;
    if ((d_near < 0.0) == (l_c < l_edge)) {
        offset = 0.0;
    }
    // A pixel unlike its whole neighbourhood (a line thinner than a pixel) blends too.
    float average = (2.0 * (l_n + l_s + l_e + l_w) + l_ne + l_nw + l_se + l_sw) / 12.0;
    float sub = clamp(abs(average - l_c) / range, 0.0, 1.0);
    sub = (3.0 - 2.0 * sub) * sub * sub;
    offset = max(offset, sub * sub * SUBPIXEL);
    f_color = bilinear(uv + offset * across);
}
#endif
