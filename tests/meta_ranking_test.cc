#include "eval/meta_ranking.h"

#include <gtest/gtest.h>

namespace grm {
namespace {

EvalItem labelled(const std::string& id, std::vector<std::string> responses, std::optional<int> best, std::optional<int> correct) {
  EvalItem e;
  e.item.id = id;
  e.item.conversation = {{"user", "q"}};
  e.item.responses = std::move(responses);
  e.item.best = best;
  e.item.correct = correct;
  return e;
}

SampleVote j(std::vector<int> scores, std::optional<double> meta) { return {true, std::move(scores), meta}; }

TEST(MetaRankingTest, CountsRightWrongPairsWithinItemsAndOverAllJudgments) {
  EvalSet set;
  set.items = {labelled("a", {"x", "y"}, 0, std::nullopt), labelled("b", {"x"}, std::nullopt, 1),
               labelled("c", {"x", "y"}, 0, std::nullopt)};
  std::vector<ItemPool> pools(3);
  // a: two right judgments (verdict 0), a wrong one (verdict 1), a wrong tie (no verdict), an invalid one (ignored).
  pools[0].samples = {j({9, 1}, 0.9), j({8, 2}, 0.1), j({1, 9}, 0.5), j({5, 5}, 0.1), {false, {}, 3.0}};
  // b (n = 1, label 1): the meta RM prefers the wrong "0"; the two verdicts agree with nobody.
  pools[1].samples = {j({1}, 0.0), j({0}, 1.0)};
  // c: right judgments only: no within-item pair, but part of the overall AUC.
  pools[2].samples = {j({9, 1}, 2.0)};

  const auto m = compute_meta_ranking(set, pools);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->judgments, 7);
  EXPECT_EQ(m->within_pairs, 5);
  // a: 0.9 beats 0.5 and 0.1, 0.1 loses to 0.5 and ties 0.1 -> 2.5 of 4; b: 0 of 1.
  EXPECT_DOUBLE_EQ(m->within_auc, 2.5 / 5);
  // Agreement: a's right judgments agree with one other, the wrong one with none, the tie counts -1 -> 4 of 4;
  // b: 0 against 0, a tie -> 0.5.
  EXPECT_DOUBLE_EQ(m->agreement_within_auc, 4.5 / 5);
  // Over all: right {0.9, 0.1, 0.0, 2.0} against wrong {0.5, 0.1, 1.0}: 2 + 0.5 + 0 + 3 of 12.
  EXPECT_DOUBLE_EQ(m->auc, 5.5 / 12);
}

TEST(MetaRankingTest, AbsentWithoutMetaScoresOrWithoutAnItemToRank) {
  EvalSet set;
  set.items = {labelled("a", {"x", "y"}, 0, std::nullopt)};
  std::vector<ItemPool> pools(1);
  pools[0].samples = {j({9, 1}, std::nullopt), j({1, 9}, std::nullopt)};
  EXPECT_FALSE(compute_meta_ranking(set, pools).has_value());
  pools[0].samples = {j({9, 1}, 1.0), j({8, 1}, 0.0)};  // all right
  EXPECT_FALSE(compute_meta_ranking(set, pools).has_value());
}

}  // namespace
}  // namespace grm
