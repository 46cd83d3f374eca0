// Rule-based GRPO (SPEC §3.2): for each step, sample G judgments per item from the current policy with the
// inference engine, reward each +1 / -1 by the correctness rule (an unparseable one is -1), normalise the
// rewards within each group, and take one AdamW step on
//   mean over trajectories of [ -A * mean_t log p(o_t) + beta * mean_t k3(policy, reference) ]
// where k3 is the unbiased KL estimator exp(r - l) - (r - l) - 1 against the frozen reference model.
// Each batch is used for exactly one update (on-policy), so the PPO ratio is 1 and its clipping inactive.
// Tokens the engine forced (the verdict prefix when the budget ran out) are context, not actions: they carry
// neither advantage nor KL.
// The policy is exported to GGUF every `export_every` steps and the engine reloads it.
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
  int export_every = 1;       // steps between policy exports to the sampler
  std::string work_dir;       // policy exports
  std::string log_path;       // JSON line per step
  LlamaEngineOptions engine;  // sampling: temperature, max_tokens, grammar, context, ...
};

struct GrpoStep {
  long step = 0, total = 0;
  double loss = 0, reward = 0, accuracy = 0, kl = 0, valid = 0, length = 0, lr = 0, grad_norm = 0;
};

// Trains `policy` in place against `reference` (frozen) on labelled items.
Result<long> train_grpo(TrainModel& policy, TrainModel& reference, const std::vector<Item>& items, const GrpoOptions& opts,
                        const std::function<void(const GrpoStep&)>& on_step = {});

}  // namespace grm
