// stage_text.cpp: the formula and the two or three sentences the stepper shows for each stage
// (README: the articles these follow). Plain text with Unicode sub- and superscripts.
#include "lessons/stage_text.h"

namespace attn {

const char* normalizer_formula(Normalizer n) {
  switch (n) {
    case Normalizer::Softmax: return "αᵢⱼ = exp(mᵢⱼ/T − maxₖ mᵢₖ/T) / Σₖ exp(mᵢₖ/T − maxₖ mᵢₖ/T)";
    case Normalizer::Sum: return "αᵢⱼ = mᵢⱼ / Σₖ mᵢₖ   (only defined when every score is > 0)";
    case Normalizer::Sigmoid: return "αᵢⱼ = 1 / (1 + e^(−mᵢⱼ/T))   (per cell, rows do not sum to 1)";
    case Normalizer::Sparsemax: return "αᵢⱼ = max(mᵢⱼ/T − τᵢ, 0),  τᵢ chosen so the row sums to 1";
    case Normalizer::Entmax: return "αᵢⱼ = [(α−1) mᵢⱼ/T − τᵢ]₊^(1/(α−1)),  τᵢ chosen so the row sums to 1";
    case Normalizer::Hardmax: return "αᵢⱼ = 1/k for the k keys with the row's largest score, else 0";
  }
  return "";
}

StageText stage_text(int stage, const Trace& t) {
  switch (Stage(stage)) {
    case Stage::Embed:
      return {t.cfg.posenc == PosEnc::Sinusoidal ? "x′ᵢ = xᵢ + PEᵢ,   PE(pos, 2i) = sin(pos / 10000^(2i/d)),  PE(pos, 2i+1) = cos(…)" : "x′ᵢ = xᵢ   (no positional encoding: the model sees a bag of words)",
              "Each token becomes a vector of d_model numbers. In this vocabulary the first 8 dimensions are readable features "
              "(animate, thing, container, pronoun, action, quality, function, person); unknown words get a hash-seeded vector. "
              "Attention itself ignores order, so any sense of position must be added here (sinusoidal) or rotated into Q and K (RoPE)."};
    case Stage::Project:
      return {"Q = X′ W_q,   K = X′ W_k,   V = X′ W_v,   each split into heads of d_head columns",
              "Three learned views of every token: the query says what a token is looking for, the key what it offers, "
              "the value what it passes on when chosen. Drag any number sideways to edit it and watch everything downstream change."};
    case Stage::Scores:
      return {t.cfg.score == ScoreFn::Additive ? "sᵢⱼ = v⊤ tanh(W₁ qᵢ + W₂ kⱼ)   (additive, Bahdanau 2015)" : "sᵢⱼ = qᵢ · kⱼ = Σₜ qᵢₜ kⱼₜ   (S = Q K⊤)",
              "Every query is compared with every key: a large score means the key offers what the query looks for. "
              "This is the n × n step whose cost grows quadratically with the sequence length."};
    case Stage::Scale:
      return {"s′ᵢⱼ = sᵢⱼ × scale,   scale = 1/√d_k by default",
              "A dot product of d_k random terms grows like √d_k. Unscaled, large d_k pushes softmax into saturation: one key takes "
              "almost all the weight and the gradients of the others vanish. Dividing by √d_k keeps the scores' spread constant."};
    case Stage::Mask:
      return {"mᵢⱼ = s′ᵢⱼ where query i may see key j, −∞ elsewhere",
              "Masking decides who may look at whom. Causal (GPT) hides the future; padding hides filler tokens; a window keeps "
              "attention local. A −∞ score becomes exactly 0 weight. Click or drag cells below to paint your own mask."};
    case Stage::Normalize:
      return {normalizer_formula(t.cfg.normalizer),
              "Each row of scores becomes weights. Softmax exponentiates, so it amplifies differences: a score 2 higher gets e² ≈ 7.4× "
              "the weight. Temperature T divides the scores first: low T sharpens towards argmax, high T flattens towards uniform."};
    case Stage::Attend:
      return {"oᵢ = Σⱼ αᵢⱼ vⱼ   (O = A V)",
              "Each output row is a blend of the value rows, in the proportions the weights give. A token that attends mostly "
              "to \"cat\" comes out looking mostly like cat's value."};
    case Stage::Output:
      return {"Y = concat(O₁, …, Oₕ) W_o",
              "The heads work in parallel on their own slices of d_model; their outputs sit side by side and W_o mixes them back "
              "into one d_model vector per token."};
    default: return {"", ""};
  }
}

}  // namespace attn
