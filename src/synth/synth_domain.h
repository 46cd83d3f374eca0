// The synth judging domain of ../shared/SYNTH.md: six task families with programmatic ground truth, the
// teacher's trajectories and its noise. The strings are SYNTH.md's, exactly: an independent generator built
// from that page draws from the same distribution.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/item.h"

namespace grm::synth {

struct Principle {
  std::string name;
  int weight = 0;  // percent; a family's weights sum to 100
};

// One drawn response with everything the teacher knows about it.
struct Response {
  std::string text;
  std::string kind;          // variant kind, e.g. "F1.bare", "F3.repeat" (for tests and breakdowns)
  std::vector<double> sat;   // per principle: 0, 0.5 or 1
  std::string analysis;      // the teacher's analysis line (without "- Response i: ")
  std::string flipped;       // the same line stating the opposite verdict on the first principle
};

struct SynthItem {
  Item item;                          // canonical; meta.family, meta.n
  std::string family;                 // "F1".."F6"
  std::vector<Principle> principles;  // in the family's order
  std::vector<Response> responses;    // in item.responses order
};

// round(1 + 9 * sum_p(weight_p * sat_p) / 100), half up. (Exact: the sum is a multiple of 0.5.)
int true_score(const std::vector<Principle>& principles, const std::vector<double>& sat);
// As true_score, with the first principle's satisfaction replaced by `first`.
int score_with_first(const std::vector<Principle>& principles, std::vector<double> sat, double first);

// The score the teacher writes beside a response's line: its true score, or with the first-principle verdict
// reversed when `flipped` (the line is Response::flipped); on one-response items the 0/1 verdict on the first
// principle (the label when not flipped).
int teacher_score(const SynthItem& item, const Response& r, bool flipped);
// The lines of the teacher's generic noise mode (every response's line is one of them).
inline constexpr const char* kGenericGoodLine = "looks good.";
inline constexpr const char* kGenericPoorLine = "looks poor.";

// Item `index` of the stream `seed`: a function of (seed, index) alone. meta carries family, n, seed, index.
SynthItem generate_item(uint64_t seed, int index);
// Items 0..n-1 of the stream.
std::vector<SynthItem> generate_items(int n, uint64_t seed);
// The synth item a canonical item was drawn as (from its meta.seed and meta.index), checked against the item's
// responses and query so that an edited item is refused rather than judged against the wrong ground truth.
// Errors name the field or the item; the caller adds file and line.
Result<SynthItem> synth_item_of(const Item& it);

struct TeacherOptions {
  double p_wrong = 0.3;
  double p_generic = 0.2;
  bool principles = true;  // false: no "Specific Criteria" block (the no-principles ablation)
};

struct TeacherTrajectory {
  std::string text;
  bool wrong = false;    // one response's first-principle verdict was flipped
  bool generic = false;  // generic principles and noisy scores
  std::vector<int> scores;  // the scores written, in the order shown
};

// The teacher's trajectory for `item` shown in `order` (order[p] = index of the response at position p).
TeacherTrajectory teacher_trajectory(const SynthItem& item, const std::vector<int>& order, const TeacherOptions& opts,
                                     uint64_t seed);

}  // namespace grm::synth
