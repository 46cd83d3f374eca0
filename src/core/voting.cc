#include "core/voting.h"

#include <algorithm>
#include <numeric>

#include "core/random.h"

namespace grm {

std::vector<int> select_by_meta(const std::vector<SampleVote>& samples, int k_meta) {
  std::vector<int> valid;
  for (int i = 0; i < static_cast<int>(samples.size()); ++i)
    if (samples[i].valid) valid.push_back(i);
  std::stable_sort(valid.begin(), valid.end(), [&](int a, int b) {
    const auto& ma = samples[a].meta;
    const auto& mb = samples[b].meta;
    if (ma.has_value() != mb.has_value()) return ma.has_value();
    return ma.has_value() && *ma > *mb;
  });
  if (k_meta >= 0 && static_cast<int>(valid.size()) > k_meta) valid.resize(k_meta);
  std::sort(valid.begin(), valid.end());
  return valid;
}

VoteResult vote(const std::vector<SampleVote>& samples, int n, std::optional<int> k_meta, uint64_t tie_seed) {
  VoteResult r;
  r.totals.assign(n, 0);
  if (k_meta) {
    r.voters = select_by_meta(samples, *k_meta);
  } else {
    for (int i = 0; i < static_cast<int>(samples.size()); ++i)
      if (samples[i].valid) r.voters.push_back(i);
  }
  for (int i : r.voters)
    for (int p = 0; p < n && p < static_cast<int>(samples[i].scores.size()); ++p) r.totals[p] += samples[i].scores[p];
  if (r.voters.empty()) return r;
  const long top = *std::max_element(r.totals.begin(), r.totals.end());
  std::vector<int> tied;
  for (int i = 0; i < n; ++i)
    if (r.totals[i] == top) tied.push_back(i);
  if (tied.size() == 1) {
    r.best = tied[0];
  } else {
    uint64_t state = tie_seed;
    r.best = tied[splitmix64(state) % tied.size()];
    r.tie_broken = true;
  }
  return r;
}

int default_k_meta(int k) { return std::max(1, k / 2); }

}  // namespace grm
