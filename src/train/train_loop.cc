#include "train/train_loop.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <numeric>

#include "core/random.h"
#include "train/adamw.h"
#include "train/checkpoint.h"
#include "train/step_log.h"

namespace grm {
namespace {

// The micro-batches of every optimizer step, in order: example indices.
std::vector<std::vector<std::vector<int>>> plan_steps(int n, const TrainLoopOptions& o) {
  std::vector<std::vector<std::vector<int>>> steps;
  for (int e = 0; e < o.epochs; ++e) {
    std::vector<int> idx(n);
    std::iota(idx.begin(), idx.end(), 0);
    uint64_t s = o.seed * 1000003ull + static_cast<uint64_t>(e);
    for (int i = n - 1; i > 0; --i) std::swap(idx[i], idx[splitmix64(s) % static_cast<uint64_t>(i + 1)]);
    const int per_step = o.batch * o.accum;
    for (int start = 0; start < n; start += per_step) {
      std::vector<std::vector<int>> micro;
      for (int m = start; m < std::min(n, start + per_step); m += o.batch)
        micro.emplace_back(idx.begin() + m, idx.begin() + std::min(std::min(n, start + per_step), m + o.batch));
      steps.push_back(std::move(micro));
    }
  }
  if (o.max_steps > 0 && static_cast<long>(steps.size()) > o.max_steps) steps.resize(o.max_steps);
  return steps;
}

}  // namespace

Result<long> run_train_loop(TrainObjective& obj, const TrainLoopOptions& o, const StepCallback& on_step) {
  if (obj.size() == 0) return Error{"no training examples"};
  if (o.batch < 1 || o.accum < 1 || o.epochs < 1) return Error{"--batch, --accum and --epochs must be at least 1"};
  const auto steps = plan_steps(obj.size(), o);
  const long total = static_cast<long>(steps.size());
  AdamWOptions ao;
  ao.weight_decay = static_cast<float>(o.weight_decay);
  AdamW opt(obj.params(), ao);
  long start = 0;
  if (o.resume) {
    auto r = resume_training(o.checkpoint_dir, [&](const std::string& d) { return obj.load_weights(d); }, opt);
    if (!r) return r.error();
    start = r.value();
  }
  auto log = StepLog::open(o.log_path);
  if (!log) return log.error();
  const long steps_per_epoch = std::max(1L, total / o.epochs);
  for (long s = start; s < total; ++s) {
    const auto t0 = std::chrono::steady_clock::now();
    double units = 0;
    long all_tokens = 0;
    for (const auto& which : steps[s]) {
      units += obj.units(which);
      all_tokens += obj.tokens(which);
    }
    HostGrads grads = zero_grads(obj.params());
    double total_loss = 0;
    for (const auto& which : steps[s]) {
      auto l = obj.run(which, static_cast<float>(1.0 / std::max(1.0, units)), &grads);
      if (!l) return l.error();
      total_loss += l.value();
    }
    StepReport r;
    r.step = s + 1;
    r.total_steps = total;
    r.epoch = static_cast<int>(s / steps_per_epoch);
    r.loss = total_loss;
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
      auto st = write_training_checkpoint(o.checkpoint_dir, r.step, [&](const std::string& d) { return obj.save_weights(d); }, opt);
      if (!st) return st.error();
    }
  }
  return total - start;
}

}  // namespace grm
