// stage_text.cpp: the formula and the two or three sentences the stepper shows for each stage
// (README: the articles these follow). Formulas are markup for the typesetter (src/ui/formula.h):
// _{..} and ^{..} scripts, \frac, \sqrt, \sum and \max with limits.
#include "lessons/stage_text.h"

namespace attn {

const char* normalizer_formula(Normalizer n) {
  switch (n) {
    case Normalizer::Softmax: return "α_{ij} = \\frac{exp(m_{ij}/T − \\max_{k} m_{ik}/T)}{\\sum_{k} exp(m_{ik}/T − \\max_{k} m_{ik}/T)}";
    case Normalizer::Sum: return "α_{ij} = \\frac{m_{ij}}{\\sum_{k} m_{ik}}   (only defined when every score is > 0)";
    case Normalizer::Sigmoid: return "α_{ij} = \\frac{1}{1 + e^{−m_{ij}/T}}   (per cell, rows do not sum to 1)";
    case Normalizer::Sparsemax: return "α_{ij} = max(m_{ij}/T − τ_{i}, 0),   τ_{i} chosen so the row sums to 1";
    case Normalizer::Entmax: return "α_{ij} = [(α−1) m_{ij}/T − τ_{i}]_{+}^{1/(α−1)},   τ_{i} chosen so the row sums to 1";
    case Normalizer::Hardmax: return "α_{ij} = \\frac{1}{k} for the k keys with the row\'s largest score, else 0";
    case Normalizer::Count: break;  // not a value
  }
  return "";
}

StageText stage_text(int stage, const Trace& t) {
  switch (Stage(stage)) {
    case Stage::Embed:
      return {t.cfg.posenc == PosEnc::Sinusoidal ? "x′_{i} = x_{i} + PE_{i},   PE_{pos, 2i} = sin(pos / 10000^{2i/d}),   PE_{pos, 2i+1} = cos(pos / 10000^{2i/d})" : "x′_{i} = x_{i}   (no positional encoding: the model sees a bag of words)",
              "Each token becomes a vector of d_model numbers. In this vocabulary the first 8 dimensions are readable features "
              "(animate, thing, container, pronoun, action, quality, function, person); unknown words get a hash-seeded vector. "
              "Attention itself ignores order, so any sense of position must be added here (sinusoidal) or rotated into Q and K (RoPE)."};
    case Stage::Project:
      return {"Q = X′ W_{q},   K = X′ W_{k},   V = X′ W_{v},   each split into heads of d_{head} columns",
              "Three learned views of every token: the query says what a token is looking for, the key what it offers, "
              "the value what it passes on when chosen. Drag any number sideways to edit it and watch everything downstream change."};
    case Stage::Scores:
      return {t.cfg.score == ScoreFn::Additive ? "s_{ij} = v^{⊤} tanh(W_{1} q_{i} + W_{2} k_{j})   (additive, Bahdanau 2015)" : "s_{ij} = q_{i} · k_{j} = \\sum_{t} q_{it} k_{jt}   (S = Q K^{⊤})",
              "Every query is compared with every key: a large score means the key offers what the query looks for. "
              "This is the n × n step whose cost grows quadratically with the sequence length."};
    case Stage::Scale:
      if (t.cfg.alibi || t.cfg.softcap > 0)
        return {t.cfg.softcap > 0 ? (t.cfg.alibi ? "s′_{ij} = c tanh((s_{ij} × scale − m_{h} (i − j)) / c)" : "s′_{ij} = c tanh(s_{ij} × scale / c)")
                                  : "s′_{ij} = s_{ij} × scale − m_{h} (i − j),   m_{h} = 2^{−8h/H}",
                "Scaling keeps the scores' spread constant as d_k grows. ALiBi (Press et al. 2021) then subtracts m_h × the "
                "distance between query and key, a different slope per head, in place of position embeddings. Soft-capping "
                "(Gemma 2) bends every score into (−c, c) with tanh, so that no key can take all the weight."};
      return {"s′_{ij} = s_{ij} × scale,   scale = \\frac{1}{\\sqrt{d_{k}}} by default",
              "A dot product of d_k random terms grows like √d_k. Unscaled, large d_k pushes softmax into saturation: one key takes "
              "almost all the weight and the gradients of the others vanish. Dividing by √d_k keeps the scores' spread constant."};
    case Stage::Mask:
      if (t.cfg.mask == MaskKind::CausalBottomRight)
        return {"m_{ij} = s′_{ij} if j ≤ i + n_{k} − n_{q},  −∞ otherwise   (causal, bottom-right)",
                "With fewer queries than keys (a KV cache: the new tokens attend to everything before them), the causal mask "
                "aligns the last query with the last key: tril(diagonal = n_k − n_q), as FlashAttention ≥ 2.1 does. "
                "PyTorch's is_causal aligns top-left instead; the two differ whenever n_q ≠ n_k."};
      return {"m_{ij} = s′_{ij} where query i may see key j, −∞ elsewhere",
              "Masking decides who may look at whom. Causal (GPT) hides the future; padding hides filler tokens; a window keeps "
              "attention local. A −∞ score becomes exactly 0 weight. Click or drag cells below to paint your own mask."};
    case Stage::Normalize:
      if (!t.cfg.sinks.empty())
        return {"α_{ij} = \\frac{e^{m_{ij}/T}}{\\sum_{k} e^{m_{ik}/T} + e^{z_{h}/T}}   (z_{h}: the head's sink logit)",
                "An attention sink is one more logit in every row, normalized with the row and then dropped: the row may give "
                "part of its weight to nothing, so it sums to less than 1. Models learn such a place to park attention "
                "(StreamingLLM, gpt-oss)."};
      return {normalizer_formula(t.cfg.normalizer),
              "Each row of scores becomes weights. Softmax exponentiates, so it amplifies differences: a score 2 higher gets e² ≈ 7.4× "
              "the weight. Temperature T divides the scores first: low T sharpens towards argmax, high T flattens towards uniform."};
    case Stage::Attend:
      return {"o_{i} = \\sum_{j} α_{ij} v_{j}   (O = A V)",
              "Each output row is a blend of the value rows, in the proportions the weights give. A token that attends mostly "
              "to \"cat\" comes out looking mostly like cat's value."};
    case Stage::Output:
      return {"Y = concat(O_{1}, …, O_{H}) W_{o}",
              "The heads work in parallel on their own slices of d_model; their outputs sit side by side and W_o mixes them back "
              "into one d_model vector per token."};
    default: return {"", ""};
  }
}

}  // namespace attn
