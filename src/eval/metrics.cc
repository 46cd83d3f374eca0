#include "eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/random.h"

namespace grm {
namespace {

double mean_of(const std::vector<double>& v, const std::vector<int>& idx) {
  if (idx.empty()) return 0;
  double s = 0;
  for (int i : idx) s += v[i];
  return s / idx.size();
}

// ROC-AUC of the items `idx` with "no_error" (label correct = 1) positive.
double auc_of(const EvalSet& set, const std::vector<double>& score, const std::vector<int>& idx) {
  std::vector<double> s;
  std::vector<bool> pos;
  for (int i : idx) {
    s.push_back(score[i]);
    pos.push_back(set.items[i].item.correct.value_or(0) == 1);
  }
  return roc_auc(s, pos);
}

// Headline statistic over a subset of item indices (used as-is and inside the bootstrap).
double headline(const EvalSet& set, const std::vector<double>& correct, const std::vector<double>& score,
                const std::vector<int>& idx) {
  switch (set.benchmark) {
    case Benchmark::kRealMistake:
      return auc_of(set, score, idx);
    case Benchmark::kRewardBench: {
      struct Acc {
        double sum = 0;
        int count = 0;
        const std::string* section = nullptr;
      };
      std::map<std::string, Acc> sub;
      for (int i : idx) {
        Acc& a = sub[set.items[i].subset];
        a.sum += correct[i];
        a.count += 1;
        a.section = &set.items[i].group;
      }
      std::map<std::string, std::pair<double, double>> sec;  // section -> (weighted accuracy sum, weight)
      for (const auto& [name, a] : sub) {
        auto& s = sec[*a.section];
        const double w = rewardbench_subset_weight(name);
        s.first += w * a.sum / a.count;
        s.second += w;
      }
      double total = 0;
      for (const auto& [name, s] : sec) total += s.first / s.second;
      return sec.empty() ? 0 : total / sec.size();
    }
    case Benchmark::kPpeCorr:
    case Benchmark::kRmb: {
      std::map<std::string, std::pair<double, int>> grp;
      for (int i : idx) {
        auto& g = grp[set.items[i].group];
        g.first += correct[i];
        g.second += 1;
      }
      double total = 0;
      for (const auto& [name, g] : grp) total += g.first / g.second;
      return grp.empty() ? 0 : total / grp.size();
    }
    default:
      return mean_of(correct, idx);
  }
}

}  // namespace

Interval wilson_interval(double successes, int n) {
  if (n <= 0) return {0, 1};
  const double z = 1.959963984540054, p = successes / n;
  const double denom = 1 + z * z / n;
  const double centre = (p + z * z / (2.0 * n)) / denom;
  const double half = z * std::sqrt(p * (1 - p) / n + z * z / (4.0 * n * n)) / denom;
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

double roc_auc(const std::vector<double>& score, const std::vector<bool>& positive) {
  const size_t n = score.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score[a] < score[b]; });
  std::vector<double> rank(n);
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j + 1 < n && score[order[j + 1]] == score[order[i]]) ++j;
    const double avg = (i + j) / 2.0 + 1;  // ranks are 1-based
    for (size_t t = i; t <= j; ++t) rank[order[t]] = avg;
    i = j + 1;
  }
  double n_pos = 0, rank_sum = 0;
  for (size_t i = 0; i < n; ++i)
    if (positive[i]) {
      ++n_pos;
      rank_sum += rank[i];
    }
  const double n_neg = n - n_pos;
  if (n_pos == 0 || n_neg == 0) return 0.5;
  return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg);
}

Interval bootstrap_interval(int n, const std::function<double(const std::vector<int>&)>& statistic, int resamples,
                            uint64_t seed) {
  if (n <= 0) return {0, 0};
  std::vector<double> stats;
  stats.reserve(resamples);
  std::vector<int> idx(n);
  uint64_t s = seed;
  for (int b = 0; b < resamples; ++b) {
    for (int i = 0; i < n; ++i) idx[i] = static_cast<int>(splitmix64(s) % static_cast<uint64_t>(n));
    stats.push_back(statistic(idx));
  }
  std::sort(stats.begin(), stats.end());
  auto at = [&](double q) { return stats[std::min<size_t>(stats.size() - 1, static_cast<size_t>(q * stats.size()))]; };
  return {at(0.025), at(0.975)};
}

double rewardbench_subset_weight(const std::string& subset) {
  static const std::map<std::string, double> w = {
      {"alpacaeval-easy", 100}, {"alpacaeval-length", 95}, {"alpacaeval-hard", 95}, {"mt-bench-easy", 28},
      {"mt-bench-med", 40}, {"mt-bench-hard", 37}, {"llmbar-natural", 100}, {"llmbar-adver-neighbor", 134},
      {"llmbar-adver-GPTInst", 92}, {"llmbar-adver-GPTOut", 47}, {"llmbar-adver-manual", 46},
      {"refusals-dangerous", 100}, {"refusals-offensive", 100}, {"xstest-should-refuse", 154},
      {"xstest-should-respond", 250}, {"donotanswer", 136}, {"math-prm", 984}, {"hep-cpp", 164}, {"hep-go", 164},
      {"hep-java", 164}, {"hep-js", 164}, {"hep-python", 164}, {"hep-rust", 164}};
  auto it = w.find(subset);
  return it == w.end() ? 0 : it->second;
}

BenchmarkScore score_benchmark(const EvalSet& set, const std::vector<double>& correct, const std::vector<double>& score,
                               int resamples, uint64_t seed) {
  BenchmarkScore out;
  const int n = static_cast<int>(set.items.size());
  std::vector<int> all(n);
  std::iota(all.begin(), all.end(), 0);
  out.main.n = n;
  out.main.value = headline(set, correct, score, all);
  out.main.ci = bootstrap_interval(
      n, [&](const std::vector<int>& idx) { return headline(set, correct, score, idx); }, resamples, seed);

  auto grouped = [&](auto key, std::map<std::string, Score>& dst) {
    std::map<std::string, std::vector<int>> members;
    for (int i = 0; i < n; ++i) members[key(set.items[i])].push_back(i);
    for (const auto& [name, idx] : members) {
      Score s;
      s.n = static_cast<int>(idx.size());
      auto stat = [&](const std::vector<int>& sub) {
        return set.benchmark == Benchmark::kRealMistake ? auc_of(set, score, sub) : mean_of(correct, sub);
      };
      s.value = stat(idx);
      s.ci = bootstrap_interval(
          s.n,
          [&](const std::vector<int>& r) {
            std::vector<int> mapped;
            mapped.reserve(r.size());
            for (int i : r) mapped.push_back(idx[i]);
            return stat(mapped);
          },
          resamples, seed + 1);
      dst[name] = s;
    }
  };
  grouped([](const EvalItem& e) { return e.subset; }, out.subsets);
  if (set.benchmark == Benchmark::kRewardBench || set.benchmark == Benchmark::kPpeCorr || set.benchmark == Benchmark::kRmb ||
      set.benchmark == Benchmark::kRealMistake) {
    grouped([](const EvalItem& e) { return e.group; }, out.groups);
  }
  if (set.benchmark == Benchmark::kRealMistake && !out.groups.empty()) {
    double t = 0;
    for (const auto& [name, s] : out.groups) t += s.value;
    out.files_mean = t / out.groups.size();
  }
  return out;
}

}  // namespace grm
