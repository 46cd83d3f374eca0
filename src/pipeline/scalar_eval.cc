#include "pipeline/scalar_eval.h"

#include "train/bt_data.h"

namespace grm {

Result<ScalarEval> evaluate_scalar_rm(MetaRewardModel& rm, const EvalSet& set, const std::function<void(int, int)>& progress) {
  ScalarEval e;
  EvalSet scored;
  scored.benchmark = set.benchmark;
  std::vector<double> correct;
  int done = 0;
  for (const auto& ei : set.items) {
    const Item& it = ei.item;
    if (progress) progress(++done, static_cast<int>(set.items.size()));
    if (!it.best || it.n() < 2) {
      ++e.items_left_out;
      continue;
    }
    std::vector<float> z;
    for (int r = 0; r < it.n(); ++r) {
      auto s = rm.score(scalar_rm_item(it, r), {scalar_rm_sample()});
      if (!s) return Error{"item '" + it.id + "': " + s.error().message};
      z.push_back(s.value()[0]);
    }
    bool ok = true;
    for (int r = 0; r < it.n(); ++r)
      if (r != *it.best && z[r] >= z[*it.best]) ok = false;
    correct.push_back(ok ? 1.0 : 0.0);
    scored.items.push_back(ei);
    e.per_item.push_back({{"id", it.id}, {"subset", ei.subset}, {"scores", z}, {"best", *it.best}, {"correct", ok}});
  }
  e.items_scored = static_cast<int>(scored.items.size());
  if (e.items_scored == 0) return Error{"no item with a best response to evaluate"};
  e.score = score_benchmark(scored, correct, std::vector<double>(correct.size(), 0.0));
  return e;
}

nlohmann::json to_json(const ScalarEval& e) {
  auto score = [](const Score& s) { return nlohmann::json{{"value", s.value}, {"ci", {s.ci.lo, s.ci.hi}}, {"n", s.n}}; };
  nlohmann::json j{{"metric", "accuracy"}, {"items_scored", e.items_scored}, {"items_left_out", e.items_left_out},
                   {"accuracy", score(e.score.main)}};
  for (const auto& [name, s] : e.score.subsets) j["subsets"][name] = score(s);
  return j;
}

}  // namespace grm
