// Aggregating k sampled judgments into one reward (SPEC §4, Eq. 14).
//
// Voting: S*_i = sum of S_{i,j} over the valid samples j (scores in original response order). Meta-RM guided
// voting: only the k_meta valid samples with the highest meta score vote. The best response is the argmax;
// a remaining tie is broken uniformly at random with the given seed. Invalid samples never vote.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace grm {

struct SampleVote {
  bool valid = false;
  std::vector<int> scores;     // original response order; size n when valid
  std::optional<double> meta;  // meta RM score, when one ran
};

struct VoteResult {
  std::vector<long> totals;      // size n; zeros when no sample voted
  std::optional<int> best;       // none when no sample voted
  std::vector<int> voters;       // indices of the samples that voted, ascending
  bool tie_broken = false;       // the top total was shared and `best` was drawn among the tied
};

// Indices of the k_meta valid samples with the highest meta score (ties: lower index first), ascending.
// Samples without a meta score rank below every sample with one. k_meta larger than the number of valid
// samples keeps them all.
std::vector<int> select_by_meta(const std::vector<SampleVote>& samples, int k_meta);

// k_meta: none = plain voting over all valid samples.
VoteResult vote(const std::vector<SampleVote>& samples, int n, std::optional<int> k_meta, uint64_t tie_seed);

// Default k_meta for k samples: k/2, at least 1 (SPEC §4).
int default_k_meta(int k);

}  // namespace grm
