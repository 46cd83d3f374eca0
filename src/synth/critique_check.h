// How a judge's critiques compare with the synth teacher's (`grm synth critiques`).
//
// Accuracy counts only the verdict; on the synth domain the critique itself can be checked too, because the
// teacher's analysis of a response is a function of that response (SYNTH.md). Each analysis line a judge writes
// for the response in position p is compared with the noise-free line the teacher writes for that response. The
// classes separate reading errors from judging errors: a line that is another response's own line means the
// judge critiqued the wrong response (it bound the line to another block of the prompt), one that is this
// response's line with the first-principle verdict flipped means it read the response and misjudged it.
// Measured on the ninth run's S0/S1, critiques of later positions are mostly another response's or misread
// (docs/synth.md, session 16), which is where the judge's accuracy goes.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "synth/synth_domain.h"

namespace grm::synth {

enum class CritiqueClass {
  kExact,            // the teacher's line for this response
  kFlipped,          // this response's line with the verdict on the first principle reversed
  kAnotherResponse,  // the line (or flipped line) of another response of the item, not of this one
  kGeneric,          // "looks good." / "looks poor." (the teacher's generic noise mode)
  kOther,            // anything else: a misread number, a wrong computation, a made-up clause
  kMissing,          // no analysis line for this position
};
inline constexpr int kCritiqueClasses = 6;
const char* critique_class_name(CritiqueClass c);

struct LineCheck {
  CritiqueClass cls = CritiqueClass::kMissing;
  // The score the teacher writes beside this line, where the line is one the teacher writes for some response of
  // the item (exact, verdict flipped, another response's): that response's true score, or with the first-principle
  // verdict reversed for a flipped line; on one-response items the 0/1 verdict on the first principle.
  std::optional<int> implied_score;
};

// One check per position of the sample. order[p] is the index of the response shown at position p; analysis[p]
// the line the judge wrote for position p (judgment_parser's ParsedJudgment::analysis), without "- Response p: ".
// REQUIRES: order has item.responses.size() entries and is a permutation.
std::vector<LineCheck> check_critiques(const SynthItem& item, const std::vector<int>& order,
                                       const std::vector<std::optional<std::string>>& analysis);

struct CritiqueTally {
  long lines = 0;
  std::array<long, kCritiqueClasses> by_class{};
  long scored = 0;   // lines with an implied score, in a sample with a valid verdict
  long follows = 0;  // of those, lines whose written score is the implied one
  double share(CritiqueClass c) const { return lines ? static_cast<double>(by_class[static_cast<int>(c)]) / lines : 0.0; }
  // Whether the verdict rests on the critique: the teacher's scores always follow its lines, noise included.
  double follow_rate() const { return scored ? static_cast<double>(follows) / scored : 0.0; }
};

// Tallies by group. Keys, in the order a report lists them: "all"; the family ("F1".."F6"); "n = N"; and, for
// items with two or more responses, "position P" (the line's position in the sample, from 1).
class CritiqueReport {
 public:
  // scores: the sample's verdict by position when it is valid, else empty.
  void add(const SynthItem& item, const std::vector<LineCheck>& checks, const std::vector<int>& scores);
  long samples() const { return samples_; }
  // The groups in report order, each with its tally; groups without lines are left out.
  std::vector<std::pair<std::string, CritiqueTally>> rows() const;

 private:
  long samples_ = 0;
  std::map<std::string, CritiqueTally> tallies_;
};

}  // namespace grm::synth
