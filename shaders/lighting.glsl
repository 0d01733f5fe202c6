// Shared shading: sRGB transfer, a procedural studio environment, GGX key and fill lights.
// Everything is in camera space (x right, y up, the viewer at the origin looking down -z).

#include "srgb_fast.glsl"

const float PI = 3.14159265;

// The sRGB transfer without pow (llvmpipe runs pow as a log2/exp2 pair per channel): within
// a quarter of a level of the exact formulas on 8-bit colour (srgb_fast.glsl).
vec3 srgb_to_linear(vec3 c) {
    return to_linear(c);
}

vec3 linear_to_srgb(vec3 c) {
    return to_srgb(clamp(c, 0.0, 1.0));
}

// Schlick's (1 - cos)^5 with multiplications (pow is a log2/exp2 pair on llvmpipe).
float schlick_weight(float cos_theta) {
    float m = clamp(1.0 - cos_theta, 0.0, 1.0);
    float m2 = m * m;
    return m2 * m2 * m;
}

// A photo studio around the sitter: a bright ceiling, grey walls, a darker floor, an
// overhead soft box and a tall window behind the camera to the sitter's right (what lenses
// facing the camera mirror). Roughness widens every transition (a cheap stand-in for
// prefiltering) and dims the sources.
vec3 environment(vec3 dir, float roughness) {
    float blur = 0.06 + roughness * roughness;
    float gloss = 1.0 - 0.7 * roughness;
    vec3 floor_ = vec3(0.16, 0.15, 0.14);
    vec3 wall = vec3(0.42, 0.43, 0.46);
    vec3 ceiling = vec3(0.85, 0.88, 0.95);
    vec3 c = mix(floor_, wall, smoothstep(-0.35 - blur, -0.05 + blur, dir.y));
    c = mix(c, ceiling, smoothstep(0.35 - blur, 0.6 + blur, dir.y));
    float top_d = (dir.y - 0.85) / (0.10 + blur);
    float top = exp(-top_d * top_d);
    // The window: a soft-edged rectangle around the direction (-0.45, 0.2, 0.87).
    float across = smoothstep(0.22 + blur, 0.16, abs(dir.x + 0.45));
    float up = smoothstep(0.45 + blur, 0.35, abs(dir.y - 0.2));
    float window = across * up * smoothstep(0.0, 0.3, dir.z);
    c += vec3(2.2) * top * gloss + vec3(2.4, 2.35, 2.2) * window * gloss;
    return c;
}

vec3 irradiance(vec3 n) {
    return mix(vec3(0.25, 0.24, 0.23), vec3(0.85, 0.88, 0.95), 0.5 + 0.5 * n.y);
}

// Karis' analytic fit of the split-sum environment BRDF: (scale, bias) applied to F0.
vec2 env_brdf(float roughness, float n_dot_v) {
    const vec4 c0 = vec4(-1.0, -0.0275, -0.572, 0.022);
    const vec4 c1 = vec4(1.0, 0.0425, 1.04, -0.04);
    vec4 r = roughness * c0 + c1;
    float a004 = min(r.x * r.x, exp2(-9.28 * n_dot_v)) * r.x + r.y;
    return vec2(-1.04, 1.04) * a004 + r.zw;
}

const vec3 KEY_DIR = vec3(-0.45, 0.65, 0.61);   // toward the light, normalised below
const vec3 KEY_COLOR = vec3(2.4, 2.33, 2.2);
const vec3 FILL_DIR = vec3(0.75, 0.15, 0.64);
const vec3 FILL_COLOR = vec3(0.55, 0.6, 0.7);

// Direct light from one directional source: Lambert diffuse plus GGX/Smith/Schlick specular.
vec3 direct_light(vec3 l, vec3 radiance, vec3 n, vec3 v, vec3 diffuse, vec3 f0, float a) {
    l = normalize(l);
    vec3 h = normalize(l + v);
    float n_dot_l = max(dot(n, l), 0.0);
    float n_dot_v = max(dot(n, v), 1e-4);
    float n_dot_h = max(dot(n, h), 0.0);
    float a2 = a * a;
    float d = n_dot_h * n_dot_h * (a2 - 1.0) + 1.0;
    float ndf = a2 / (PI * d * d);
    float k = a * 0.5;
    float vis = 0.25 / ((n_dot_v * (1.0 - k) + k) * (n_dot_l * (1.0 - k) + k));
    vec3 f = f0 + (1.0 - f0) * schlick_weight(max(dot(v, h), 0.0));
    return ((1.0 - f) * diffuse / PI + ndf * vis * f) * radiance * n_dot_l;
}

// Metallic-roughness shading under the key and fill lights and the studio environment.
vec3 shade(vec3 base, float metallic, float roughness, float occlusion, vec3 n, vec3 v) {
    roughness = clamp(roughness, 0.04, 1.0);
    float a = roughness * roughness;
    vec3 f0 = mix(vec3(0.04), base, metallic);
    vec3 diffuse = base * (1.0 - metallic);
    vec3 c = direct_light(KEY_DIR, KEY_COLOR, n, v, diffuse, f0, a)
           + direct_light(FILL_DIR, FILL_COLOR, n, v, diffuse, f0, a);
    vec2 ab = env_brdf(roughness, max(dot(n, v), 1e-4));
    vec3 specular = environment(reflect(-v, n), roughness) * (f0 * ab.x + ab.y);
    c += (diffuse * irradiance(n) + specular) * occlusion;
    return c;
}

// Flip a normal for back faces of double-sided surfaces and keep it facing the viewer.
vec3 facing_normal(vec3 n) {
    n = normalize(n);
    return gl_FrontFacing ? n : -n;
}
