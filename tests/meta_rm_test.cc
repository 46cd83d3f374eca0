#include "engine/meta_rm.h"

#include <gguf.h>
#include <gtest/gtest.h>

#include <cmath>

#include "test_models.h"

namespace grm {
namespace {

// Reference: the meta prompt alone in a fresh context, last hidden state dotted with the head by hand.
float reference_score(const Item& item, const MetaSample& s) {
  auto model = LlamaModel::load(test::tiny_meta_rm_path() + "/model.gguf");
  EXPECT_TRUE(model.ok());
  ggml_context* gctx = nullptr;
  gguf_context* g = gguf_init_from_file((test::tiny_meta_rm_path() + "/head.gguf").c_str(), {false, &gctx});
  EXPECT_NE(g, nullptr);
  const float* w = static_cast<const float*>(ggml_get_tensor(gctx, "meta_head.weight")->data);
  const float b = *static_cast<const float*>(ggml_get_tensor(gctx, "meta_head.bias")->data);

  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = 4096;
  cp.embeddings = true;
  cp.pooling_type = LLAMA_POOLING_TYPE_NONE;
  cp.n_threads = 2;
  LlamaContextPtr ctx(llama_init_from_model(model.value()->get(), cp));
  std::vector<llama_token> t = model.value()->tokenize(render_meta_prompt(item, s.order, s.trajectory, PromptOptions{}), true, false);
  LlamaBatch batch(static_cast<int>(t.size()), 1);
  for (size_t i = 0; i < t.size(); ++i) batch.add(t[i], static_cast<llama_pos>(i), 0, i + 1 == t.size());
  EXPECT_EQ(llama_decode(ctx.get(), batch.get()), 0);
  const float* h = llama_get_embeddings_ith(ctx.get(), -1);
  double acc = b;
  for (int e = 0; e < llama_model_n_embd(model.value()->get()); ++e) acc += static_cast<double>(w[e]) * h[e];
  gguf_free(g);
  ggml_free(gctx);
  return static_cast<float>(acc);
}

TEST(MetaRmTest, SharedPrefixScoresMatchAnIndependentComputation) {
  llama_backend_setup(false);
  MetaRmOptions o;
  o.threads = 2;
  auto meta = LlamaMetaRewardModel::load(test::tiny_meta_rm_path(), o);
  ASSERT_TRUE(meta.ok()) << meta.error().message;
  Item item = test::make_item("m", {"Paris.", "Lyon, I think."}, "What is the capital of France?");
  std::vector<MetaSample> samples = {{{0, 1}, "Analysis: ok.\nScores: \\boxed{9, 3}"},
                                     {{1, 0}, "Analysis: hmm.\nScores: \\boxed{2, 8}"},
                                     {{0, 1}, "Analysis: ok.\nScores: \\boxed{9, 4}"},
                                     {{0, 1}, "Analysis: ok.\nScores: \\boxed{9, 3}"}};
  auto scores = meta.value()->score(item, samples);
  ASSERT_TRUE(scores.ok()) << scores.error().message;
  ASSERT_EQ(scores->size(), 4u);
  EXPECT_EQ((*scores)[0], (*scores)[3]);  // identical input, identical score
  for (size_t i = 0; i < 3; ++i) {
    const float ref = reference_score(item, samples[i]);
    EXPECT_NEAR((*scores)[i], ref, 1e-3f * std::max(1.0f, std::fabs(ref))) << "sample " << i;
  }
  EXPECT_NE((*scores)[0], (*scores)[1]);
}

TEST(MetaRmTest, MissingOrMismatchedFilesAreClearErrors) {
  auto none = LlamaMetaRewardModel::load("/nonexistent/meta", MetaRmOptions{});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("not a directory"), std::string::npos);

  const std::string dir = test::scratch_dir("meta_bad_head");
  ASSERT_TRUE(write_meta_head(dir, std::vector<float>(7, 0.1f), 0.0f).ok());
  std::filesystem::copy_file(test::tiny_model_path(), dir + "/model.gguf");
  auto bad = LlamaMetaRewardModel::load(dir, MetaRmOptions{});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("n_embd"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace grm
