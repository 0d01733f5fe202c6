#version 330 core
// Full-screen triangle for the 2D passes (background, FXAA); no vertex buffer needed
// (gl_VertexID 0..2). The viewport limits it to the drawn box.
void main() {
    vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    gl_Position = vec4(p * 2.0 - 1.0, 1.0, 1.0);
}
