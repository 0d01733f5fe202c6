#version 330 core
// Shared by the pbr and lens programs: camera-space position and normal, texture coordinates.
uniform mat4 u_projection;
uniform mat4 u_model;  // camera-from-asset (rigid)
in vec3 in_position;
in vec3 in_normal;
#ifdef HAS_UV
in vec2 in_uv;
out vec2 v_uv;
#endif
out vec3 v_position;
out vec3 v_normal;
void main() {
    vec4 p = u_model * vec4(in_position, 1.0);
    v_position = p.xyz;
    v_normal = mat3(u_model) * in_normal;
#ifdef HAS_UV
    v_uv = in_uv;
#endif
    gl_Position = u_projection * p;
}
