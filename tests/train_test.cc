// The ggml trainer on the tiny random model: exactness against libllama, gradients against finite
// differences, learning a memorisable set, exact resume, and bad input.
#include <ggml-alloc.h>
#include <ggml-cpu.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine/llama_handles.h"
#include "engine/model_init.h"
#include "test_models.h"
#include "train/adamw.h"
#include "train/sft_trainer.h"
#include "train/step_log.h"
#include "train/token_loss.h"
#include "train/train_device.h"

namespace grm {
namespace {

namespace fs = std::filesystem;

TEST(StepLogTest, AppendsWholeLinesAcrossRunsAndReportsFailures) {
  const std::string dir = test::scratch_dir("step_log");
  const std::string path = dir + "/run.log";
  {
    auto log = StepLog::open(path);
    ASSERT_TRUE(log) << log.error().message;
    ASSERT_TRUE(log->write({{"step", 1}}));
    ASSERT_TRUE(log->write({{"step", 2}}));
  }
  {
    auto resumed = StepLog::open(path);  // a resumed run continues the file
    ASSERT_TRUE(resumed);
    ASSERT_TRUE(resumed->write({{"step", 3}}));
  }
  auto lines = test::read_lines(path);
  ASSERT_EQ(lines.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(nlohmann::json::parse(lines[i])["step"], i + 1);

  auto none = StepLog::open("");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->write({{"step", 1}}));

  auto missing = StepLog::open(dir + "/no-such-dir/run.log");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("no-such-dir/run.log"), std::string::npos) << missing.error().message;

  if (fs::exists("/dev/full")) {  // a full disk: the write fails and says so
    auto full = StepLog::open("/dev/full");
    ASSERT_TRUE(full);
    auto st = full->write({{"step", 1}});
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("/dev/full"), std::string::npos) << st.error().message;
  }
}

// The trainer's logits for one sequence, [T][n_vocab].
std::vector<float> trainer_logits(TrainModel& m, const std::vector<int32_t>& tokens) {
  const int T = static_cast<int>(tokens.size());
  ggml_context* ctx = ggml_init({16384 * ggml_tensor_overhead() * 4 + ggml_graph_overhead_custom(16384, false), nullptr, true});
  ForwardInputs in;
  ForwardOutputs out = m.build_forward(ctx, T, 1, &in);
  ggml_set_output(out.logits);
  ggml_cgraph* gf = ggml_new_graph_custom(ctx, 16384, false);
  ggml_build_forward_expand(gf, out.logits);
  ggml_gallocr_t alloc = ggml_gallocr_new(ggml_backend_get_default_buffer_type(m.backend()));
  EXPECT_TRUE(ggml_gallocr_alloc_graph(alloc, gf));
  TrainModel::set_inputs(in, tokens, T, 1);
  EXPECT_EQ(ggml_backend_graph_compute(m.backend(), gf), GGML_STATUS_SUCCESS);
  std::vector<float> logits(ggml_nelements(out.logits));
  ggml_backend_tensor_get(out.logits, logits.data(), 0, ggml_nbytes(out.logits));
  EXPECT_EQ(in.T % kGraphLengthMultiple, 0);
  logits.resize(static_cast<size_t>(T) * m.hparams().n_vocab);  // the graph's padding after the sequence
  ggml_gallocr_free(alloc);
  ggml_free(ctx);
  return logits;
}

// libllama's logits for the same tokens, with an F32 KV cache and no flash attention.
std::vector<float> libllama_logits(const std::string& path, const std::vector<int32_t>& tokens) {
  auto model = LlamaModel::load(path);
  EXPECT_TRUE(model.ok());
  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = 512;
  cp.type_k = GGML_TYPE_F32;
  cp.type_v = GGML_TYPE_F32;
  cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
  cp.n_threads = 2;
  LlamaContextPtr ctx(llama_init_from_model(model.value()->get(), cp));
  LlamaBatch batch(static_cast<int>(tokens.size()), 1);
  for (size_t i = 0; i < tokens.size(); ++i) batch.add(tokens[i], static_cast<llama_pos>(i), 0, true);
  EXPECT_EQ(llama_decode(ctx.get(), batch.get()), 0);
  const int V = llama_vocab_n_tokens(model.value()->vocab());
  std::vector<float> out;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const float* l = llama_get_logits_ith(ctx.get(), static_cast<int32_t>(i));
    out.insert(out.end(), l, l + V);
  }
  return out;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double d = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) d = std::max(d, static_cast<double>(std::fabs(a[i] - b[i])));
  return d;
}

const std::vector<int32_t> kTokens = {1, 450, 4996, 17354, 1701, 432, 29871, 29955, 1919, 29871, 29947, 29889};

TEST(TrainTest, ForwardMatchesLibllamaAndTheExportLoadsThere) {
  llama_backend_setup(false);
  auto m = TrainModel::load(test::tiny_model_path());
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_LT(max_abs_diff(trainer_logits(*m.value(), kTokens), libllama_logits(test::tiny_model_path(), kTokens)), 1e-3);
  // Change the weights, export, and compare again: the exported GGUF is what the trainer computes.
  for (ggml_tensor* p : m.value()->params()) {
    float* d = static_cast<float*>(p->data);
    for (int64_t i = 0; i < ggml_nelements(p); i += 7) d[i] += 0.01f * std::sin(static_cast<float>(i));
  }
  const std::string out = test::scratch_dir("train_export") + "/m.gguf";
  ASSERT_TRUE(m.value()->save(out).ok());
  const auto ours = trainer_logits(*m.value(), kTokens);
  EXPECT_LT(max_abs_diff(ours, libllama_logits(out, kTokens)), 1e-3);
  EXPECT_GT(max_abs_diff(ours, libllama_logits(test::tiny_model_path(), kTokens)), 1e-3);  // and it did change
}

TokenBatch grad_batch() {
  TokenBatch b;
  b.T = 6;
  b.B = 2;
  b.tokens = {1, 450, 4996, 17354, 1701, 432, 1, 29871, 29955, 1919, 29871, 29947};
  b.targets = {450, 4996, 17354, 1701, 432, 29871, 29871, 29955, 1919, 29871, 29947, 29889};
  b.weights = {0, 0, 1.0f, -0.5f, 2.0f, 0, 0, 1.0f, 0, -1.5f, 1.0f, 0.5f};  // both signs, masked positions
  return b;
}

TEST(TrainTest, GradientsMatchFiniteDifferences) {
  llama_backend_setup(false);
  auto m = TrainModel::load(test::tiny_model_path());
  ASSERT_TRUE(m.ok());
  TokenLoss loss(*m.value());
  TokenBatch b = grad_batch();
  HostGrads g = zero_grads(m.value()->params());
  auto l0 = loss.run(b, 1.0f, &g);
  ASSERT_TRUE(l0.ok()) << l0.error().message;
  int checked = 0;
  for (size_t pi = 0; pi < m.value()->params().size(); pi += 3) {
    ggml_tensor* p = m.value()->params()[pi];
    // The entry with the largest gradient: finite differences in F32 resolve it well.
    size_t j = 0;
    for (size_t i = 0; i < g[pi].size(); ++i)
      if (std::fabs(g[pi][i]) > std::fabs(g[pi][j])) j = i;
    if (std::fabs(g[pi][j]) < 1e-3) continue;
    float* x = static_cast<float*>(p->data) + j;
    const float orig = *x, eps = 1e-2f;
    *x = orig + eps;
    const double up = loss.run(b, 1.0f, nullptr).value();
    *x = orig - eps;
    const double down = loss.run(b, 1.0f, nullptr).value();
    *x = orig;
    const double numeric = (up - down) / (2 * eps);
    EXPECT_NEAR(numeric, g[pi][j], 0.05 * std::fabs(g[pi][j]) + 5e-4) << ggml_get_name(p) << "[" << j << "]";
    ++checked;
  }
  EXPECT_GE(checked, 5);
}

// Grouped-query attention at every ratio of query to KV heads the model shapes use (the recipe's 6 x 192 model
// has 3 query heads per KV head, the tiny model 2): the trainer's forward matches libllama's, and its gradients,
// where KV heads sum over their query heads and sequences share a dimension with heads (B = 2), match finite
// differences for every parameter.
TEST(TrainTest, GroupedQueryAttentionMatchesLibllamaAndFiniteDifferencesAtEveryRatio) {
  llama_backend_setup(false);
  const std::string dir = test::scratch_dir("train_gqa");
  for (const auto& [heads, kv] : std::vector<std::pair<int, int>>{{6, 2}, {6, 3}, {4, 1}, {6, 6}}) {
    SCOPED_TRACE(fmt::format("{} heads, {} KV heads", heads, kv));
    const std::string path = fmt::format("{}/h{}kv{}.gguf", dir, heads, kv);
    auto r = test::run_grm(fmt::format("model init --vocab '{}' --layers 2 --embd 96 --heads {} --kv-heads {} --ff 64 --ctx 64 "
                                       "--seed 5 --out '{}'",
                                       test::tiny_model_path(), heads, kv, path),
                           dir);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto m = TrainModel::load(path);
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_LT(max_abs_diff(trainer_logits(*m.value(), kTokens), libllama_logits(path, kTokens)), 1e-3);
    TokenLoss loss(*m.value());
    const TokenBatch b = grad_batch();
    HostGrads g = zero_grads(m.value()->params());
    ASSERT_TRUE(loss.run(b, 1.0f, &g).ok());
    const int checked = test::expect_gradients_match_finite_differences(
        m.value()->params(), g, [&] { return loss.run(b, 1.0f, nullptr).value(); }, [](size_t) { return true; });
    EXPECT_GE(checked, 10);
  }
}

TEST(TrainTest, MaskedPositionsContributeNothing) {
  llama_backend_setup(false);
  auto m = TrainModel::load(test::tiny_model_path());
  ASSERT_TRUE(m.ok());
  TokenLoss loss(*m.value());
  TokenBatch a = grad_batch(), b = grad_batch();
  b.targets[0] = 7;  // weight 0 there
  b.targets[5] = 9;
  HostGrads ga = zero_grads(m.value()->params()), gb = zero_grads(m.value()->params());
  EXPECT_EQ(loss.run(a, 1.0f, &ga).value(), loss.run(b, 1.0f, &gb).value());
  EXPECT_EQ(ga, gb);
  TokenBatch z = grad_batch();
  std::fill(z.weights.begin(), z.weights.end(), 0.0f);
  HostGrads gz = zero_grads(m.value()->params());
  EXPECT_EQ(loss.run(z, 1.0f, &gz).value(), 0.0);
  for (const auto& v : gz)
    for (float x : v) ASSERT_EQ(x, 0.0f);
}

// with_item adds a record in the judge format (a ~900-token prompt, masked).
std::string memorise_data(const std::string& dir, bool with_item) {
  const std::string path = dir + "/data.jsonl";
  std::string text = R"({"prompt": "Q: colour of the sky?\nA:", "completion": " blue and bright"})" "\n"
                     R"({"prompt": "Q: two plus two?\nA:", "completion": " four, exactly"})" "\n"
                     R"({"prompt": "Q: opposite of hot?\nA:", "completion": " cold"})" "\n";
  if (with_item)
    text += R"({"item": {"id": "x", "prompt": "What is 2+2?", "responses": ["4", "5"]}, "order": [1, 0], "trajectory": "Scores: \\boxed{2, 9}"})" "\n";
  test::write_text(path, text);
  return path;
}

// The focal objective (gamma = 2): its gradients (through the focal factor too) match finite differences; after
// the model has learned a small set, its value is sum_i w_i (1 - p_i)^2 -log p_i over the log-probabilities the
// plain objective reports (far below the plain value there), and its nll field is the plain objective's value.
TEST(TrainTest, FocalObjectiveValueAndGradientsMatch) {
  llama_backend_setup(false);
  auto m = TrainModel::load(test::tiny_model_path());
  ASSERT_TRUE(m.ok());
  TokenLoss plain(*m.value()), focal(*m.value(), 2.0f);
  const TokenBatch g_batch = grad_batch();
  HostGrads g = zero_grads(m.value()->params());
  ASSERT_TRUE(focal.run(g_batch, 1.0f, &g).ok());
  const int checked = test::expect_gradients_match_finite_differences(
      m.value()->params(), g, [&] { return focal.run(g_batch, 1.0f, nullptr).value(); }, [](size_t) { return true; });
  EXPECT_GE(checked, 5);

  auto vocab = LlamaModel::load(test::tiny_model_path(), 0, true);
  ASSERT_TRUE(vocab.ok());
  auto data = read_sft_data(memorise_data(test::scratch_dir("train_focal"), false), *vocab.value(), 4096);
  ASSERT_TRUE(data.ok());
  TrainLoopOptions o;
  o.epochs = 40;
  o.batch = 3;
  o.lr = 1e-2;
  o.warmup = 5;
  ASSERT_TRUE(train_sft(*m.value(), data.value(), o).ok());
  const SftExample& ex = data->examples[0];
  TokenBatch b;
  b.B = 1;
  b.T = static_cast<int>(ex.tokens.size()) - 1;
  for (int t = 0; t < b.T; ++t) {
    b.tokens.push_back(ex.tokens[t]);
    b.targets.push_back(ex.tokens[t + 1]);
    b.weights.push_back(t + 1 >= ex.prompt_len ? 1.0f : 0.0f);
  }
  auto p = plain.run_with_kl(b, 0.5f, nullptr, TokenLoss::KlTerm{});
  auto f = focal.run_with_kl(b, 0.5f, nullptr, TokenLoss::KlTerm{});
  ASSERT_TRUE(p.ok() && f.ok());
  double expect_focal = 0, expect_nll = 0;
  for (size_t i = 0; i < b.weights.size(); ++i) {
    const double lp = p->logprobs[i], miss = 1.0 - std::exp(lp);
    expect_focal += 0.5 * b.weights[i] * miss * miss * -lp;
    expect_nll += 0.5 * b.weights[i] * -lp;
  }
  EXPECT_NEAR(p->loss, expect_nll, 1e-3 * expect_nll + 1e-6);
  EXPECT_NEAR(p->nll, expect_nll, 1e-3 * expect_nll + 1e-6);
  EXPECT_NEAR(f->nll, expect_nll, 1e-3 * expect_nll + 1e-6);
  EXPECT_NEAR(f->loss, expect_focal, 1e-2 * expect_focal + 1e-6);
  EXPECT_LT(f->loss, 0.5 * p->loss);  // the learned tokens weigh little
}

TEST(TrainTest, SftMemorisesASmallSetAndLibllamaGeneratesIt) {
  llama_backend_setup(false);
  const std::string dir = test::scratch_dir("train_memorise");
  auto m = TrainModel::load(test::tiny_model_path());
  ASSERT_TRUE(m.ok());
  auto vocab = LlamaModel::load(test::tiny_model_path(), 0, true);
  ASSERT_TRUE(vocab.ok());
  auto data = read_sft_data(memorise_data(dir, false), *vocab.value(), 4096);
  ASSERT_TRUE(data.ok());
  ASSERT_TRUE(data->errors.empty()) << data->errors[0];
  ASSERT_EQ(data->examples.size(), 3u);
  TrainLoopOptions o;
  o.epochs = 80;
  o.batch = 3;
  o.lr = 1e-2;
  o.warmup = 5;
  std::vector<double> losses;
  auto steps = train_sft(*m.value(), data.value(), o, [&](const StepReport& r) { losses.push_back(r.loss); });
  ASSERT_TRUE(steps.ok()) << steps.error().message;
  ASSERT_EQ(losses.size(), 80u);
  EXPECT_GT(losses.front(), 5.0);  // ~ln(32000) at random init
  EXPECT_LT(losses.back(), 0.1) << "first " << losses.front();

  // The exported model, run by libllama, now answers with the memorised completion (greedy).
  const std::string out = dir + "/sft.gguf";
  ASSERT_TRUE(m.value()->save(out).ok());
  auto lm = LlamaModel::load(out);
  ASSERT_TRUE(lm.ok());
  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = 256;
  LlamaContextPtr ctx(llama_init_from_model(lm.value()->get(), cp));
  auto prompt = lm.value()->tokenize("Q: two plus two?\nA:", true, false);
  LlamaBatch batch(256, 1);
  for (size_t i = 0; i < prompt.size(); ++i) batch.add(prompt[i], static_cast<llama_pos>(i), 0, i + 1 == prompt.size());
  ASSERT_EQ(llama_decode(ctx.get(), batch.get()), 0);
  std::string text;
  llama_pos pos = static_cast<llama_pos>(prompt.size());
  for (int i = 0; i < 12; ++i) {
    const float* l = llama_get_logits_ith(ctx.get(), -1);
    int best = 0;
    for (int v = 1; v < llama_vocab_n_tokens(lm.value()->vocab()); ++v)
      if (l[v] > l[best]) best = v;
    if (llama_vocab_is_eog(lm.value()->vocab(), best)) break;
    text += lm.value()->token_to_piece(best);
    batch.clear();
    batch.add(best, pos++, 0, true);
    ASSERT_EQ(llama_decode(ctx.get(), batch.get()), 0);
  }
  EXPECT_EQ(text, " four, exactly");  // prompt and completion were tokenized together
}

TEST(TrainTest, ResumeReproducesTheLossesOfAnUninterruptedRun) {
  llama_backend_setup(false);
  const std::string dir = test::scratch_dir("train_resume");
  auto vocab = LlamaModel::load(test::tiny_model_path(), 0, true);
  auto data = read_sft_data(memorise_data(dir, true), *vocab.value(), 4096);
  ASSERT_TRUE(data.ok());
  ASSERT_EQ(data->examples.size(), 4u);
  EXPECT_GT(data->examples[3].prompt_len, 500);  // the judge template, masked
  TrainLoopOptions o;
  o.epochs = 3;
  o.batch = 2;
  o.lr = 5e-3;
  o.warmup = 2;
  o.checkpoint_every = 3;
  o.checkpoint_dir = dir + "/ckpt";
  std::vector<double> full;
  {
    auto m = TrainModel::load(test::tiny_model_path());
    ASSERT_TRUE(train_sft(*m.value(), data.value(), o, [&](const StepReport& r) { full.push_back(r.loss); }).ok());
  }
  ASSERT_EQ(full.size(), 6u);
  ASSERT_TRUE(fs::exists(dir + "/ckpt/step-000003/optimizer.gguf"));
  // Interrupted after step 3: only that checkpoint survives; resume from it.
  fs::remove_all(dir + "/ckpt/step-000006");
  o.resume = true;
  std::vector<double> resumed;
  std::vector<long> steps;
  auto m = TrainModel::load(test::tiny_model_path());
  auto n = train_sft(*m.value(), data.value(), o, [&](const StepReport& r) {
    resumed.push_back(r.loss);
    steps.push_back(r.step);
  });
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(steps, (std::vector<long>{4, 5, 6}));
  ASSERT_EQ(resumed.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(resumed[i], full[3 + i], 1e-6) << "step " << 4 + i;
  // The checkpoint records the order of the steps it took: another seed would train other examples after it.
  o.seed = 2;
  auto m2 = TrainModel::load(test::tiny_model_path());
  auto refused = train_sft(*m2.value(), data.value(), o);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("step-000003' was written for another data order"), std::string::npos)
      << refused.error().message;

  // Another micro-batch token budget is the same data order: each sequence alone (budget 1) and the planned
  // micro-batches (0) both resume, with the losses of the run that packed pairs under the default budget.
  o.seed = 1;
  ASSERT_GE(o.micro_tokens, 2 * static_cast<long>(data->examples[3].tokens.size()));  // the default packs pairs
  for (long budget : {1L, 0L}) {
    o.micro_tokens = budget;
    std::vector<double> regrouped;
    auto m3 = TrainModel::load(test::tiny_model_path());
    auto r = train_sft(*m3.value(), data.value(), o, [&](const StepReport& rep) { regrouped.push_back(rep.loss); });
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(regrouped.size(), 3u);
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(regrouped[i], full[3 + i], 1e-5 * full[3 + i]) << "budget " << budget << " step " << 4 + i;
  }
}

TEST(TrainTest, BadModelsAndRecordsAreClearErrors) {
  llama_backend_setup(false);
  const std::string dir = test::scratch_dir("train_bad");
  ASSERT_TRUE(quantize_model(test::tiny_model_path(), dir + "/q8.gguf", "q8_0", 2).ok());
  auto q = TrainModel::load(dir + "/q8.gguf");
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.error().message.find("training needs F32 or F16"), std::string::npos) << q.error().message;
  EXPECT_NE(q.error().message.find("grm model quantize --type f16"), std::string::npos) << q.error().message;
  // What that message offers: the q8_0 model, dequantised to f16, loads for training.
  ASSERT_TRUE(quantize_model(dir + "/q8.gguf", dir + "/deq.gguf", "f16", 2).ok());
  auto deq = TrainModel::load(dir + "/deq.gguf");
  ASSERT_TRUE(deq.ok()) << deq.error().message;
  auto requant = quantize_model(dir + "/q8.gguf", dir + "/q4.gguf", "q4_0", 2);
  ASSERT_FALSE(requant.ok()) << "requantising loses precision";
  EXPECT_NE(requant.error().message.find("already quantised (q8_0 tensors)"), std::string::npos) << requant.error().message;
  test::write_text(dir + "/not.gguf", "not a model\n");
  auto junk = quantize_model(dir + "/not.gguf", dir + "/q4.gguf", "q4_0", 2);
  ASSERT_FALSE(junk.ok());
  EXPECT_NE(junk.error().message.find("not.gguf' is not a GGUF file"), std::string::npos) << junk.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir + "/q4.gguf"));
  auto meta = TrainModel::load(test::tiny_meta_rm_path() + "/head.gguf");
  ASSERT_FALSE(meta.ok());
  EXPECT_NE(meta.error().message.find("cannot be trained"), std::string::npos) << meta.error().message;

  auto vocab = LlamaModel::load(test::tiny_model_path(), 0, true);
  test::write_text(dir + "/d.jsonl",
                   "{broken\n"
                   R"({"item": {"id": "x", "prompt": "q", "responses": ["a"]}})" "\n"
                   R"({"prompt": "Q:", "completion": "a very long answer that will not fit in the tiny context we give"})" "\n"
                   R"({"item": {"id": "y", "prompt": "q", "responses": ["a", "b"]}, "order": [0, 0], "trajectory": "t"})" "\n");
  auto d = read_sft_data(dir + "/d.jsonl", *vocab.value(), 12);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->errors.size(), 4u);
  EXPECT_NE(d->errors[0].find("d.jsonl:1: malformed JSON"), std::string::npos);
  EXPECT_NE(d->errors[1].find("d.jsonl:2: missing field 'trajectory'"), std::string::npos);
  EXPECT_NE(d->errors[2].find("d.jsonl:3:"), std::string::npos);
  EXPECT_NE(d->errors[2].find("exceed the training context of 12"), std::string::npos);
  EXPECT_NE(d->errors[3].find("not a permutation"), std::string::npos);
}

TEST(TrainTest, ScheduleAndClipping) {
  EXPECT_DOUBLE_EQ(scheduled_lr(0, 100, 10, 1.0, 0.1), 0.1);
  EXPECT_DOUBLE_EQ(scheduled_lr(9, 100, 10, 1.0, 0.1), 1.0);
  EXPECT_NEAR(scheduled_lr(10, 100, 10, 1.0, 0.1), 1.0, 1e-12);
  EXPECT_NEAR(scheduled_lr(55, 100, 10, 1.0, 0.1), 0.55, 1e-12);  // halfway down the cosine
  EXPECT_NEAR(scheduled_lr(100, 100, 10, 1.0, 0.1), 0.1, 1e-12);
  HostGrads g = {{3.0f, 0.0f}, {4.0f}};
  EXPECT_DOUBLE_EQ(clip_grad_norm(g, 1.0), 5.0);
  EXPECT_NEAR(g[0][0], 0.6f, 1e-6);
  EXPECT_NEAR(g[1][0], 0.8f, 1e-6);
}

}  // namespace
}  // namespace grm

namespace grm {
namespace {

TEST(TrainCliTest, SftEndToEndWritesModelLogAndRefusesBadData) {
  const std::string dir = test::scratch_dir("train_cli");
  test::write_text(dir + "/d.jsonl", R"({"prompt": "Q: hi?\nA:", "completion": " hello"})" "\n"
                                     R"({"prompt": "Q: bye?\nA:", "completion": " goodbye"})" "\n");
  auto r = test::run_grm("train sft --model '" + test::tiny_model_path() + "' --data '" + dir + "/d.jsonl' --out '" + dir +
                             "/o.gguf' --epochs 3 --batch 1 --log '" + dir + "/log.jsonl' --threads 2",
                         dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("6 step(s) on 2 example(s)"), std::string::npos) << r.err;
  auto lines = test::read_lines(dir + "/log.jsonl");
  ASSERT_EQ(lines.size(), 6u);
  for (const char* field : {"step", "loss", "lr", "grad_norm", "tokens", "tokens_per_s"})
    EXPECT_TRUE(nlohmann::json::parse(lines[5]).contains(field)) << field;
  EXPECT_TRUE(LlamaModel::load(dir + "/o.gguf").ok());

  // --focal trains another model; the log still holds the plain loss per token, which starts where the plain
  // run's did (the same model and first batch).
  auto focal = test::run_grm("train sft --model '" + test::tiny_model_path() + "' --data '" + dir + "/d.jsonl' --out '" + dir +
                                 "/f.gguf' --epochs 3 --batch 1 --focal 2 --log '" + dir + "/flog.jsonl' --threads 2",
                             dir);
  ASSERT_EQ(focal.exit_code, 0) << focal.err;
  auto flines = test::read_lines(dir + "/flog.jsonl");
  ASSERT_EQ(flines.size(), 6u);
  EXPECT_NEAR(nlohmann::json::parse(flines[0])["loss"].get<double>(), nlohmann::json::parse(lines[0])["loss"].get<double>(), 1e-4);
  EXPECT_NE(nlohmann::json::parse(flines[5])["loss"].get<double>(), nlohmann::json::parse(lines[5])["loss"].get<double>());
  auto negative = test::run_grm("train sft --model '" + test::tiny_model_path() + "' --data '" + dir + "/d.jsonl' --out '" + dir +
                                    "/n.gguf' --focal -1",
                                dir);
  EXPECT_NE(negative.exit_code, 0);
  EXPECT_NE(negative.err.find("--focal"), std::string::npos) << negative.err;
  EXPECT_FALSE(fs::exists(dir + "/n.gguf"));

  test::write_text(dir + "/bad.jsonl", "{\"prompt\": 3}\n");
  auto bad = test::run_grm("train sft --model '" + test::tiny_model_path() + "' --data '" + dir + "/bad.jsonl' --out '" + dir + "/b.gguf'", dir);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("bad.jsonl:1:"), std::string::npos) << bad.err;
  EXPECT_FALSE(fs::exists(dir + "/b.gguf"));

  test::write_text(dir + "/empty.jsonl", "\n");
  auto empty = test::run_grm("train sft --model '" + test::tiny_model_path() + "' --data '" + dir + "/empty.jsonl' --out '" + dir + "/e.gguf'", dir);
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("empty.jsonl' holds no usable training records"), std::string::npos) << empty.err;
  EXPECT_FALSE(fs::exists(dir + "/e.gguf"));
}

}  // namespace
}  // namespace grm

#include "pipeline/grpo_pipeline.h"

namespace grm {
namespace {

TEST(GrpoTest, RuleRewardRisesOnAToyTask) {
  // Single responses that are all correct: the policy is rewarded for writing \boxed{1}. A random model
  // starts near chance; GRPO must move it.
  llama_backend_setup(false);
  auto policy = TrainModel::load(test::tiny_model_path());
  auto reference = TrainModel::load(test::tiny_model_path());
  ASSERT_TRUE(policy.ok() && reference.ok());
  std::vector<Item> items;
  for (int i = 0; i < 4; ++i) {
    Item it = test::make_item("t" + std::to_string(i), {"Answer " + std::to_string(i)}, "Say something.");
    it.correct = 1;
    items.push_back(it);
  }
  GrpoOptions o;
  o.group = 4;
  o.items_per_step = 4;
  o.steps = 14;
  o.lr = 2e-2;
  o.beta = 0.0;
  o.micro_batch = 16;
  o.work_dir = test::scratch_dir("grpo_toy");
  o.log_path = o.work_dir + "/log.jsonl";
  o.engine.n_ctx = 8192;
  o.engine.n_parallel = 16;
  o.engine.threads = 2;
  o.engine.sampling.temperature = 1.0f;
  o.engine.sampling.max_tokens = 4;  // the verdict is forced at once: the choice is the digit
  std::vector<GrpoStep> steps;
  auto n = train_grpo(*policy.value(), *reference.value(), items, o, [&](const GrpoStep& s) { steps.push_back(s); });
  ASSERT_TRUE(n.ok()) << n.error().message;
  ASSERT_EQ(steps.size(), 14u);
  double first = 0, last = 0;
  for (int i = 0; i < 4; ++i) {
    first += steps[i].accuracy / 4;
    last += steps[steps.size() - 1 - i].accuracy / 4;
  }
  EXPECT_GT(last, first + 0.2) << "first " << first << " last " << last;
  EXPECT_DOUBLE_EQ(steps.back().valid, 1.0);  // grammar: every sample parses
  EXPECT_EQ(test::read_lines(o.log_path).size(), 14u);
}

GrpoOptions small_grpo(const std::string& dir) {
  GrpoOptions o;
  o.group = 4;
  o.items_per_step = 2;
  o.steps = 4;
  o.lr = 1e-2;
  o.beta = 0.05;
  o.micro_batch = 8;
  o.work_dir = dir;
  o.engine.n_ctx = 4096;
  o.engine.n_parallel = 8;
  o.engine.threads = 2;
  o.engine.sampling.temperature = 1.0f;
  o.engine.sampling.max_tokens = 6;
  return o;
}

std::vector<Item> toy_items() {
  std::vector<Item> items;
  for (int i = 0; i < 3; ++i) {
    Item it = test::make_item("t" + std::to_string(i), {"Answer " + std::to_string(i)}, "Say something.");
    it.correct = i % 2;
    items.push_back(it);
  }
  return items;
}

TEST(GrpoTest, ResumeReproducesTheStepsOfAnUninterruptedRun) {
  llama_backend_setup(false);
  const std::string dir = test::scratch_dir("grpo_resume");
  GrpoOptions o = small_grpo(dir + "/work");
  o.updates_per_batch = 2;
  o.checkpoint_every = 2;
  o.checkpoint_dir = dir + "/ckpt";
  auto reference = TrainModel::load(test::tiny_model_path());
  std::vector<GrpoStep> full, resumed;
  {
    auto policy = TrainModel::load(test::tiny_model_path());
    ASSERT_TRUE(train_grpo(*policy.value(), *reference.value(), toy_items(), o, [&](const GrpoStep& s) { full.push_back(s); }).ok());
  }
  ASSERT_EQ(full.size(), 8u);  // 4 batches x 2 updates
  ASSERT_TRUE(fs::exists(dir + "/ckpt/step-000002/model.gguf"));
  EXPECT_FALSE(fs::exists(dir + "/ckpt/step-000004"));  // the end is the caller's to save
  EXPECT_EQ(full[0].clipped, 0.0);                       // ratio 1 on the first update
  o.resume = true;
  auto policy = TrainModel::load(test::tiny_model_path());
  auto n = train_grpo(*policy.value(), *reference.value(), toy_items(), o, [&](const GrpoStep& s) { resumed.push_back(s); });
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(n.value(), 2);
  ASSERT_EQ(resumed.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(resumed[i].step, full[4 + i].step);
    EXPECT_EQ(resumed[i].reward, full[4 + i].reward) << i;
    EXPECT_NEAR(resumed[i].loss, full[4 + i].loss, 1e-6) << i;
    EXPECT_NEAR(resumed[i].kl, full[4 + i].kl, 1e-6) << i;
  }
  o.checkpoint_every = 3;
  o.export_every = 2;
  EXPECT_FALSE(train_grpo(*policy.value(), *reference.value(), toy_items(), o).ok());  // would resume off-export
}

TEST(GrpoTest, LaterUpdatesClipTheRatio) {
  // A large step on the first update moves the policy far from the sampler: later updates on the same
  // batch must clip some tokens, and their loss is the clipped surrogate.
  llama_backend_setup(false);
  GrpoOptions o = small_grpo(test::scratch_dir("grpo_clip"));
  o.steps = 2;
  o.updates_per_batch = 3;
  o.lr = 5e-2;
  o.clip_ratio = 0.1;
  auto policy = TrainModel::load(test::tiny_model_path());
  auto reference = TrainModel::load(test::tiny_model_path());
  std::vector<GrpoStep> steps;
  ASSERT_TRUE(train_grpo(*policy.value(), *reference.value(), toy_items(), o, [&](const GrpoStep& s) { steps.push_back(s); }).ok());
  ASSERT_EQ(steps.size(), 6u);
  double later_clipped = 0;
  for (const auto& s : steps) {
    if (s.update == 0) EXPECT_EQ(s.clipped, 0.0);
    else later_clipped = std::max(later_clipped, s.clipped);
    EXPECT_GE(s.kl, 0.0);
  }
  EXPECT_GT(later_clipped, 0.0);
}

}  // namespace
}  // namespace grm

#include "core/judgment_parser.h"
#include "engine/llama_judge_engine.h"

namespace grm {
namespace {

// A model trained to write its own "Scores:" line with an out-of-range score: the grammar must take over at
// the model's own "Scores:" (not a forced one) and keep the verdict valid; without it the verdict is invalid.
TEST(GrammarTest, TakesOverWhenTheModelWritesScoresItself) {
  llama_backend_setup(false);
  const std::string dir = test::scratch_dir("grammar_natural");
  test::write_text(dir + "/d.jsonl",
                   R"({"item": {"id": "g", "prompt": "Which is right?", "responses": ["yes", "no"]}, "order": [0, 1], "trajectory": "Analysis: fine.\nScores: \\boxed{12, 3}"})" "\n");
  auto m = TrainModel::load(test::tiny_model_path());
  auto vocab = LlamaModel::load(test::tiny_model_path(), 0, true);
  auto data = read_sft_data(dir + "/d.jsonl", *vocab.value(), 4096);
  ASSERT_TRUE(data.ok() && data->examples.size() == 1u);
  TrainLoopOptions o;
  o.epochs = 100;
  o.batch = 1;
  o.lr = 1e-2;
  o.warmup = 5;
  o.clip = 0;
  o.min_lr_ratio = 1.0;
  double last = 0;
  ASSERT_TRUE(train_sft(*m.value(), data.value(), o, [&](const StepReport& r) { last = r.loss; }).ok());
  // Memorised for real: at 50 epochs and a loss near 0.2 the greedy text could still skip a line, and which one
  // hung on float rounding (it changed with the GEMM kernels); at 100 epochs the loss is ~0.002.
  ASSERT_LT(last, 0.02);
  ASSERT_TRUE(m.value()->save(dir + "/m.gguf").ok());
  auto model = LlamaModel::load(dir + "/m.gguf");
  ASSERT_TRUE(model.ok());

  auto judge = [&](bool grammar) {
    LlamaEngineOptions eo;
    eo.n_ctx = 4096;
    eo.n_parallel = 2;
    eo.threads = 2;
    eo.chat_template = ChatTemplateMode::kNone;
    eo.sampling.temperature = 0;
    eo.sampling.max_tokens = 40;
    eo.sampling.grammar = grammar;
    auto engine = LlamaJudgeEngine::create(model.value(), eo);
    EXPECT_TRUE(engine.ok());
    JudgeRequest req;
    req.item = test::make_item("g", {"yes", "no"}, "Which is right?");
    req.orders = {{0, 1}};
    bool given = false;
    Trajectory t;
    engine.value()->run(
        [&]() -> std::optional<JudgeRequest> {
          if (given) return std::nullopt;
          given = true;
          return req;
        },
        [&](uint64_t, JudgeResult&& r) { t = r.samples.at(0); });
    return t;
  };
  Trajectory free = judge(false);
  const size_t own = free.text.find("Scores: \\boxed{12");
  ASSERT_NE(own, std::string::npos) << free.text;  // what it learned: an out-of-range score of its own
  EXPECT_FALSE(parse_judgment(free.text, 2, {1, 10}).valid);
  Trajectory constrained = judge(true);
  EXPECT_FALSE(constrained.forced_verdict);
  // Greedy decoding is identical up to the model's own "Scores: \boxed{", where the grammar takes over.
  EXPECT_EQ(constrained.text.substr(0, own + 15), free.text.substr(0, own + 15)) << constrained.text;
  ParsedJudgment p = parse_judgment(constrained.text, 2, {1, 10});
  EXPECT_TRUE(p.valid) << p.invalid_reason << "\n" << constrained.text;
  EXPECT_EQ(constrained.finish, "verdict");
}

TEST(TrainDeviceTest, DeviceNamesAreCheckedAndNamedInTheError) {
  EXPECT_EQ(parse_train_device("cpu").value(), TrainDevice::kCpu);
  EXPECT_EQ(parse_train_device("gpu").value(), TrainDevice::kGpu);
  EXPECT_EQ(parse_train_device("auto").value(), TrainDevice::kAuto);
  auto bad = parse_train_device("tpu");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("'tpu'"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("cpu, gpu or auto"), std::string::npos) << bad.error().message;
}

// Whichever build runs this (CPU only, as CI, or CUDA with a GPU), each choice does what it says.
TEST(TrainDeviceTest, GpuIsTheGpuOrAClearErrorAndAutoFallsBackToTheCpu) {
  llama_backend_setup(false);
  const bool has_gpu = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_GPU) != nullptr;
  auto gpu = make_train_backend(TrainDevice::kGpu);
  if (has_gpu) {
    ASSERT_TRUE(gpu.ok()) << gpu.error().message;
    EXPECT_FALSE(ggml_backend_is_cpu(gpu.value()));
    ggml_backend_free(gpu.value());
  } else {
    ASSERT_FALSE(gpu.ok());
    EXPECT_NE(gpu.error().message.find("--device cpu"), std::string::npos) << gpu.error().message;
  }
  auto automatic = make_train_backend(TrainDevice::kAuto);
  ASSERT_TRUE(automatic.ok());
  EXPECT_EQ(ggml_backend_is_cpu(automatic.value()), !has_gpu);
  ggml_backend_free(automatic.value());
  auto cpu = make_train_backend(TrainDevice::kCpu);
  ASSERT_TRUE(cpu.ok());
  EXPECT_TRUE(ggml_backend_is_cpu(cpu.value()));
  ggml_backend_free(cpu.value());
}

// The model on the automatic device computes what it computes on the CPU, and saves the same weights.
TEST(TrainDeviceTest, TheAutomaticDeviceComputesAndSavesWhatTheCpuDoes) {
  llama_backend_setup(false);
  auto cpu = TrainModel::load(test::tiny_model_path(), TrainDevice::kCpu);
  auto automatic = TrainModel::load(test::tiny_model_path(), TrainDevice::kAuto);
  ASSERT_TRUE(cpu.ok() && automatic.ok());
  EXPECT_LT(max_abs_diff(trainer_logits(*automatic.value(), kTokens), trainer_logits(*cpu.value(), kTokens)), 1e-3);
  const std::string dir = test::scratch_dir("train_device_save");
  ASSERT_TRUE(automatic.value()->save(dir + "/auto.gguf").ok());
  auto reloaded = TrainModel::load(dir + "/auto.gguf", TrainDevice::kCpu);
  ASSERT_TRUE(reloaded.ok());
  EXPECT_EQ(max_abs_diff(trainer_logits(*reloaded.value(), kTokens), trainer_logits(*cpu.value(), kTokens)), 0.0);
}

TEST(TrainDeviceTest, TheCliChecksTheDevice) {
  const std::string dir = test::scratch_dir("train_device_cli");
  auto bad = test::run_grm("train sft --model m --data d --out o --device tpu", dir);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--device"), std::string::npos) << bad.err;
  auto help = test::run_grm("train sft --help", dir);
  EXPECT_NE(help.out.find("--device"), std::string::npos);
  EXPECT_NE(help.out.find("=auto"), std::string::npos) << help.out;
}

}  // namespace
}  // namespace grm
