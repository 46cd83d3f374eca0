#include "core/voting.h"

#include <gtest/gtest.h>

#include <map>

namespace grm {
namespace {

SampleVote valid(std::vector<int> s, std::optional<double> meta = std::nullopt) { return {true, std::move(s), meta}; }
SampleVote invalid() { return {false, {}, std::nullopt}; }

TEST(VotingTest, SumsValidSamplesOnly) {
  VoteResult r = vote({valid({8, 3}), invalid(), valid({6, 7}), valid({2, 9})}, 2, std::nullopt, 1);
  EXPECT_EQ(r.totals, (std::vector<long>{16, 19}));
  EXPECT_EQ(r.best, 1);
  EXPECT_EQ(r.voters, (std::vector<int>{0, 2, 3}));
  EXPECT_FALSE(r.tie_broken);
}

TEST(VotingTest, NoValidSampleMeansNoBest) {
  VoteResult r = vote({invalid(), invalid()}, 3, std::nullopt, 1);
  EXPECT_FALSE(r.best.has_value());
  EXPECT_EQ(r.totals, (std::vector<long>{0, 0, 0}));
}

TEST(VotingTest, TiesAreBrokenAtRandomWithTheSeedAmongTheTiedOnly) {
  std::map<int, int> wins;
  for (uint64_t seed = 0; seed < 400; ++seed) {
    VoteResult r = vote({valid({5, 5, 1})}, 3, std::nullopt, seed);
    ASSERT_TRUE(r.tie_broken);
    wins[*r.best]++;
    EXPECT_EQ(*r.best, *vote({valid({5, 5, 1})}, 3, std::nullopt, seed).best);  // reproducible
  }
  EXPECT_EQ(wins.count(2), 0u);
  EXPECT_GT(wins[0], 120);
  EXPECT_GT(wins[1], 120);
}

TEST(VotingTest, MetaKeepsTheTopKMetaValidSamples) {
  std::vector<SampleVote> s = {valid({9, 1}, 0.1), valid({1, 9}, 2.0), invalid(), valid({2, 8}, 1.5), valid({8, 2}, -1.0)};
  EXPECT_EQ(select_by_meta(s, 2), (std::vector<int>{1, 3}));
  VoteResult r = vote(s, 2, 2, 7);
  EXPECT_EQ(r.totals, (std::vector<long>{3, 17}));
  EXPECT_EQ(r.best, 1);
  VoteResult plain = vote(s, 2, std::nullopt, 7);
  EXPECT_EQ(plain.totals, (std::vector<long>{20, 20}));
  EXPECT_TRUE(plain.tie_broken);
}

TEST(VotingTest, MetaTiesGoToTheLowerIndexAndLargeKMetaKeepsAll) {
  std::vector<SampleVote> s = {valid({1, 2}, 1.0), valid({2, 1}, 1.0), valid({3, 1}, 0.5)};
  EXPECT_EQ(select_by_meta(s, 1), (std::vector<int>{0}));
  EXPECT_EQ(select_by_meta(s, 10), (std::vector<int>{0, 1, 2}));
}

TEST(VotingTest, DefaultKMetaIsHalfOfK) {
  EXPECT_EQ(default_k_meta(32), 16);
  EXPECT_EQ(default_k_meta(8), 4);
  EXPECT_EQ(default_k_meta(1), 1);
}

}  // namespace
}  // namespace grm
