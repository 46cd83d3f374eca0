#include "eval/report.h"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>

#include "core/atomic_file.h"

namespace grm {
namespace fs = std::filesystem;
namespace {

using json = nlohmann::json;

json score_json(const Score& s) { return {{"value", s.value}, {"ci95", {s.ci.lo, s.ci.hi}}, {"n", s.n}}; }

std::string pct(double v) { return fmt::format("{:.1f}", 100 * v); }
std::string pct_ci(const Score& s) { return fmt::format("{:.1f} [{:.1f}, {:.1f}]", 100 * s.value, 100 * s.ci.lo, 100 * s.ci.hi); }

Status write_file(const fs::path& p, const std::string& text) { return write_file_atomically(p.string(), text); }

const std::vector<std::string>& overall_parts() {
  static const std::vector<std::string> p = {"rewardbench", "ppe-pref", "ppe-corr", "rmb"};
  return p;
}

}  // namespace

std::optional<double> overall_score(const EvalReport& report, const std::string& method) {
  double total = 0;
  for (const auto& part : overall_parts()) {
    const BenchmarkResult* found = nullptr;
    for (const auto& b : report.benchmarks)
      if (benchmark_name(b.set.benchmark) == part) found = &b;
    if (!found || !found->scores.count(method)) return std::nullopt;
    total += found->scores.at(method).main.value;
  }
  return total / overall_parts().size();
}

Status write_report(const EvalReport& report, const std::string& dir_str, std::vector<std::string>* warnings) {
  const fs::path dir(dir_str);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error{fmt::format("cannot create report directory '{}': {}", dir_str, ec.message())};

  // report.json
  json rj;
  rj["settings"] = report.settings;
  rj["benchmarks"] = json::object();
  std::vector<std::string> method_names;
  for (const auto& b : report.benchmarks) {
    json bj;
    bj["items"] = b.set.items.size();
    bj["skipped_by_rules"] = b.set.skipped;
    bj["invalid_records"] = b.set.invalid;
    bj["invalid_record_messages"] = b.set.problems;
    bj["items_without_samples"] = b.items_without_samples;
    bj["metric"] = b.set.benchmark == Benchmark::kRealMistake ? "roc_auc" : "accuracy";
    for (const auto& m : b.methods) {
      const BenchmarkScore& s = b.scores.at(m.name());
      json mj;
      mj["main"] = score_json(s.main);
      for (const auto& [g, gs] : s.groups) mj["groups"][g] = score_json(gs);
      for (const auto& [g, gs] : s.subsets) mj["subsets"][g] = score_json(gs);
      if (b.set.benchmark == Benchmark::kRealMistake) mj["files_mean_auc"] = s.files_mean;
      bj["methods"][m.name()] = mj;
      if (std::find(method_names.begin(), method_names.end(), m.name()) == method_names.end()) method_names.push_back(m.name());
    }
    bj["diagnostics"] = to_json(b.diagnostics);
    rj["benchmarks"][benchmark_name(b.set.benchmark)] = bj;
  }
  for (const auto& m : method_names)
    if (auto o = overall_score(report, m)) rj["overall"][m] = *o;
  if (auto st = write_file(dir / "report.json", rj.dump(2)); !st) return st;

  // summary.md: one row per method, one column per benchmark (+ Overall), like the paper's Table 2.
  std::string md = "# grm eval report\n\n";
  md += fmt::format("Model: `{}`", report.settings.value("model", ""));
  if (!report.settings.value("meta_rm", "").empty()) md += fmt::format(", meta RM: `{}`", report.settings.value("meta_rm", ""));
  md += fmt::format(". k_max {}, R = {} random k-subsets per item, temperature {}, seed {}.\n\n",
                    report.settings.value("k_max", 0), report.settings.value("subsets", 0),
                    report.settings.value("temperature", 0.0), report.settings.value("seed", 0));
  md += "Accuracy in % (ReaLMistake: ROC-AUC x 100) with 95% bootstrap intervals; ties count as wrong.\n\n| method |";
  for (const auto& b : report.benchmarks) md += fmt::format(" {} |", benchmark_name(b.set.benchmark));
  const bool has_overall = !method_names.empty() && overall_score(report, method_names[0]).has_value();
  if (has_overall) md += " Overall |";
  md += "\n| --- |";
  for (size_t i = 0; i < report.benchmarks.size() + has_overall; ++i) md += " --- |";
  md += "\n";
  for (const auto& m : method_names) {
    md += fmt::format("| {} |", m);
    for (const auto& b : report.benchmarks) md += b.scores.count(m) ? fmt::format(" {} |", pct_ci(b.scores.at(m).main)) : " |";
    if (has_overall) md += fmt::format(" {} |", pct(*overall_score(report, m)));
    md += "\n";
  }
  for (const auto& b : report.benchmarks) {
    const std::string bn = benchmark_name(b.set.benchmark);
    md += fmt::format("\n## {}\n\n{} items", bn, b.set.items.size());
    if (b.set.skipped) md += fmt::format(", {} dropped by the benchmark's rules (ties)", b.set.skipped);
    if (b.set.invalid) md += fmt::format(", {} invalid records skipped", b.set.invalid);
    if (b.items_without_samples) md += fmt::format(", {} could not be judged (counted wrong)", b.items_without_samples);
    md += ".\n\n";
    if (!b.methods.empty() && !b.scores.at(b.methods.back().name()).groups.empty()) {
      md += "| method |";
      const auto& groups = b.scores.at(b.methods.back().name()).groups;
      for (const auto& [g, s] : groups) md += fmt::format(" {} |", g);
      md += "\n| --- |";
      for (size_t i = 0; i < groups.size(); ++i) md += " --- |";
      md += "\n";
      for (const auto& m : b.methods) {
        md += fmt::format("| {} |", m.name());
        for (const auto& [g, s] : b.scores.at(m.name()).groups) md += fmt::format(" {} |", pct(s.value));
        md += "\n";
      }
      md += "\n";
    }
    const Diagnostics& d = b.diagnostics;
    md += fmt::format("Diagnostics over the pool ({} samples): parse failures {:.1f}%, ties for the top {:.1f}%, "
                      "score-length correlation r = {:.3f}.\n",
                      d.samples, 100 * d.parse_failure_rate, 100 * d.tie_rate, d.score_length_correlation);
    if (const auto& m = d.meta_ranking)
      md += fmt::format("\nMeta RM ranking of the pool's judgments: ROC-AUC {:.3f} over all {} judgments, {:.3f} within items "
                        "({} right-wrong pairs of one item: the order MetaRM@k uses); agreement with the item's other "
                        "judgments orders {:.3f} of those pairs right (what plain voting uses).\n",
                        m->auc, m->judgments, m->within_auc, m->within_pairs, m->agreement_within_auc);
    if (!d.by_position.empty()) {
      md += "\nSample accuracy by position of the true best: ";
      for (const auto& p : d.by_position) md += fmt::format("{}: {:.1f}% (n={})  ", p.position + 1, 100 * p.accuracy, p.samples);
      md += "\n";
    }
    md += fmt::format("\n![{} accuracy against k]({}.png)\n", bn, bn);
  }
  if (auto st = write_file(dir / "summary.md", md); !st) return st;

  // items.jsonl
  std::string items;
  for (const auto& b : report.benchmarks) {
    for (size_t i = 0; i < b.set.items.size(); ++i) {
      const EvalItem& e = b.set.items[i];
      json ij{{"benchmark", benchmark_name(b.set.benchmark)}, {"id", e.item.id}, {"subset", e.subset}, {"group", e.group},
              {"n", e.item.n()}};
      if (e.item.best) ij["label"] = {{"best", *e.item.best}};
      if (e.item.correct) ij["label"] = {{"correct", *e.item.correct}};
      for (const auto& m : b.methods) {
        const ItemOutcome& o = b.outcomes.at(m.name())[i];
        ij["methods"][m.name()] = {{"correct", o.correct}, {"score", o.score}, {"totals", o.totals}};
      }
      items += ij.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    }
  }
  if (auto st = write_file(dir / "items.jsonl", items); !st) return st;

  // Plots: accuracy against k, one line per method, with the intervals; greedy as a dashed level.
  for (const auto& b : report.benchmarks) {
    const std::string bn = benchmark_name(b.set.benchmark);
    std::string dat;
    std::vector<std::string> series;
    for (Method method : {Method::kVoting, Method::kMetaVoting}) {
      std::string block;
      for (const auto& m : b.methods) {
        if (m.method != method) continue;
        const Score& s = b.scores.at(m.name()).main;
        block += fmt::format("{} {:.4f} {:.4f} {:.4f}\n", m.k, 100 * s.value, 100 * s.ci.lo, 100 * s.ci.hi);
      }
      if (block.empty()) continue;
      dat += (series.empty() ? "" : "\n\n") + block;
      series.push_back(method == Method::kVoting ? "Voting@k" : "MetaRM@k");
    }
    std::string gp_lines;
    for (size_t i = 0; i < series.size(); ++i)
      gp_lines += fmt::format("{}'{}.dat' index {} using 1:2:3:4 with yerrorlines lw 2 pt 7 title '{}'", i ? ", " : "", bn, i, series[i]);
    for (const auto& m : b.methods)
      if (m.method == Method::kGreedy)
        gp_lines += fmt::format("{}{:.4f} with lines dt 2 lw 2 title 'greedy'", gp_lines.empty() ? "" : ", ",
                                100 * b.scores.at(m.name()).main.value);
    if (series.empty()) continue;  // greedy alone is one number, not a curve
    const std::string ylabel = b.set.benchmark == Benchmark::kRealMistake ? "ROC-AUC x 100" : "accuracy (%)";
    std::string gp = fmt::format(
        "set title '{} - inference-time scaling'\nset xlabel 'k (sampled judgments)'\nset ylabel '{}'\n"
        "set logscale x 2\nset grid\nset key bottom right\nset xrange [0.8:{}]\n",
        bn, ylabel, 1.25 * report.settings.value("k_max", 1));
    std::string body = "plot " + gp_lines + "\n";
    std::string script = gp + "set terminal pngcairo noenhanced size 800,500\nset output '" + bn + ".png'\n" + body +
                         "set terminal svg noenhanced size 800,500\nset output '" + bn + ".svg'\n" + body;
    if (auto st = write_file(dir / (bn + ".dat"), dat); !st) return st;
    if (auto st = write_file(dir / (bn + ".gp"), script); !st) return st;
    const std::string cmd = fmt::format("cd '{}' && gnuplot '{}.gp' 2>/dev/null", dir.string(), bn);
    if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
      if (warnings) warnings->push_back(fmt::format("gnuplot not found: plots not drawn; install it (apt-get install gnuplot-nox) and run `cd {} && gnuplot {}.gp`", dir.string(), bn));
    } else if (std::system(cmd.c_str()) != 0) {
      // pngcairo is missing from some gnuplot builds: fall back to the plain png terminal.
      std::string fallback = gp + "set terminal png noenhanced size 800,500\nset output '" + bn + ".png'\n" + body +
                             "set terminal svg noenhanced size 800,500\nset output '" + bn + ".svg'\n" + body;
      if (auto st = write_file(dir / (bn + ".gp"), fallback); !st) return st;
      if (std::system(cmd.c_str()) != 0 && warnings)
        warnings->push_back(fmt::format("gnuplot failed on {}/{}.gp", dir.string(), bn));
    }
  }
  return Ok{};
}

}  // namespace grm
