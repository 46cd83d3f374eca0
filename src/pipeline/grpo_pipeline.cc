#include "pipeline/grpo_pipeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>

#include "core/random.h"
#include "core/response_order.h"
#include "core/rules.h"
#include "train/adamw.h"
#include "train/checkpoint.h"
#include "train/step_log.h"
#include "train/token_loss.h"

namespace grm {
namespace {

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

// The items of each step: a seeded reshuffle of the data each time it is used up. A pure function of
// (seed, step), so that a resumed run draws what an uninterrupted one would.
class ItemCycler {
 public:
  ItemCycler(size_t n, uint64_t seed) : order_(n), state_(seed) { std::iota(order_.begin(), order_.end(), 0); cursor_ = n; }
  std::vector<size_t> next(int count) {
    std::vector<size_t> out;
    while (static_cast<int>(out.size()) < count) {
      if (cursor_ == order_.size()) {
        seeded_shuffle(order_, order_.size(), state_);
        cursor_ = 0;
      }
      out.push_back(order_[cursor_++]);
    }
    return out;
  }

 private:
  std::vector<size_t> order_;
  size_t cursor_;
  uint64_t state_;
};

// One micro-batch of a sampled step and what stays fixed across its updates.
struct MicroBatch {
  TokenBatch batch;               // weights: A / |o| on chosen output tokens
  std::vector<float> kl_weights;  // 1 / |o| on the same tokens
  std::vector<float> ref;         // reference log-probs there
  std::vector<float> old;         // policy log-probs there when the batch was drawn (set by the first update)
};

}  // namespace

Result<long> train_grpo(TrainModel& policy, TrainModel& reference, const std::vector<Item>& items, const GrpoOptions& o,
                        const std::function<void(const GrpoStep&)>& on_step) {
  if (items.empty()) return Error{"no training items"};
  for (const auto& it : items)
    if (!it.has_label()) return Error{fmt::format("item '{}' has no label: GRPO's reward needs ground truth", it.id)};
  if (o.group < 2) return Error{"--group must be at least 2 (advantages are relative to the group)"};
  if (o.updates_per_batch < 1) return Error{"--updates must be at least 1"};
  const int export_every = std::max(1, o.export_every);
  if (o.checkpoint_every > 0 && o.checkpoint_every % export_every != 0)
    return Error{"--checkpoint-every must be a multiple of --export-every (a resumed run must sample from the same export)"};
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(o.work_dir, ec);
  const std::string export_path = (fs::path(o.work_dir) / "policy.gguf").string();

  AdamW opt(policy.params(), AdamWOptions{});
  const auto model_file = [](const std::string& d) { return (std::filesystem::path(d) / "model.gguf").string(); };
  long start = 0;
  if (o.resume) {
    auto r = resume_training(o.checkpoint_dir, [&](const std::string& d) { return load_tensors(model_file(d), policy.params()); }, opt);
    if (!r) return r.error();
    start = r.value();
  }
  auto log = StepLog::open(o.log_path);
  if (!log) return log.error();
  TokenLoss policy_loss(policy);
  TokenLoss reference_loss(reference);
  std::unique_ptr<LlamaJudgeEngine> engine;
  std::shared_ptr<LlamaModel> sampler_model;
  ItemCycler cycler(items.size(), o.seed);
  for (long s = 0; s < start; ++s) cycler.next(o.items_per_step);
  const long total_updates = o.steps * o.updates_per_batch;

  for (long step = start; step < o.steps; ++step) {
    if (!engine || step % export_every == 0) {
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
    std::vector<const Item*> batch;
    for (size_t i : cycler.next(o.items_per_step)) batch.push_back(&items[i]);
    size_t next = 0;
    std::vector<JudgeResult> results(batch.size());
    engine->run(
        [&]() -> std::optional<JudgeRequest> {
          if (next == batch.size()) return std::nullopt;
          const Item& it = *batch[next++];
          JudgeRequest r;
          r.item = it;
          r.kind = kind_for_item(it, o.engine.prompt.kind);
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
        const RuleVerdict v = judge_by_rule(t.text, t.order, it, kind_for_item(it, o.engine.prompt.kind));
        const int r = rule_reward(v);
        rewards.push_back(r);
        rep.valid += v.valid;
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
        ro.prompt = engine->prompt_tokens(it, t.order, false, kind_for_item(it, o.engine.prompt.kind));
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

    std::vector<MicroBatch> micro;
    for (size_t from = 0; from < rollouts.size(); from += o.micro_batch) {
      MicroBatch mb;
      mb.batch = pack(rollouts, from, std::min(rollouts.size(), from + static_cast<size_t>(o.micro_batch)), &mb.kl_weights);
      TokenBatch ref_batch = mb.batch;
      ref_batch.weights = mb.kl_weights;  // the reference is needed wherever the KL is
      auto ref = reference_loss.token_logprobs(ref_batch);
      if (!ref) return ref.error();
      mb.ref = std::move(ref.value());
      micro.push_back(std::move(mb));
    }
    const float scale = 1.0f / static_cast<float>(std::max<size_t>(1, rollouts.size()));
    const double eps = o.clip_ratio;
    for (int u = 0; u < o.updates_per_batch; ++u) {
      HostGrads grads = zero_grads(policy.params());
      double loss = 0, kl_sum = 0, kl_tokens = 0, clipped = 0, trained = 0;
      for (MicroBatch& mb : micro) {
        // The clipped surrogate's gradient is A * r * grad log p where the ratio is inside the clip range
        // (or on the side the clip does not bound) and 0 elsewhere: as token weights, A/|o| * r * inside.
        TokenBatch b = mb.batch;
        std::vector<float> ratio(b.weights.size(), 1.0f);
        if (u > 0) {
          TokenBatch probe = mb.batch;
          probe.weights = mb.kl_weights;
          auto cur = policy_loss.token_logprobs(probe);
          if (!cur) return cur.error();
          for (size_t i = 0; i < b.weights.size(); ++i) {
            if (mb.kl_weights[i] == 0.0f) continue;
            ratio[i] = std::exp(cur.value()[i] - mb.old[i]);
            const float a = mb.batch.weights[i];
            const bool cut = (a > 0 && ratio[i] > 1 + eps) || (a < 0 && ratio[i] < 1 - eps);
            b.weights[i] = cut ? 0.0f : a * ratio[i];
            clipped += cut;
          }
        }
        TokenLoss::KlTerm kl{&mb.ref, &mb.kl_weights, static_cast<float>(o.beta)};
        auto out = policy_loss.run_with_kl(b, scale, &grads, kl);
        if (!out) return out.error();
        if (u == 0) mb.old = out->logprobs;
        for (size_t i = 0; i < mb.kl_weights.size(); ++i) {
          if (mb.kl_weights[i] == 0.0f) continue;
          const double a = mb.batch.weights[i];
          const double r = ratio[i];
          const double d = static_cast<double>(mb.ref[i]) - out->logprobs[i];
          const double k3 = std::exp(d) - d - 1;
          loss -= scale * std::min(r * a, std::clamp(r, 1 - eps, 1 + eps) * a);
          loss += scale * o.beta * mb.kl_weights[i] * k3;
          kl_sum += k3;
          kl_tokens += 1;
        }
        trained += std::count_if(mb.kl_weights.begin(), mb.kl_weights.end(), [](float w) { return w != 0.0f; });
      }
      GrpoStep r = rep;
      r.update = u;
      r.loss = loss;
      r.kl = kl_tokens > 0 ? kl_sum / kl_tokens : 0;
      r.clipped = trained > 0 ? clipped / trained : 0;
      r.grad_norm = clip_grad_norm(grads, o.clip);
      r.lr = scheduled_lr(step * o.updates_per_batch + u, total_updates, o.warmup, o.lr, o.min_lr_ratio);
      opt.step(grads, r.lr);
      if (auto st = log->write({{"step", r.step}, {"update", r.update}, {"loss", r.loss}, {"reward", r.reward},
                                {"accuracy", r.accuracy}, {"kl", r.kl}, {"valid", r.valid}, {"length", r.length},
                                {"clipped", r.clipped}, {"lr", r.lr}, {"grad_norm", r.grad_norm}});
          !st)
        return st.error();
      if (on_step) on_step(r);
    }
    if (!o.checkpoint_dir.empty() && o.checkpoint_every > 0 && (step + 1) % o.checkpoint_every == 0 && step + 1 < o.steps)
      if (auto st = write_training_checkpoint(o.checkpoint_dir, step + 1, [&](const std::string& d) { return policy.save(model_file(d)); }, opt);
          !st)
        return st.error();
  }
  return o.steps - start;
}

}  // namespace grm
