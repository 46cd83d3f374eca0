// The meta RM's objective: a scalar head on the backbone's final-norm hidden state at the last input token,
// trained with binary cross-entropy on whether the judgment is correct.
//
//   z = dot(w, h_last) + b,   loss = scale * sum_i [softplus(z_i) - y_i * z_i]   (= -log sigmoid of the truth)
//
// z is exactly what engine/meta_rm.h computes when it scores a trajectory, so a trained head and backbone
// saved with save() score the same in `grm score --meta-rm`.
//
// The pairwise mode trains the same head as a Bradley-Terry scalar reward model (the baseline of SPEC §6):
// sequences come in pairs (preferred, other) and loss = scale * sum_pairs softplus(z_other - z_preferred)
// (= -log sigmoid of the preferred one's margin); labels are ignored.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "train/gradient_tape.h"
#include "train/train_model.h"

namespace grm {

struct MetaBatch {
  int T = 0;  // padded length
  int B = 0;
  std::vector<int32_t> tokens;  // [B][T]
  std::vector<int> last;        // per sequence: position of its last real token
  std::vector<float> labels;    // per sequence: 1 or 0
};

class MetaHeadLoss {
 public:
  // train_backbone = false trains the head alone (the backbone's gradients are not even computed).
  // The head starts at w = 0, b = bias_init.
  MetaHeadLoss(TrainModel& backbone, bool train_backbone, float bias_init = 0.0f, bool pairwise = false);
  ~MetaHeadLoss();
  MetaHeadLoss(const MetaHeadLoss&) = delete;
  MetaHeadLoss& operator=(const MetaHeadLoss&) = delete;

  // Trainable tensors: the backbone's (when trained), then meta_head.weight and meta_head.bias.
  const std::vector<ggml_tensor*>& params() const { return tape_->params(); }

  struct Outcome {
    double loss = 0;
    std::vector<float> logits;  // z per sequence
  };
  // Adds gradients (of loss, already times scale) into grads when it is not null.
  // Pairwise mode: REQUIRES batch.B even, sequence 2p preferred over 2p + 1.
  Result<Outcome> run(const MetaBatch& batch, float scale, HostGrads* grads);

  // The meta RM directory format of engine/meta_rm.h: DIR/model.gguf + DIR/head.gguf.
  Status save(const std::string& dir) const;
  Status load(const std::string& dir);

 private:
  TrainModel& backbone_;
  ggml_context* head_ctx_ = nullptr;
  ggml_backend_buffer_t head_buf_ = nullptr;
  ggml_tensor* weight_ = nullptr;
  ggml_tensor* bias_ = nullptr;
  bool pairwise_ = false;
  std::unique_ptr<GradientTape> tape_;
};

}  // namespace grm
