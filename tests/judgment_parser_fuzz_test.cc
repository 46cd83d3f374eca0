// Runs the fuzz target (judgment_parser_fuzz.cc) over mutations of a seed corpus: a fixed-seed, bounded
// stand-in for libFuzzer so that every build exercises it.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

TEST(JudgmentParserFuzzTest, SurvivesMutatedOutputs) {
  const std::vector<std::string> seeds = {
      "\x02Specific Criteria:\n1. **A** (Weight: 30%): x\nAnalysis:\n- **Response 1**: a\n- **Response 2**: b\nScores: \\boxed{8, 9}",
      "\x01Principle 1: X (Weight: 4)\nAnalysis: Response: ok\nScores: \\boxed{1}",
      "\x83Scores: \\boxed{0, 1, 1, 0}",
      "\x02**Scores**: \\boxed{10,1}} \\boxed{",
  };
  const std::string alphabet = "Scores:\\boxed{},0123456789 \n*-Response Weight%()Analysis";
  std::mt19937 rng(12345);
  for (int iter = 0; iter < 60000; ++iter) {
    std::string s = seeds[iter % seeds.size()];
    const int edits = 1 + rng() % 8;
    for (int e = 0; e < edits; ++e) {
      const size_t pos = s.empty() ? 0 : rng() % (s.size() + 1);
      switch (rng() % 4) {
        case 0: s.insert(pos, 1, alphabet[rng() % alphabet.size()]); break;
        case 1: if (!s.empty() && pos < s.size()) s.erase(pos, 1 + rng() % 4); break;
        case 2: if (!s.empty() && pos < s.size()) s[pos] = static_cast<char>(rng() & 0xff); break;
        default: s.insert(pos, s.substr(0, rng() % (s.size() + 1))); break;
      }
      if (s.size() > 4096) s.resize(4096);
    }
    ASSERT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size()), 0);
  }
}

}  // namespace
