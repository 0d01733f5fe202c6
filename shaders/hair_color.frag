#version 330 core
// Hair colour: recolours the camera frame where the hair matte says hair, in linear light.
// Each pixel keeps its luminance relative to the hair's mean (strands, highlights and
// shadows stay); the dye sets the hue and the mean brightness. With SHADE defined (the
// wearer's own hair outside a hairstyle, read as the style's hair in shadow) the mean
// brightness is u_shade of the dye's, and never above the hair's own. Styles: 0 solid,
// 1 highlights (streaks of the second colour), 2 ombre (root colour fading to the tip colour
// along the head's vertical axis), 3 balayage (an ombre painted in streaks), chosen by the
// STYLE define (one program per style: only streak styles pay for the noise). Writes alpha 0
// (coverage of products: the FXAA pass leaves these pixels alone); with SWATCH defined
// (thumbnails) the dye itself, opaque. Where there is no hair it discards, or with FILL
// defined (no background is drawn under it) writes the frame's pixel as the background does:
// a shader that may discard costs llvmpipe about three times as much per pixel. llvmpipe
// runs every line for every pixel (a branch skips nothing): each operation counts.
uniform sampler2D u_frame;
uniform ivec2 u_offset;
uniform sampler2D u_matte;     // the matte with a border of its edge texels around it
uniform vec2 u_matte_origin;   // frame position of the matte's texel (0, 0)
uniform float u_matte_scale;   // matte texels per frame pixel
uniform vec3 u_root;           // linear RGB
uniform vec3 u_tip;            // linear RGB
uniform float u_blend;
uniform float u_intensity;
#ifdef SHADE
uniform float u_shade;         // the hair's mean brightness over the dye's
#endif
uniform float u_hair_lum;      // mean linear luminance of the hair under the matte
uniform vec2 u_axis_origin;    // frame pixels
uniform vec2 u_axis;           // unit vector, root to tip, in the image
uniform vec2 u_axis_span;      // root and tip positions along the axis, pixels
uniform float u_strand_scale;  // streaks per pixel across the axis
out vec4 f_color;

#include "srgb_fast.glsl"
float lum(vec3 c) { return dot(c, vec3(0.2126, 0.7152, 0.0722)); }
#if STYLE == 1 || STYLE == 3
float hash(float n) { return fract(sin(n * 127.1) * 43758.5453); }
float noise(float x) {
    float i = floor(x);
    float f = fract(x);
    return mix(hash(i), hash(i + 1.0), f * f * (3.0 - 2.0 * f));
}
#endif

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy) + u_offset;
    // Texel centres at integers; the pass draws only where m is in [-1, size] (the border
    // texels: no clamp, no test).
    vec2 m = (vec2(p) - u_matte_origin) * u_matte_scale;
    float a = texture(u_matte, (m + 1.5) / vec2(textureSize(u_matte, 0))).r * u_intensity;
    vec3 src = texelFetch(u_frame, p, 0).rgb;
    if (a <= 0.0) {
#ifdef FILL
        f_color = vec4(src, 0.0);
        return;
#else
        discard;
#endif
    }
#if STYLE == 0
    vec3 dye = u_root;
#else
    vec2 d = vec2(p) + 0.5 - u_axis_origin;
    float t = clamp((dot(d, u_axis) - u_axis_span.x) / max(u_axis_span.y - u_axis_span.x, 1.0), 0.0, 1.0);
#if STYLE == 1 || STYLE == 3
    float across = dot(d, vec2(-u_axis.y, u_axis.x)) * u_strand_scale + 0.8 * sin(t * 4.0);
    float coverage = 0.15 + 0.5 * u_blend;
    float streak = smoothstep(1.0 - coverage - 0.12, 1.0 - coverage + 0.12, noise(across));
#endif
#if STYLE == 1
    float w = streak;
#elif STYLE == 2
    float w = smoothstep(u_blend - 0.3, u_blend + 0.3, t);
#else
    float w = max(streak, 0.4) * smoothstep(u_blend - 0.35, u_blend + 0.35, t);
#endif
    vec3 dye = mix(u_root, u_tip, w);
#endif
    vec3 lin = to_linear(src);
#ifdef SWATCH
    f_color = vec4(to_srgb(mix(lin, dye, a)), 1.0);
#else
    float dye_lum = max(lum(dye), 1e-4);
#ifdef SHADE
    float gain = min(u_shade * dye_lum / max(u_hair_lum, 1e-4), 1.0);
#else
    float gain = clamp(dye_lum / max(u_hair_lum, 1e-4), 0.25, 6.0);
#endif
    vec3 coloured = min(dye * (lum(lin) * gain / dye_lum), 1.0);  // never below 0
    f_color = vec4(to_srgb(mix(lin, coloured, a)), 0.0);
#endif
}
