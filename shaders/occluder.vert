#version 330 core
// Depth-only head occluder: the tracked face mesh (camera space) and the head proxy
// (a unit sphere scaled into an ellipsoid by u_model).
uniform mat4 u_projection;
uniform mat4 u_model;
// Metres to push each vertex away from the camera, so that a slightly noisy face surface
// does not bite into a frame resting on it.
uniform float u_push;
in vec3 in_position;
void main() {
    vec4 p = u_model * vec4(in_position, 1.0);
    p.xyz += normalize(p.xyz) * u_push;
    gl_Position = u_projection * p;
}
