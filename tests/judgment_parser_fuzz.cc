// Fuzz target for the judgment parser: any byte string, any n, both score ranges. The parser must not crash,
// must return n analysis slots, and a valid result must hold n in-range scores.
// Built as a libFuzzer binary with clang (tests/CMakeLists.txt); judgment_parser_fuzz_test.cc drives it with
// a deterministic mutation loop in every build.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/judgment_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const int n = 1 + data[0] % 6;
  const grm::ScoreRange range = (data[0] & 0x80) ? grm::ScoreRange{0, 1} : grm::ScoreRange{1, 10};
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  grm::ParsedJudgment p = grm::parse_judgment(text, n, range);
  if (p.analysis.size() != static_cast<size_t>(n)) std::abort();
  if (p.valid) {
    if (p.scores.size() != static_cast<size_t>(n)) std::abort();
    for (int s : p.scores)
      if (s < range.lo || s > range.hi) std::abort();
  } else if (p.invalid_reason.empty()) {
    std::abort();
  }
  return 0;
}
