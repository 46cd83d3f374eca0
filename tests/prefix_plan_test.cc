#include "engine/prefix_plan.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace grm {
namespace {

// Independent check: replays the plan into per-sequence token lists and counts the trie's nodes directly.
void check_plan(const std::vector<Tokens>& D, const Tokens& H) {
  auto plan = plan_shared_prefill(D, H);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  std::vector<std::map<int, int>> got(D.size());  // seq -> pos -> token
  for (size_t d = 0; d < D.size(); ++d)
    for (int p = 0; p < plan->cached[d]; ++p) got[d][p] = H[p];
  std::vector<int> last_pos(D.size(), -1);
  std::vector<int> outputs(D.size(), 0);
  for (const auto& t : plan->tokens) {
    for (int d : t.sequences) {
      EXPECT_EQ(got[d].count(t.pos), 0u) << "position evaluated twice for a sequence";
      got[d][t.pos] = t.token;
      EXPECT_GT(t.pos, last_pos[d]) << "positions must ascend per sequence";
      last_pos[d] = t.pos;
    }
    if (t.output_of >= 0) outputs[t.output_of]++;
  }
  std::set<Tokens> prefixes;
  for (size_t d = 0; d < D.size(); ++d) {
    ASSERT_EQ(got[d].size(), D[d].size());
    for (size_t p = 0; p < D[d].size(); ++p) EXPECT_EQ(got[d][p], D[d][p]);
    EXPECT_EQ(outputs[d], 1);
    for (size_t len = 1; len <= D[d].size(); ++len) {
      Tokens pre(D[d].begin(), D[d].begin() + len);
      if (common_prefix(pre, H) < len) prefixes.insert(pre);
    }
  }
  EXPECT_EQ(plan->tokens.size(), prefixes.size()) << "evaluated tokens must equal distinct prefixes not in H";
}

TEST(PrefixPlanTest, TableOfShapes) {
  check_plan({{1, 2, 3}}, {});
  check_plan({{1, 2, 3}, {1, 2, 4}}, {});
  check_plan({{1, 2, 3, 9}, {1, 2, 4, 9}, {1, 5, 6}, {7}}, {1, 2});
  check_plan({{9, 9, 1, 2}, {9, 9, 2, 1}, {9, 9, 1, 3}}, {9, 9, 1});
  check_plan({{5, 1, 1, 1}, {5, 1, 1, 2}, {5, 1, 2, 2}, {5, 2, 2, 2}, {6}}, {5, 1});
}

TEST(PrefixPlanTest, HeaderSharedAcrossTwoOrders) {
  // The shape of an item with two responses: header, conversation, then the responses in two orders.
  Tokens header = {1, 2, 3, 4, 5};
  Tokens a = {1, 2, 3, 4, 5, 10, 11, 20, 21, 30, 31, 99};
  Tokens b = {1, 2, 3, 4, 5, 10, 11, 30, 31, 20, 21, 99};
  auto plan = plan_shared_prefill({a, b}, header);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->tokens.size(), 2u + 5u + 5u);  // conversation once, each order's responses once
  check_plan({a, b}, header);
}

TEST(PrefixPlanTest, DuplicatesAndPrefixesAreRejected) {
  EXPECT_FALSE(plan_shared_prefill({{1, 2}, {1, 2}}, {}).ok());
  EXPECT_FALSE(plan_shared_prefill({{1, 2}, {1, 2, 3}}, {}).ok());
  EXPECT_FALSE(plan_shared_prefill({{1, 2}}, {1, 2, 3}).ok());
}

}  // namespace
}  // namespace grm
