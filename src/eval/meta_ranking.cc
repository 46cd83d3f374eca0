#include "eval/meta_ranking.h"

#include <algorithm>
#include <map>

#include "core/rules.h"

namespace grm {
namespace {

// A judgment's verdict for agreement: n == 1 its score, n >= 2 the index of its unique top response, else none.
std::optional<int> verdict(const SampleVote& s, int n) {
  if (n == 1) return s.scores[0];
  const auto top = std::max_element(s.scores.begin(), s.scores.end());
  if (std::count(s.scores.begin(), s.scores.end(), *top) > 1) return std::nullopt;
  return static_cast<int>(top - s.scores.begin());
}

// Fraction of (positive, negative) pairs with the positive's value above the negative's; ties count half.
struct PairCount {
  double ordered = 0;
  long pairs = 0;
  void add(double pos, double neg) {
    ordered += pos > neg ? 1.0 : pos == neg ? 0.5 : 0.0;
    ++pairs;
  }
};

// ROC-AUC over (value, label) by ranks: the Mann-Whitney statistic with mid-ranks for ties.
double roc_auc(std::vector<std::pair<double, bool>> v) {
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  double rank_sum = 0;
  long pos = 0;
  for (size_t i = 0; i < v.size();) {
    size_t j = i;
    while (j < v.size() && v[j].first == v[i].first) ++j;
    const double mid_rank = (static_cast<double>(i) + static_cast<double>(j) + 1) / 2;  // 1-based ranks i+1 .. j
    for (size_t t = i; t < j; ++t)
      if (v[t].second) {
        rank_sum += mid_rank;
        ++pos;
      }
    i = j;
  }
  const long neg = static_cast<long>(v.size()) - pos;
  if (pos == 0 || neg == 0) return 0.5;
  return (rank_sum - static_cast<double>(pos) * (pos + 1) / 2) / (static_cast<double>(pos) * neg);
}

}  // namespace

std::optional<MetaRanking> compute_meta_ranking(const EvalSet& set, const std::vector<ItemPool>& pools) {
  std::vector<std::pair<double, bool>> all;
  PairCount within, agreement;
  for (size_t i = 0; i < set.items.size() && i < pools.size(); ++i) {
    const Item& item = set.items[i].item;
    if (!item.has_label()) continue;
    struct Judged {
      double meta;
      bool right;
      int agree;
    };
    std::vector<Judged> judged;
    std::map<int, int> verdicts;  // verdict -> how many valid judgments give it
    std::vector<std::optional<int>> vs;
    for (const SampleVote& s : pools[i].samples) {
      if (!s.valid || !s.meta) continue;
      vs.push_back(verdict(s, item.n()));
      if (vs.back()) ++verdicts[*vs.back()];
      judged.push_back({*s.meta, is_correct(s.scores, item), 0});
    }
    for (size_t j = 0; j < judged.size(); ++j) {
      judged[j].agree = vs[j] ? verdicts[*vs[j]] - 1 : -1;
      all.emplace_back(judged[j].meta, judged[j].right);
    }
    for (const Judged& r : judged)
      if (r.right)
        for (const Judged& w : judged)
          if (!w.right) {
            within.add(r.meta, w.meta);
            agreement.add(r.agree, w.agree);
          }
  }
  if (all.empty() || within.pairs == 0) return std::nullopt;
  MetaRanking m;
  m.judgments = static_cast<long>(all.size());
  m.auc = roc_auc(std::move(all));
  m.within_pairs = within.pairs;
  m.within_auc = within.ordered / static_cast<double>(within.pairs);
  m.agreement_within_auc = agreement.ordered / static_cast<double>(agreement.pairs);
  return m;
}

}  // namespace grm
