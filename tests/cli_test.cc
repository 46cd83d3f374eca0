// End to end through the `grm` binary, as a user runs it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

#include "test_models.h"

namespace grm {
namespace {

using test::run_grm;

const char* kItems =
    R"({"id":"q1","prompt":"What is 2 + 2?","responses":["4","5"],"label":{"best":0}})" "\n"
    R"({"id":"q2","conversation":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"},{"role":"user","content":"Name a color."}],"responses":["Blue.","Seven.","Red."],"label":{"best":2}})" "\n"
    "\n"
    R"({"id":"q3","prompt":"Is water wet?","responses":["Yes."],"label":{"correct":1}})" "\n";

std::string score_args(const std::string& dir, const std::string& extra) {
  return "score --model '" + test::tiny_model_path() + "' --in '" + dir + "/items.jsonl' --out '" + dir +
         "/out.jsonl' -k 4 --max-tokens 16 --threads 2 " + extra;
}

TEST(CliTest, ScoresItemsAndWritesOneCompleteLinePerItemInInputOrder) {
  const std::string dir = test::scratch_dir("cli_score");
  test::write_text(dir + "/items.jsonl", kItems);
  auto r = run_grm(score_args(dir, ""), dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("3 item(s) judged"), std::string::npos) << r.err;
  // Progress (stderr is not a terminal here: decile lines). No rate is shown before a second has passed,
  // rather than a "0.00/s" that reads as a stall.
  EXPECT_NE(r.err.find("3/3 ("), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("0.00/s"), std::string::npos) << r.err;
  auto lines = test::read_lines(dir + "/out.jsonl");
  ASSERT_EQ(lines.size(), 3u);
  const std::vector<std::string> ids = {"q1", "q2", "q3"};
  const std::vector<size_t> n = {2, 3, 1};
  for (size_t i = 0; i < 3; ++i) {
    auto j = nlohmann::json::parse(lines[i]);
    EXPECT_EQ(j["id"], ids[i]);
    ASSERT_EQ(j["scores"].size(), n[i]) << lines[i];
    ASSERT_EQ(j["samples"].size(), 4u);
    EXPECT_EQ(j["valid_samples"], 4);  // grammar on by default
    EXPECT_EQ(j["method"], "voting");
    for (const auto& s : j["samples"]) {
      EXPECT_TRUE(s["valid"].get<bool>());
      EXPECT_EQ(s["order"].size(), n[i]);
      EXPECT_EQ(s["analysis"].size(), n[i]);
      long total = 0;
      for (auto v : s["scores"]) total += v.get<long>();
      EXPECT_GE(total, static_cast<long>(n[i]));
    }
    long sum_check = 0, voted = 0;
    for (const auto& s : j["samples"]) sum_check += s["scores"][0].get<long>();
    voted = j["scores"][0].get<long>();
    EXPECT_EQ(voted, sum_check);  // the vote is the sum over samples, in original order
    EXPECT_TRUE(j["stats"].contains("prompt_tokens_evaluated"));
    EXPECT_EQ(j.contains("correct"), i < 2);  // q3's one response is rated 1..10: its 0/1 label has no rule
  }
}

TEST(CliTest, InvalidLinesStopTheRunWithFileAndLineUnlessSkipped) {
  const std::string dir = test::scratch_dir("cli_invalid");
  test::write_text(dir + "/items.jsonl",
                   R"({"id":"ok","prompt":"q","responses":["a","b"]})" "\n"
                   R"({"id":"bad1","prompt":"q","responses":[]})" "\n"
                   "{not json\n"
                   R"({"id":"ok","prompt":"q","responses":["a"]})" "\n");
  auto r = run_grm(score_args(dir, ""), dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("items.jsonl:2: field 'responses': is empty"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("items.jsonl:3: malformed JSON"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("items.jsonl:4: field 'id': 'ok' was already used on line 1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing was scored"), std::string::npos);
  EXPECT_TRUE(test::read_text(dir + "/out.jsonl").empty());

  auto s = run_grm(score_args(dir, "--skip-invalid"), dir);
  ASSERT_EQ(s.exit_code, 0) << s.err;
  auto lines = test::read_lines(dir + "/out.jsonl");
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(nlohmann::json::parse(lines[0])["id"], "ok");
  auto e = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(e["id"], "line:2");
  EXPECT_NE(e["error"].get<std::string>().find("responses"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(lines[2])["line"], 3);
}

TEST(CliTest, ResumeCutsAPartialLineAndFinishesTheRest) {
  const std::string dir = test::scratch_dir("cli_resume");
  test::write_text(dir + "/items.jsonl", kItems);
  ASSERT_EQ(run_grm(score_args(dir, ""), dir).exit_code, 0);
  auto full = test::read_lines(dir + "/out.jsonl");
  ASSERT_EQ(full.size(), 3u);
  // An interrupted run: one complete line and half of the next.
  test::write_text(dir + "/out.jsonl", full[0] + "\n" + full[1].substr(0, full[1].size() / 2));

  auto again = run_grm(score_args(dir, ""), dir);
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("--resume"), std::string::npos) << again.err;

  auto r = run_grm(score_args(dir, "--resume"), dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("1 already in the output"), std::string::npos) << r.err;
  auto lines = test::read_lines(dir + "/out.jsonl");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], full[0]);
  std::set<std::string> ids;
  for (const auto& l : lines) ids.insert(nlohmann::json::parse(l)["id"].get<std::string>());  // every line parses
  EXPECT_EQ(ids, (std::set<std::string>{"q1", "q2", "q3"}));
}

TEST(CliTest, StdoutWithMetaRm) {
  const std::string dir = test::scratch_dir("cli_stdio");
  test::write_text(dir + "/items.jsonl", kItems);
  auto r = run_grm("score --model '" + test::tiny_model_path() + "' --meta-rm '" + test::tiny_meta_rm_path() +
                  "' --in '" + dir + "/items.jsonl' --out - -k 4 --k-meta 2 --max-tokens 12 -q",
              dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;  // --quiet
  std::istringstream out(r.out);
  std::string line;
  int count = 0;
  while (std::getline(out, line)) {
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["method"], "meta_voting");
    EXPECT_EQ(j["k_meta"], 2);
    EXPECT_EQ(j["voters"].size(), 2u);
    for (const auto& s : j["samples"]) EXPECT_TRUE(s.contains("meta"));
    ++count;
  }
  EXPECT_EQ(count, 3);
}

TEST(CliTest, StdinToStdout) {
  const std::string dir = test::scratch_dir("cli_stdin");
  test::write_text(dir + "/items.jsonl", kItems);
  auto r = run_grm("score --model '" + test::tiny_model_path() + "' --in - --out - -k 2 --max-tokens 8 -q", dir,
                   dir + "/items.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 3);
  EXPECT_NE(r.out.find("\"id\":\"q2\""), std::string::npos);
}

TEST(CliTest, MissingModelAndUnreadableInputAreClearFailures) {
  const std::string dir = test::scratch_dir("cli_missing");
  test::write_text(dir + "/items.jsonl", kItems);
  auto r = run_grm("score --model /nonexistent/m.gguf --in '" + dir + "/items.jsonl' --out '" + dir + "/o.jsonl'", dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/nonexistent/m.gguf"), std::string::npos) << r.err;
  auto i = run_grm("score --model '" + test::tiny_model_path() + "' --in /nonexistent/items.jsonl --out '" + dir + "/o.jsonl'", dir);
  EXPECT_EQ(i.exit_code, 1);
  EXPECT_NE(i.err.find("cannot open input '/nonexistent/items.jsonl'"), std::string::npos) << i.err;
  auto bad = run_grm("score --in x --out y --orders sideways", dir);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("balanced, random or fixed"), std::string::npos) << bad.err;
}

TEST(CliTest, ModelCommandsRefuseBadOptionsAsUsageErrors) {
  // Exit 2 (usage) for options no run could take, before any file is read or written; exit 1 stays for files
  // that cannot be read, as in every other command.
  const std::string dir = test::scratch_dir("cli_model_usage");
  const std::string init = "model init --vocab '" + std::string(GRM_TEST_VOCAB) + "' --out '" + dir + "/m.gguf' ";
  auto shape = run_grm(init + "--embd 60 --heads 8", dir);
  EXPECT_EQ(shape.exit_code, 2);
  EXPECT_NE(shape.err.find("embd 60 is not a multiple of heads 8"), std::string::npos) << shape.err;
  auto type = run_grm(init + "--type q8_0", dir);
  EXPECT_EQ(type.exit_code, 2);
  EXPECT_NE(type.err.find("--type"), std::string::npos) << type.err;
  auto family = run_grm(init + "--template compact_single", dir);
  EXPECT_EQ(family.exit_code, 2);
  EXPECT_NE(family.err.find("--template"), std::string::npos) << family.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/m.gguf"));
  auto quant = run_grm("model quantize --in '" + test::tiny_model_path() + "' --out '" + dir + "/q.gguf' --type q3_weird", dir);
  EXPECT_EQ(quant.exit_code, 2);
  EXPECT_NE(quant.err.find("q3_weird"), std::string::npos) << quant.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/q.gguf"));
  auto missing = run_grm("model quantize --in '" + dir + "/none.gguf' --out '" + dir + "/q.gguf'", dir);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("none.gguf' does not exist"), std::string::npos) << missing.err;
  auto good = run_grm(init + "--layers 1 --embd 16 --heads 2 --kv-heads 1 --ff 32 --ctx 64", dir);
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_TRUE(std::filesystem::exists(dir + "/m.gguf"));
}

TEST(CliTest, FullDiskIsAFailureWithoutAPartialLine) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full on this system";
  const std::string dir = test::scratch_dir("cli_full");
  test::write_text(dir + "/items.jsonl", kItems);
  auto r = run_grm("score --model '" + test::tiny_model_path() + "' --in '" + dir +
                       "/items.jsonl' --out /dev/full --overwrite -k 2 --max-tokens 8",
                   dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
}

TEST(CliTest, HelpAnswersTheQuestions) {
  const std::string dir = test::scratch_dir("cli_help");
  auto r = run_grm("score --help", dir);
  EXPECT_EQ(r.exit_code, 0);
  for (const char* s : {"--meta-rm", "--k-meta", "--resume", "--skip-invalid", "--grammar", "Exit codes", "\"label\""})
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
}

}  // namespace
}  // namespace grm
