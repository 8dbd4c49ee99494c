// heatmap.frag: colormaps one matrix cell per texel. Sequential (viridis) for weights in
// [0, 1]; diverging (blue-white-red, centred on 0) for signed scores. Masked cells
// (stored as -3e38 for -inf) get a neutral hatch so they read as "blocked", not "small".
uniform sampler2D u_values;   // R32F, one texel per cell, row 0 at the top
uniform float u_lo;
uniform float u_hi;
uniform int u_diverging;
uniform vec3 u_masked;
in vec2 v_uv;
out vec4 frag;

vec3 viridis(float t) {
  // quintic fit of matplotlib's viridis
  const vec3 c0 = vec3(0.2777, 0.0054, 0.3341);
  const vec3 c1 = vec3(0.1050, 1.4046, 1.3846);
  const vec3 c2 = vec3(-0.3309, 0.2148, 0.0951);
  const vec3 c3 = vec3(-4.6342, -5.7991, -19.3324);
  const vec3 c4 = vec3(6.2283, 14.1799, 56.6906);
  const vec3 c5 = vec3(4.7764, -13.7451, -65.3530);
  const vec3 c6 = vec3(-5.4355, 4.6459, 26.3124);
  return c0 + t * (c1 + t * (c2 + t * (c3 + t * (c4 + t * (c5 + t * c6)))));
}

vec3 diverging(float t) {  // t in [-1, 1]
  vec3 neg = vec3(0.129, 0.400, 0.674), mid = vec3(0.969, 0.969, 0.969), pos = vec3(0.698, 0.094, 0.169);
  return t < 0.0 ? mix(mid, neg, -t) : mix(mid, pos, t);
}

void main() {
  ivec2 size = textureSize(u_values, 0);
  ivec2 cell = ivec2(min(v_uv * vec2(size), vec2(size) - 1.0));
  float v = texelFetch(u_values, ivec2(cell.x, size.y - 1 - cell.y), 0).r;
  if (v < -1.0e37) {
    // blocked: diagonal stripes across the whole image, visible at any zoom
    float stripe = mod(gl_FragCoord.x + gl_FragCoord.y, 6.0) < 3.0 ? 1.0 : 0.85;
    frag = vec4(u_masked * stripe, 1.0);
    return;
  }
  vec3 c;
  if (u_diverging == 1) {
    float m = max(abs(u_lo), abs(u_hi));
    c = diverging(clamp(v / max(m, 1e-20), -1.0, 1.0));
  } else {
    c = viridis(clamp((v - u_lo) / max(u_hi - u_lo, 1e-20), 0.0, 1.0));
  }
  frag = vec4(c, 1.0);
}
