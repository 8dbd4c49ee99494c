// gfx.cpp: shader compilation (preamble + embedded source) and the heatmap render pass.
#include "gfx/gfx.h"
#include <cstdio>
#include <limits>
#include <vector>
#include "gfx/gl.h"
#include "shaders.h"

namespace attn::gfx {

namespace {

struct {
  GLuint prog = 0, vao = 0;
  GLint u_values = -1, u_lo = -1, u_hi = -1, u_div = -1, u_masked = -1;
} g;

GLuint compile(GLenum type, const char* name, const char* preamble, const char* body, std::string* err) {
  GLuint s = glCreateShader(type);
  const char* parts[] = {preamble, body};
  glShaderSource(s, 2, parts, nullptr);
  glCompileShader(s);
  GLint ok = 0;
  glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
  if (!ok) {
    char log[2048] = {0};
    glGetShaderInfoLog(s, sizeof log, nullptr, log);
    *err = std::string("shader ") + name + " failed to compile: " + log;
    glDeleteShader(s);
    return 0;
  }
  return s;
}

// NOTE: WebGL2 cannot filter R32F; NEAREST is also what a cell grid wants.
void make_texture(GLuint* tex, GLint internal, int w, int h, GLenum format, GLenum type, const void* data) {
  if (!*tex) glGenTextures(1, tex);
  glBindTexture(GL_TEXTURE_2D, *tex);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glTexImage2D(GL_TEXTURE_2D, 0, internal, w, h, 0, format, type, data);
}

}  // namespace

bool init(const char* preamble, std::string* err) {
  GLuint vs = compile(GL_VERTEX_SHADER, "heatmap.vert", preamble, shaders::heatmap_vert, err);
  GLuint fs = vs ? compile(GL_FRAGMENT_SHADER, "heatmap.frag", preamble, shaders::heatmap_frag, err) : 0;
  if (!vs || !fs) return false;
  g.prog = glCreateProgram();
  glAttachShader(g.prog, vs);
  glAttachShader(g.prog, fs);
  glLinkProgram(g.prog);
  glDeleteShader(vs);
  glDeleteShader(fs);
  GLint ok = 0;
  glGetProgramiv(g.prog, GL_LINK_STATUS, &ok);
  if (!ok) {
    char log[2048] = {0};
    glGetProgramInfoLog(g.prog, sizeof log, nullptr, log);
    *err = std::string("heatmap program failed to link: ") + log;
    return false;
  }
  g.u_values = glGetUniformLocation(g.prog, "u_values");
  g.u_lo = glGetUniformLocation(g.prog, "u_lo");
  g.u_hi = glGetUniformLocation(g.prog, "u_hi");
  g.u_div = glGetUniformLocation(g.prog, "u_diverging");
  g.u_masked = glGetUniformLocation(g.prog, "u_masked");
  glGenVertexArrays(1, &g.vao);  // attribute-less draw still needs a bound VAO in GLES3
  return true;
}

void shutdown() {
  if (g.prog) glDeleteProgram(g.prog);
  if (g.vao) glDeleteVertexArrays(1, &g.vao);
  g.prog = g.vao = 0;
}

void release(Heatmap* h) {
  if (h->values_tex) glDeleteTextures(1, &h->values_tex);
  if (h->color_tex) glDeleteTextures(1, &h->color_tex);
  if (h->fbo) glDeleteFramebuffers(1, &h->fbo);
  *h = Heatmap{};
}

unsigned render(Heatmap* h, const Mat& m, uint64_t version, Colormap cmap, float lo, float hi, int px_w, int px_h, bool light) {
  if (!g.prog || m.size() == 0 || px_w < 1 || px_h < 1) return 0;
  const bool new_data = version != h->version || m.rows() != h->rows || m.cols() != h->cols;
  const bool new_look = new_data || px_w != h->px_w || px_h != h->px_h || lo != h->lo || hi != h->hi || cmap != h->cmap || light != h->light;
  if (!new_look) return h->color_tex;
  // NOTE: this runs while ImGui builds its frame, outside its render pass: whatever is bound
  // now (the default framebuffer) must be bound again afterwards.
  GLint prev_fbo = 0, prev_vp[4];
  glGetIntegerv(GL_FRAMEBUFFER_BINDING, &prev_fbo);
  glGetIntegerv(GL_VIEWPORT, prev_vp);
  if (new_data) {
    std::vector<float> data(m.data(), m.data() + m.size());
    for (float& v : data)
      if (v == -std::numeric_limits<float>::infinity()) v = -3.0e38f;  // the shader's "masked" sentinel
    make_texture(&h->values_tex, GL_R32F, int(m.cols()), int(m.rows()), GL_RED, GL_FLOAT, data.data());
    h->rows = int(m.rows());
    h->cols = int(m.cols());
    h->version = version;
  }
  if (!h->color_tex || px_w != h->px_w || px_h != h->px_h) {
    make_texture(&h->color_tex, GL_RGBA8, px_w, px_h, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
    if (!h->fbo) glGenFramebuffers(1, &h->fbo);
    glBindFramebuffer(GL_FRAMEBUFFER, h->fbo);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, h->color_tex, 0);
    h->px_w = px_w;
    h->px_h = px_h;
  }
  glBindFramebuffer(GL_FRAMEBUFFER, h->fbo);
  glViewport(0, 0, px_w, px_h);
  glDisable(GL_BLEND);
  glDisable(GL_SCISSOR_TEST);
  glUseProgram(g.prog);
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, h->values_tex);
  glUniform1i(g.u_values, 0);
  glUniform1f(g.u_lo, lo);
  glUniform1f(g.u_hi, hi);
  glUniform1i(g.u_div, cmap == Colormap::Diverging);
  if (light) glUniform3f(g.u_masked, 0.80f, 0.80f, 0.82f);
  else glUniform3f(g.u_masked, 0.30f, 0.30f, 0.33f);
  glBindVertexArray(g.vao);
  glDrawArrays(GL_TRIANGLES, 0, 3);
  glBindVertexArray(0);
  glBindFramebuffer(GL_FRAMEBUFFER, GLuint(prev_fbo));
  glViewport(prev_vp[0], prev_vp[1], prev_vp[2], prev_vp[3]);
  h->lo = lo;
  h->hi = hi;
  h->cmap = cmap;
  h->light = light;
  return h->color_tex;
}

}  // namespace attn::gfx
