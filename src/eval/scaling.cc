#include "eval/scaling.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "core/response_order.h"
#include "core/rules.h"

namespace grm {

std::string MethodAtK::name() const {
  switch (method) {
    case Method::kGreedy: return "greedy";
    case Method::kVoting: return fmt::format("voting@{}", k);
    case Method::kMetaVoting: return fmt::format("metarm@{}", k);
  }
  return "?";
}

ItemOutcome evaluate_item(const ItemPool& pool, const Item& item, const MethodAtK& m, const ScalingOptions& opts) {
  ItemOutcome out;
  const int n = item.n();
  std::vector<std::vector<SampleVote>> draws;
  if (m.method == Method::kGreedy) {
    if (pool.greedy) draws.push_back({*pool.greedy});
  } else {
    const int kmax = static_cast<int>(pool.samples.size());
    const int k = std::min(m.k, kmax);
    const int r = k >= kmax ? 1 : opts.subsets;
    uint64_t state = item_seed(opts.seed ^ (static_cast<uint64_t>(k) << 32), item.id);
    std::vector<int> idx(kmax);
    for (int d = 0; d < r; ++d) {
      std::iota(idx.begin(), idx.end(), 0);
      for (int i = 0; i < k; ++i) {  // partial Fisher-Yates: the first k are a uniform k-subset
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        const int j = i + static_cast<int>((state >> 33) % static_cast<uint64_t>(kmax - i));
        std::swap(idx[i], idx[j]);
      }
      std::vector<SampleVote> draw;
      for (int i = 0; i < k; ++i) draw.push_back(pool.samples[idx[i]]);
      draws.push_back(std::move(draw));
    }
  }
  if (draws.empty()) return out;
  for (size_t d = 0; d < draws.size(); ++d) {
    std::optional<int> k_meta;
    if (m.method == Method::kMetaVoting) k_meta = opts.k_meta > 0 ? opts.k_meta : default_k_meta(m.k);
    VoteResult v = vote(draws[d], n, k_meta, opts.seed + d);
    const bool ok = is_vote_correct(v.totals, static_cast<int>(v.voters.size()), item);
    out.correct += ok;
    out.score += v.voters.empty() ? 0.0 : static_cast<double>(v.totals[0]) / v.voters.size();
    out.totals.push_back(v.voters.empty() ? std::vector<long>{} : v.totals);
  }
  out.correct /= draws.size();
  out.score /= draws.size();
  return out;
}

}  // namespace grm
