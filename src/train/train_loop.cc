#include "train/train_loop.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "train/adamw.h"
#include "train/batch_plan.h"
#include "train/checkpoint.h"
#include "train/step_log.h"

namespace grm {
namespace {

BatchPlanOptions plan_options(const TrainLoopOptions& o) {
  BatchPlanOptions p;
  p.epochs = o.epochs;
  p.max_steps = o.max_steps;
  p.batch = o.batch;
  p.accum = o.accum;
  p.seed = o.seed;
  p.length_window = o.length_window;
  return p;
}

}  // namespace

Result<long> run_train_loop(TrainObjective& obj, const TrainLoopOptions& o, const StepCallback& on_step) {
  if (obj.size() == 0) return Error{"no training examples"};
  if (o.batch < 1 || o.accum < 1 || o.epochs < 1) return Error{"--batch, --accum and --epochs must be at least 1"};
  if (o.length_window < 0) return Error{"--length-window must be 0 (off) or a number of steps"};
  if (o.micro_tokens < 0) return Error{"--micro-tokens must be 0 (the --batch micro-batches) or a number of tokens"};
  const auto length = [&](int i) { return obj.tokens({i}); };  // of one example, for the plan and the regrouping
  const auto steps = plan_steps(obj.size(), plan_options(o), length);
  const long total = static_cast<long>(steps.size());
  const auto plan_upto = [&](long n) { return plan_fingerprint(steps, static_cast<size_t>(n)); };
  AdamWOptions ao;
  ao.weight_decay = static_cast<float>(o.weight_decay);
  AdamW opt(obj.params(), ao);
  long start = 0;
  if (o.resume) {
    auto r = resume_training(o.checkpoint_dir, [&](const std::string& d) { return obj.load_weights(d); }, opt, plan_upto);
    if (!r) return r.error();
    start = r.value();
  }
  // A step's loss is normalised by its trained units, except with length windows: there a step's sequences share
  // a length, and its own count would weigh a token of a step of short sequences several times one of long
  // sequences (6x between the synth teacher's one- and four-response items), which starved the long items in
  // training. With windows every step is divided by the plan's mean units per step instead, so every token
  // weighs the same, as with random batches on average.
  double mean_units = 0;
  if (o.length_window > 0) {
    for (const auto& step : steps)
      for (const auto& which : step) mean_units += obj.units(which);
    mean_units /= static_cast<double>(std::max(1L, total));
  }
  auto log = StepLog::open(o.log_path);
  if (!log) return log.error();
  const long steps_per_epoch = std::max(1L, total / o.epochs);
  for (long s = start; s < total; ++s) {
    const auto t0 = std::chrono::steady_clock::now();
    const StepBatches micro = regroup_by_length(steps[s], o.micro_tokens, length);
    double units = 0;
    long all_tokens = 0;
    for (const auto& which : micro) {
      units += obj.units(which);
      all_tokens += obj.tokens(which);
    }
    const double norm = std::max(1.0, o.length_window > 0 ? mean_units : units);
    HostGrads grads = zero_grads(obj.params());
    double total_loss = 0;
    for (const auto& which : micro) {
      auto l = obj.run(which, static_cast<float>(1.0 / norm), &grads);
      if (!l) return l.error();
      total_loss += l.value();
    }
    StepReport r;
    r.step = s + 1;
    r.total_steps = total;
    r.epoch = static_cast<int>(s / steps_per_epoch);
    r.loss = total_loss * norm / std::max(1.0, units);  // per unit of this step, whatever the normaliser
    r.grad_norm = clip_grad_norm(grads, o.clip);
    r.lr = scheduled_lr(s, total, o.warmup, o.lr, o.min_lr_ratio);
    opt.step(grads, r.lr);
    r.tokens = static_cast<long>(units);
    r.tokens_per_s = all_tokens / std::max(1e-9, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (auto st = log->write({{"step", r.step}, {"epoch", r.epoch}, {"loss", r.loss}, {"lr", r.lr}, {"grad_norm", r.grad_norm},
                              {"tokens", r.tokens}, {"tokens_per_s", r.tokens_per_s}});
        !st)
      return st.error();
    if (on_step) on_step(r);
    if (!o.checkpoint_dir.empty() && o.checkpoint_every > 0 && r.step % o.checkpoint_every == 0 && r.step < total) {
      auto st = write_training_checkpoint(o.checkpoint_dir, r.step, [&](const std::string& d) { return obj.save_weights(d); }, opt,
                                          plan_upto(r.step));
      if (!st) return st.error();
    }
  }
  return total - start;
}

}  // namespace grm
