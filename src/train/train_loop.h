// The optimisation loop shared by the supervised trainers (SFT / RFT, the meta RM): seeded data order,
// micro-batches with gradient accumulation, AdamW with warmup + cosine decay, gradient clipping, checkpoints
// with optimizer state, exact resume, and a JSON log line per optimizer step.
//
// Determinism: the data order is a function of (seed, epoch) and each step's micro-batches of the global step
// number, so a resumed run reproduces the losses of an uninterrupted one.
#pragma once

#include <ggml.h>

#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "train/gradient_tape.h"

namespace grm {

struct TrainLoopOptions {
  int epochs = 1;
  long max_steps = 0;        // stop after this many optimizer steps (0 = all epochs)
  double lr = 1e-3;          // peak learning rate
  long warmup = 0;           // warmup steps
  double min_lr_ratio = 0.1; // cosine decays to lr * min_lr_ratio
  int batch = 8;             // examples per micro-batch
  int accum = 1;             // micro-batches per optimizer step
  int length_window = 0;     // optimizer steps per length-sorted window (0 = off; train/batch_plan.h); steps
                             // are then normalised by the mean units per step, not their own
  long micro_tokens = 2048;  // regroup each step's examples into length-sorted micro-batches of at most this many
                             // padded tokens (0 = the planned --batch micro-batches); same gradients, less padding:
                             // 1.4x faster steps on the synth teacher data (bench/sft_micro_tokens.sh)
  double clip = 1.0;         // max global gradient norm (<= 0: none)
  double weight_decay = 0.0;
  uint64_t seed = 1;
  long checkpoint_every = 0;    // optimizer steps between checkpoints (0 = none)
  std::string checkpoint_dir;   // where step-NNNNNN/ checkpoints go
  bool resume = false;          // continue from the newest complete checkpoint in checkpoint_dir
  std::string log_path;         // JSON line per optimizer step (appended)
};

struct StepReport {
  long step = 0, total_steps = 0;
  int epoch = 0;
  double loss = 0;          // mean per normalising unit (trained token, or example)
  double lr = 0;
  double grad_norm = 0;     // before clipping
  long tokens = 0;          // trained tokens (or examples) in this step
  double tokens_per_s = 0;  // all tokens processed (prompt included) per second
};

using StepCallback = std::function<void(const StepReport&)>;

// What the loop trains: examples addressed by index 0..size()-1.
class TrainObjective {
 public:
  virtual ~TrainObjective() = default;
  virtual int size() const = 0;
  virtual const std::vector<ggml_tensor*>& params() const = 0;
  // The normalising units in these examples (trained tokens for a token loss, examples for a per-example loss):
  // a step's loss is the sum over its micro-batches of run(micro-batch, 1 / units in the step).
  virtual double units(const std::vector<int>& examples) const = 0;
  virtual long tokens(const std::vector<int>& examples) const = 0;  // tokens processed, for tokens/s
  // Loss of the micro-batch times scale; adds its gradients into grads (ordered as params()).
  virtual Result<double> run(const std::vector<int>& examples, float scale, HostGrads* grads) = 0;
  // The trained weights in / from a checkpoint directory.
  virtual Status save_weights(const std::string& dir) const = 0;
  virtual Status load_weights(const std::string& dir) = 0;
};

// Trains objective.params() in place. Returns the number of optimizer steps taken in this call.
Result<long> run_train_loop(TrainObjective& objective, const TrainLoopOptions& opts, const StepCallback& on_step = {});

}  // namespace grm
