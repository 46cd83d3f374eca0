#include "pipeline/score_pipeline.h"

#include <fmt/format.h>

#include <chrono>
#include <map>

#include "core/judgment_parser.h"
#include "core/rules.h"
#include "core/voting.h"

namespace grm {
TemplateKind judge_kind(const Item& item, const ScoreOptions& opts) {
  return opts.binary_template_for_correct && item.correct ? single_of(opts.kind) : opts.kind;
}

namespace {

// One input line's place in the output: either an item to judge or an invalid line to report.
struct Slot {
  const ItemLine* line;
  bool judge;
};

nlohmann::json judged_record(const Item& item, JudgeResult& r, const ScoreOptions& opts, MetaRewardModel* meta,
                             uint64_t seed, ScoreSummary& sum) {
  nlohmann::json rec;
  rec["id"] = item.id;
  if (r.error) {
    rec["error"] = *r.error;
    ++sum.items_failed;
    return rec;
  }
  const int n = item.n();
  const ScoreRange range = score_range(judge_kind(item, opts));
  std::vector<SampleVote> votes(r.samples.size());
  std::vector<ParsedJudgment> parsed;
  parsed.reserve(r.samples.size());
  for (size_t j = 0; j < r.samples.size(); ++j) {
    parsed.push_back(parse_judgment(r.samples[j].text, n, range));
    votes[j].valid = parsed[j].valid;
    if (parsed[j].valid) votes[j].scores = to_original_order(parsed[j].scores, r.samples[j].order);
  }
  std::optional<std::string> meta_error;
  if (meta) {
    std::vector<MetaSample> ms;
    for (const auto& t : r.samples) ms.push_back({t.order, t.text, judge_kind(item, opts)});
    auto scores = meta->score(item, ms);
    if (scores) {
      for (size_t j = 0; j < votes.size(); ++j) votes[j].meta = scores.value()[j];
    } else {
      meta_error = scores.error().message;
    }
  }
  const bool meta_voting = meta && !meta_error;
  const int k = static_cast<int>(r.samples.size());
  const std::optional<int> k_meta = meta_voting ? std::optional<int>(opts.k_meta.value_or(default_k_meta(k))) : std::nullopt;
  VoteResult v = vote(votes, n, k_meta, seed ^ 0x5bd1e995u);

  int valid = 0;
  nlohmann::json samples = nlohmann::json::array();
  for (size_t j = 0; j < r.samples.size(); ++j) {
    const Trajectory& t = r.samples[j];
    const ParsedJudgment& p = parsed[j];
    nlohmann::json s;
    s["order"] = t.order;
    s["principles"] = nlohmann::json::array();
    for (const auto& pr : p.principles)
      s["principles"].push_back({{"name", pr.name}, {"weight", pr.weight ? nlohmann::json(*pr.weight) : nlohmann::json()}});
    std::vector<std::optional<std::string>> analysis = to_original_order(p.analysis, t.order);
    s["analysis"] = nlohmann::json::array();
    for (const auto& a : analysis) s["analysis"].push_back(a ? nlohmann::json(*a) : nlohmann::json());
    s["valid"] = p.valid;
    s["scores"] = p.valid ? nlohmann::json(votes[j].scores) : nlohmann::json();
    if (!p.valid) s["invalid_reason"] = p.invalid_reason;
    if (votes[j].meta) s["meta"] = *votes[j].meta;
    s["text"] = t.text;
    s["tokens"] = t.tokens_generated;
    s["forced_verdict"] = t.forced_verdict;
    s["finish"] = t.finish;
    samples.push_back(std::move(s));
    valid += p.valid;
  }
  rec["scores"] = v.best ? nlohmann::json(v.totals) : nlohmann::json();
  rec["best"] = v.best ? nlohmann::json(*v.best) : nlohmann::json();
  rec["method"] = meta_voting ? "meta_voting" : "voting";
  if (meta_voting) rec["k_meta"] = *k_meta;
  if (meta_error) rec["meta_error"] = *meta_error;
  rec["voters"] = v.voters;
  rec["tie_broken"] = v.tie_broken;
  rec["k"] = k;
  rec["valid_samples"] = valid;
  // One response is "correct" by the rule only when judged 0/1: a 1..10 rating (SPEC §1) has no label to match.
  const bool rule_applies = n >= 2 || range.hi == 1;
  if (item.has_label() && rule_applies)
    rec["correct"] = is_vote_correct(v.totals, static_cast<int>(v.voters.size()), item);
  rec["samples"] = std::move(samples);
  rec["stats"] = {{"prompt_tokens_evaluated", r.stats.prompt_tokens_evaluated},
                  {"prompt_tokens_reused", r.stats.prompt_tokens_reused},
                  {"tokens_generated", r.stats.tokens_generated},
                  {"seconds", r.stats.seconds}};
  ++sum.items_judged;
  sum.samples += k;
  sum.valid_samples += valid;
  sum.prompt_tokens_evaluated += r.stats.prompt_tokens_evaluated;
  sum.prompt_tokens_reused += r.stats.prompt_tokens_reused;
  sum.tokens_generated += r.stats.tokens_generated;
  return rec;
}

}  // namespace

Result<ScoreSummary> run_score(JudgeEngine& engine, MetaRewardModel* meta, const ItemFile& input,
                               JudgmentWriter& out, const ScoreOptions& opts, const ProgressFn& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  ScoreSummary sum;
  std::vector<Slot> slots;
  for (const auto& l : input.lines) {
    if (l.item && out.existing_ids().count(l.item->id)) {
      ++sum.items_skipped;
      continue;
    }
    if (!l.item && !opts.skip_invalid) return Error{"input has invalid lines (internal: validate first)"};
    if (!l.item && out.existing_ids().count(fmt::format("line:{}", l.line))) continue;
    slots.push_back({&l, l.item.ok()});
  }
  const int total = static_cast<int>(slots.size());

  // Results come back in completion order; lines go out in input order.
  std::map<size_t, nlohmann::json> ready;
  size_t next_out = 0;
  std::optional<Error> write_error;
  int done = 0;
  auto flush = [&] {
    while (!write_error && ready.count(next_out)) {
      if (auto st = out.write(ready[next_out]); !st) write_error = st.error();
      ready.erase(next_out++);
    }
  };
  auto error_line = [&](const ItemLine& l) {
    ++sum.lines_invalid;
    return nlohmann::json{{"id", fmt::format("line:{}", l.line)}, {"line", l.line}, {"error", l.item.error().message}};
  };

  std::vector<size_t> ticket_slot;  // engine ticket -> slot index
  size_t cursor = 0;
  auto source = [&]() -> std::optional<JudgeRequest> {
    while (cursor < slots.size() && !write_error) {
      const size_t i = cursor++;
      if (!slots[i].judge) {
        ready[i] = error_line(*slots[i].line);
        ++done;
        flush();
        continue;
      }
      const Item& item = slots[i].line->item.value();
      JudgeRequest req;
      req.item = item;
      req.seed = item_seed(opts.seed, item.id);
      req.orders = sample_orders(item.n(), opts.k, opts.orders, req.seed);
      req.greedy = opts.greedy;
      req.kind = judge_kind(item, opts);
      ticket_slot.push_back(i);
      return req;
    }
    return std::nullopt;
  };
  auto sink = [&](uint64_t ticket, JudgeResult&& r) {
    const size_t i = ticket_slot[ticket];
    const Item& item = slots[i].line->item.value();
    ready[i] = judged_record(item, r, opts, meta, item_seed(opts.seed, item.id), sum);
    ++done;
    if (progress) progress(done, total);
    flush();
  };
  engine.run(source, sink);
  flush();
  if (progress) progress(done, total);
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (write_error) return *write_error;
  return sum;
}

}  // namespace grm
