// init_weights.cpp: weight initialization for Q = X.W_q, K = X.W_k, V = X.W_v and W_o (stage 2).
// "Designed" weights are readable: W_q turns a pronoun into a search for its referent,
// a verb into a search for its actors, a quality into a search for the thing it describes.
#include <cmath>
#include "engine/stages/stages.h"
#include <memory>
#include "engine/stages/embed.h"

namespace attn {

namespace {
// W_q (d, d): identity on the feature dims, rerouted where a word seeks something else
Mat designed_query(int d) {
  Mat w = Mat::Identity(d, d);
  auto set = [&](int r, int c, float v) { if (r < d && c < d) w(r, c) = v; };
  set(kPronoun, kPronoun, 0.0f);  // a pronoun does not look for other pronouns
  set(kAction, kAction, 0.0f);    // a verb looks for who and what it acts on
  set(kAction, kAnimate, 0.6f);
  set(kAction, kThing, 0.6f);
  set(kQuality, kQuality, 0.0f);  // a quality looks for the thing it describes
  set(kQuality, kThing, 1.0f);
  return w;
}
}  // namespace

Mat init_weights(Init init, Target which, int d, Rng* rng) {
  switch (init) {
    case Init::Designed:
      return which == Target::Wq ? designed_query(d) : Mat(Mat::Identity(d, d));
    case Init::Identity:
      return Mat::Identity(d, d);
    case Init::Xavier: {  // Glorot uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out))
      float a = std::sqrt(6.0f / float(d + d));
      Mat w(d, d);
      for (int i = 0; i < w.size(); i++) w.data()[i] = rng->uniform(-a, a);
      return w;
    }
    case Init::Kaiming:    // He normal: N(0, 2 / fan_in)
    case Init::Normal: {   // GPT-2's N(0, 0.02)
      const float sd = init == Init::Normal ? 0.02f : std::sqrt(2.0f / float(d));
      Mat w(d, d);
      for (int i = 0; i < w.size(); i++) w.data()[i] = sd * rng->normal();
      return w;
    }
    case Init::Count: break;
  }
  return Mat::Identity(d, d);
}

void draw_weights(Init init, int d, uint64_t seed, SharedMat out[4]) {
  Rng rng(seed);  // drawn in a fixed order, so seeds stay aligned whichever are given
  const Target order[4] = {Target::Wq, Target::Wk, Target::Wv, Target::X};
  for (int i = 0; i < 4; i++) out[i].p = std::make_shared<const Mat>(init_weights(init, order[i], d, &rng));
}

}  // namespace attn
