#version 330 core
// A frame, or a box of it, (rows top-down, at the texture's corner) shown in a window's
// framebuffer (rows bottom-up), scaled to the viewport, mirrored for a mirror display.
// Samples are clamped to the box so scaling never reads texels beyond it.
uniform sampler2D u_image;
uniform vec2 u_size;      // the box, in texels
uniform vec4 u_viewport;  // x, y, width, height in window pixels
uniform bool u_mirror;
out vec4 f_color;
void main() {
    vec2 p = (gl_FragCoord.xy - u_viewport.xy) / u_viewport.zw;
    if (u_mirror) p.x = 1.0 - p.x;
    p.y = 1.0 - p.y;
    vec2 texel = clamp(p * u_size, vec2(0.5), u_size - vec2(0.5));
    f_color = vec4(texture(u_image, texel / vec2(textureSize(u_image, 0))).rgb, 1.0);
}
