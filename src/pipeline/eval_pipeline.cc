#include "pipeline/eval_pipeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <unordered_map>

#include "core/prompt.h"
#include "eval/benchmark_readers.h"

namespace grm {
namespace fs = std::filesystem;
namespace {

using json = nlohmann::json;

// The records of a grm score output file, by id (lines that do not parse are ignored: resume rewrites them).
std::unordered_map<std::string, json> load_records_by_id(const fs::path& p) {
  std::unordered_map<std::string, json> out;
  std::ifstream f(p);
  std::string line;
  while (std::getline(f, line)) {
    json j = json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains("id") || !j["id"].is_string()) continue;
    std::string id = j["id"].get<std::string>();
    out[id] = std::move(j);
  }
  return out;
}

Status check_settings(const fs::path& dir, const json& key) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error{fmt::format("cannot create cache directory '{}': {}", dir.string(), ec.message())};
  const fs::path p = dir / "settings.json";
  if (fs::exists(p)) {
    std::ifstream f(p);
    json old = json::parse(f, nullptr, false);
    if (old != key)
      return Error{fmt::format("the sample cache '{}' was made with other settings ({}); now {}. Use another --report "
                               "directory, or delete the cache to resample",
                               dir.string(), old.dump(), key.dump())};
    return Ok{};
  }
  std::ofstream f(p);
  f << key.dump(2) << "\n";
  if (!f) return Error{fmt::format("cannot write '{}'", p.string())};
  return Ok{};
}

// The smallest cached pool with at least k samples, else a new pool file for k.
std::pair<fs::path, int> pool_file(const fs::path& dir, int k) {
  int best = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("pool-k", 0) != 0 || e.path().extension() != ".jsonl") continue;
    const int K = std::atoi(name.c_str() + 6);
    if (K >= k && (best == 0 || K < best)) best = K;
  }
  const int K = best ? best : k;
  return {dir / fmt::format("pool-k{}.jsonl", K), K};
}

Status sample_into(const fs::path& file, JudgeEngine& engine, const EvalSet& set, ScoreOptions so,
                   const std::string& stage, const EvalProgressFn& progress) {
  auto writer = JudgmentWriter::open(file.string(), OpenMode::kResume);
  if (!writer) return writer.error();
  ItemFile input;
  input.name = file.string();
  for (size_t i = 0; i < set.items.size(); ++i) input.lines.push_back({static_cast<int>(i + 1), set.items[i].item});
  auto sum = run_score(engine, nullptr, input, *writer.value(), so, [&](int done, int total) {
    if (progress) progress({stage, done, total});
  });
  if (!sum) return sum.error();
  return Ok{};
}

SampleVote vote_of(const json& s) {
  SampleVote v;
  v.valid = s.value("valid", false) && s.contains("scores") && s["scores"].is_array();
  if (v.valid) v.scores = s["scores"].get<std::vector<int>>();
  return v;
}

}  // namespace

Result<EvalReport> run_eval(const EvalOptions& opts, JudgeEngine& engine, MetaRewardModel* meta,
                            const EvalProgressFn& progress) {
  EvalReport report;
  if (opts.ks.empty() && !opts.greedy) return Error{"nothing to evaluate: no k values and no greedy pass"};
  if (opts.ks.empty() && meta) return Error{"the meta RM rates sampled judgments: give k values besides greedy"};
  const int k_max = opts.ks.empty() ? 0 : *std::max_element(opts.ks.begin(), opts.ks.end());
  report.settings = opts.sampling_key;
  report.settings["k"] = opts.ks;
  report.settings["k_max"] = k_max;
  report.settings["greedy"] = opts.greedy;
  report.settings["subsets"] = opts.subsets;
  report.settings["k_meta"] = opts.k_meta > 0 ? json(opts.k_meta) : json("k/2");
  report.settings["seed"] = opts.seed;
  report.settings["limit"] = opts.limit;
  report.settings["meta_rm"] = opts.meta_key;

  for (const auto& [bench, path] : opts.data) {
    ReadOptions ro;
    ro.skip_invalid = opts.skip_invalid;
    ro.limit = opts.limit;
    auto set = read_benchmark(bench, path, ro);
    if (!set) return set.error();
    if (set->items.empty()) return Error{fmt::format("no items to evaluate in '{}'", path)};
    const std::string bn = benchmark_name(bench);
    const fs::path dir = fs::path(opts.report_dir) / "cache" / bn;
    if (auto st = check_settings(dir, opts.sampling_key); !st) return st.error();

    ScoreOptions so;
    so.orders = opts.orders;
    so.seed = opts.seed;
    so.kind = opts.kind;
    // ReaLMistake rates its single responses 1..10 (the default template, ranked by ROC-AUC); canonical items
    // labelled {"correct": 0|1} are judged with the 0/1 template so that the correctness rule applies.
    so.binary_template_for_correct = bench == Benchmark::kItems;
    std::unordered_map<std::string, json> pool_records;
    int pool_k = 0;
    std::string pool_path;
    if (k_max > 0) {
      auto [path, k] = pool_file(dir, k_max);
      pool_path = path.string();
      pool_k = k;
      so.k = pool_k;
      if (auto st = sample_into(path, engine, set.value(), so, fmt::format("{}: sampling k={}", bn, pool_k), progress); !st)
        return st.error();
      pool_records = load_records_by_id(path);
    }
    const fs::path greedy_path = dir / "greedy.jsonl";
    std::unordered_map<std::string, json> greedy_records;
    if (opts.greedy) {
      ScoreOptions g = so;
      g.k = 1;
      g.greedy = true;
      if (auto st = sample_into(greedy_path, engine, set.value(), g, bn + ": greedy", progress); !st) return st.error();
      greedy_records = load_records_by_id(greedy_path);
    }

    BenchmarkResult r;
    r.set = std::move(set.value());
    const size_t n_items = r.set.items.size();
    r.pools.resize(n_items);
    r.orders.resize(n_items);
    std::vector<const json*> records(n_items, nullptr);
    // An item counts as judged when its pool is there (greedy only: its greedy judgment).
    for (size_t i = 0; i < n_items; ++i) {
      const std::string& id = r.set.items[i].item.id;
      bool judged = false;
      if (k_max > 0) {
        auto it = pool_records.find(id);
        if (it != pool_records.end() && it->second.contains("samples")) {
          judged = true;
          records[i] = &it->second;
          const json& samples = it->second["samples"];
          for (size_t j = 0; j < samples.size() && static_cast<int>(j) < k_max; ++j) {
            r.pools[i].samples.push_back(vote_of(samples[j]));
            r.orders[i].push_back(samples[j]["order"].get<std::vector<int>>());
          }
        }
      }
      if (opts.greedy) {
        auto g = greedy_records.find(id);
        if (g != greedy_records.end() && g->second.contains("samples") && !g->second["samples"].empty()) {
          r.pools[i].greedy = vote_of(g->second["samples"][0]);
          judged = judged || k_max == 0;
        }
      }
      if (!judged) ++r.items_without_samples;
    }

    if (meta) {
      const fs::path meta_path = dir / fmt::format("meta-{}-k{}.jsonl", std::hash<std::string>{}(opts.meta_key) % 1000000007, pool_k);
      auto cached = load_records_by_id(meta_path);
      std::ofstream mf(meta_path, std::ios::app);
      int done = 0;
      for (size_t i = 0; i < n_items; ++i) {
        if (!records[i]) continue;
        const std::string& id = r.set.items[i].item.id;
        auto it = cached.find(id);
        if (it == cached.end()) {
          std::vector<MetaSample> ms;
          for (const auto& s : (*records[i])["samples"])
            ms.push_back({s["order"].get<std::vector<int>>(), s.value("text", ""), judge_kind(r.set.items[i].item, so)});
          auto scores = meta->score(r.set.items[i].item, ms);
          if (!scores) return Error{fmt::format("meta RM on item '{}': {}", id, scores.error().message)};
          json line{{"id", id}, {"meta", scores.value()}};
          mf << line.dump() << "\n" << std::flush;
          if (!mf) return Error{fmt::format("writing '{}' failed", meta_path.string())};
          it = cached.emplace(id, std::move(line)).first;
        }
        const auto m = it->second["meta"].get<std::vector<double>>();
        for (size_t j = 0; j < r.pools[i].samples.size() && j < m.size(); ++j) r.pools[i].samples[j].meta = m[j];
        if (progress) progress({bn + ": meta RM", ++done, static_cast<int>(n_items)});
      }
    }

    if (opts.greedy) r.methods.push_back({Method::kGreedy, 1});
    for (int k : opts.ks) r.methods.push_back({Method::kVoting, k});
    if (meta)
      for (int k : opts.ks) r.methods.push_back({Method::kMetaVoting, k});
    ScalingOptions sc;
    sc.subsets = opts.subsets;
    sc.k_meta = opts.k_meta;
    sc.seed = opts.seed;
    for (const auto& m : r.methods) {
      std::vector<ItemOutcome> outs(n_items);
      std::vector<double> correct(n_items), score(n_items);
      for (size_t i = 0; i < n_items; ++i) {
        outs[i] = evaluate_item(r.pools[i], r.set.items[i].item, m, sc);
        correct[i] = outs[i].correct;
        score[i] = outs[i].score;
      }
      r.scores[m.name()] = score_benchmark(r.set, correct, score, 500, opts.seed);
      r.outcomes[m.name()] = std::move(outs);
    }
    r.diagnostics = compute_diagnostics(r.set, r.pools, r.orders);
    if (r.items_without_samples)
      report.warnings.push_back(fmt::format("{}: {} item(s) could not be judged (see their error in {}); counted as wrong",
                                            bn, r.items_without_samples, k_max > 0 ? pool_path : greedy_path.string()));
    report.benchmarks.push_back(std::move(r));
  }
  if (auto st = write_report(report, opts.report_dir, &report.warnings); !st) return st.error();
  return report;
}

}  // namespace grm
