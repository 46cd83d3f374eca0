#include "train/batch_plan.h"

#include <algorithm>
#include <numeric>

#include "core/random.h"

namespace grm {
namespace {

// Cuts examples [begin, end) of idx into steps of per_step examples, each step into micro-batches.
void cut_steps(const std::vector<int>& idx, size_t begin, size_t end, const BatchPlanOptions& o, std::vector<StepBatches>& steps) {
  const size_t per_step = static_cast<size_t>(o.batch) * o.accum;
  for (size_t start = begin; start < end; start += per_step) {
    StepBatches micro;
    const size_t step_end = std::min(end, start + per_step);
    for (size_t m = start; m < step_end; m += o.batch)
      micro.emplace_back(idx.begin() + m, idx.begin() + std::min(step_end, m + o.batch));
    steps.push_back(std::move(micro));
  }
}

}  // namespace

std::vector<StepBatches> plan_steps(int n, const BatchPlanOptions& o, const std::function<long(int)>& length) {
  std::vector<StepBatches> steps;
  std::vector<long> len;
  if (o.length_window > 0) {
    len.resize(n);
    for (int i = 0; i < n; ++i) len[i] = length(i);
  }
  const size_t per_step = static_cast<size_t>(o.batch) * o.accum;
  for (int e = 0; e < o.epochs; ++e) {
    std::vector<int> idx(n);
    std::iota(idx.begin(), idx.end(), 0);
    const uint64_t epoch_seed = o.seed * 1000003ull + static_cast<uint64_t>(e);
    uint64_t state = epoch_seed;
    seeded_shuffle(idx, idx.size(), state);
    if (o.length_window <= 0) {
      cut_steps(idx, 0, idx.size(), o, steps);
      continue;
    }
    // Windows are whole steps, so that only the epoch's last step can be short, as without windows.
    const size_t window = per_step * static_cast<size_t>(o.length_window);
    for (size_t w = 0; w < idx.size(); w += window) {
      const size_t end = std::min(idx.size(), w + window);
      std::stable_sort(idx.begin() + w, idx.begin() + end, [&](int a, int b) { return len[a] < len[b]; });
      std::vector<StepBatches> in_window;
      cut_steps(idx, w, end, o, in_window);
      // The full steps are shuffled; a short one (the epoch's last window only) stays last.
      std::vector<int> order(in_window.size());
      std::iota(order.begin(), order.end(), 0);
      uint64_t window_state = mix_seed(epoch_seed, w + 1);
      seeded_shuffle(order, (end - w) / per_step, window_state);
      for (int i : order) steps.push_back(std::move(in_window[i]));
    }
  }
  if (o.max_steps > 0 && static_cast<long>(steps.size()) > o.max_steps) steps.resize(o.max_steps);
  return steps;
}

uint64_t plan_fingerprint(const std::vector<StepBatches>& steps, size_t count) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a over the indices, with a separator per micro-batch and step
  auto add = [&](uint64_t v) {
    for (int b = 0; b < 8; ++b) {
      h ^= (v >> (8 * b)) & 0xff;
      h *= 0x100000001b3ull;
    }
  };
  for (size_t s = 0; s < std::min(count, steps.size()); ++s) {
    for (const auto& micro : steps[s]) {
      for (int i : micro) add(static_cast<uint64_t>(i));
      add(~0ull);
    }
    add(~1ull);
  }
  return h == 0 ? 1 : h;
}

StepBatches regroup_by_length(const StepBatches& step, long max_tokens, const std::function<long(int)>& length) {
  if (max_tokens <= 0) return step;
  std::vector<std::pair<long, int>> by_length;  // (length, example), longest first; ties keep the planned order
  for (const auto& micro : step)
    for (int i : micro) by_length.emplace_back(length(i), i);
  std::stable_sort(by_length.begin(), by_length.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  StepBatches out;
  long longest = 0;  // of the micro-batch being filled: its first example
  for (const auto& [len, i] : by_length) {
    if (out.empty() || static_cast<long>(out.back().size() + 1) * longest > max_tokens) {
      out.emplace_back();
      longest = len;
    }
    out.back().push_back(i);
  }
  return out;
}

}  // namespace grm
