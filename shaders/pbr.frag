#version 330 core
// Opaque (and alpha-masked) products: glTF metallic-roughness.
#include "lighting.glsl"

uniform vec4 u_base_color;       // linear
uniform float u_metallic;
uniform float u_roughness;
uniform vec3 u_emissive;
uniform float u_alpha_cutoff;    // < 0: no alpha test
#ifdef HAS_BASE_COLOR_MAP
uniform sampler2D u_base_color_map;   // sRGB texture: sampled values are linear
#endif
#ifdef HAS_METALLIC_ROUGHNESS_MAP
uniform sampler2D u_metallic_roughness_map;
#endif
#ifdef HAS_NORMAL_MAP
uniform sampler2D u_normal_map;
uniform float u_normal_scale;
uniform float u_handedness;      // -1 when the projection flips y
#endif
#ifdef HAS_OCCLUSION_MAP
uniform sampler2D u_occlusion_map;
uniform float u_occlusion_strength;
#endif

in vec3 v_position;
in vec3 v_normal;
#ifdef HAS_UV
in vec2 v_uv;
#endif
out vec4 f_color;

#ifdef HAS_NORMAL_MAP
// Tangent frame from screen-space derivatives (no tangent attribute needed).
vec3 perturb_normal(vec3 n, vec3 p, vec2 uv) {
    vec3 dp1 = dFdx(p);
    vec3 dp2 = dFdy(p) * u_handedness;
    vec2 duv1 = dFdx(uv);
    vec2 duv2 = dFdy(uv) * u_handedness;
    vec3 dp2perp = cross(dp2, n);
    vec3 dp1perp = cross(n, dp1);
    vec3 t = dp2perp * duv1.x + dp1perp * duv2.x;
    vec3 b = dp2perp * duv1.y + dp1perp * duv2.y;
    float inv = inversesqrt(max(max(dot(t, t), dot(b, b)), 1e-20));
    vec3 m = texture(u_normal_map, uv).xyz * 2.0 - 1.0;
    m.xy *= u_normal_scale;
    return normalize(mat3(t * inv, b * inv, n) * m);
}
#endif

void main() {
    vec4 base = u_base_color;
    float metallic = u_metallic;
    float roughness = u_roughness;
    float occlusion = 1.0;
    vec3 n = facing_normal(v_normal);
#ifdef HAS_BASE_COLOR_MAP
    base *= texture(u_base_color_map, v_uv);
#endif
    if (base.a < u_alpha_cutoff) {
        discard;
    }
#ifdef HAS_METALLIC_ROUGHNESS_MAP
    vec4 mr = texture(u_metallic_roughness_map, v_uv);
    roughness *= mr.g;
    metallic *= mr.b;
#endif
#ifdef HAS_NORMAL_MAP
    n = perturb_normal(n, v_position, v_uv);
#endif
#ifdef HAS_OCCLUSION_MAP
    occlusion = 1.0 + u_occlusion_strength * (texture(u_occlusion_map, v_uv).r - 1.0);
#endif
    vec3 v = normalize(-v_position);
    vec3 c = shade(base.rgb, metallic, roughness, occlusion, n, v) + u_emissive;
    f_color = vec4(linear_to_srgb(c), 1.0);
}
