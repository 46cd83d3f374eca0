// AdamW on host memory (decoupled weight decay, bias-corrected moments, as torch.optim.AdamW), with its
// state exposed so that checkpoints can save and restore it exactly. Parameters on another backend than the
// CPU are updated through host copies.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "train/gradient_tape.h"

namespace grm {

struct AdamWOptions {
  float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
  float weight_decay = 0.0f;
};

// Learning rate at optimizer step `step` (0-based): linear warmup over `warmup` steps to `lr`, then cosine
// decay to lr * min_ratio at `total` steps.
double scheduled_lr(long step, long total, long warmup, double lr, double min_ratio);

// Scales grads so that their global L2 norm is at most max_norm (<= 0: no clipping). Returns the norm before.
double clip_grad_norm(HostGrads& grads, double max_norm);

class AdamW {
 public:
  // Optimises `params` (F32 tensors on any backend); grads come in the same order.
  AdamW(std::vector<ggml_tensor*> params, const AdamWOptions& opts);
  // Applies one update with learning rate lr.
  void step(const HostGrads& grads, double lr);
  long steps() const { return t_; }

  // Saves/loads the moments and step count as a GGUF file (tensors "adam_m.<param>", "adam_v.<param>").
  Status save(const std::string& path) const;
  Status load(const std::string& path);

 private:
  std::vector<ggml_tensor*> params_;
  AdamWOptions o_;
  long t_ = 0;
  std::vector<std::vector<float>> m_, v_;
};

}  // namespace grm
