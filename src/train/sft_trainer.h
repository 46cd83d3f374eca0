// The SFT / rejective fine-tuning loop: weighted next-token loss on trajectory tokens (prompt masked),
// AdamW with warmup + cosine decay, gradient clipping and accumulation, checkpoints with optimizer state,
// exact resume, and a JSON log line per optimizer step.
//
// Determinism: the data order is a function of (seed, epoch) and the step's micro-batches of the global
// step number, so a resumed run reproduces the losses of an uninterrupted one.
#pragma once

#include <functional>
#include <string>

#include "core/status.h"
#include "train/sft_data.h"
#include "train/train_model.h"

namespace grm {

struct SftOptions {
  int epochs = 1;
  long max_steps = 0;        // stop after this many optimizer steps (0 = all epochs)
  double lr = 1e-3;          // peak learning rate
  long warmup = 0;           // warmup steps
  double min_lr_ratio = 0.1; // cosine decays to lr * min_lr_ratio
  int batch = 8;             // sequences per micro-batch
  int accum = 1;             // micro-batches per optimizer step
  double clip = 1.0;         // max global gradient norm (<= 0: none)
  double weight_decay = 0.0;
  uint64_t seed = 1;
  long checkpoint_every = 0;    // optimizer steps between checkpoints (0 = only at the end)
  std::string checkpoint_dir;   // where step-NNNNNN/ checkpoints go
  bool resume = false;          // continue from the newest complete checkpoint in checkpoint_dir
  std::string log_path;         // JSON line per optimizer step (appended)
};

struct StepReport {
  long step = 0, total_steps = 0;
  int epoch = 0;
  double loss = 0;        // mean per trained token
  double lr = 0;
  double grad_norm = 0;   // before clipping
  long tokens = 0;        // trained tokens in this step
  double tokens_per_s = 0;  // all tokens processed (prompt included) per second
};

using StepCallback = std::function<void(const StepReport&)>;

// Trains `model` in place on `data`. Writes checkpoints as it goes; the caller saves the final model.
// Returns the number of optimizer steps taken in this call.
Result<long> train_sft(TrainModel& model, const SftData& data, const SftOptions& opts, const StepCallback& on_step = {});

}  // namespace grm
