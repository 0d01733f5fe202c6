#version 330 core
// The camera frame, texel for texel. The renderer draws with a y-flipped projection so that
// framebuffer row 0 is the image's top row: texture rows (top-down, as uploaded) map 1:1 and
// the readback needs no flip. RGB textures read alpha 1; RGBA ones keep theirs.
// Only the box around the products is drawn: u_offset is the box's corner in the image.
uniform sampler2D u_frame;
uniform ivec2 u_offset;
out vec4 f_color;
void main() {
    f_color = texelFetch(u_frame, ivec2(gl_FragCoord.xy) + u_offset, 0);
}
