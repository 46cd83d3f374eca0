#include "engine/model_init.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "engine/llama_handles.h"
#include "test_models.h"

namespace grm {
namespace {

TEST(ModelInitTest, RandomModelLoadsInLibllamaWithTheVocabAndShape) {
  llama_backend_setup(false);
  auto m = LlamaModel::load(test::tiny_model_path());
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(llama_model_n_layer(m.value()->get()), 2);
  EXPECT_EQ(llama_model_n_embd(m.value()->get()), 64);
  EXPECT_EQ(llama_model_n_head(m.value()->get()), 4);
  EXPECT_EQ(llama_model_n_head_kv(m.value()->get()), 2);
  EXPECT_EQ(llama_vocab_n_tokens(m.value()->vocab()), 32000);  // llama-spm
  auto toks = m.value()->tokenize("Scores: \\boxed{8, 9}", false, false);
  EXPECT_GT(toks.size(), 3u);
  std::string back;
  for (auto t : toks) back += m.value()->token_to_piece(t);
  EXPECT_NE(back.find("Scores: \\boxed{8, 9}"), std::string::npos);
}

TEST(ModelInitTest, F16AndQuantisedVariantsLoad) {
  const std::string dir = test::scratch_dir("model_init");
  ModelShape s;
  s.layers = 1;
  s.embd = 64;
  s.heads = 2;
  s.kv_heads = 1;
  s.ff = 96;
  ASSERT_TRUE(init_random_model(GRM_TEST_VOCAB, s, 1, "f16", dir + "/m16.gguf").ok());
  ASSERT_TRUE(quantize_model(dir + "/m16.gguf", dir + "/m8.gguf", "q8_0", 2).ok());
  for (const char* f : {"/m16.gguf", "/m8.gguf"}) {
    auto m = LlamaModel::load(dir + f);
    EXPECT_TRUE(m.ok()) << f;
  }
  EXPECT_LT(std::filesystem::file_size(dir + "/m8.gguf"), std::filesystem::file_size(dir + "/m16.gguf"));
}

TEST(ModelInitTest, BadInputsFailWithoutLeavingAFile) {
  const std::string dir = test::scratch_dir("model_init_bad");
  ModelShape s;
  s.embd = 60;
  s.heads = 8;
  auto st = init_random_model(GRM_TEST_VOCAB, s, 1, "f32", dir + "/x.gguf");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("multiple of heads"), std::string::npos);
  auto nv = init_random_model(dir + "/missing-vocab.gguf", ModelShape{}, 1, "f32", dir + "/y.gguf");
  ASSERT_FALSE(nv.ok());
  EXPECT_NE(nv.error().message.find("missing-vocab.gguf"), std::string::npos);
  auto q = quantize_model(test::tiny_model_path(), dir + "/z.gguf", "q3_weird", 1);
  ASSERT_FALSE(q.ok());
  for (const char* f : {"/x.gguf", "/y.gguf", "/z.gguf", "/x.gguf.tmp"}) EXPECT_FALSE(std::filesystem::exists(dir + f)) << f;
}

TEST(ModelInitTest, CorruptModelFileIsAClearError) {
  const std::string dir = test::scratch_dir("corrupt_model");
  test::write_text(dir + "/not.gguf", "hello, I am not a model");
  auto m = LlamaModel::load(dir + "/not.gguf");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("not a GGUF file"), std::string::npos);
  // A real header with the tensor data cut off.
  const std::string full = test::read_text(test::tiny_model_path());
  test::write_text(dir + "/cut.gguf", full.substr(0, full.size() / 2));
  auto cut = LlamaModel::load(dir + "/cut.gguf");
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.error().message.find("cut.gguf"), std::string::npos);
}

}  // namespace
}  // namespace grm
