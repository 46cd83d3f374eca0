// The domain vocabulary (grm model vocab) and the template recorded in a model (grm model init --template):
// a vocabulary trained on synth teacher records loads in llama.cpp, keeps digits single tokens, encodes the
// domain's text losslessly and much shorter than bytes; the model's grm.template picks the prompt family.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "engine/llama_handles.h"
#include "engine/model_init.h"
#include "test_models.h"

namespace grm {
namespace {

std::string detok(const LlamaModel& m, const std::vector<llama_token>& toks) {
  std::string s;
  for (auto t : toks) s += m.token_to_piece(t);
  return s;
}

class DomainVocabTest : public ::testing::Test {
 protected:
  // Each test builds its own files: ctest runs the tests of a suite as separate, concurrent processes.
  void SetUp() override {
    llama_backend_setup(false);
    dir_ = test::scratch_dir(std::string("domain_vocab_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    const std::string& d = dir_;
    auto r = test::run_grm("synth items --n 300 --seed 5 --out " + d + "/items.jsonl", dir_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = test::run_grm("synth teacher --in " + d + "/items.jsonl --out " + d + "/traj.jsonl --orders 2", dir_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = test::run_grm("model vocab --records " + d + "/traj.jsonl --size 800 --threads 2 --out " + d + "/vocab.gguf", dir_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = test::run_grm("model init --vocab " + d + "/vocab.gguf --layers 1 --embd 32 --heads 2 --kv-heads 1 --ff 64 --template compact --out " + d + "/m.gguf", dir_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::string dir_;
};

TEST_F(DomainVocabTest, LoadsInLlamaCppWithTheRequestedSizeAtMost) {
  auto m = LlamaModel::load(dir_ + "/m.gguf");
  ASSERT_TRUE(m.ok()) << m.error().message;
  const int n = llama_vocab_n_tokens(m.value()->vocab());
  EXPECT_GT(n, 259);  // <unk> <s> </s> + 256 bytes + learned pieces
  EXPECT_LE(n, 800);
  EXPECT_EQ(m.value()->meta("grm.template"), "compact");
}

TEST_F(DomainVocabTest, DigitsAreSingleTokensAndTextRoundTrips) {
  auto m = LlamaModel::load(dir_ + "/vocab.gguf", 0, /*vocab_only=*/true);
  ASSERT_TRUE(m.ok()) << m.error().message;
  for (const char* num : {"7", "12", "905", "2024"}) {
    auto toks = m.value()->tokenize(std::string("x ") + num, false, false);
    // "x" (with its space prefix), then one token per digit, maybe a lone space piece before the digits.
    int digit_tokens = 0;
    for (auto t : toks) {
      const std::string p = m.value()->token_to_piece(t);
      if (p.find_first_of("0123456789") != std::string::npos) {
        EXPECT_EQ(p.find_first_not_of("0123456789 "), std::string::npos) << num << ": piece '" << p << "'";
        std::string digits = p;
        std::erase(digits, ' ');
        EXPECT_EQ(digits.size(), 1u) << num << ": piece '" << p << "'";
        ++digit_tokens;
      }
    }
    EXPECT_EQ(digit_tokens, static_cast<int>(std::strlen(num))) << num;
  }
  // Every teacher trajectory and a text with bytes the corpus never had come back byte for byte.
  size_t bytes = 0, tokens = 0;
  for (const auto& line : test::read_lines(dir_ + "/traj.jsonl")) {
    const std::string text = nlohmann::json::parse(line)["trajectory"].get<std::string>();
    auto toks = m.value()->tokenize(text, false, false);
    const std::string back = detok(*m.value(), toks);
    ASSERT_EQ(back.substr(back.size() - text.size()), text);
    bytes += text.size();
    tokens += toks.size();
  }
  EXPECT_LT(tokens * 2, bytes) << "the domain vocabulary should compress its own text at least 2x";
  const std::string odd = "Ünïcode ✓ and tabs\tand {braces}";
  auto toks = m.value()->tokenize(odd, false, false);
  const std::string back = detok(*m.value(), toks);
  EXPECT_EQ(back.substr(back.size() - odd.size()), odd);
}

TEST_F(DomainVocabTest, ScoreUsesTheModelsTemplateUnlessTold) {
  const std::string& d = dir_;
  // The compact header is what a compact model reads; --template default overrides it. The engine reports
  // how many header tokens it evaluated once, which differs between the families.
  auto rc = test::run_grm("score --model " + d + "/m.gguf --in " + d + "/items.jsonl --out " + d + "/c.jsonl -k 1 --max-tokens 4 --grammar off --template compact", dir_);
  auto rd = test::run_grm("score --model " + d + "/m.gguf --in " + d + "/items.jsonl --out " + d + "/d.jsonl -k 1 --max-tokens 4 --grammar off --template default", dir_);
  auto rm = test::run_grm("score --model " + d + "/m.gguf --in " + d + "/items.jsonl --out " + d + "/m.jsonl -k 1 --max-tokens 4 --grammar off", dir_);
  ASSERT_EQ(rc.exit_code, 0) << rc.err;
  ASSERT_EQ(rd.exit_code, 0) << rd.err;
  ASSERT_EQ(rm.exit_code, 0) << rm.err;
  auto header = [](const std::string& err) {
    auto at = err.find("header tokens once");
    return at == std::string::npos ? std::string() : err.substr(err.rfind("(+", at), at - err.rfind("(+", at));
  };
  EXPECT_FALSE(header(rc.err).empty()) << rc.err;
  EXPECT_EQ(header(rm.err), header(rc.err));
  EXPECT_NE(header(rm.err), header(rd.err));
}

// grm eval judges with the model's template too (it once used the paper's header for n >= 2 items while
// the 0/1 items got the model's): its greedy pass writes what grm score's greedy run writes.
TEST_F(DomainVocabTest, EvalJudgesWithTheModelsTemplateLikeScore) {
  const std::string& d = dir_;
  std::string first;
  for (int i = 0; const auto& line : test::read_lines(d + "/items.jsonl"))
    if (i++ < 12) first += line + "\n";
  test::write_text(d + "/few.jsonl", first);
  auto s = test::run_grm("score --model " + d + "/m.gguf --in " + d + "/few.jsonl --out " + d + "/s.jsonl -k 1 --max-tokens 12 --orders fixed -q", dir_);
  ASSERT_EQ(s.exit_code, 0) << s.err;
  auto e = test::run_grm("eval --bench items --data " + d + "/few.jsonl --model " + d + "/m.gguf --k 1 --max-tokens 12 --orders fixed --report " + d + "/rep -q", dir_);
  ASSERT_EQ(e.exit_code, 0) << e.err;
  std::map<std::string, std::string> score_text, eval_text;
  // Items with one response are judged 0/1 by eval (compact_single) and 1..10 by score unless told.
  for (const auto& line : test::read_lines(d + "/s.jsonl")) {
    auto j = nlohmann::json::parse(line);
    if (j["samples"][0]["order"].size() >= 2) score_text[j["id"]] = j["samples"][0]["text"];
  }
  for (const auto& line : test::read_lines(d + "/rep/cache/items/greedy.jsonl")) {
    auto j = nlohmann::json::parse(line);
    if (j["samples"][0]["order"].size() >= 2) eval_text[j["id"]] = j["samples"][0]["text"];
    else EXPECT_LE(j["samples"][0]["scores"][0].get<int>(), 1) << line;
  }
  ASSERT_GE(score_text.size(), 6u);
  EXPECT_EQ(eval_text, score_text);
}

TEST_F(DomainVocabTest, BadInputsNameTheProblem) {
  const std::string& d = dir_;
  test::write_text(dir_ + "/bad.jsonl", "{\"item\": {\"id\": \"a\"}}\nnot json\n");
  auto r = test::run_grm("model vocab --records " + d + "/bad.jsonl --out " + d + "/v2.gguf", dir_);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.jsonl:2"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/v2.gguf"));
  r = test::run_grm("model init --vocab " + d + "/vocab.gguf --layers 1 --embd 32 --heads 2 --kv-heads 1 --ff 64 --template fancy --out " + d + "/x.gguf", dir_);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("fancy"), std::string::npos) << r.err;
  r = test::run_grm("synth teacher --in " + d + "/items.jsonl --out " + d + "/t2.jsonl --template single", dir_);
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace grm
