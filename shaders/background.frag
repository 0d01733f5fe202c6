#version 330 core
// The camera frame, texel for texel. The renderer draws with a y-flipped projection so that
// framebuffer row 0 is the image's top row: texture rows (top-down, as uploaded) map 1:1 and
// the readback needs no flip. Only the box around the products is drawn: u_offset is the
// box's corner in the image.
// Alpha is coverage: 0 here, where nothing is drawn yet; products write their own (opaque
// parts 1). Thumbnails read it as transparency; the FXAA pass smooths only where it changes.
uniform sampler2D u_frame;
uniform ivec2 u_offset;
out vec4 f_color;
void main() {
    f_color = vec4(texelFetch(u_frame, ivec2(gl_FragCoord.xy) + u_offset, 0).rgb, 0.0);
}
