#version 330 core
// A finished frame (rows top-down, drawn at the texture's corner) shown in a window's
// framebuffer (rows bottom-up), scaled to the viewport, mirrored for a mirror display.
uniform sampler2D u_image;
uniform vec2 u_size;      // the drawn frame, in texels
uniform vec4 u_viewport;  // x, y, width, height in window pixels
uniform bool u_mirror;
out vec4 f_color;
void main() {
    vec2 p = (gl_FragCoord.xy - u_viewport.xy) / u_viewport.zw;
    if (u_mirror) p.x = 1.0 - p.x;
    p.y = 1.0 - p.y;
    vec2 uv = p * u_size / vec2(textureSize(u_image, 0));
    f_color = vec4(texture(u_image, uv).rgb, 1.0);
}
