#include "core/response_order.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace grm {
namespace {

bool is_permutation_of_n(const std::vector<int>& o, int n) {
  std::vector<int> s = o;
  std::sort(s.begin(), s.end());
  for (int i = 0; i < n; ++i)
    if (static_cast<int>(s.size()) != n || s[i] != i) return false;
  return true;
}

TEST(ResponseOrderTest, BalancedPutsEveryResponseAtEveryPositionEquallyOften) {
  for (int n : {1, 2, 3, 4, 6}) {
    for (int k : {1, 2, 4, 8, 12, 32}) {
      auto orders = sample_orders(n, k, OrderMode::kBalanced, 99);
      ASSERT_EQ(static_cast<int>(orders.size()), k);
      std::vector<std::vector<int>> count(n, std::vector<int>(n, 0));  // [response][position]
      for (const auto& o : orders) {
        ASSERT_TRUE(is_permutation_of_n(o, n));
        for (int p = 0; p < n; ++p) count[o[p]][p]++;
      }
      for (int r = 0; r < n; ++r)
        for (int p = 0; p < n; ++p) {
          EXPECT_GE(count[r][p], k / n) << "n=" << n << " k=" << k;
          EXPECT_LE(count[r][p], (k + n - 1) / n) << "n=" << n << " k=" << k;
        }
      std::set<std::vector<int>> distinct(orders.begin(), orders.end());
      EXPECT_EQ(static_cast<int>(distinct.size()), std::min(k, n));
    }
  }
}

TEST(ResponseOrderTest, SeededAndReproducible) {
  EXPECT_EQ(sample_orders(4, 8, OrderMode::kRandom, 5), sample_orders(4, 8, OrderMode::kRandom, 5));
  EXPECT_NE(sample_orders(6, 8, OrderMode::kRandom, 5), sample_orders(6, 8, OrderMode::kRandom, 6));
  EXPECT_EQ(sample_orders(3, 4, OrderMode::kBalanced, 5), sample_orders(3, 4, OrderMode::kBalanced, 5));
}

TEST(ResponseOrderTest, RandomCoversAllPermutationsAndFixedIsIdentity) {
  std::set<std::vector<int>> seen;
  for (const auto& o : sample_orders(3, 200, OrderMode::kRandom, 1)) seen.insert(o);
  EXPECT_EQ(seen.size(), 6u);
  for (const auto& o : sample_orders(3, 5, OrderMode::kFixed, 1)) EXPECT_EQ(o, (std::vector<int>{0, 1, 2}));
}

TEST(ResponseOrderTest, ScoresMapBackToOriginalOrder) {
  // Position 0 shows response 2, position 1 response 0, position 2 response 1.
  EXPECT_EQ(to_original_order(std::vector<int>{9, 5, 7}, {2, 0, 1}), (std::vector<int>{5, 7, 9}));
}

TEST(ResponseOrderTest, ItemSeedDependsOnRunSeedAndId) {
  EXPECT_EQ(item_seed(1, "a"), item_seed(1, "a"));
  EXPECT_NE(item_seed(1, "a"), item_seed(1, "b"));
  EXPECT_NE(item_seed(1, "a"), item_seed(2, "a"));
}

TEST(ResponseOrderTest, ModeNames) {
  EXPECT_EQ(order_mode_from_name("random").value(), OrderMode::kRandom);
  EXPECT_FALSE(order_mode_from_name("shuffle").ok());
}

TEST(ResponseOrderTest, IsOrderOfAcceptsExactlyThePermutations) {
  EXPECT_TRUE(is_order_of({2, 0, 1}, 3));
  EXPECT_TRUE(is_order_of({0}, 1));
  EXPECT_FALSE(is_order_of({0, 0, 1}, 3));  // a repeat
  EXPECT_FALSE(is_order_of({0, 1, 3}, 3));  // out of range
  EXPECT_FALSE(is_order_of({0, -1, 1}, 3));
  EXPECT_FALSE(is_order_of({1, 0}, 3));     // too short
  EXPECT_FALSE(is_order_of({0, 1, 2}, 2));  // too long
  for (const auto& o : sample_orders(4, 8, OrderMode::kRandom, 5)) EXPECT_TRUE(is_order_of(o, 4));
}

}  // namespace
}  // namespace grm
