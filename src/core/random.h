// The one pseudo-random generator grm uses for everything that must be reproducible across machines and
// standard libraries (orders, tie-breaks, subsets, bootstrap, data order, random weights): SplitMix64.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace grm {

// Advances `state` and returns the next 64 random bits.
inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A well-mixed value derived from two (e.g. a seed and an index), without shared state.
inline uint64_t mix_seed(uint64_t a, uint64_t b) {
  uint64_t s = a ^ (b * 0xD1B54A32D192ED03ull);
  return splitmix64(s);
}

// Fisher-Yates on the first `count` entries of v, drawing from `state`: the one shuffle behind every seeded
// order (synth items, GRPO's item cycle, the trainers' data order), so that they stay reproducible alike.
template <class T>
void seeded_shuffle(std::vector<T>& v, size_t count, uint64_t& state) {
  for (size_t i = count; i > 1; --i) std::swap(v[i - 1], v[splitmix64(state) % i]);
}

}  // namespace grm
