// The weighted next-token objective and its gradients, through ggml's automatic differentiation.
//
//   loss = scale * sum_i w_i * -log p(target_i | tokens before i)
//
// over the positions i of a padded micro-batch. w_i = 0 masks a position (prompt tokens, padding); SFT uses
// w = 1 on trajectory tokens; GRPO uses signed per-token weights (advantages). llama.cpp's own training
// path cannot express this: its cross-entropy backward is only right for rows of labels summing to 1.
//
// With a focal exponent gamma > 0 (Lin et al., "Focal Loss for Dense Object Detection", 2017) each term is
// multiplied by (1 - p_i)^gamma, gradient included:
//
//   loss = scale * sum_i w_i * (1 - p_i)^gamma * -log p_i
//
// Positions the model already predicts (a judge's copied query, its fixed phrases) then weigh almost nothing
// and the gradient goes to those it does not (the verdict and score tokens). gamma = 0 is the plain objective.
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "train/gradient_tape.h"
#include "train/train_model.h"

namespace grm {

struct TokenBatch {
  int T = 0;  // padded sequence length
  int B = 0;  // sequences
  std::vector<int32_t> tokens;   // [B][T] row-major by sequence
  std::vector<int32_t> targets;  // [B][T]: the token that should follow position t (any valid id where w = 0)
  std::vector<float> weights;    // [B][T]
};

class TokenLoss {
 public:
  // Gradients are those of model.params(), in that order.
  explicit TokenLoss(TrainModel& model, float focal_gamma = 0.0f);
  TokenLoss(const TokenLoss&) = delete;
  TokenLoss& operator=(const TokenLoss&) = delete;

  // Computes the loss of `batch` and, when grads is not null, adds its gradients (times `scale`) into grads.
  Result<double> run(const TokenBatch& batch, float scale, HostGrads* grads);

  // GRPO's KL penalty to a frozen reference, added to the loss:
  //   scale * beta * sum_i kl_w_i * (exp(ref_i - logp_i) - (ref_i - logp_i) - 1)
  // (the k3 estimator of KL(policy || reference), unbiased and always >= 0).
  struct KlTerm {
    const std::vector<float>* ref_logprobs = nullptr;  // [B][T]
    const std::vector<float>* weights = nullptr;       // [B][T]; 0 = no KL at that position
    float beta = 0;
  };
  struct Outcome {
    double loss = 0;                // the objective above (with the KL term)
    double nll = 0;                 // scale * sum_i w_i * -log p_i: the plain objective's value, whatever gamma
    std::vector<float> logprobs;  // [B][T]: log p(target) where a weight or KL weight is set, 0 elsewhere
  };
  Result<Outcome> run_with_kl(const TokenBatch& batch, float scale, HostGrads* grads, const KlTerm& kl);

  // Per-position log p(target) of `batch` (no gradients), [B][T], at the positions with a nonzero weight
  // (0 elsewhere): the reference model's side of GRPO's KL term.
  Result<std::vector<float>> token_logprobs(const TokenBatch& batch);

 private:
  TrainModel& model_;
  float focal_gamma_;
  GradientTape tape_;
};

}  // namespace grm
