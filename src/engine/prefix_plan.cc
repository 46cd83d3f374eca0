#include "engine/prefix_plan.h"

#include <algorithm>
#include <limits>
#include <numeric>

namespace grm {

size_t common_prefix(const Tokens& a, const Tokens& b) {
  size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

Result<PrefixPlan> plan_shared_prefill(const std::vector<Tokens>& D, const Tokens& H) {
  const int m = static_cast<int>(D.size());
  PrefixPlan plan;
  plan.cached.resize(m);
  for (int d = 0; d < m; ++d) {
    plan.cached[d] = static_cast<int>(common_prefix(D[d], H));
    if (plan.cached[d] >= static_cast<int>(D[d].size()))
      return Error{"a prompt is a prefix of the cached header (nothing left to evaluate)"};
  }
  // In lexicographic order the longest prefix a sequence shares with any earlier one is the one it shares
  // with its predecessor, and sequences sharing a position form a contiguous run.
  std::vector<int> S(m);
  std::iota(S.begin(), S.end(), 0);
  std::sort(S.begin(), S.end(), [&](int a, int b) { return D[a] < D[b]; });
  std::vector<size_t> lcp_next(m, 0);  // lcp_next[i] = LCP(D[S[i]], D[S[i+1]])
  for (int i = 0; i + 1 < m; ++i) {
    lcp_next[i] = common_prefix(D[S[i]], D[S[i + 1]]);
    if (lcp_next[i] >= std::min(D[S[i]].size(), D[S[i + 1]].size()))
      return Error{"two prompts are equal or one is a prefix of the other"};
  }
  for (int i = 0; i < m; ++i) {
    const int d = S[i];
    size_t start = plan.cached[d];
    if (i > 0) start = std::max(start, lcp_next[i - 1]);
    for (size_t pos = start; pos < D[d].size(); ++pos) {
      PlannedToken t;
      t.token = D[d][pos];
      t.pos = static_cast<int32_t>(pos);
      t.sequences.push_back(d);
      size_t run = std::numeric_limits<size_t>::max();
      for (int j = i + 1; j < m; ++j) {
        run = std::min(run, lcp_next[j - 1]);
        if (run <= pos) break;
        if (static_cast<int>(pos) >= plan.cached[S[j]]) t.sequences.push_back(S[j]);
      }
      t.output_of = pos + 1 == D[d].size() ? d : -1;
      plan.tokens.push_back(std::move(t));
    }
  }
  return plan;
}

}  // namespace grm
