// `grm eval` end to end on the real RMB sample files and the tiny random model.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "test_models.h"

namespace grm {
namespace {

namespace fs = std::filesystem;

std::string eval_args(const std::string& report, const std::string& extra) {
  return "eval --bench rmb --data '" + std::string(GRM_SHARED_DIR) + "/data/rmb-sample' --model '" + test::tiny_model_path() +
         "' --limit 8 --max-tokens 12 --threads 2 --report '" + report + "' " + extra;
}

TEST(EvalCliTest, WritesTheReportAndReusesTheSampleCache) {
  const std::string dir = test::scratch_dir("eval_cli");
  const std::string report = dir + "/report";
  auto r = test::run_grm(eval_args(report, "--k 1,2,4 --meta-rm '" + test::tiny_meta_rm_path() + "'"), dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* f : {"report.json", "summary.md", "items.jsonl", "rmb.png", "rmb.svg", "rmb.gp", "rmb.dat"})
    EXPECT_TRUE(fs::exists(report + "/" + f)) << f;
  auto j = nlohmann::json::parse(test::read_text(report + "/report.json"));
  const auto& methods = j["benchmarks"]["rmb"]["methods"];
  for (const char* m : {"greedy", "voting@1", "voting@2", "voting@4", "metarm@1", "metarm@2", "metarm@4"}) {
    ASSERT_TRUE(methods.contains(m)) << m;
    const double v = methods[m]["main"]["value"];
    EXPECT_GE(v, 0.0);
    EXPECT_LE(v, 1.0);
    EXPECT_EQ(methods[m]["groups"].size(), 4u);
  }
  EXPECT_EQ(j["benchmarks"]["rmb"]["items"], 8);
  EXPECT_EQ(j["benchmarks"]["rmb"]["diagnostics"]["samples"], 32);
  EXPECT_DOUBLE_EQ(j["benchmarks"]["rmb"]["diagnostics"]["parse_failure_rate"].get<double>(), 0.0);  // grammar on
  // With --meta-rm, how it ranks the pool's judgments (eval/meta_ranking.h), in report.json and summary.md.
  const auto& ranking = j["benchmarks"]["rmb"]["diagnostics"]["meta_ranking"];
  ASSERT_TRUE(ranking.is_object()) << j["benchmarks"]["rmb"]["diagnostics"].dump();
  EXPECT_EQ(ranking["judgments"], 32);
  EXPECT_GT(ranking["within_item_pairs"].get<long>(), 0);
  for (const char* f : {"auc", "within_item_auc", "agreement_within_item_auc"}) {
    EXPECT_GE(ranking[f].get<double>(), 0.0) << f;
    EXPECT_LE(ranking[f].get<double>(), 1.0) << f;
  }
  EXPECT_NE(test::read_text(report + "/summary.md").find("Meta RM ranking of the pool's judgments: ROC-AUC"), std::string::npos);
  // items.jsonl recomputes the headline: the mean of the four group accuracies from per-item correctness.
  auto lines = test::read_lines(report + "/items.jsonl");
  ASSERT_EQ(lines.size(), 8u);
  std::map<std::string, std::pair<double, int>> groups;
  for (const auto& l : lines) {
    auto ij = nlohmann::json::parse(l);
    auto& g = groups[ij["group"].get<std::string>()];
    g.first += ij["methods"]["voting@4"]["correct"].get<double>();
    g.second += 1;
  }
  double mean = 0;
  for (const auto& [name, g] : groups) mean += g.first / g.second;
  EXPECT_NEAR(mean / groups.size(), methods["voting@4"]["main"]["value"].get<double>(), 1e-9);

  // Another k list within the cached pool and another k_meta: no new samples.
  const std::string pool = report + "/cache/rmb/pool-k4.jsonl";
  const auto before = fs::last_write_time(pool);
  const auto size = fs::file_size(pool);
  auto again = test::run_grm(eval_args(report, "--k 2,4 --k-meta 1"), dir);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(fs::last_write_time(pool), before);
  EXPECT_EQ(fs::file_size(pool), size);
  EXPECT_EQ(again.err.find("sampling"), std::string::npos) << again.err;

  // Settings that change the samples are refused, not mixed.
  auto other = test::run_grm(eval_args(report, "--k 2 --temperature 0.9"), dir);
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.err.find("other settings"), std::string::npos) << other.err;
}

TEST(EvalCliTest, GreedyAloneSamplesNoPoolAndSharesTheGreedyCache) {
  const std::string dir = test::scratch_dir("eval_greedy");
  const std::string report = dir + "/report";
  auto r = test::run_grm(eval_args(report, "--k greedy"), dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(test::read_text(report + "/report.json"));
  const auto& methods = j["benchmarks"]["rmb"]["methods"];
  EXPECT_EQ(methods.size(), 1u) << methods.dump();
  ASSERT_TRUE(methods.contains("greedy"));
  EXPECT_EQ(j["benchmarks"]["rmb"]["items"], 8);
  EXPECT_EQ(test::read_lines(report + "/cache/rmb/greedy.jsonl").size(), 8u);
  for (const auto& e : fs::directory_iterator(report + "/cache/rmb"))
    EXPECT_EQ(e.path().filename().string().rfind("pool-", 0), std::string::npos) << e.path();
  EXPECT_FALSE(fs::exists(report + "/rmb.gp"));  // one number, no curve
  EXPECT_EQ(r.err.find("could not be judged"), std::string::npos) << r.err;

  // A later run with a pool reuses the greedy judgments and reports the same greedy accuracy.
  const auto greedy_file = report + "/cache/rmb/greedy.jsonl";
  const auto before = fs::last_write_time(greedy_file);
  auto pooled = test::run_grm(eval_args(report, "--k 1,2"), dir);
  ASSERT_EQ(pooled.exit_code, 0) << pooled.err;
  EXPECT_EQ(fs::last_write_time(greedy_file), before);
  auto j2 = nlohmann::json::parse(test::read_text(report + "/report.json"));
  EXPECT_DOUBLE_EQ(j2["benchmarks"]["rmb"]["methods"]["greedy"]["main"]["value"].get<double>(),
                   methods["greedy"]["main"]["value"].get<double>());
  EXPECT_TRUE(j2["benchmarks"]["rmb"]["methods"].contains("voting@2"));

  // The meta RM needs sampled judgments.
  auto meta = test::run_grm(eval_args(report, "--k greedy --meta-rm '" + test::tiny_meta_rm_path() + "'"), dir);
  EXPECT_EQ(meta.exit_code, 2);
  EXPECT_NE(meta.err.find("--meta-rm"), std::string::npos) << meta.err;
}

TEST(EvalCliTest, BadDataIsAClearError) {
  const std::string dir = test::scratch_dir("eval_bad");
  auto r = test::run_grm("eval --bench rmb --data /nonexistent --report '" + dir + "/r' --model '" + test::tiny_model_path() + "'", dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/nonexistent"), std::string::npos) << r.err;
  auto k = test::run_grm("eval --bench rmb --data x --report r --k 1,zero", dir);
  EXPECT_EQ(k.exit_code, 2);
  EXPECT_NE(k.err.find("'zero'"), std::string::npos) << k.err;
  auto k0 = test::run_grm("eval --bench rmb --data x --report r --k greedy,0", dir);
  EXPECT_EQ(k0.exit_code, 2);
  EXPECT_NE(k0.err.find("'0'"), std::string::npos) << k0.err;
  auto mismatch = test::run_grm("eval --bench rmb --bench items --data x --report r", dir);
  EXPECT_EQ(mismatch.exit_code, 2);
  EXPECT_NE(mismatch.err.find("one --data per --bench"), std::string::npos) << mismatch.err;
}

}  // namespace
}  // namespace grm

namespace grm {
namespace {

TEST(EvalCliTest, ItemsWithBinaryLabelsUseTheZeroOneTemplate) {
  const std::string dir = test::scratch_dir("eval_items");
  test::write_text(dir + "/items.jsonl",
                   R"({"id": "a", "prompt": "2+2?", "responses": ["4"], "label": {"correct": 1}, "meta": {"subset": "math"}})" "\n"
                   R"({"id": "b", "prompt": "3+3?", "responses": ["7"], "label": {"correct": 0}, "meta": {"subset": "math"}})" "\n"
                   R"({"id": "c", "prompt": "Pick", "responses": ["x", "y"], "label": {"best": 1}})" "\n");
  auto r = test::run_grm("eval --bench items --data '" + dir + "/items.jsonl' --model '" + test::tiny_model_path() +
                             "' --k 2 --max-tokens 8 --threads 2 --report '" + dir + "/r'",
                         dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& line : test::read_lines(dir + "/r/cache/items/pool-k2.jsonl")) {
    auto j = nlohmann::json::parse(line);
    for (const auto& s : j["samples"]) {
      ASSERT_TRUE(s["valid"].get<bool>()) << line;
      if (j["id"] != "c") {
        EXPECT_LE(s["scores"][0].get<int>(), 1) << line;  // 0/1 verdicts
        EXPECT_NE(s["text"].get<std::string>().find("\\boxed{"), std::string::npos);
      }
    }
  }
  auto rep = nlohmann::json::parse(test::read_text(dir + "/r/report.json"));
  EXPECT_EQ(rep["benchmarks"]["items"]["methods"]["voting@2"]["subsets"].size(), 2u);  // "math" and "all"
}

}  // namespace
}  // namespace grm
