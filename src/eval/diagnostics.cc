#include "eval/diagnostics.h"

#include <algorithm>
#include <cmath>

#include "core/rules.h"

namespace grm {

Diagnostics compute_diagnostics(const EvalSet& set, const std::vector<ItemPool>& pools,
                                const std::vector<std::vector<std::vector<int>>>& orders) {
  Diagnostics d;
  long invalid = 0, multi = 0, ties = 0;
  std::vector<std::pair<long, long>> pos;  // (samples, correct) by position
  double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  long np = 0;
  for (size_t i = 0; i < set.items.size(); ++i) {
    const Item& item = set.items[i].item;
    for (size_t j = 0; j < pools[i].samples.size(); ++j) {
      const SampleVote& s = pools[i].samples[j];
      ++d.samples;
      if (!s.valid) {
        ++invalid;
        continue;
      }
      if (item.n() >= 2) {
        ++multi;
        const int top = *std::max_element(s.scores.begin(), s.scores.end());
        ties += std::count(s.scores.begin(), s.scores.end(), top) > 1;
        if (item.best && j < orders[i].size()) {
          const auto& o = orders[i][j];
          const int p = static_cast<int>(std::find(o.begin(), o.end(), *item.best) - o.begin());
          if (p >= static_cast<int>(pos.size())) pos.resize(p + 1);
          pos[p].first++;
          pos[p].second += is_correct(s.scores, item);
        }
      }
      for (int r = 0; r < item.n(); ++r) {
        const double x = static_cast<double>(item.responses[r].size()), y = s.scores[r];
        sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y;
        ++np;
      }
    }
  }
  d.parse_failure_rate = d.samples ? static_cast<double>(invalid) / d.samples : 0;
  d.tie_rate = multi ? static_cast<double>(ties) / multi : 0;
  for (size_t p = 0; p < pos.size(); ++p)
    d.by_position.push_back({static_cast<int>(p), pos[p].first, pos[p].first ? static_cast<double>(pos[p].second) / pos[p].first : 0});
  d.score_length_pairs = np;
  if (np > 1) {
    const double cov = sxy - sx * sy / np, vx = sxx - sx * sx / np, vy = syy - sy * sy / np;
    d.score_length_correlation = (vx > 0 && vy > 0) ? cov / std::sqrt(vx * vy) : 0;
  }
  d.meta_ranking = compute_meta_ranking(set, pools);
  return d;
}

nlohmann::json to_json(const Diagnostics& d) {
  nlohmann::json pos = nlohmann::json::array();
  for (const auto& p : d.by_position) pos.push_back({{"position", p.position}, {"samples", p.samples}, {"accuracy", p.accuracy}});
  nlohmann::json j = {{"samples", d.samples},
                      {"parse_failure_rate", d.parse_failure_rate},
                      {"tie_rate", d.tie_rate},
                      {"accuracy_by_position_of_best", pos},
                      {"score_length_correlation", d.score_length_correlation},
                      {"score_length_pairs", d.score_length_pairs}};
  if (const auto& m = d.meta_ranking)
    j["meta_ranking"] = {{"judgments", m->judgments},
                         {"auc", m->auc},
                         {"within_item_pairs", m->within_pairs},
                         {"within_item_auc", m->within_auc},
                         {"agreement_within_item_auc", m->agreement_within_auc}};
  return j;
}

}  // namespace grm
