#version 330 core
// Lenses, drawn last, following glTF: the base colour (factor x texture) is the tint, the
// metallic factor a mirror coating. With TRANSMISSION (KHR_materials_transmission) what is
// behind the lens (the backdrop: camera frame and opaque parts, a temple included) is sampled
// at this fragment's pixel and filtered by the tint; without it the lens is alpha-blended
// over what is already drawn. Both add Fresnel reflection of the
// studio environment and the key light's highlight.
#include "lighting.glsl"

uniform vec4 u_base_color;       // linear
uniform float u_metallic;        // mirror coating strength
uniform float u_roughness;
uniform float u_ior;
uniform float u_intensity;       // 0: clear lens, 1: the material's full tint
#ifdef HAS_BASE_COLOR_MAP
uniform sampler2D u_base_color_map;  // sRGB texture: sampled values are linear
in vec2 v_uv;
#endif
#ifdef TRANSMISSION
uniform sampler2D u_backdrop;    // a copy of the drawn box so far, sRGB bytes, alpha coverage
uniform float u_transmission;
#endif

in vec3 v_position;
in vec3 v_normal;
out vec4 f_color;

void main() {
    vec4 base = u_base_color;
#ifdef HAS_BASE_COLOR_MAP
    base *= texture(u_base_color_map, v_uv);
#endif
    vec3 tint = mix(vec3(1.0), base.rgb, u_intensity);
    vec3 n = facing_normal(v_normal);
    vec3 v = normalize(-v_position);
    float n_dot_v = clamp(abs(dot(n, v)), 1e-4, 1.0);
    float r0 = (u_ior - 1.0) / (u_ior + 1.0);
    r0 *= r0;
    float fresnel = r0 + (1.0 - r0) * schlick_weight(n_dot_v);
    // A mirror coating reflects like a metal of the base colour at full strength: coatings
    // are chosen for the colour they reflect, not the (darker) one they let through.
    vec3 coating = 0.9 * base.rgb / max(max(base.r, max(base.g, base.b)), 1e-3);
    vec3 reflectance = mix(vec3(fresnel), coating + (1.0 - coating) * fresnel,
                           u_metallic * u_intensity);
    float roughness = clamp(u_roughness, 0.03, 1.0);
    vec3 reflected = environment(reflect(-v, n), roughness) * reflectance
                   + direct_light(KEY_DIR, KEY_COLOR, n, v, vec3(0.0), reflectance,
                                  roughness * roughness);
#ifdef TRANSMISSION
    vec4 behind = texelFetch(u_backdrop, ivec2(gl_FragCoord.xy), 0);
    vec3 through = srgb_to_linear(behind.rgb) * tint * (1.0 - reflectance);
    vec3 body = tint * irradiance(n) * 0.15 * (1.0 - reflectance);
    vec3 c = mix(body, through, u_transmission) + reflected;
    float see_through = dot(tint * (1.0 - reflectance), vec3(1.0 / 3.0)) * u_transmission;
    f_color = vec4(linear_to_srgb(c), max(behind.a, 1.0 - see_through));
#else
    float mirror = max(reflectance.r, max(reflectance.g, reflectance.b));
    float alpha = clamp(base.a * u_intensity + mirror, 0.0, 1.0);
    vec3 c = (tint * irradiance(n) * 0.3 * base.a * u_intensity + reflected) / max(alpha, 1e-3);
    f_color = vec4(linear_to_srgb(c), alpha);
#endif
}
