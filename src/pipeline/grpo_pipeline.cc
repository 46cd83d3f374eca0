#include "pipeline/grpo_pipeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "core/judgment_parser.h"
#include "core/random.h"
#include "core/response_order.h"
#include "core/rules.h"
#include "train/adamw.h"
#include "train/token_loss.h"

namespace grm {
namespace {

TemplateKind kind_of(const Item& item) { return item.correct ? TemplateKind::kSingleBinary : TemplateKind::kDefault; }

struct Rollout {
  std::vector<int32_t> prompt;
  std::vector<int32_t> output;
  std::vector<uint8_t> forced;  // output tokens the engine wrote: context, never trained on
  double advantage = 0;
};

// Packs rollouts [from, to) into a padded batch: weights A/|o| on output tokens, KL weights 1/|o|.
TokenBatch pack(const std::vector<Rollout>& rs, size_t from, size_t to, std::vector<float>* kl_weights) {
  TokenBatch b;
  b.B = static_cast<int>(to - from);
  for (size_t r = from; r < to; ++r) b.T = std::max(b.T, static_cast<int>(rs[r].prompt.size() + rs[r].output.size()) - 1);
  const size_t N = static_cast<size_t>(b.T) * b.B;
  b.tokens.assign(N, 0);
  b.targets.assign(N, 0);
  b.weights.assign(N, 0.0f);
  kl_weights->assign(N, 0.0f);
  for (int s = 0; s < b.B; ++s) {
    const Rollout& ro = rs[from + s];
    std::vector<int32_t> seq = ro.prompt;
    seq.insert(seq.end(), ro.output.begin(), ro.output.end());
    const int len = static_cast<int>(seq.size()) - 1;
    const size_t chosen = ro.output.size() - static_cast<size_t>(std::count(ro.forced.begin(), ro.forced.end(), 1));
    const float inv = 1.0f / static_cast<float>(std::max<size_t>(1, chosen));
    for (int t = 0; t < b.T; ++t) {
      const size_t i = static_cast<size_t>(s) * b.T + t;
      b.tokens[i] = t < len ? seq[t] : seq.back();
      if (t < len && t + 1 >= static_cast<int>(ro.prompt.size()) && !ro.forced[t + 1 - ro.prompt.size()]) {
        b.targets[i] = seq[t + 1];
        b.weights[i] = static_cast<float>(ro.advantage) * inv;
        (*kl_weights)[i] = inv;
      }
    }
  }
  return b;
}

}  // namespace

Result<long> train_grpo(TrainModel& policy, TrainModel& reference, const std::vector<Item>& items, const GrpoOptions& o,
                        const std::function<void(const GrpoStep&)>& on_step) {
  if (items.empty()) return Error{"no training items"};
  for (const auto& it : items)
    if (!it.has_label()) return Error{fmt::format("item '{}' has no label: GRPO's reward needs ground truth", it.id)};
  if (o.group < 2) return Error{"--group must be at least 2 (advantages are relative to the group)"};
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(o.work_dir, ec);
  const std::string export_path = (fs::path(o.work_dir) / "policy.gguf").string();
  std::ofstream log;
  if (!o.log_path.empty()) log.open(o.log_path, std::ios::app);

  AdamW opt(policy, AdamWOptions{});
  TokenLoss policy_loss(policy);
  TokenLoss reference_loss(reference);
  std::unique_ptr<LlamaJudgeEngine> engine;
  std::shared_ptr<LlamaModel> sampler_model;
  std::vector<size_t> order(items.size());
  std::iota(order.begin(), order.end(), 0);
  size_t cursor = order.size();
  uint64_t shuffle_state = o.seed;

  for (long step = 0; step < o.steps; ++step) {
    if (!engine || step % std::max(1, o.export_every) == 0) {
      engine.reset();
      sampler_model.reset();
      if (auto st = policy.save(export_path); !st) return st.error();
      auto m = LlamaModel::load(export_path);
      if (!m) return m.error();
      sampler_model = m.value();
      LlamaEngineOptions eo = o.engine;
      eo.chat_template = ChatTemplateMode::kNone;  // trained as raw text: the policy sees what it is trained on
      eo.n_parallel = std::max(eo.n_parallel, o.group);
      auto e = LlamaJudgeEngine::create(sampler_model, eo);
      if (!e) return e.error();
      engine = std::move(e.value());
    }
    // The step's items, cycling through seeded shuffles of the data.
    std::vector<const Item*> batch;
    while (static_cast<int>(batch.size()) < o.items_per_step) {
      if (cursor == order.size()) {
        for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[splitmix64(shuffle_state) % i]);
        cursor = 0;
      }
      batch.push_back(&items[order[cursor++]]);
    }
    size_t next = 0;
    std::vector<JudgeResult> results(batch.size());
    engine->run(
        [&]() -> std::optional<JudgeRequest> {
          if (next == batch.size()) return std::nullopt;
          const Item& it = *batch[next++];
          JudgeRequest r;
          r.item = it;
          r.kind = kind_of(it);
          r.seed = mix_seed(o.seed + static_cast<uint64_t>(step), next);
          r.orders = sample_orders(it.n(), o.group, OrderMode::kRandom, r.seed);
          return r;
        },
        [&](uint64_t ticket, JudgeResult&& r) { results[ticket] = std::move(r); });

    GrpoStep rep;
    rep.step = step + 1;
    rep.total = o.steps;
    std::vector<Rollout> rollouts;
    long n_samples = 0;
    for (size_t i = 0; i < batch.size(); ++i) {
      const Item& it = *batch[i];
      if (results[i].error) return Error{fmt::format("sampling item '{}': {}", it.id, *results[i].error)};
      std::vector<double> rewards;
      for (const auto& t : results[i].samples) {
        ParsedJudgment p = parse_judgment(t.text, it.n(), score_range(kind_of(it)));
        std::optional<std::vector<int>> scores;
        if (p.valid) scores = to_original_order(p.scores, t.order);
        const int r = rule_reward(scores, it);
        rewards.push_back(r);
        rep.valid += p.valid;
        rep.accuracy += r > 0;
        rep.length += t.tokens_generated;
        ++n_samples;
      }
      const double mean = std::accumulate(rewards.begin(), rewards.end(), 0.0) / rewards.size();
      double var = 0;
      for (double r : rewards) var += (r - mean) * (r - mean);
      const double sd = std::sqrt(var / rewards.size());
      for (size_t j = 0; j < results[i].samples.size(); ++j) {
        const Trajectory& t = results[i].samples[j];
        if (t.tokens.empty()) continue;
        Rollout ro;
        ro.prompt = engine->prompt_tokens(it, t.order, false, kind_of(it));
        ro.output = t.tokens;
        ro.forced = t.forced;
        ro.advantage = sd > 1e-6 ? (rewards[j] - mean) / sd : 0.0;  // a group that agrees teaches nothing
        rollouts.push_back(std::move(ro));
      }
      rep.reward += std::accumulate(rewards.begin(), rewards.end(), 0.0);
    }
    rep.reward /= std::max(1L, n_samples);
    rep.accuracy /= std::max(1L, n_samples);
    rep.valid /= std::max(1L, n_samples);
    rep.length /= std::max(1L, n_samples);

    HostGrads grads = zero_grads(policy);
    double kl_sum = 0, kl_tokens = 0;
    const float scale = 1.0f / static_cast<float>(std::max<size_t>(1, rollouts.size()));
    for (size_t from = 0; from < rollouts.size(); from += o.micro_batch) {
      const size_t to = std::min(rollouts.size(), from + static_cast<size_t>(o.micro_batch));
      std::vector<float> klw;
      TokenBatch b = pack(rollouts, from, to, &klw);
      TokenBatch ref_batch = b;
      ref_batch.weights = klw;  // the reference is needed wherever the KL is
      auto ref = reference_loss.token_logprobs(ref_batch);
      if (!ref) return ref.error();
      TokenLoss::KlTerm kl{&ref.value(), &klw, static_cast<float>(o.beta)};
      auto out = policy_loss.run_with_kl(b, scale, &grads, kl);
      if (!out) return out.error();
      rep.loss += out->loss;
      for (size_t i = 0; i < klw.size(); ++i) {
        if (klw[i] == 0.0f) continue;
        const double d = static_cast<double>(ref.value()[i]) - out->logprobs[i];
        kl_sum += std::exp(d) - d - 1;
        kl_tokens += 1;
      }
    }
    rep.kl = kl_tokens > 0 ? kl_sum / kl_tokens : 0;
    rep.grad_norm = clip_grad_norm(grads, o.clip);
    rep.lr = scheduled_lr(step, o.steps, o.warmup, o.lr, o.min_lr_ratio);
    opt.step(policy, grads, rep.lr);
    if (log) {
      log << nlohmann::json{{"step", rep.step}, {"loss", rep.loss}, {"reward", rep.reward}, {"accuracy", rep.accuracy},
                            {"kl", rep.kl}, {"valid", rep.valid}, {"length", rep.length}, {"lr", rep.lr},
                            {"grad_norm", rep.grad_norm}}.dump()
          << "\n" << std::flush;
    }
    if (on_step) on_step(rep);
  }
  return o.steps;
}

}  // namespace grm
