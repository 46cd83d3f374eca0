// The supervised trainers' data order: coverage, determinism, what length windows buy, and token-budget
// micro-batches.
#include "train/batch_plan.h"

#include <ggml.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "core/random.h"
#include "train/train_loop.h"

namespace grm {
namespace {

// Lengths like the synth teacher data's: a spread of about 2.5x between the shortest and the longest.
std::vector<long> spread_lengths(int n) {
  std::vector<long> len(n);
  uint64_t s = 5;
  for (long& l : len) l = 100 + static_cast<long>(splitmix64(s) % 150);
  return len;
}

// Tokens the micro-batches occupy once padded to their longest sequence.
long padded_tokens(const std::vector<StepBatches>& steps, const std::vector<long>& len) {
  long total = 0;
  for (const auto& step : steps)
    for (const auto& micro : step) {
      long longest = 0;
      for (int i : micro) longest = std::max(longest, len[i]);
      total += longest * static_cast<long>(micro.size());
    }
  return total;
}

// Every example exactly `epochs` times; every step full but the last of each epoch.
void expect_covers(const std::vector<StepBatches>& steps, int n, int epochs, int per_step) {
  std::map<int, int> seen;
  long examples = 0;
  int short_steps = 0;
  for (const auto& step : steps) {
    long in_step = 0;
    for (const auto& micro : step) {
      for (int i : micro) ++seen[i];
      in_step += static_cast<long>(micro.size());
    }
    examples += in_step;
    if (in_step != per_step) ++short_steps;
  }
  EXPECT_EQ(examples, static_cast<long>(n) * epochs);
  ASSERT_EQ(seen.size(), static_cast<size_t>(n));
  for (const auto& [i, count] : seen) EXPECT_EQ(count, epochs) << "example " << i;
  EXPECT_LE(short_steps, epochs);
}

TEST(BatchPlanTest, PlainOrderCoversEveryExampleOncePerEpoch) {
  BatchPlanOptions o;
  o.epochs = 2;
  o.batch = 4;
  o.accum = 2;
  auto steps = plan_steps(101, o, {});  // no lengths needed without windows
  EXPECT_EQ(steps.size(), 2u * 13);     // ceil(101 / 8) per epoch
  expect_covers(steps, 101, 2, 8);
  EXPECT_EQ(steps[0].size(), 2u);       // accum micro-batches of batch examples
  EXPECT_EQ(steps[0][0].size(), 4u);
  EXPECT_NE(steps[0], steps[13]);       // each epoch draws its own order
}

TEST(BatchPlanTest, LengthWindowsKeepCoverageAndCutPadding) {
  const int n = 1000;
  const auto len = spread_lengths(n);
  auto length = [&](int i) { return len[i]; };
  BatchPlanOptions o;
  o.epochs = 2;
  o.batch = 16;
  o.seed = 9;
  const auto plain = plan_steps(n, o, length);
  o.length_window = 16;
  const auto windowed = plan_steps(n, o, length);
  ASSERT_EQ(windowed.size(), plain.size());
  expect_covers(windowed, n, 2, 16);
  long trained = 0;
  for (long l : len) trained += 2 * l;
  const double plain_ratio = static_cast<double>(padded_tokens(plain, len)) / trained;
  const double windowed_ratio = static_cast<double>(padded_tokens(windowed, len)) / trained;
  EXPECT_GT(plain_ratio, 1.25);     // random batches of 16 pad to near the longest length
  EXPECT_LT(windowed_ratio, 1.05);  // a sorted window of 256 examples: a batch spans 1/16 of the length range
  // Each window holds the examples of the plain order's same window (the same data reaches the same stretch of
  // the learning-rate schedule), in steps whose order is shuffled, not sorted short to long.
  for (size_t w = 0; w + 16 <= plain.size() / 2; w += 16) {
    std::vector<int> a, b;
    std::vector<long> step_longest;
    for (size_t s = w; s < w + 16; ++s) {
      for (int i : plain[s][0]) a.push_back(i);
      for (int i : windowed[s][0]) b.push_back(i);
      step_longest.push_back(*std::max_element(windowed[s][0].begin(), windowed[s][0].end(),
                                               [&](int x, int y) { return len[x] < len[y]; }));
    }
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    EXPECT_EQ(a, b) << "window at step " << w;
    EXPECT_FALSE(std::is_sorted(step_longest.begin(), step_longest.end(), [&](long x, long y) { return len[x] < len[y]; }))
        << "window at step " << w;
  }
}

TEST(BatchPlanTest, ThePlanIsAFunctionOfItsInputsAndMaxStepsCutsItShort) {
  const auto len = spread_lengths(300);
  auto length = [&](int i) { return len[i]; };
  BatchPlanOptions o;
  o.epochs = 3;
  o.batch = 8;
  o.length_window = 4;
  const auto full = plan_steps(300, o, length);
  EXPECT_EQ(plan_steps(300, o, length), full);  // a resumed run replays the same steps
  o.max_steps = 20;
  const auto cut = plan_steps(300, o, length);
  ASSERT_EQ(cut.size(), 20u);
  EXPECT_TRUE(std::equal(cut.begin(), cut.end(), full.begin()));
  // A checkpoint at step 20 of the cut plan resumes into the full one, not into another seed's.
  EXPECT_EQ(plan_fingerprint(cut, 20), plan_fingerprint(full, 20));
  EXPECT_NE(plan_fingerprint(full, 20), plan_fingerprint(full, 21));
  o.max_steps = 0;
  o.seed = 2;
  const auto other = plan_steps(300, o, length);
  EXPECT_NE(other, full);
  EXPECT_NE(plan_fingerprint(other, 20), plan_fingerprint(full, 20));
}

// An objective over examples of given lengths whose loss is scale x the micro-batch's tokens: records the scale
// (the weight of one token) each micro-batch is given.
class TokenWeightProbe final : public TrainObjective {
 public:
  explicit TokenWeightProbe(std::vector<long> len) : len_(std::move(len)) {
    ctx_ = ggml_init({1 << 16, nullptr, false});
    params_.push_back(ggml_new_tensor_1d(ctx_, GGML_TYPE_F32, 1));
    ggml_set_name(params_[0], "w");
    static_cast<float*>(params_[0]->data)[0] = 0.0f;
  }
  ~TokenWeightProbe() override { ggml_free(ctx_); }
  int size() const override { return static_cast<int>(len_.size()); }
  const std::vector<ggml_tensor*>& params() const override { return params_; }
  double units(const std::vector<int>& which) const override { return static_cast<double>(tokens(which)); }
  long tokens(const std::vector<int>& which) const override {
    long n = 0;
    for (int i : which) n += len_[i];
    return n;
  }
  Result<double> run(const std::vector<int>& which, float scale, HostGrads* grads) override {
    scales.push_back(scale);
    (*grads)[0][0] += scale;
    return scale * units(which);
  }
  Status save_weights(const std::string&) const override { return Ok{}; }
  Status load_weights(const std::string&) override { return Ok{}; }

  std::vector<float> scales;

 private:
  std::vector<long> len_;
  ggml_context* ctx_ = nullptr;
  std::vector<ggml_tensor*> params_;
};

TEST(BatchPlanTest, WithLengthWindowsEveryTokenWeighsTheSame) {
  const auto len = spread_lengths(512);
  long all = 0;
  for (long l : len) all += l;
  TrainLoopOptions o;
  o.batch = 16;
  o.micro_tokens = 0;  // one run() per planned micro-batch, so that the probe sees a scale per micro-batch
  o.lr = 0.0;
  std::vector<double> losses;
  auto record = [&](const StepReport& r) { losses.push_back(r.loss); };
  TokenWeightProbe plain(len);
  ASSERT_TRUE(run_train_loop(plain, o, record).ok());
  // Random batches: each step is divided by its own tokens, so the weights differ from step to step.
  EXPECT_GT(*std::max_element(plain.scales.begin(), plain.scales.end()), 1.05f * *std::min_element(plain.scales.begin(), plain.scales.end()));
  o.length_window = 8;
  TokenWeightProbe windowed(len);
  losses.clear();
  ASSERT_TRUE(run_train_loop(windowed, o, record).ok());
  ASSERT_EQ(windowed.scales.size(), 32u);
  // Sorted batches differ in length far more, yet every token gets 1 / (mean tokens per step) ...
  for (float s : windowed.scales) EXPECT_NEAR(s, 32.0 / all, 1e-9);
  // ... and the logged loss is still the mean per token of its step (this probe's is 1 per token).
  ASSERT_EQ(losses.size(), 32u);
  for (double l : losses) EXPECT_NEAR(l, 1.0, 1e-6);
}

TEST(BatchPlanTest, TokenBudgetMicroBatchesKeepTheStepAndCutItsPadding) {
  const auto len = spread_lengths(64);
  const auto length = [&](int i) { return len[i]; };
  BatchPlanOptions o;
  o.batch = 16;
  o.accum = 2;
  const auto steps = plan_steps(64, o, length);
  std::vector<StepBatches> regrouped;
  for (const auto& step : steps) {
    EXPECT_EQ(regroup_by_length(step, 0, length), step);  // 0: as planned
    const StepBatches r = regroup_by_length(step, 1000, length);
    // The same examples, each once.
    std::vector<int> before, after;
    for (const auto& micro : step) before.insert(before.end(), micro.begin(), micro.end());
    for (const auto& micro : r) after.insert(after.end(), micro.begin(), micro.end());
    std::sort(before.begin(), before.end());
    std::sort(after.begin(), after.end());
    EXPECT_EQ(after, before);
    // Longest first, and within the budget.
    long previous = 1L << 40;
    for (const auto& micro : r) {
      ASSERT_FALSE(micro.empty());
      EXPECT_LE(static_cast<long>(micro.size()) * len[micro.front()], 1000);
      for (int i : micro) {
        EXPECT_LE(len[i], previous);
        previous = len[i];
      }
    }
    regrouped.push_back(r);
  }
  EXPECT_EQ(plan_fingerprint(steps, steps.size()), plan_fingerprint(plan_steps(64, o, length), steps.size()));
  // Lengths 100..249 padded to the step's longest carry ~1.4x their tokens; sorted runs of similar length ~1.05x.
  long real = 0;
  for (long l : len) real += l;
  EXPECT_GT(padded_tokens(steps, len), real * 5 / 4);
  EXPECT_LT(padded_tokens(regrouped, len), real * 11 / 10);
  // A sequence longer than the budget goes alone.
  const StepBatches alone = regroup_by_length({{0, 1, 2}}, 1, length);
  EXPECT_EQ(alone.size(), 3u);
}

}  // namespace
}  // namespace grm
