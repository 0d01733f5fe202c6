#version 330 core
// Colour writes are masked off while this runs; only depth matters.
out vec4 f_color;
void main() {
    f_color = vec4(0.0);
}
