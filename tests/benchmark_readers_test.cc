#include "eval/benchmark_readers.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

namespace grm {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string scratch(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("grm-readers-" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

void write(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

const std::string kRmb = std::string(GRM_SHARED_DIR) + "/data/rmb-sample";

TEST(BenchmarkReadersTest, RealRmbFilesAgreeWithAnIndependentCount) {
  auto set = read_benchmark(Benchmark::kRmb, kRmb, {});
  ASSERT_TRUE(set.ok()) << set.error().message;
  // Independent count straight from the JSON lists.
  std::map<std::string, int> expected_groups;
  size_t expected_items = 0, max_n = 0;
  for (const auto& e : fs::recursive_directory_iterator(kRmb)) {
    if (e.path().extension() != ".json") continue;
    json list = json::parse(std::ifstream(e.path()));
    const std::string rel = fs::relative(e.path(), kRmb).string();
    const std::string g = std::string(rel.rfind("Pairwise", 0) == 0 ? "Pairwise " : "BoN ") +
                          (rel.find("Harmlessness") != std::string::npos ? "Harmlessness" : "Helpfulness");
    expected_groups[g] += static_cast<int>(list.size());
    expected_items += list.size();
    for (const auto& r : list)
      if (r.contains("loser_list")) max_n = std::max(max_n, r["loser_list"].size() + 1);
  }
  EXPECT_EQ(set->items.size(), expected_items);
  std::map<std::string, int> groups;
  std::set<std::string> ids;
  bool saw_multi_turn = false;
  size_t seen_max_n = 0;
  for (const auto& e : set->items) {
    groups[e.group]++;
    ids.insert(e.item.id);
    EXPECT_EQ(e.item.best, 0);
    EXPECT_EQ(e.item.conversation.back().role, "user");
    saw_multi_turn |= e.item.conversation.size() >= 3;
    seen_max_n = std::max(seen_max_n, e.item.responses.size());
    EXPECT_FALSE(e.subset.empty());
  }
  EXPECT_EQ(groups, expected_groups);
  EXPECT_EQ(ids.size(), set->items.size());
  EXPECT_TRUE(saw_multi_turn);
  EXPECT_EQ(seen_max_n, max_n);
  EXPECT_GE(max_n, 4u);
}

TEST(BenchmarkReadersTest, RmbNeedsItsDirectoryLayout) {
  auto r = read_benchmark(Benchmark::kRmb, kRmb + "/Pairwise_set", {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not an RMB data directory"), std::string::npos);
}

TEST(BenchmarkReadersTest, RewardBenchJsonlAndJsonArraySectionsAndMultiTurn) {
  const std::string d = scratch("rb");
  write(d + "/rb.jsonl",
        R"({"prompt": "Hi?", "chosen": "Hello!", "chosen_model": "a", "rejected": "", "rejected_model": "b", "subset": "alpacaeval-easy", "id": 1})" "\n"
        R"({"prompt": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}, {"role": "user", "content": "and 3+3?"}], "chosen": "6", "chosen_model": "a", "rejected": "7", "rejected_model": "b", "subset": "math-prm", "id": 2})" "\n");
  auto set = read_benchmark(Benchmark::kRewardBench, d + "/rb.jsonl", {});
  ASSERT_TRUE(set.ok()) << set.error().message;
  ASSERT_EQ(set->items.size(), 2u);
  EXPECT_EQ(set->items[0].group, "Chat");
  EXPECT_EQ(set->items[0].item.responses, (std::vector<std::string>{"Hello!", ""}));  // empty responses are kept
  EXPECT_EQ(set->items[1].group, "Reasoning");
  EXPECT_EQ(set->items[1].item.conversation.size(), 3u);
  write(d + "/rb.json", R"([{"prompt": "Hi?", "chosen": "a", "rejected": "b", "subset": "donotanswer", "id": 9}])");
  auto arr = read_benchmark(Benchmark::kRewardBench, d + "/rb.json", {});
  ASSERT_TRUE(arr.ok()) << arr.error().message;
  EXPECT_EQ(arr->items[0].group, "Safety");
}

TEST(BenchmarkReadersTest, BadRecordsNameFileRecordAndFieldOrAreCountedWhenSkipped) {
  const std::string d = scratch("bad");
  write(d + "/rb.jsonl",
        R"({"prompt": "Hi?", "chosen": "a", "rejected": "b", "subset": "alpacaeval-easy", "id": 1})" "\n"
        R"({"prompt": "Hi?", "chosen": "a", "rejected": "b", "subset": "made-up-subset", "id": 2})" "\n"
        R"({"prompt": "Hi?", "rejected": "b", "subset": "alpacaeval-easy", "id": 3})" "\n");
  auto r = read_benchmark(Benchmark::kRewardBench, d + "/rb.jsonl", {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("rb.jsonl:2: field 'subset': unknown RewardBench subset 'made-up-subset'"), std::string::npos)
      << r.error().message;
  ReadOptions skip;
  skip.skip_invalid = true;
  auto s = read_benchmark(Benchmark::kRewardBench, d + "/rb.jsonl", skip);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->items.size(), 1u);
  EXPECT_EQ(s->invalid, 2);
  ASSERT_EQ(s->problems.size(), 2u);
  EXPECT_NE(s->problems[1].find("rb.jsonl:3: missing field 'chosen'"), std::string::npos) << s->problems[1];
  // A file of another benchmark is recognised as wrong at its first record.
  auto other = read_benchmark(Benchmark::kPpePref, d + "/rb.jsonl", {});
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message.find("missing field 'winner'"), std::string::npos);
  EXPECT_NE(other.error().message.find("is this really ppe-pref data?"), std::string::npos);
}

TEST(BenchmarkReadersTest, PpePrefDropsTiesAndPutsTheWinnerFirst) {
  const std::string d = scratch("ppe");
  write(d + "/pref.jsonl",
        R"({"question_id": "a", "model_a": "x", "model_b": "y", "winner": "model_b", "prompt": "q", "response_1": "r1", "response_2": "r2", "language": "English"})" "\n"
        R"({"question_id": "b", "model_a": "x", "model_b": "y", "winner": "tie", "prompt": "q", "response_1": "r1", "response_2": "r2", "language": "English"})" "\n"
        R"J({"question_id": "c", "model_a": "x", "model_b": "y", "winner": "tie (bothbad)", "prompt": "q", "response_1": "r1", "response_2": "r2"})J" "\n"
        R"({"question_id": "d", "model_a": "x", "model_b": "y", "winner": "model_a", "prompt": "q", "response_1": "r1", "response_2": "r2", "language": "German"})" "\n");
  auto set = read_benchmark(Benchmark::kPpePref, d + "/pref.jsonl", {});
  ASSERT_TRUE(set.ok()) << set.error().message;
  ASSERT_EQ(set->items.size(), 2u);
  EXPECT_EQ(set->skipped, 2);
  EXPECT_EQ(set->items[0].item.responses[0], "r2");
  EXPECT_EQ(set->items[1].item.responses[0], "r1");
  EXPECT_EQ(set->items[1].subset, "German");
}

TEST(BenchmarkReadersTest, PpeCorrOneItemPerSampledConflictPair) {
  const std::string d = scratch("corr");
  json row = {{"question_id", "q7"}, {"model_name", "m"}, {"prompt", "Solve x+1=2"}, {"scores", {true, false, false, true}},
              {"conflict_pairs", {{0, 1}, {0, 2}, {1, 3}, {2, 3}}}, {"sampled_conflict_pairs", {{0, 1}, {2, 3}}}};
  for (int i = 1; i <= 4; ++i) row["response_" + std::to_string(i)] = "answer " + std::to_string(i);
  write(d + "/sets/math_best_of_k.jsonl", row.dump() + "\n");
  row["sampled_conflict_pairs"] = {{0, 3}};
  write(d + "/sets/gpqa_best_of_k.json", json::array({row}).dump());
  auto set = read_benchmark(Benchmark::kPpeCorr, d + "/sets", {});
  ASSERT_FALSE(set.ok());  // [0, 3] are both correct
  EXPECT_NE(set.error().message.find("sampled_conflict_pairs[0]': needs one correct and one wrong"), std::string::npos)
      << set.error().message;
  fs::remove(d + "/sets/gpqa_best_of_k.json");
  set = read_benchmark(Benchmark::kPpeCorr, d + "/sets", {});
  ASSERT_TRUE(set.ok()) << set.error().message;
  ASSERT_EQ(set->items.size(), 2u);
  EXPECT_EQ(set->items[0].item.responses, (std::vector<std::string>{"answer 1", "answer 2"}));
  EXPECT_EQ(set->items[1].item.responses, (std::vector<std::string>{"answer 4", "answer 3"}));
  EXPECT_EQ(set->items[1].group, "math_best_of_k");
}

TEST(BenchmarkReadersTest, RealMistakeLabelsAndFiles) {
  const std::string d = scratch("rm");
  write(d + "/math.jsonl",
        R"({"input": "Add 2 and 2.", "llm_response": "5", "error_label": "error", "error_categories": ["Reasoning Error"], "human_explanation": "wrong", "metadata": {"id": "m1", "task_name": "math_word_problem_generation", "llm_response_model": "gpt-4-0613"}})" "\n"
        R"({"input": "Add 2 and 3.", "llm_response": "5", "error_label": "no_error", "error_categories": [], "human_explanation": "", "metadata": {"id": "m2", "task_name": "math_word_problem_generation", "llm_response_model": "gpt-4-0613"}})" "\n");
  auto set = read_benchmark(Benchmark::kRealMistake, d + "/math.jsonl", {});
  ASSERT_TRUE(set.ok()) << set.error().message;
  ASSERT_EQ(set->items.size(), 2u);
  EXPECT_EQ(set->items[0].item.correct, 0);
  EXPECT_EQ(set->items[1].item.correct, 1);
  EXPECT_EQ(set->items[1].group, "math_word_problem_generation/gpt-4-0613");
  write(d + "/bad.jsonl", R"({"input": "x", "llm_response": "y", "label": "error", "metadata": {"id": "1", "task_name": "t", "llm_response_model": "m"}})" "\n");
  auto bad = read_benchmark(Benchmark::kRealMistake, d + "/bad.jsonl", {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("missing field 'error_label'"), std::string::npos);
}

TEST(BenchmarkReadersTest, ParquetIsRefusedWithAConversionHint) {
  const std::string d = scratch("pq");
  write(d + "/rb.parquet", std::string("PAR1\0\0\0\0binary", 14));
  auto r = read_benchmark(Benchmark::kRewardBench, d + "/rb.parquet", {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("parquet"), std::string::npos);
  EXPECT_NE(r.error().message.find("to_json"), std::string::npos);
}

TEST(BenchmarkReadersTest, LimitKeepsItemsSpreadOverTheInput) {
  ReadOptions o;
  o.limit = 10;
  auto set = read_benchmark(Benchmark::kRmb, kRmb, o);
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->items.size(), 10u);
  std::set<std::string> groups;
  for (const auto& e : set->items) groups.insert(e.group);
  EXPECT_EQ(groups.size(), 4u);
}

}  // namespace
}  // namespace grm

namespace grm {
namespace {

TEST(BenchmarkReadersTest, RmbBestOfSixWithFiveTurnsAndSpacesInNames) {
  const std::string d = scratch("rmb6");
  nlohmann::json conv = nlohmann::json::array();
  for (int t = 0; t < 5; ++t)
    conv.push_back({{"role", t % 2 ? "assistant" : "user"}, {"content", "turn " + std::to_string(t)}, {"language", "English"}});
  nlohmann::json losers = nlohmann::json::array();
  for (int l = 0; l < 5; ++l) losers.push_back({{"llm_name", "m" + std::to_string(l)}, {"answer", "loser " + std::to_string(l)}});
  nlohmann::json rec = {{"bon_uid", "b6"}, {"conversation_input", conv}, {"bon_best", {{"llm_name", "best"}, {"answer", "winner"}}},
                        {"loser_list", losers}, {"category_path", "BoN_set/Helpfulness/Code/Data Management"}};
  write(d + "/BoN_set/Helpfulness/Code/Data Management.json", nlohmann::json::array({rec}).dump());
  auto set = read_benchmark(Benchmark::kRmb, d, {});
  ASSERT_TRUE(set.ok()) << set.error().message;
  ASSERT_EQ(set->items.size(), 1u);
  const Item& it = set->items[0].item;
  EXPECT_EQ(it.n(), 6);
  EXPECT_EQ(it.responses[0], "winner");
  EXPECT_EQ(it.conversation.size(), 5u);
  EXPECT_EQ(it.conversation[3].role, "assistant");
  EXPECT_EQ(set->items[0].group, "BoN Helpfulness");
  EXPECT_EQ(set->items[0].subset, "BoN_set/Helpfulness/Code/Data Management");
}

}  // namespace
}  // namespace grm
