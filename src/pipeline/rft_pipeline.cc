#include "pipeline/rft_pipeline.h"

#include <fmt/format.h>

#include <chrono>

#include "core/item.h"
#include "core/random.h"
#include "core/response_order.h"
#include "core/rules.h"

namespace grm {
namespace {

nlohmann::json record(const Item& item, const Trajectory& t, TemplateKind kind, bool hinted) {
  return {{"item", item_to_json(item)}, {"order", t.order}, {"template", template_kind_name(kind)}, {"trajectory", t.text},
          {"hinted", hinted}};
}

// Runs one engine pass: `make` builds item i's request (nullopt: skip the item); results come back by item.
std::vector<JudgeResult> run_pass(JudgeEngine& engine, size_t n, const std::function<std::optional<JudgeRequest>(size_t)>& make,
                                  const std::function<void()>& on_done) {
  std::vector<JudgeResult> results(n);
  std::vector<size_t> ticket_item;
  size_t cursor = 0;
  engine.run(
      [&]() -> std::optional<JudgeRequest> {
        while (cursor < n) {
          const size_t i = cursor++;
          if (auto req = make(i)) {
            ticket_item.push_back(i);
            return req;
          }
        }
        return std::nullopt;
      },
      [&](uint64_t ticket, JudgeResult&& r) {
        results[ticket_item[ticket]] = std::move(r);
        if (on_done) on_done();
      });
  return results;
}

}  // namespace

Result<RftSummary> build_rft_data(JudgeEngine& engine, const std::vector<Item>& items, const RftOptions& opts,
                                  const RftOutputs& out, const std::function<void(int, int)>& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  if (opts.samples < 1) return Error{"--samples must be at least 1"};
  for (const auto& it : items)
    if (!it.has_label()) return Error{fmt::format("item '{}' has no label: rejective sampling needs ground truth", it.id)};
  RftSummary sum;
  sum.items = static_cast<int>(items.size());
  const bool hint_pass = opts.hinted && out.rft;
  const int total = static_cast<int>(items.size()) * (hint_pass ? 2 : 1);
  int done = 0;
  auto tick = [&] {
    ++done;
    if (progress) progress(done, total);
  };

  auto plain = run_pass(
      engine, items.size(),
      [&](size_t i) -> std::optional<JudgeRequest> {
        JudgeRequest req;
        req.item = items[i];
        req.seed = item_seed(opts.seed, items[i].id);
        req.orders = sample_orders(items[i].n(), opts.samples, OrderMode::kRandom, req.seed);
        req.kind = kind_for_item(items[i], opts.family);
        return req;
      },
      tick);
  std::vector<std::vector<nlohmann::json>> kept(items.size());
  std::vector<bool> keep_item(items.size(), false);
  for (size_t i = 0; i < items.size(); ++i) {
    const Item& it = items[i];
    if (plain[i].error) return Error{fmt::format("sampling item '{}': {}", it.id, *plain[i].error)};
    const TemplateKind kind = kind_for_item(it, opts.family);
    int correct = 0;
    for (const auto& t : plain[i].samples) {
      const RuleVerdict v = judge_by_rule(t.text, t.order, it, kind);
      const bool ok = v.correct;
      sum.valid += v.valid;
      correct += ok;
      if (out.labelled) {
        out.labelled->push_back(record(it, t, kind, false));
        out.labelled->back()["label"] = ok ? 1 : 0;
      }
      if (ok && out.rft) kept[i].push_back(record(it, t, kind, false));
    }
    sum.samples += static_cast<long>(plain[i].samples.size());
    sum.correct += correct;
    if (correct == static_cast<int>(plain[i].samples.size())) {
      ++sum.items_all_correct;
      kept[i].clear();
    } else {
      keep_item[i] = true;
      sum.items_none_correct += correct == 0;
    }
  }

  if (hint_pass) {
    auto hinted = run_pass(
        engine, items.size(),
        [&](size_t i) -> std::optional<JudgeRequest> {
          if (!keep_item[i] || !items[i].best) {
            tick();
            return std::nullopt;
          }
          JudgeRequest req;
          req.item = items[i];
          req.seed = mix_seed(item_seed(opts.seed, items[i].id), 0x68696e74);  // "hint"
          req.orders = sample_orders(items[i].n(), 1, OrderMode::kRandom, req.seed);
          req.kind = kind_for_item(items[i], opts.family);
          req.hinted = true;
          return req;
        },
        tick);
    for (size_t i = 0; i < items.size(); ++i) {
      if (!keep_item[i] || !items[i].best) continue;
      if (hinted[i].error) return Error{fmt::format("hinted sampling of item '{}': {}", items[i].id, *hinted[i].error)};
      const TemplateKind kind = kind_for_item(items[i], opts.family);
      for (const auto& t : hinted[i].samples) {
        ++sum.hinted_samples;
        if (judge_by_rule(t.text, t.order, items[i], kind).correct) {
          ++sum.hinted_correct;
          kept[i].push_back(record(items[i], t, kind, true));
        }
      }
    }
  }
  if (out.rft)
    for (auto& k : kept)
      for (auto& r : k) out.rft->push_back(std::move(r));
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return sum;
}

}  // namespace grm
