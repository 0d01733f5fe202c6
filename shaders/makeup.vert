#version 330 core
// The tracked face mesh in camera space, with the canonical face's UVs (where the region
// masks are painted) and per-vertex normals (for gloss, metallic and shimmer).
// Each vertex also fetches the frame at the reference points: the bare skin's and the
// feature's colours, which the fragment shader divides by to keep the face's shading and texture.
uniform mat4 u_projection;
uniform sampler2D u_frame;
// frame pixels on bare skin (cheeks, forehead) and on the feature worn on
// (the lips' bodies; for contacts, the iris ring)
uniform ivec2 u_skin_points[8];
uniform ivec2 u_feature_points[4];
in vec3 in_position;
in vec3 in_normal;
in vec2 in_uv;
out vec2 v_uv;
out vec3 v_normal;
out vec3 v_view;
flat out vec3 v_skin_ref;
flat out vec3 v_feature_ref;

vec3 frame_linear(ivec2 p) {
    vec3 c = texelFetch(u_frame, p, 0).rgb;
    return mix(c / 12.92, pow((c + 0.055) / 1.055, vec3(2.4)), step(0.04045, c));
}

void main() {
    v_uv = in_uv;
    v_normal = in_normal;
    v_view = -in_position;
    vec3 skin = vec3(0.0);
    for (int i = 0; i < 8; ++i) skin += frame_linear(u_skin_points[i]);
    vec3 feature = vec3(0.0);
    for (int i = 0; i < 4; ++i) feature += frame_linear(u_feature_points[i]);
    v_skin_ref = skin / 8.0;
    v_feature_ref = feature / 4.0;
    gl_Position = u_projection * vec4(in_position, 1.0);
}
