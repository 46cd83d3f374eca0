#include "train/sft_trainer.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>

#include "core/random.h"
#include "train/adamw.h"
#include "train/token_loss.h"

namespace grm {
namespace fs = std::filesystem;
namespace {

// The micro-batches of every optimizer step, in order: example indices.
std::vector<std::vector<std::vector<int>>> plan_steps(int n, const SftOptions& o) {
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

TokenBatch make_batch(const SftData& data, const std::vector<int>& which) {
  TokenBatch b;
  b.B = static_cast<int>(which.size());
  for (int i : which) b.T = std::max(b.T, static_cast<int>(data.examples[i].tokens.size()) - 1);
  const size_t N = static_cast<size_t>(b.T) * b.B;
  b.tokens.assign(N, 0);
  b.targets.assign(N, 0);
  b.weights.assign(N, 0.0f);
  for (int s = 0; s < b.B; ++s) {
    const SftExample& ex = data.examples[which[s]];
    const int len = static_cast<int>(ex.tokens.size()) - 1;  // inputs are tokens[0..len), targets tokens[1..len]
    for (int t = 0; t < b.T; ++t) {
      const size_t i = static_cast<size_t>(s) * b.T + t;
      b.tokens[i] = t < len ? ex.tokens[t] : ex.tokens.back();
      if (t < len) {
        b.targets[i] = ex.tokens[t + 1];
        b.weights[i] = t + 1 >= ex.prompt_len ? 1.0f : 0.0f;
      }
    }
  }
  return b;
}

std::string step_dir(const std::string& dir, long step) { return (fs::path(dir) / fmt::format("step-{:06}", step)).string(); }

Status write_checkpoint(const TrainModel& model, const AdamW& opt, const std::string& dir, long step) {
  const std::string final_dir = step_dir(dir, step);
  const std::string tmp = final_dir + ".tmp";
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) return Error{fmt::format("cannot create checkpoint directory '{}': {}", tmp, ec.message())};
  if (auto st = model.save((fs::path(tmp) / "model.gguf").string()); !st) return st;
  if (auto st = opt.save((fs::path(tmp) / "optimizer.gguf").string(), model); !st) return st;
  std::ofstream(fs::path(tmp) / "state.json") << nlohmann::json{{"step", step}}.dump() << "\n";
  fs::remove_all(final_dir, ec);
  fs::rename(tmp, final_dir, ec);
  if (ec) return Error{fmt::format("cannot finish checkpoint '{}': {}", final_dir, ec.message())};
  return Ok{};
}

}  // namespace

Result<long> train_sft(TrainModel& model, const SftData& data, const SftOptions& o, const StepCallback& on_step) {
  if (data.examples.empty()) return Error{"no training examples"};
  if (o.batch < 1 || o.accum < 1 || o.epochs < 1) return Error{"--batch, --accum and --epochs must be at least 1"};
  const auto steps = plan_steps(static_cast<int>(data.examples.size()), o);
  const long total = static_cast<long>(steps.size());
  AdamWOptions ao;
  ao.weight_decay = static_cast<float>(o.weight_decay);
  AdamW opt(model, ao);
  long start = 0;
  if (o.resume && !o.checkpoint_dir.empty() && fs::exists(o.checkpoint_dir)) {
    std::string newest;
    for (const auto& e : fs::directory_iterator(o.checkpoint_dir)) {
      const std::string name = e.path().filename().string();
      if (name.rfind("step-", 0) == 0 && name.find(".tmp") == std::string::npos && fs::exists(e.path() / "state.json"))
        newest = std::max(newest, name);
    }
    if (!newest.empty()) {
      const fs::path d = fs::path(o.checkpoint_dir) / newest;
      auto ckpt = TrainModel::load((d / "model.gguf").string());
      if (!ckpt) return ckpt.error();
      if (ckpt.value()->params().size() != model.params().size()) return Error{"checkpoint does not match the model"};
      for (size_t i = 0; i < model.params().size(); ++i)
        std::copy_n(static_cast<const float*>(ckpt.value()->params()[i]->data), ggml_nelements(model.params()[i]),
                    static_cast<float*>(model.params()[i]->data));
      if (auto st = opt.load((d / "optimizer.gguf").string(), model); !st) return st.error();
      std::ifstream sf(d / "state.json");
      start = nlohmann::json::parse(sf, nullptr, false).value("step", 0L);
    }
  }
  std::ofstream log;
  if (!o.log_path.empty()) {
    log.open(o.log_path, std::ios::app);
    if (!log) return Error{fmt::format("cannot open log '{}'", o.log_path)};
  }
  TokenLoss loss(model);
  long steps_per_epoch = std::max(1L, total / o.epochs);
  for (long s = start; s < total; ++s) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<TokenBatch> micro;
    double weight = 0;
    long all_tokens = 0;
    for (const auto& which : steps[s]) {
      micro.push_back(make_batch(data, which));
      for (float w : micro.back().weights) weight += w;
      for (int i : which) all_tokens += static_cast<long>(data.examples[i].tokens.size());
    }
    HostGrads grads = zero_grads(model);
    double total_loss = 0;
    for (const auto& mb : micro) {
      auto l = loss.run(mb, static_cast<float>(1.0 / std::max(1.0, weight)), &grads);
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
    opt.step(model, grads, r.lr);
    r.tokens = static_cast<long>(weight);
    r.tokens_per_s = all_tokens / std::max(1e-9, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (log) {
      log << nlohmann::json{{"step", r.step}, {"epoch", r.epoch}, {"loss", r.loss}, {"lr", r.lr}, {"grad_norm", r.grad_norm},
                            {"tokens", r.tokens}, {"tokens_per_s", r.tokens_per_s}}.dump()
          << "\n" << std::flush;
    }
    if (on_step) on_step(r);
    if (!o.checkpoint_dir.empty() && o.checkpoint_every > 0 && r.step % o.checkpoint_every == 0 && r.step < total) {
      if (auto st = write_checkpoint(model, opt, o.checkpoint_dir, r.step); !st) return st.error();
    }
  }
  return total - start;
}

}  // namespace grm
