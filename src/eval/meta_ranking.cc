#include "eval/meta_ranking.h"

#include <algorithm>
#include <map>

#include "core/rules.h"
#include "eval/metrics.h"

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

}  // namespace

std::optional<MetaRanking> compute_meta_ranking(const EvalSet& set, const std::vector<ItemPool>& pools) {
  std::vector<double> meta;  // every judgment counted, for the AUC over all of them
  std::vector<bool> right;
  PairCount within, agreement;
  for (size_t i = 0; i < set.items.size() && i < pools.size(); ++i) {
    const Item& item = set.items[i].item;
    if (!item.has_label()) continue;
    struct Judged {
      double meta;
      bool right;
      std::optional<int> verdict;
      int agree = -1;  // other judgments with the same verdict; -1 without a verdict
    };
    std::vector<Judged> judged;
    std::map<int, int> verdicts;  // verdict -> how many valid judgments give it
    for (const SampleVote& s : pools[i].samples) {
      if (!s.valid || !s.meta) continue;
      judged.push_back({*s.meta, is_correct(s.scores, item), verdict(s, item.n())});
      if (judged.back().verdict) ++verdicts[*judged.back().verdict];
    }
    for (Judged& j : judged) {
      if (j.verdict) j.agree = verdicts[*j.verdict] - 1;
      meta.push_back(j.meta);
      right.push_back(j.right);
    }
    for (const Judged& r : judged)
      if (r.right)
        for (const Judged& w : judged)
          if (!w.right) {
            within.add(r.meta, w.meta);
            agreement.add(r.agree, w.agree);
          }
  }
  if (meta.empty() || within.pairs == 0) return std::nullopt;
  MetaRanking m;
  m.judgments = static_cast<long>(meta.size());
  m.auc = roc_auc(meta, right);
  m.within_pairs = within.pairs;
  m.within_auc = within.ordered / static_cast<double>(within.pairs);
  m.agreement_within_auc = agreement.ordered / static_cast<double>(agreement.pairs);
  return m;
}

}  // namespace grm
