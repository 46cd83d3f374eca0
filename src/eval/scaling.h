// Inference-time scaling curves from one pool of samples per item (SPEC §4, BENCHMARKS.md "Reporting").
//
// Each item has k_max sampled judgments. Voting@k and MetaRM@k for every k <= k_max are computed from that
// pool: R random k-subsets per item (seeded; one when k == k_max), each voted as `grm score` votes, and the
// item's accuracy at k is the fraction of subsets whose vote is correct under the strict rule (a tie for the
// top is wrong). So a whole curve costs k_max samples per item, not the sum over k.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/item.h"
#include "core/voting.h"

namespace grm {

enum class Method { kGreedy, kVoting, kMetaVoting };

struct MethodAtK {
  Method method;
  int k;
  std::string name() const;  // "greedy", "voting@8", "metarm@8"
};

struct ItemPool {
  std::vector<SampleVote> samples;     // the k_max samples, scores in original order
  std::optional<SampleVote> greedy;    // the temperature-0 sample, when greedy was asked for
};

struct ItemOutcome {
  double correct = 0;                      // fraction of subsets judged correctly
  double score = 0;                        // mean over subsets of the first response's mean score (ReaLMistake's ranking)
  std::vector<std::vector<long>> totals;   // per subset: the aggregated scores (original order)
};

struct ScalingOptions {
  int subsets = 8;           // R
  int k_meta = 0;            // 0 = k/2 (SPEC default)
  uint64_t seed = 1;
};

// REQUIRES: m.k <= pool.samples.size() (or a greedy sample for kGreedy).
ItemOutcome evaluate_item(const ItemPool& pool, const Item& item, const MethodAtK& m, const ScalingOptions& opts);

}  // namespace grm
