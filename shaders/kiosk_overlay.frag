#version 330 core
// The kiosk's UI (an RGBA image the size of the window, rows top-down) blended over the
// picture with straight alpha (the blend function is set by the caller).
uniform sampler2D u_overlay;
uniform vec2 u_size;  // window framebuffer size in pixels
out vec4 f_color;
void main() {
    vec2 uv = vec2(gl_FragCoord.x / u_size.x, 1.0 - gl_FragCoord.y / u_size.y);
    f_color = texture(u_overlay, uv);
}
