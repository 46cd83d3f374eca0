#include "engine/llama_judge_engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "core/judgment_parser.h"
#include "core/response_order.h"
#include "engine/prefix_plan.h"
#include "engine/verdict_grammar.h"
#include "test_models.h"

namespace grm {
namespace {

using test::make_item;

std::shared_ptr<LlamaModel> tiny() {
  static std::shared_ptr<LlamaModel> m = [] {
    llama_backend_setup(false);
    auto r = LlamaModel::load(test::tiny_model_path());
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? r.value() : nullptr;
  }();
  return m;
}

LlamaEngineOptions small_options(int max_tokens = 16) {
  LlamaEngineOptions o;
  o.n_ctx = 8192;
  o.n_parallel = 16;
  o.threads = 2;
  o.sampling.max_tokens = max_tokens;
  return o;
}

std::map<uint64_t, JudgeResult> run_all(LlamaJudgeEngine& e, std::vector<JudgeRequest> reqs) {
  std::map<uint64_t, JudgeResult> out;
  size_t i = 0;
  e.run([&]() -> std::optional<JudgeRequest> { return i < reqs.size() ? std::optional(reqs[i++]) : std::nullopt; },
        [&](uint64_t t, JudgeResult&& r) {
          EXPECT_EQ(out.count(t), 0u) << "ticket delivered twice";
          out[t] = std::move(r);
        });
  return out;
}

JudgeRequest request(const Item& item, int k, OrderMode mode = OrderMode::kBalanced, uint64_t seed = 1) {
  JudgeRequest r;
  r.item = item;
  r.seed = item_seed(seed, item.id);
  r.orders = sample_orders(item.n(), k, mode, r.seed);
  return r;
}

TEST(LlamaJudgeEngineTest, PromptTokensEvaluatedEqualTheDistinctPrefixCount) {
  ASSERT_TRUE(tiny());
  auto engine = LlamaJudgeEngine::create(tiny(), small_options());
  ASSERT_TRUE(engine.ok()) << engine.error().message;
  Item item = make_item("a", {"The answer is 4.", "It is five, clearly."}, "What is 2 + 2?");
  JudgeRequest req = request(item, 8);
  auto results = run_all(*engine.value(), {req});
  ASSERT_EQ(results.size(), 1u);
  const JudgeResult& r = results[0];
  ASSERT_FALSE(r.error) << *r.error;

  // Independent count: distinct prefixes of the k prompts that the cached header does not cover.
  const Tokens& header = engine.value()->header_tokens();
  ASSERT_GT(header.size(), 500u);  // the default template's header is long: that is why it is cached
  std::set<Tokens> prefixes;
  long sum_len = 0;
  for (const auto& order : req.orders) {
    Tokens t = engine.value()->prompt_tokens(item, order, false);
    sum_len += static_cast<long>(t.size());
    for (size_t len = 1; len <= t.size(); ++len) {
      Tokens pre(t.begin(), t.begin() + len);
      if (common_prefix(pre, header) < len) prefixes.insert(pre);
    }
  }
  EXPECT_EQ(r.stats.prompt_tokens_evaluated, static_cast<long>(prefixes.size()));
  EXPECT_EQ(r.stats.prompt_tokens_reused, sum_len - r.stats.prompt_tokens_evaluated);
  EXPECT_LT(r.stats.prompt_tokens_evaluated * 8, sum_len / 2);  // far below k x prompt
  EXPECT_EQ(r.samples.size(), 8u);
}

TEST(LlamaJudgeEngineTest, SameSeedSameOutputOtherSeedOtherOutput) {
  ASSERT_TRUE(tiny());
  auto texts = [&](uint64_t seed) {
    auto engine = LlamaJudgeEngine::create(tiny(), small_options());
    EXPECT_TRUE(engine.ok());
    std::vector<JudgeRequest> reqs = {request(make_item("x", {"yes", "no"}), 4, OrderMode::kRandom, seed),
                                      request(make_item("y", {"one", "two", "three"}), 4, OrderMode::kRandom, seed)};
    std::vector<std::string> out;
    for (auto& [t, r] : run_all(*engine.value(), reqs))
      for (auto& s : r.samples) out.push_back(s.text);
    return out;
  };
  auto a = texts(11), b = texts(11), c = texts(12);
  ASSERT_EQ(a.size(), 8u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(LlamaJudgeEngineTest, GrammarMakesEveryVerdictParseableEvenOnARandomModel) {
  ASSERT_TRUE(tiny());
  auto count_valid = [&](bool grammar) {
    LlamaEngineOptions o = small_options(24);
    o.sampling.grammar = grammar;
    auto engine = LlamaJudgeEngine::create(tiny(), o);
    EXPECT_TRUE(engine.ok());
    std::vector<JudgeRequest> reqs;
    reqs.push_back(request(make_item("n1", {"only one"}), 4));
    reqs.push_back(request(make_item("n2", {"a", "b"}), 4));
    reqs.push_back(request(make_item("n3", {"a", "b", "c"}), 4));
    reqs.push_back(request(make_item("n4", {"a", "b", "c", "d"}), 4));
    int valid = 0, total = 0;
    for (auto& [t, r] : run_all(*engine.value(), reqs)) {
      EXPECT_FALSE(r.error);
      for (auto& s : r.samples) {
        ParsedJudgment p = parse_judgment(s.text, static_cast<int>(s.order.size()), {1, 10});
        valid += p.valid;
        ++total;
        if (grammar) {
          EXPECT_TRUE(p.valid) << p.invalid_reason << "\n" << s.text;
          EXPECT_LE(s.tokens_generated, 24 + verdict_tail_tokens(static_cast<int>(s.order.size())));
        }
      }
    }
    EXPECT_EQ(total, 16);
    return valid;
  };
  EXPECT_EQ(count_valid(true), 16);
  EXPECT_LT(count_valid(false), 16);  // without the grammar a random model rarely writes a verdict
}

// A model that ends its turn after the critique, before any "Scores:" line (the shipped synth judge does this
// now and then): with the grammar on, grm drops the end token and writes the verdict prefix itself, as when the
// budget runs out. The model is the tiny one, taught by SFT to write one critique and stop.
TEST(LlamaJudgeEngineTest, AModelThatStopsBeforeItsVerdictStillGetsOne) {
  const std::string dir = test::scratch_dir("engine_eog");
  const std::string critique = "Analysis:\n- Response 1: right.\n- Response 2: wrong.\n";
  const nlohmann::json record{{"item", {{"id", "e"}, {"prompt", "Which answer is right?"}, {"responses", {"a", "b"}}}},
                              {"order", {0, 1}}, {"template", "compact"}, {"trajectory", critique}};
  test::write_text(dir + "/stop.jsonl", record.dump() + "\n");
  auto trained = test::run_grm("train sft --model '" + test::tiny_model_path() + "' --data '" + dir + "/stop.jsonl' --out '" +
                                   dir + "/stop.gguf' --epochs 100 --batch 1 --lr 1e-2 --warmup 0 --threads 2 -q",
                               dir);
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  auto model = LlamaModel::load(dir + "/stop.gguf");
  ASSERT_TRUE(model.ok()) << model.error().message;

  auto judge = [&](bool grammar) {
    LlamaEngineOptions o = small_options(64);
    o.sampling.temperature = 0;
    o.sampling.grammar = grammar;
    o.prompt.kind = TemplateKind::kCompact;
    auto engine = LlamaJudgeEngine::create(model.value(), o);
    EXPECT_TRUE(engine.ok());
    auto results = run_all(*engine.value(), {request(make_item("e", {"a", "b"}), 1, OrderMode::kFixed)});
    EXPECT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].samples.size(), 1u);
    return results[0].samples.at(0);
  };
  const Trajectory free = judge(false);  // the model's own ending: the critique, then its end token
  EXPECT_EQ(free.finish, "eog") << free.text;
  EXPECT_EQ(free.text, critique);
  EXPECT_FALSE(parse_judgment(free.text, 2, {1, 10}).valid);

  const Trajectory forced = judge(true);
  EXPECT_EQ(forced.finish, "verdict");
  EXPECT_TRUE(forced.forced_verdict);
  EXPECT_EQ(forced.text.rfind(critique + "\nScores: \\boxed{", 0), 0u) << forced.text;
  EXPECT_TRUE(parse_judgment(forced.text, 2, {1, 10}).valid) << forced.text;
  // Forced where the model ended, not by the budget: the free run's tokens without its end token, then the
  // forced prefix (marked forced, so training masks it), then the grammar's verdict; no end token anywhere.
  ASSERT_FALSE(free.tokens.empty());
  EXPECT_TRUE(llama_vocab_is_eog(model.value()->vocab(), free.tokens.back()));
  const size_t cut = free.tokens.size() - 1;
  ASSERT_EQ(forced.tokens.size(), forced.forced.size());
  ASSERT_GT(forced.tokens.size(), cut);
  EXPECT_TRUE(std::equal(free.tokens.begin(), free.tokens.begin() + cut, forced.tokens.begin()));
  EXPECT_EQ(forced.forced[cut], 1);
  EXPECT_EQ(std::count(forced.forced.begin(), forced.forced.begin() + cut, 1), 0);
  EXPECT_EQ(static_cast<int>(forced.tokens.size()), forced.tokens_generated);
  for (int32_t t : forced.tokens) EXPECT_FALSE(llama_vocab_is_eog(model.value()->vocab(), t));
}

TEST(LlamaJudgeEngineTest, ItemLongerThanTheContextFailsAloneAndTheRestRun) {
  ASSERT_TRUE(tiny());
  LlamaEngineOptions o = small_options();
  o.n_ctx = 2048;
  auto engine = LlamaJudgeEngine::create(tiny(), o);
  ASSERT_TRUE(engine.ok());
  std::string huge;
  for (int i = 0; i < 800; ++i) huge += "lorem ipsum dolor ";
  auto results = run_all(*engine.value(), {request(make_item("ok1", {"a", "b"}), 2),
                                           request(make_item("long", {huge, "b"}), 2),
                                           request(make_item("ok2", {"c", "d"}), 2)});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_FALSE(results[0].error);
  ASSERT_TRUE(results[1].error);
  EXPECT_NE(results[1].error->find("raise --ctx"), std::string::npos) << *results[1].error;
  EXPECT_FALSE(results[2].error);
  EXPECT_EQ(results[2].samples.size(), 2u);
}

TEST(LlamaJudgeEngineTest, ContinuousBatchingAdmitsNewItemsAsOldOnesFinish) {
  ASSERT_TRUE(tiny());
  LlamaEngineOptions o = small_options(12);
  o.n_parallel = 6;  // room for one k = 4 item at a time plus change: forces admission as others finish
  auto engine = LlamaJudgeEngine::create(tiny(), o);
  ASSERT_TRUE(engine.ok());
  std::vector<JudgeRequest> reqs;
  for (int i = 0; i < 9; ++i) reqs.push_back(request(make_item("i" + std::to_string(i), {"x", "y"}), i % 2 ? 4 : 2));
  auto results = run_all(*engine.value(), reqs);
  ASSERT_EQ(results.size(), 9u);
  for (auto& [t, r] : results) {
    ASSERT_FALSE(r.error) << *r.error;
    EXPECT_EQ(r.samples.size(), t % 2 ? 4u : 2u);
  }
  EXPECT_GT(engine.value()->totals().tokens_generated, 0);
}

TEST(LlamaJudgeEngineTest, KLargerThanParallelIsAClearError) {
  ASSERT_TRUE(tiny());
  LlamaEngineOptions o = small_options();
  o.n_parallel = 2;
  auto engine = LlamaJudgeEngine::create(tiny(), o);
  ASSERT_TRUE(engine.ok());
  auto results = run_all(*engine.value(), {request(make_item("k", {"a", "b"}), 4)});
  ASSERT_TRUE(results[0].error);
  EXPECT_NE(results[0].error->find("--parallel"), std::string::npos);
}

TEST(LlamaJudgeEngineTest, GreedyIsDeterministicAcrossSamplesOfOneOrder) {
  ASSERT_TRUE(tiny());
  LlamaEngineOptions o = small_options();
  o.sampling.temperature = 0;
  auto engine = LlamaJudgeEngine::create(tiny(), o);
  ASSERT_TRUE(engine.ok());
  auto results = run_all(*engine.value(), {request(make_item("g", {"a", "b"}), 2, OrderMode::kFixed)});
  ASSERT_EQ(results[0].samples.size(), 2u);
  EXPECT_EQ(results[0].samples[0].text, results[0].samples[1].text);  // same prompt, argmax: same text
}

}  // namespace
}  // namespace grm

namespace grm {
namespace {

// Regression: an item refused as too long for the context used to give back KV cells it never reserved, so
// later items were admitted beyond the context and llama_decode failed for everything in flight.
TEST(LlamaJudgeEngineTest, RefusedItemsDoNotCorruptTheCellAccounting) {
  ASSERT_TRUE(tiny());
  LlamaEngineOptions o = small_options(8);
  o.n_ctx = 3072;
  auto engine = LlamaJudgeEngine::create(tiny(), o);
  ASSERT_TRUE(engine.ok());
  std::string huge, big;
  for (int i = 0; i < 900; ++i) huge += "lorem ipsum dolor ";
  for (int i = 0; i < 120; ++i) big += "lorem ipsum dolor ";
  std::vector<JudgeRequest> reqs;
  for (int i = 0; i < 4; ++i) reqs.push_back(request(make_item("huge" + std::to_string(i), {huge, "b"}), 2));
  for (int i = 0; i < 6; ++i) reqs.push_back(request(make_item("big" + std::to_string(i), {big, "c", "d"}), 3));
  auto results = run_all(*engine.value(), reqs);
  ASSERT_EQ(results.size(), 10u);
  for (int t = 0; t < 4; ++t) EXPECT_TRUE(results[t].error);
  for (int t = 4; t < 10; ++t) EXPECT_FALSE(results[t].error) << *results[t].error;
}

}  // namespace
}  // namespace grm
