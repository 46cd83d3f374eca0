// The SFT / rejective fine-tuning trainer: weighted next-token loss on trajectory tokens (prompt masked), run
// by the shared training loop (train/train_loop.h: AdamW, schedule, clipping, accumulation, checkpoints,
// exact resume, JSON log).
#pragma once

#include "core/status.h"
#include "train/sft_data.h"
#include "train/train_loop.h"
#include "train/train_model.h"

namespace grm {

// Trains `model` in place on `data`. Checkpoints hold model.gguf + optimizer.gguf; the caller saves the final
// model. Returns the number of optimizer steps taken in this call.
// focal_gamma > 0 trains the focal objective of train/token_loss.h; the reported loss stays the plain negative
// log-likelihood per token, so runs with and without it compare.
Result<long> train_sft(TrainModel& model, const SftData& data, const TrainLoopOptions& opts, const StepCallback& on_step = {},
                       float focal_gamma = 0.0f);

}  // namespace grm
