#include "core/rules.h"

#include <gtest/gtest.h>

namespace grm {
namespace {

Item pair_with_best(int best, int n = 2) {
  Item it;
  it.id = "p";
  it.conversation = {{"user", "q"}};
  it.responses.assign(n, "r");
  it.best = best;
  return it;
}

TEST(RulesTest, StrictWinIsCorrectTieIsWrong) {
  EXPECT_TRUE(is_correct(std::vector<int>{9, 3}, pair_with_best(0)));
  EXPECT_FALSE(is_correct(std::vector<int>{9, 9}, pair_with_best(0)));
  EXPECT_FALSE(is_correct(std::vector<int>{3, 9}, pair_with_best(0)));
  EXPECT_TRUE(is_correct(std::vector<long>{10, 30, 29}, pair_with_best(1, 3)));
  EXPECT_FALSE(is_correct(std::vector<long>{30, 30, 29}, pair_with_best(1, 3)));
}

TEST(RulesTest, SingleResponseMatchesTheLabel) {
  Item it;
  it.id = "s";
  it.conversation = {{"user", "q"}};
  it.responses = {"r"};
  it.correct = 1;
  EXPECT_TRUE(is_correct(std::vector<int>{1}, it));
  EXPECT_FALSE(is_correct(std::vector<int>{0}, it));
  it.correct = 0;
  EXPECT_TRUE(is_correct(std::vector<int>{0}, it));
}

TEST(RulesTest, RewardIsPlusOneOrMinusOneAndUnparseableIsMinusOne) {
  EXPECT_EQ(rule_reward(std::optional<std::vector<int>>({7, 2}), pair_with_best(0)), 1);
  EXPECT_EQ(rule_reward(std::optional<std::vector<int>>({2, 7}), pair_with_best(0)), -1);
  EXPECT_EQ(rule_reward(std::optional<std::vector<int>>(), pair_with_best(0)), -1);
  EXPECT_EQ(rule_reward(std::optional<std::vector<int>>(std::vector<int>{7}), pair_with_best(0)), -1);  // wrong arity
}

}  // namespace
}  // namespace grm
