// `grm train meta`: BCE head gradients against finite differences, exact resume, a head that separates two
// separable classes and scores in the engine (engine/meta_rm.h) exactly what the trainer computes, and the
// within-item pairs objective (train/meta_pairs.h).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine/meta_rm.h"
#include "test_models.h"
#include "train/meta_pairs.h"
#include "train/meta_trainer.h"

namespace grm {
namespace {

namespace fs = std::filesystem;

MetaBatch small_batch() {
  MetaBatch b;
  b.T = 7;
  b.B = 3;
  b.tokens = {1, 450, 4996, 17354, 1701, 432, 29871,  //
              1, 29871, 29955, 1919, 0, 0, 0,         // padded after position 3
              1, 1701, 432, 29871, 29947, 29889, 450};
  b.last = {6, 3, 6};
  b.labels = {1, 0, 0};
  return b;
}

// Fills the head with a fixed pattern (it starts at zero, which would give the backbone no gradient).
void set_head(MetaHeadLoss& loss) {
  const auto& p = loss.params();
  float* w = static_cast<float*>(p[p.size() - 2]->data);
  for (int64_t i = 0; i < ggml_nelements(p[p.size() - 2]); ++i) w[i] = 0.5f * std::sin(1.7f * static_cast<float>(i));
}

TEST(MetaTrainTest, GradientsMatchFiniteDifferences) {
  llama_backend_setup(false);
  auto m = TrainModel::load(test::tiny_model_path());
  ASSERT_TRUE(m.ok());
  MetaHeadLoss loss(*m.value(), /*train_backbone=*/true, 0.3f);
  set_head(loss);
  const MetaBatch b = small_batch();
  HostGrads g = zero_grads(loss.params());
  auto l0 = loss.run(b, 1.0f, &g);
  ASSERT_TRUE(l0.ok()) << l0.error().message;
  // The loss itself: sum of softplus(z) - y z over the batch.
  double expect = 0;
  for (int s = 0; s < b.B; ++s) expect += std::log1p(std::exp(l0->logits[s])) - b.labels[s] * l0->logits[s];
  EXPECT_NEAR(l0->loss, expect, 1e-4);
  const auto& params = loss.params();
  // Every third backbone tensor, and the whole head.
  const int checked = test::expect_gradients_match_finite_differences(
      params, g, [&] { return loss.run(b, 1.0f, nullptr)->loss; }, [&](size_t pi) { return pi % 3 == 0 || pi + 2 >= params.size(); });
  EXPECT_GE(checked, 6);
  // Head-only training computes exactly the head's part of the same gradient.
  auto m2 = TrainModel::load(test::tiny_model_path());
  MetaHeadLoss head_only(*m2.value(), false, 0.3f);
  set_head(head_only);
  ASSERT_EQ(head_only.params().size(), 2u);
  HostGrads gh = zero_grads(head_only.params());
  ASSERT_TRUE(head_only.run(b, 1.0f, &gh).ok());
  for (size_t k = 0; k < 2; ++k)
    for (size_t i = 0; i < gh[k].size(); ++i) EXPECT_NEAR(gh[k][i], g[params.size() - 2 + k][i], 1e-5);
}

MetaData tiny_meta_data() {
  MetaData d;
  const MetaBatch b = small_batch();
  for (int s = 0; s < b.B; ++s) {
    MetaExample ex;
    ex.tokens.assign(b.tokens.begin() + s * b.T, b.tokens.begin() + s * b.T + b.last[s] + 1);
    ex.label = b.labels[s];
    d.examples.push_back(ex);
  }
  d.examples.push_back(d.examples[0]);
  return d;
}

TEST(MetaTrainTest, ResumeReproducesTheLossesOfAnUninterruptedRun) {
  llama_backend_setup(false);
  const std::string dir = test::scratch_dir("meta_resume");
  const MetaData data = tiny_meta_data();
  TrainLoopOptions o;
  o.epochs = 4;
  o.batch = 2;
  o.lr = 1e-2;
  o.checkpoint_every = 4;
  o.checkpoint_dir = dir + "/ckpt";
  std::vector<double> full, resumed;
  {
    auto m = TrainModel::load(test::tiny_model_path());
    MetaHeadLoss loss(*m.value(), true);
    ASSERT_TRUE(train_meta(loss, data, o, [&](const StepReport& r) { full.push_back(r.loss); }).ok());
  }
  ASSERT_EQ(full.size(), 8u);
  ASSERT_TRUE(fs::exists(dir + "/ckpt/step-000004/head.gguf"));
  o.resume = true;
  auto m = TrainModel::load(test::tiny_model_path());
  MetaHeadLoss loss(*m.value(), true);
  ASSERT_TRUE(train_meta(loss, data, o, [&](const StepReport& r) { resumed.push_back(r.loss); }).ok());
  ASSERT_EQ(resumed.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(resumed[i], full[4 + i], 1e-6) << "step " << 5 + i;
  EXPECT_LT(full.back(), full.front());
}

TEST(MetaTrainCliTest, HeadSeparatesTwoClassesAndTheEngineScoresWhatTheTrainerComputes) {
  const std::string dir = test::scratch_dir("meta_cli");
  // Item label: response 0 is best. Correct judgments say "solid", wrong ones "weak" (separable), and their
  // scores agree with the rule; two records carry explicit labels, the rest are labelled by the rule.
  const std::string item = R"({"id": "m", "prompt": "Which is right?", "responses": ["yes", "no"], "label": {"best": 0}})";
  const std::string good01 = R"(Analysis: solid. Scores: \\boxed{9, 2})", bad01 = R"(Analysis: weak. Scores: \\boxed{2, 9})";
  const std::string good10 = R"(Analysis: solid. Scores: \\boxed{2, 9})", bad10 = R"(Analysis: weak. Scores: \\boxed{9, 2})";
  std::string text;
  for (int rep = 0; rep < 2; ++rep) {
    text += R"({"item": )" + item + R"(, "order": [0, 1], "trajectory": ")" + good01 + "\"}\n";
    text += R"({"item": )" + item + R"(, "order": [0, 1], "trajectory": ")" + bad01 + "\"}\n";
    text += R"({"item": )" + item + R"(, "order": [1, 0], "trajectory": ")" + good10 + "\", \"label\": true}\n";
    text += R"({"item": )" + item + R"(, "order": [1, 0], "trajectory": ")" + bad10 + "\", \"label\": 0}\n";
  }
  test::write_text(dir + "/d.jsonl", text);
  auto r = test::run_grm("train meta --model '" + test::tiny_model_path() + "' --data '" + dir + "/d.jsonl' --out '" + dir +
                             "/meta' --epochs 12 --batch 4 --lr 1e-2 --min-lr-ratio 1 --log '" + dir + "/log.jsonl' --threads 2",
                         dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("on 8 judgment(s) (50% correct)"), std::string::npos) << r.err;
  const auto log = test::read_lines(dir + "/log.jsonl");
  ASSERT_EQ(log.size(), 24u);
  EXPECT_LT(nlohmann::json::parse(log.back())["loss"].get<double>(), 0.2);

  MetaRmOptions mo;
  mo.n_ctx = 4096;
  mo.threads = 2;
  auto meta = LlamaMetaRewardModel::load(dir + "/meta", mo);
  ASSERT_TRUE(meta.ok()) << meta.error().message;
  Item it = test::make_item("m", {"yes", "no"}, "Which is right?");
  const auto unescape = [](std::string s) { return s.replace(s.find("\\\\"), 2, "\\"); };
  const std::vector<MetaSample> samples = {{{0, 1}, unescape(good01)}, {{1, 0}, unescape(good10)},
                                           {{0, 1}, unescape(bad01)}, {{1, 0}, unescape(bad10)}};
  auto scores = meta.value()->score(it, samples);
  ASSERT_TRUE(scores.ok()) << scores.error().message;
  EXPECT_GT(std::min(scores.value()[0], scores.value()[1]), std::max(scores.value()[2], scores.value()[3]));

  // The trainer's logits for the same inputs, from the saved directory.
  llama_backend_setup(false);
  auto m = TrainModel::load(dir + "/meta/model.gguf");
  ASSERT_TRUE(m.ok());
  MetaHeadLoss loss(*m.value(), false);
  ASSERT_TRUE(loss.load(dir + "/meta").ok());
  auto vocab = LlamaModel::load(dir + "/meta/model.gguf", 0, true);
  MetaData d;
  for (const auto& s : samples) {
    MetaExample ex;
    ex.tokens = vocab.value()->tokenize(render_meta_prompt(it, s.order, s.trajectory, PromptOptions{}), true, false);
    d.examples.push_back(ex);
  }
  auto out = loss.run(make_meta_batch(d, {0, 1, 2, 3}), 1.0f, nullptr);
  ASSERT_TRUE(out.ok());
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(out->logits[i], scores.value()[i], 1e-3) << i;

  // Bad records name their line; nothing is written.
  test::write_text(dir + "/bad.jsonl", R"({"item": )" + item + R"(, "trajectory": "x", "label": 2})" "\n" +
                                           R"({"item": {"id": "u", "prompt": "q", "responses": ["a", "b"]}, "trajectory": "x"})" "\n");
  auto bad = test::run_grm("train meta --model '" + test::tiny_model_path() + "' --data '" + dir + "/bad.jsonl' --out '" + dir + "/b'", dir);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("bad.jsonl:1: field 'label'"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("bad.jsonl:2: no field 'label'"), std::string::npos) << bad.err;
  EXPECT_FALSE(fs::exists(dir + "/b"));
}

TEST(MetaPairsTest, PairsEachRightJudgmentWithEachWrongOneOfTheSameItemOnly) {
  MetaData d;
  const std::vector<std::pair<std::string, float>> records = {{"A", 1}, {"B", 1}, {"A", 0}, {"C", 0}, {"A", 1}, {"D", 0}, {"D", 1}};
  for (size_t i = 0; i < records.size(); ++i) d.examples.push_back({{static_cast<int32_t>(i)}, records[i].second, static_cast<int>(i + 1), records[i].first});
  const MetaPairs p = make_within_item_pairs(d);
  EXPECT_EQ(p.items, 2);            // A and D
  EXPECT_EQ(p.items_one_sided, 2);  // B (all right) and C (all wrong)
  std::vector<std::pair<int, int>> pairs;
  for (size_t i = 0; i + 1 < p.pairs.examples.size(); i += 2) {
    EXPECT_EQ(p.pairs.examples[i].label, 1.0f);
    EXPECT_EQ(p.pairs.examples[i + 1].label, 0.0f);
    pairs.emplace_back(p.pairs.examples[i].tokens[0], p.pairs.examples[i + 1].tokens[0]);
  }
  EXPECT_EQ(pairs, (std::vector<std::pair<int, int>>{{0, 2}, {4, 2}, {6, 5}}));
}

TEST(MetaPairsTest, MarginRuleOrdersJudgmentsOfAnItemByMarginAndSkipsItemsOfOneMargin) {
  MetaData d;
  // {item, margin}: item A has margins 5, -2, 1, 5; item B one margin only; item C two.
  const std::vector<std::pair<std::string, int>> records = {{"A", 5}, {"A", -2}, {"B", 3}, {"A", 1}, {"C", -1}, {"B", 3}, {"A", 5}, {"C", kUnparseableMargin}};
  for (size_t i = 0; i < records.size(); ++i) {
    MetaExample ex{{static_cast<int32_t>(i)}, records[i].second > 0 ? 1.0f : 0.0f, static_cast<int>(i + 1), records[i].first};
    ex.margin = records[i].second;
    d.examples.push_back(ex);
  }
  const MetaPairs p = make_within_item_pairs(d, PairRule::kLargerMargin);
  EXPECT_EQ(p.items, 2);            // A and C
  EXPECT_EQ(p.items_one_sided, 1);  // B
  std::vector<std::pair<int, int>> pairs;
  for (size_t i = 0; i + 1 < p.pairs.examples.size(); i += 2) {
    EXPECT_GT(p.pairs.examples[i].margin, p.pairs.examples[i + 1].margin);
    pairs.emplace_back(p.pairs.examples[i].tokens[0], p.pairs.examples[i + 1].tokens[0]);
  }
  // Right over right (5 over 1) counts too; equal margins (the two 5s) make no pair.
  EXPECT_EQ(pairs, (std::vector<std::pair<int, int>>{{0, 1}, {0, 3}, {3, 1}, {6, 1}, {6, 3}, {4, 7}}));
  // The right-over-wrong rule on the same data ranks only across the line: 5, 1, 5 over -2.
  EXPECT_EQ(make_within_item_pairs(d).pairs.examples.size(), 2u * 3);
}

TEST(MetaPairsTest, ReadMetaDataTakesEachJudgmentsMarginFromItsScores) {
  const std::string dir = test::scratch_dir("meta_margin_data");
  const std::string item = R"({"id": "m", "prompt": "Which?", "responses": ["a", "b", "c"], "label": {"best": 2}})";
  test::write_text(dir + "/d.jsonl",
                   R"({"item": )" + item + R"(, "order": [2, 0, 1], "trajectory": "Scores: \\boxed{9, 4, 6}"})" "\n" +  // best shown first: 9 - 6
                   R"({"item": )" + item + R"(, "trajectory": "Scores: \\boxed{8, 3, 6}"})" "\n" +                      // 6 - 8
                   R"({"item": )" + item + R"(, "trajectory": "no verdict"})" "\n" +
                   R"({"item": )" + item + R"(, "trajectory": "Scores: \\boxed{1, 1, 1}", "label": 1})" "\n" +  // scores, not "label"
                   R"({"item": {"id": "u", "prompt": "q", "responses": ["a", "b"]}, "trajectory": "Scores: \\boxed{5, 5}", "label": 0})" "\n");
  auto vocab = LlamaModel::load(test::tiny_model_path(), 0, true);
  ASSERT_TRUE(vocab.ok()) << vocab.error().message;
  auto data = read_meta_data(dir + "/d.jsonl", *vocab.value(), 4096);
  ASSERT_TRUE(data.ok()) << data.error().message;
  ASSERT_EQ(data->examples.size(), 5u) << (data->errors.empty() ? "" : data->errors[0]);
  std::vector<int> margins;
  for (const auto& ex : data->examples) margins.push_back(ex.margin);
  // rft-data's records carry "label" beside a labelled item: the margin still comes from the scores (a tie: 0).
  // Only an item without its own label falls back to the record's label: -1 for 0.
  EXPECT_EQ(margins, (std::vector<int>{3, -2, kUnparseableMargin, 0, -1}));
}

TEST(MetaTrainCliTest, PairsObjectiveRanksTheRightJudgmentsOfAnItemFirst) {
  const std::string dir = test::scratch_dir("meta_pairs_cli");
  // Item m: right judgments say "solid", wrong ones "weak". Item e: every judgment right, nothing to rank.
  const std::string item = R"({"id": "m", "prompt": "Which is right?", "responses": ["yes", "no"], "label": {"best": 0}})";
  const std::string easy = R"({"id": "e", "prompt": "Pick one.", "responses": ["a", "b"], "label": {"best": 1}})";
  const std::string good = R"(Analysis: solid. Scores: \\boxed{9, 2})", bad = R"(Analysis: weak. Scores: \\boxed{2, 9})";
  std::string text;
  for (int rep = 0; rep < 2; ++rep) {
    text += R"({"item": )" + item + R"(, "trajectory": ")" + good + "\"}\n";
    text += R"({"item": )" + item + R"(, "trajectory": ")" + bad + "\"}\n";
    text += R"({"item": )" + easy + R"(, "trajectory": "Scores: \\boxed{1, 8}"})" "\n";
  }
  test::write_text(dir + "/d.jsonl", text);
  const std::string train = "train meta --model '" + test::tiny_model_path() + "' --objective pairs --out '" + dir + "/meta' --data ";
  auto r = test::run_grm(train + "'" + dir + "/d.jsonl' --epochs 12 --batch 2 --lr 1e-2 --min-lr-ratio 1 --threads 2", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("on 4 within-item pair(s) from 1 item(s) (1 item(s) with only right or only wrong judgments skipped)"),
            std::string::npos)
      << r.err;
  // --objective margin on the same records: the same four pairs (margins 7 over -7); item e's judgments share one.
  auto by_margin = test::run_grm("train meta --model '" + test::tiny_model_path() + "' --objective margin --out '" + dir +
                                     "/meta-margin' --data '" + dir + "/d.jsonl' --max-steps 1 --batch 2 --threads 2",
                                 dir);
  ASSERT_EQ(by_margin.exit_code, 0) << by_margin.err;
  EXPECT_NE(by_margin.err.find("on 4 within-item pair(s) from 1 item(s) (1 item(s) with judgments of one margin only skipped)"),
            std::string::npos)
      << by_margin.err;

  MetaRmOptions mo;
  mo.n_ctx = 4096;
  mo.threads = 2;
  auto meta = LlamaMetaRewardModel::load(dir + "/meta", mo);
  ASSERT_TRUE(meta.ok()) << meta.error().message;
  const auto unescape = [](std::string s) { return s.replace(s.find("\\\\"), 2, "\\"); };
  auto scores = meta.value()->score(test::make_item("m", {"yes", "no"}, "Which is right?"),
                                    {{{0, 1}, unescape(good)}, {{0, 1}, unescape(bad)}});
  ASSERT_TRUE(scores.ok()) << scores.error().message;
  EXPECT_GT(scores.value()[0], scores.value()[1] + 1.0);

  // Only one-sided items: nothing to rank, a clear error, nothing written.
  test::write_text(dir + "/easy.jsonl", R"({"item": )" + easy + R"(, "trajectory": "Scores: \\boxed{1, 8}"})" "\n");
  auto none = test::run_grm("train meta --model '" + test::tiny_model_path() + "' --objective pairs --out '" + dir + "/none' --data '" +
                                dir + "/easy.jsonl'",
                            dir);
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("easy.jsonl': no item has both a right and a wrong judgment"), std::string::npos) << none.err;
  EXPECT_FALSE(fs::exists(dir + "/none"));
}

}  // namespace
}  // namespace grm
