// The Bradley-Terry baseline (`grm train bt`, `grm eval-scalar`): the pairwise loss and its gradients against
// finite differences, and a CLI run that learns a separable preference and is measured by eval-scalar.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/item.h"
#include "test_models.h"
#include "train/meta_trainer.h"

namespace grm {
namespace {

MetaBatch pair_batch() {
  MetaBatch b;
  b.T = 6;
  b.B = 4;  // pairs (0, 1) and (2, 3)
  b.tokens = {1, 450, 4996, 17354, 1701, 432,  //
              1, 29871, 29955, 1919, 0, 0,     //
              1, 1701, 432, 29871, 29947, 29889,
              1, 450, 29871, 0, 0, 0};
  b.last = {5, 3, 5, 2};
  return b;
}

TEST(BtTrainTest, PairwiseLossAndGradientsMatchTheirDefinition) {
  llama_backend_setup(false);
  auto m = TrainModel::load(test::tiny_model_path());
  ASSERT_TRUE(m.ok());
  MetaHeadLoss loss(*m.value(), /*train_backbone=*/true, 0.0f, /*pairwise=*/true);
  const auto& params = loss.params();
  float* w = static_cast<float*>(params[params.size() - 2]->data);
  for (int64_t i = 0; i < ggml_nelements(params[params.size() - 2]); ++i) w[i] = 0.5f * std::sin(1.3f * static_cast<float>(i));
  const MetaBatch b = pair_batch();
  HostGrads g = zero_grads(params);
  auto l0 = loss.run(b, 1.0f, &g);
  ASSERT_TRUE(l0.ok()) << l0.error().message;
  const auto& z = l0->logits;
  const double expect = std::log1p(std::exp(z[1] - z[0])) + std::log1p(std::exp(z[3] - z[2]));
  EXPECT_NEAR(l0->loss, expect, 1e-4);
  // The bias shifts both members of a pair: its gradient is exactly zero.
  EXPECT_NEAR(g.back()[0], 0.0, 1e-6);
  // Every fourth tensor, the head's weight included.
  const int checked = test::expect_gradients_match_finite_differences(
      params, g, [&] { return loss.run(b, 1.0f, nullptr)->loss; }, [&](size_t pi) { return pi % 4 == 0 || pi + 2 == params.size(); });
  EXPECT_GE(checked, 3);
  MetaBatch odd = b;
  odd.B = 3;
  EXPECT_FALSE(loss.run(odd, 1.0f, nullptr).ok());
}

TEST(BtTrainTest, LearnsASeparablePreferenceAndEvalScalarMeasuresIt) {
  const std::string dir = test::scratch_dir("bt_train");
  std::string items;
  for (int i = 0; i < 6; ++i) {
    Item it = test::make_item("p" + std::to_string(i), i % 2 ? std::vector<std::string>{"bad", "good"} : std::vector<std::string>{"good", "bad"});
    it.best = i % 2;
    it.meta = {{"family", i < 3 ? "A" : "B"}};
    items += item_to_json(it).dump() + "\n";
  }
  Item single = test::make_item("s", {"good"});
  single.best.reset();
  single.correct = 1;
  items += item_to_json(single).dump() + "\n";
  test::write_text(dir + "/items.jsonl", items);
  auto r = test::run_grm("train bt --model '" + test::tiny_model_path() + "' --data '" + dir + "/items.jsonl' --out '" + dir +
                         "/bt' --epochs 6 --batch 2 --lr 3e-3 --threads 2 -q", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = test::run_grm("eval-scalar --rm '" + dir + "/bt' --data '" + dir + "/items.jsonl' --out '" + dir + "/report.json' --threads 2", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(test::read_text(dir + "/report.json"));
  EXPECT_EQ(j["items_scored"], 6);
  EXPECT_EQ(j["items_left_out"], 1);
  EXPECT_DOUBLE_EQ(j["accuracy"]["value"].get<double>(), 1.0) << j.dump();
  EXPECT_TRUE(j["subsets"].contains("A"));
  EXPECT_TRUE(j["subsets"].contains("B"));
  // No pair at all: refused by name.
  test::write_text(dir + "/single.jsonl", item_to_json(single).dump() + "\n");
  r = test::run_grm("train bt --model '" + test::tiny_model_path() + "' --data '" + dir + "/single.jsonl' --out '" + dir + "/x'", dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("single.jsonl"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace grm
