// Reading a GRM's generated text: the verdict, and best-effort structure (principles, per-response analysis).
//
// The verdict is the last "\boxed{...}" that comes after a "Scores:" label (case-insensitive, markdown bold
// allowed: "**Scores**:"). It must hold exactly n comma-separated integers within the template's range;
// otherwise the sample is invalid and `invalid_reason` says why. Principles and analysis are extracted from
// the shapes the released models write (templates/README.md) and never make a sample invalid.
//
// Never throws and never reads out of bounds, whatever the input (tests/judgment_parser_fuzz.cc).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/prompt.h"

namespace grm {

struct Principle {
  std::string name;
  std::optional<double> weight;  // as written: "30%" -> 30, "Weight: 4" -> 4
};

struct ParsedJudgment {
  bool valid = false;
  std::string invalid_reason;  // empty when valid
  std::vector<int> scores;     // by position in the sample's order; size n when valid
  std::vector<Principle> principles;
  std::vector<std::optional<std::string>> analysis;  // by position; size n; none where not found
};

ParsedJudgment parse_judgment(std::string_view text, int n, ScoreRange range);

}  // namespace grm
