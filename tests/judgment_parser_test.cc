#include "core/judgment_parser.h"

#include <gtest/gtest.h>

namespace grm {
namespace {

constexpr ScoreRange k1to10{1, 10};

TEST(JudgmentParserTest, PaperCaseStudyShape) {
  const char* text =
      "Specific Criteria:\n"
      "1. **Depth of Analogies and Metaphors** (Weight: 30%): How deep the analogies go.\n"
      "2. **Clarity and Organization** (Weight: 20%): Structure.\n"
      "Analysis:\n"
      "- **Response 1**: Uses a vivid metaphor.\n"
      "  It is well organised.\n"
      "- **Response 2**: Shallow.\n"
      "Scores: \\boxed{8, 9}";
  ParsedJudgment p = parse_judgment(text, 2, k1to10);
  ASSERT_TRUE(p.valid) << p.invalid_reason;
  EXPECT_EQ(p.scores, (std::vector<int>{8, 9}));
  ASSERT_EQ(p.principles.size(), 2u);
  EXPECT_EQ(p.principles[0].name, "Depth of Analogies and Metaphors");
  EXPECT_DOUBLE_EQ(*p.principles[0].weight, 30);
  EXPECT_EQ(p.principles[1].name, "Clarity and Organization");
  ASSERT_TRUE(p.analysis[0].has_value());
  EXPECT_EQ(*p.analysis[0], "Uses a vivid metaphor.\nIt is well organised.");
  EXPECT_EQ(*p.analysis[1], "Shallow.");
}

TEST(JudgmentParserTest, OtherShapesModelsWrite) {
  const char* text =
      "Specific Criteria: Principle 1: Instruction Adherence (Weight: 4)\n"
      "Principle 2: Safety (Weight: 6)\n"
      "Analysis: Response 1: fine. \n"
      "Response 2: refuses.\n"
      "Instruction Adherence scores: 7 and 3\n"
      "**Scores**: \\boxed{7,3}\n";
  ParsedJudgment p = parse_judgment(text, 2, k1to10);
  ASSERT_TRUE(p.valid) << p.invalid_reason;
  EXPECT_EQ(p.scores, (std::vector<int>{7, 3}));
  ASSERT_EQ(p.principles.size(), 2u);
  EXPECT_EQ(p.principles[0].name, "Instruction Adherence");
  EXPECT_DOUBLE_EQ(*p.principles[0].weight, 4);
  EXPECT_EQ(*p.analysis[0], "fine.");
  EXPECT_EQ(*p.analysis[1], "refuses.");
}

TEST(JudgmentParserTest, LastBoxedAfterScoresWins) {
  const char* text = "Analysis: an earlier \\boxed{1, 1} in the critique.\nScores: draft \\boxed{2, 3}\nfinal \\boxed{9, 4}";
  ParsedJudgment p = parse_judgment(text, 2, k1to10);
  ASSERT_TRUE(p.valid);
  EXPECT_EQ(p.scores, (std::vector<int>{9, 4}));
}

TEST(JudgmentParserTest, SingleBinaryAndUnnumberedResponse) {
  ParsedJudgment p = parse_judgment("Analysis:\n- Response: correct.\nScores: \\boxed{1}", 1, {0, 1});
  ASSERT_TRUE(p.valid);
  EXPECT_EQ(p.scores, (std::vector<int>{1}));
  EXPECT_EQ(*p.analysis[0], "correct.");
}

TEST(JudgmentParserTest, MissingWeightsStillNamePrinciplesWithWeights) {
  ParsedJudgment p = parse_judgment("Specific Criteria:\n- Accuracy (weight 50 %)\n- Tone\nScores: \\boxed{5, 6}", 2, k1to10);
  ASSERT_TRUE(p.valid);
  ASSERT_EQ(p.principles.size(), 1u);
  EXPECT_EQ(p.principles[0].name, "Accuracy");
  EXPECT_DOUBLE_EQ(*p.principles[0].weight, 50);
}

struct Broken {
  const char* text;
  int n;
  const char* reason;
};

class JudgmentParserBrokenTest : public ::testing::TestWithParam<Broken> {};

TEST_P(JudgmentParserBrokenTest, InvalidWithAReason) {
  ParsedJudgment p = parse_judgment(GetParam().text, GetParam().n, k1to10);
  EXPECT_FALSE(p.valid);
  EXPECT_NE(p.invalid_reason.find(GetParam().reason), std::string::npos) << p.invalid_reason;
  EXPECT_EQ(p.analysis.size(), static_cast<size_t>(GetParam().n));
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, JudgmentParserBrokenTest,
    ::testing::Values(Broken{"", 2, "no 'Scores:' line"},
                      Broken{"Analysis: good. \\boxed{8, 9}", 2, "no 'Scores:' line"},
                      Broken{"Scores: 8, 9", 2, "no \\boxed"},
                      Broken{"\\boxed{8, 9}\nScores: none", 2, "no \\boxed"},
                      Broken{"Scores: \\boxed{8, 9", 2, "not closed"},
                      Broken{"Scores: \\boxed{8}", 2, "expected 2 scores, found 1"},
                      Broken{"Scores: \\boxed{8, 9, 10}", 2, "expected 2 scores, found 3"},
                      Broken{"Scores: \\boxed{8, 11}", 2, "outside 1..10"},
                      Broken{"Scores: \\boxed{0, 5}", 2, "outside 1..10"},
                      Broken{"Scores: \\boxed{8.5, 9}", 2, "not an integer"},
                      Broken{"Scores: \\boxed{x, x}", 2, "not an integer"},
                      Broken{"Scores: \\boxed{}", 1, "not an integer"},
                      Broken{"Scores: \\boxed{8,,9}", 2, "not an integer"},
                      Broken{"Scores: \\boxed{99999999999999999999, 1}", 2, "not an integer"}));

TEST(JudgmentParserTest, MarkdownAroundScoresIsAccepted) {
  ParsedJudgment p = parse_judgment("Scores: \\boxed{ **8** , 9 }", 2, k1to10);
  ASSERT_TRUE(p.valid) << p.invalid_reason;
  EXPECT_EQ(p.scores, (std::vector<int>{8, 9}));
}

TEST(JudgmentParserTest, ResponseNumbersOutOfRangeAreIgnored) {
  ParsedJudgment p = parse_judgment("Analysis:\n- Response 7: ghost\n- Response 2: real\nScores: \\boxed{3, 4}", 2, k1to10);
  EXPECT_FALSE(p.analysis[0].has_value());
  EXPECT_EQ(*p.analysis[1], "real");
}

}  // namespace
}  // namespace grm
