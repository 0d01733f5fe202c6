#version 330 core
// Makeup on the face image, in linear light, keeping the face's shading and texture.
//
// Default: the tracked face mesh (without the eye and mouth openings) is drawn; each fragment
// takes the camera frame's texel and applies the face's layers in look order, each weighted
// by its region's mask (sampled at the mesh's UV, so regions move with the face) times its
// opacity. A fragment no layer touches is discarded: the frame stays byte-identical there.
// CONTACTS: the eye-opening triangles of one eye are drawn; only the iris ring is tinted
// (inside the iris circle, outside the pupil), so the lids hide it and the sclera is kept.
// SWATCH: a round swatch on white paper, a sector per layer (thumbnails; fullscreen.vert).
//
// Blend modes: 0 tint (the product's colour times the skin's relative shading: pigments that
// cover), 1 multiply (darkens toward the colour, as seen against the bare skin), 2 hue (the
// colour's chroma at the skin's own lightness: sheer), 3 glow (adds light).
// Finishes: 0 matte, 1 satin, 2 gloss, 3 metallic, 4 shimmer (SATIN, GLOSS, METALLIC,
// SHIMMER: the finishes compiled in). The pass draws the mesh in groups of triangles that
// share the layers touching them, so each fragment loops over those layers only.
#ifndef MAX_LAYERS
#define MAX_LAYERS 48
#endif

uniform sampler2D u_frame;
uniform ivec2 u_offset;
uniform int u_count;
// per layer: (mask layer, blend mode, finish, base) and (linear RGB colour, opacity); the
// base is what it is shaded against: 0 the skin, 1 the feature (lips), 2 the skin, fading
// where the pixel is far darker or lighter than skin (hair over the face, a hand, a shadow)
uniform ivec4 u_kind[MAX_LAYERS];
uniform vec4 u_paint[MAX_LAYERS];
uniform vec3 u_light;  // toward the light, camera space, unit length
#if defined(CONTACTS)
uniform vec2 u_iris_center;  // box pixels
uniform float u_iris_radius;
#elif defined(SWATCH)
uniform float u_size;
#else
uniform sampler2DArray u_masks;
#endif

#ifndef SWATCH
in vec2 v_uv;
in vec3 v_normal;
in vec3 v_view;
flat in vec3 v_skin_ref;
flat in vec3 v_feature_ref;
#endif
out vec4 f_color;

const vec3 LUMA = vec3(0.2126, 0.7152, 0.0722);

vec3 to_linear(vec3 c) {
    return mix(c / 12.92, pow((c + 0.055) / 1.055, vec3(2.4)), step(0.04045, c));
}

vec3 to_srgb(vec3 c) {
    c = clamp(c, 0.0, 1.0);
    return mix(c * 12.92, 1.055 * pow(c, vec3(1.0 / 2.4)) - 0.055, step(0.0031308, c));
}

float hash(vec2 p) {
    return fract(sin(dot(p, vec2(127.1, 311.7))) * 43758.5453);
}

// Shimmer: fine flakes fixed in UV space, each tilted its own way, glinting when its facet
// reflects the light toward the camera.
float sparkle(vec2 uv, vec3 n, vec3 h, float density) {
    vec2 grid = uv * density;
    vec2 cell = floor(grid);
    if (hash(cell) < 0.82) return 0.0;
    vec2 center = vec2(hash(cell + 7.1), hash(cell + 3.7)) * 0.6 + 0.2;
    float dot_ = 1.0 - smoothstep(0.12, 0.4, length(fract(grid) - center));
    vec3 tilt = vec3(hash(cell + 1.3), hash(cell + 5.9), hash(cell + 9.2)) - 0.5;
    vec3 facet = normalize(n + tilt * 1.2);
    return dot_ * (0.1 + 2.0 * pow(max(dot(facet, h), 0.0), 16.0));
}

// The light a finish adds on top of the colour (weight w, scene brightness bright). Each
// finish is compiled in only when a layer drawn has it (software GL runs every branch).
vec3 finish_light(int finish, vec3 color, float w, float bright, vec3 n, vec3 h, vec2 uv,
                  float density) {
    float ndh = max(dot(n, h), 0.0);
    vec3 light = vec3(0.0);
#ifdef SATIN
    if (finish == 1) light = vec3(0.08 * pow(ndh, 24.0));
#endif
#ifdef GLOSS
    if (finish == 2) light = vec3(1.1 * pow(ndh, 110.0) + 0.06 * pow(ndh, 14.0));
#endif
#ifdef METALLIC
    if (finish == 3) light = color * (1.6 * pow(ndh, 18.0) + 0.15);
#endif
#ifdef SHIMMER
    if (finish == 4) light = mix(vec3(1.0), color, 0.35) * sparkle(uv, n, h, density) * 0.6;
#endif
    return w * bright * light;
}

// Layer i at weight w over linear colour c; ref: the bare feature's colour there.
vec3 apply(int i, vec3 c, float w, vec3 ref, vec3 n, vec3 h, vec2 uv) {
    vec3 color = u_paint[i].rgb;
    int finish = u_kind[i].z;
    float y = dot(c, LUMA);
    float yref = max(dot(ref, LUMA), 1e-3);
    float shade = clamp(y / yref, 0.0, 4.0);
    if (finish == 0) shade = min(shade, 1.0 + 0.3 * (shade - 1.0));  // matte: no sheen
#ifdef METALLIC
    if (finish == 3) shade = pow(shade, 1.35);  // metallic: deeper contrast
#endif
    vec3 target;
    int mode = u_kind[i].y;
    if (mode == 0) {
        target = color * shade;
    } else if (mode == 1) {
        target = c * min(color / max(ref, vec3(1e-3)), vec3(1.0));
    } else if (mode == 2) {
        target = min(color * (y / max(dot(color, LUMA), 1e-3)), vec3(1.0));
    } else {
        target = c * (1.0 + 0.45 * color / max(dot(color, LUMA), 1e-3));
    }
    float bright = 0.15 + 2.5 * yref;
    return mix(c, target, w) + finish_light(finish, color, w, bright, n, h, uv, 400.0);
}

void main() {
#ifdef SWATCH
    vec2 p = gl_FragCoord.xy / u_size * 2.0 - 1.0;
    float r = length(p) / 0.84;
    float edge = 2.0 / (0.84 * u_size);
    float alpha = 1.0 - smoothstep(1.0 - edge, 1.0, r);
    if (alpha <= 0.0) discard;
    vec3 n = normalize(vec3(p * 0.55, 1.0));
    n.y = -n.y;  // framebuffer rows run downward
    vec3 h = normalize(u_light + vec3(0.0, 0.0, 1.0));
    // several layers (an eyeshadow's zones): one sector each
    float turn = fract(atan(p.y, p.x) / 6.2831853 + 1.0);
    int i = min(int(turn * float(u_count)), u_count - 1);
    vec3 color = u_paint[i].rgb;
    vec3 c = color * (0.9 + 0.1 * n.z);
#ifdef SWATCH_IRIS
    c *= mix(0.55, 1.0, smoothstep(1.0, 0.8, r));  // the limbal ring
    c = mix(vec3(0.01), c, smoothstep(0.32, 0.4, r));  // the pupil
#endif
    c += finish_light(u_kind[i].z, color, 1.0, 0.9, n, h, p * 0.5 + 0.5, 60.0);
    f_color = vec4(mix(vec3(1.0), to_srgb(c), alpha), alpha);
#else
    vec3 frame = texelFetch(u_frame, ivec2(gl_FragCoord.xy) + u_offset, 0).rgb;
    vec3 c = to_linear(frame);
    vec3 n = normalize(v_normal);
    vec3 h = normalize(u_light + normalize(v_view));
    float total = 0.0;
#ifdef CONTACTS
    float d = distance(gl_FragCoord.xy, u_iris_center) / u_iris_radius;
    float w = (1.0 - smoothstep(0.9, 1.0, d)) * smoothstep(0.36, 0.46, d);
    for (int i = 0; i < u_count; ++i) {
        float wi = w * u_paint[i].a;
        if (wi <= 0.0) continue;
        float shade = clamp(dot(c, LUMA) / max(dot(v_feature_ref, LUMA), 1e-3), 0.0, 3.0);
        vec3 target = u_paint[i].rgb * (0.35 + 0.45 * shade) * mix(0.5, 1.0, smoothstep(1.0, 0.8, d));
        c = mix(c, target, wi);
        total += wi;
    }
#else
    for (int i = 0; i < u_count; ++i) {
        float w = texture(u_masks, vec3(v_uv, float(u_kind[i].x))).r * u_paint[i].a;
        if (w <= 0.0) continue;
        vec3 ref = u_kind[i].w == 1 ? v_feature_ref : v_skin_ref;
        if (u_kind[i].w == 2) {
            float rel = dot(c, LUMA) / max(dot(ref, LUMA), 1e-3);
            w *= smoothstep(0.12, 0.4, rel) * (1.0 - smoothstep(2.5, 4.0, rel));
        }
        c = apply(i, c, w, ref, n, h, v_uv);
        total += w;
    }
#endif
    if (total <= 0.0) discard;
    f_color = vec4(to_srgb(c), 0.0);
#endif
}
