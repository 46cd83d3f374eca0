// `grm train rft-data` (pipeline/rft_pipeline.h) on the tiny random model: whatever the judge writes, the
// records are exactly its correct samples (re-checked here with the rule), hinted ones only for items with a
// best response, too-easy items are dropped, --keep all labels every sample, --all-out writes both from one
// pass, and a run is reproducible.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "core/item.h"
#include "core/judgment_parser.h"
#include "core/response_order.h"
#include "core/rules.h"
#include "test_models.h"
#include "train/judge_record.h"

namespace grm {
namespace {

std::string items_jsonl() {
  std::string text;
  for (int i = 0; i < 5; ++i) {
    Item it = test::make_item("m" + std::to_string(i), {"Paris.", "Lyon.", "Nice."}, "Capital of France?");
    it.best = i % 3;
    text += item_to_json(it).dump() + "\n";
  }
  for (int i = 0; i < 2; ++i) {
    Item it = test::make_item("s" + std::to_string(i), {"4"}, "2 + 2?");
    it.best.reset();
    it.correct = i % 2;
    text += item_to_json(it).dump() + "\n";
  }
  return text;
}

// Whether `trajectory` judges rec's item correctly in rec's order (the rule of core/rules.h).
bool judged_correctly(const JudgeRecord& r) {
  ParsedJudgment p = parse_judgment(r.trajectory, r.item.n(), score_range(r.kind));
  return p.valid && is_correct(to_original_order(p.scores, r.order), r.item);
}

TEST(RftDataTest, RecordsAreTheCorrectSamplesAndKeepAllLabelsEverySample) {
  const std::string dir = test::scratch_dir("rft_data");
  test::write_text(dir + "/items.jsonl", items_jsonl());
  const std::string base = "train rft-data --model '" + test::tiny_model_path() + "' --items '" + dir +
                           "/items.jsonl' --samples 3 --temperature 1 --max-tokens 16 --threads 2 --seed 5 ";
  auto r = test::run_grm(base + "--out '" + dir + "/rft.jsonl'", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, int> per_item;
  std::map<std::string, int> hinted_per_item;
  for (const auto& line : test::read_lines(dir + "/rft.jsonl")) {
    auto j = nlohmann::json::parse(line);
    auto rec = parse_judge_record(j);
    ASSERT_TRUE(rec.ok()) << rec.error().message;
    EXPECT_TRUE(judged_correctly(rec.value())) << line;
    const bool hinted = j.at("hinted").get<bool>();
    if (hinted) {
      EXPECT_TRUE(rec->item.best.has_value()) << "hinted sampling needs a best response: " << line;
      ++hinted_per_item[rec->item.id];
    } else {
      ++per_item[rec->item.id];
    }
    EXPECT_EQ(rec->kind, rec->item.n() == 1 ? TemplateKind::kSingleBinary : TemplateKind::kDefault);
  }
  for (const auto& [id, n] : per_item) EXPECT_LT(n, 3) << id << ": an item with all samples correct must be dropped";
  for (const auto& [id, n] : hinted_per_item) EXPECT_EQ(n, 1) << id;
  EXPECT_NE(r.err.find("record(s)"), std::string::npos) << r.err;

  // Same seed, same records.
  auto again = test::run_grm(base + "--out '" + dir + "/rft2.jsonl'", dir);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(test::read_text(dir + "/rft.jsonl"), test::read_text(dir + "/rft2.jsonl"));

  // --keep all: every sample of every item, labelled by the rule, and no hinted ones.
  auto all = test::run_grm(base + "--keep all --out '" + dir + "/all.jsonl'", dir);
  ASSERT_EQ(all.exit_code, 0) << all.err;
  const auto lines = test::read_lines(dir + "/all.jsonl");
  EXPECT_EQ(lines.size(), 7u * 3u);
  int positives = 0;
  for (const auto& line : lines) {
    auto j = nlohmann::json::parse(line);
    auto rec = parse_judge_record(j);
    ASSERT_TRUE(rec.ok()) << rec.error().message;
    EXPECT_FALSE(j.at("hinted").get<bool>());
    EXPECT_EQ(j.at("label").get<int>(), judged_correctly(rec.value()) ? 1 : 0) << line;
    positives += j.at("label").get<int>();
  }
  EXPECT_GT(positives, 0);
  EXPECT_LT(positives, 21);

  // --all-out: RFT records and labelled records from one sampling pass, each the same as its own run's.
  auto both = test::run_grm(base + "--out '" + dir + "/rft3.jsonl' --all-out '" + dir + "/all3.jsonl'", dir);
  ASSERT_EQ(both.exit_code, 0) << both.err;
  EXPECT_EQ(test::read_text(dir + "/rft3.jsonl"), test::read_text(dir + "/rft.jsonl"));
  EXPECT_EQ(test::read_text(dir + "/all3.jsonl"), test::read_text(dir + "/all.jsonl"));
  EXPECT_NE(both.err.find("21 labelled sample(s)"), std::string::npos) << both.err;

  // An existing --all-out is kept unless --overwrite; --keep all has no second output; nothing is written.
  auto exists = test::run_grm(base + "--out '" + dir + "/rft4.jsonl' --all-out '" + dir + "/all3.jsonl'", dir);
  EXPECT_EQ(exists.exit_code, 2);
  EXPECT_NE(exists.err.find("all3.jsonl' exists; pass --overwrite"), std::string::npos) << exists.err;
  auto clash = test::run_grm(base + "--keep all --out '" + dir + "/rft4.jsonl' --all-out '" + dir + "/all4.jsonl'", dir);
  EXPECT_EQ(clash.exit_code, 2);
  EXPECT_NE(clash.err.find("--all-out goes with --keep correct"), std::string::npos) << clash.err;
  auto same = test::run_grm(base + "--out '" + dir + "/rft4.jsonl' --all-out '" + dir + "/./rft4.jsonl'", dir);
  EXPECT_EQ(same.exit_code, 2);
  EXPECT_NE(same.err.find("name the same file"), std::string::npos) << same.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/rft4.jsonl"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/all4.jsonl"));
}

TEST(RftDataTest, UnlabelledItemsAndAnExistingOutputAreRefused) {
  const std::string dir = test::scratch_dir("rft_data_bad");
  Item it = test::make_item("u", {"a", "b"});
  it.best.reset();
  test::write_text(dir + "/items.jsonl", item_to_json(it).dump() + "\n");
  auto r = test::run_grm("train rft-data --model '" + test::tiny_model_path() + "' --items '" + dir + "/items.jsonl' --out '" + dir +
                         "/o.jsonl'", dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("items.jsonl:1: field 'label'"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/o.jsonl"));
  test::write_text(dir + "/o.jsonl", "keep me\n");
  r = test::run_grm("train rft-data --model '" + test::tiny_model_path() + "' --items '" + dir + "/items.jsonl' --out '" + dir +
                    "/o.jsonl'", dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(test::read_text(dir + "/o.jsonl"), "keep me\n");
}

}  // namespace
}  // namespace grm
