// The order in which each sample sees an item's responses (SPEC §4 "Shuffling").
//
// An order is a permutation: order[p] = index (into item.responses) of the response shown at position p.
// Scores parsed from a sample are by position and are mapped back with to_original_order().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace grm {

enum class OrderMode {
  kBalanced,  // rotations of one seeded random permutation: sample j gets rotation j mod n, so every response
              // sits at every position equally often when n divides k (within one otherwise), and only
              // min(k, n) distinct prompts exist (the engine evaluates each once). Default.
  kRandom,    // an independent uniformly random permutation per sample (the paper's description).
  kFixed,     // the item's own order for every sample (no shuffling; for ablations).
};

Result<OrderMode> order_mode_from_name(const std::string& name);  // "balanced" | "random" | "fixed"
const char* order_mode_name(OrderMode mode);

// k orders of n responses. Deterministic in (n, k, mode, seed).
// REQUIRES: n >= 1, k >= 1.
std::vector<std::vector<int>> sample_orders(int n, int k, OrderMode mode, uint64_t seed);

// Seed for one item, derived from the run's seed and the item's id, so that an item's samples do not depend
// on which other items share the run or on the order they are processed in (resume gives the same output).
uint64_t item_seed(uint64_t run_seed, const std::string& item_id);

// Whether order is a permutation of 0..n-1 (an order read from a file is checked with this before use).
bool is_order_of(const std::vector<int>& order, int n);

// scores_by_position[p] belongs to response order[p]; returns scores indexed by original response.
// REQUIRES: sizes match and order is a permutation.
template <typename T>
std::vector<T> to_original_order(const std::vector<T>& scores_by_position, const std::vector<int>& order) {
  std::vector<T> out(scores_by_position.size());
  for (size_t p = 0; p < order.size(); ++p) out[order[p]] = scores_by_position[p];
  return out;
}

}  // namespace grm
