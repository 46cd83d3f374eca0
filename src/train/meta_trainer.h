// `grm train meta`: the meta RM (SPEC §4) trained with binary cross-entropy (train/meta_loss.h) on labelled
// judgments (train/meta_data.h), run by the shared training loop (train/train_loop.h). Checkpoints hold the
// meta RM directory format plus the optimizer state.
#pragma once

#include "core/status.h"
#include "train/meta_data.h"
#include "train/meta_loss.h"
#include "train/train_loop.h"

namespace grm {

// Pads examples[which] into one batch.
MetaBatch make_meta_batch(const MetaData& data, const std::vector<int>& which);

// Trains `loss`'s head (and backbone, if it was made trainable) in place. Step losses are mean BCE per
// example. The caller saves the result with loss.save(dir).
Result<long> train_meta(MetaHeadLoss& loss, const MetaData& data, const TrainLoopOptions& opts, const StepCallback& on_step = {});

// The Bradley-Terry baseline: `loss` in pairwise mode, data.examples in (preferred, other) pairs (train/bt_data.h).
// The loop draws pairs, never splits them; step losses are mean -log sigmoid(margin) per pair.
Result<long> train_bt(MetaHeadLoss& loss, const MetaData& pairs, const TrainLoopOptions& opts, const StepCallback& on_step = {});

}  // namespace grm
