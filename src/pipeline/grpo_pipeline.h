// Rule-based GRPO (SPEC §3.2): for each step, sample G judgments per item from the current policy with the
// inference engine, reward each +1 / -1 by the correctness rule (an unparseable one is -1), normalise the
// rewards within each group, and take `updates_per_batch` AdamW steps on
//   mean over trajectories of [ -mean_t min(r_t A, clip(r_t, 1 - eps, 1 + eps) A) + beta * mean_t k3_t ]
// where r_t = p(o_t) / p_old(o_t) against the policy as it was when the batch was drawn (1 on the first
// update, so the first update is the plain policy gradient) and k3 = exp(ref - logp) - (ref - logp) - 1 is
// the unbiased KL estimator against the frozen reference.
// Tokens the engine forced (the verdict prefix when the budget ran out) are context, not actions: they carry
// neither advantage nor KL.
// The policy is exported to GGUF every `export_every` steps and the engine reloads it. Checkpoints (policy,
// optimizer state) every `checkpoint_every` steps; a resumed run draws the same items and seeds as an
// uninterrupted one, since both are functions of (seed, step).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/item.h"
#include "core/status.h"
#include "engine/llama_judge_engine.h"
#include "train/train_model.h"

namespace grm {

struct GrpoOptions {
  int group = 4;              // G: samples per item
  int items_per_step = 8;
  long steps = 100;
  double lr = 1e-5;
  long warmup = 0;
  double min_lr_ratio = 1.0;  // 1 = constant after warmup
  double beta = 0.08;         // KL coefficient
  double clip = 1.0;          // max gradient norm
  int micro_batch = 8;        // trajectories per forward/backward
  uint64_t seed = 1;
  int updates_per_batch = 1; // optimizer steps on each sampled batch (> 1 makes the ratio clipping matter)
  double clip_ratio = 0.2;    // eps of the clipped ratio
  int export_every = 1;       // steps between policy exports to the sampler
  std::string work_dir;       // policy exports
  long checkpoint_every = 0;  // steps between checkpoints (0 = none); a multiple of export_every
  std::string checkpoint_dir;
  bool resume = false;        // continue from the newest checkpoint in checkpoint_dir
  std::string log_path;       // JSON line per step
  LlamaEngineOptions engine;  // sampling: temperature, max_tokens, grammar, context, ...
};

// One optimizer step. Reward statistics are those of the step's sampled batch.
struct GrpoStep {
  long step = 0, total = 0;
  int update = 0;  // 0-based update on this batch
  double loss = 0, reward = 0, accuracy = 0, kl = 0, valid = 0, length = 0, lr = 0, grad_norm = 0;
  double clipped = 0;  // fraction of trained tokens whose ratio was clipped (0 on the first update)
};

// Trains `policy` in place against `reference` (frozen) on labelled items. Returns the sampling steps taken in
// this call.
Result<long> train_grpo(TrainModel& policy, TrainModel& reference, const std::vector<Item>& items, const GrpoOptions& opts,
                        const std::function<void(const GrpoStep&)>& on_step = {});

}  // namespace grm
