#include "engine/vocab_train.h"

#include <fmt/format.h>
#include <gguf.h>
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <thread>
#include <unordered_map>

#include "engine/gguf_write.h"

namespace grm {
namespace {

class LineIterator : public sentencepiece::SentenceIterator {
 public:
  explicit LineIterator(const std::vector<std::string>& lines) : lines_(lines) { skip_empty(); }
  bool done() const override { return i_ >= lines_.size(); }
  void Next() override {
    ++i_;
    skip_empty();
  }
  const std::string& value() const override { return lines_[i_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  void skip_empty() {
    while (i_ < lines_.size() && lines_[i_].empty()) ++i_;
  }
  const std::vector<std::string>& lines_;
  size_t i_ = 0;
};

// llama.cpp's token types (llama_token_type in llama-vocab.h).
enum : int32_t { kNormal = 1, kUnknown = 2, kControl = 3, kByte = 6 };

}  // namespace

Status train_domain_vocab(const std::vector<std::string>& lines, const VocabTrainOptions& opts, const std::string& out_path) {
  if (opts.vocab_size < 300) return Error{fmt::format("vocabulary size {} is too small: the special and byte tokens alone take 259", opts.vocab_size)};
  const int threads = opts.threads > 0 ? opts.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // The settings of llama's own SentencePiece model, except the size, split_digits and hard_vocab_limit.
  const std::unordered_map<std::string, std::string> args = {
      {"model_type", "bpe"},
      {"vocab_size", std::to_string(opts.vocab_size)},
      {"hard_vocab_limit", "false"},
      {"character_coverage", "1.0"},
      {"byte_fallback", "true"},
      {"split_digits", "true"},
      {"normalization_rule_name", "identity"},
      {"remove_extra_whitespaces", "false"},
      {"add_dummy_prefix", "false"},
      {"allow_whitespace_only_pieces", "true"},
      {"max_sentence_length", "100000"},
      {"input_sentence_size", "0"},
      {"num_threads", std::to_string(threads)},
      {"unk_id", "0"},
      {"bos_id", "1"},
      {"eos_id", "2"},
      {"pad_id", "-1"},
      {"minloglevel", "1"},
  };
  LineIterator it(lines);
  if (it.done()) return Error{"no text to train a vocabulary on"};
  std::string proto;
  if (auto st = sentencepiece::SentencePieceTrainer::Train(args, &it, &proto); !st.ok())
    return Error{fmt::format("training the vocabulary: {}", st.ToString())};
  sentencepiece::SentencePieceProcessor sp;
  if (auto st = sp.LoadFromSerializedProto(proto); !st.ok()) return Error{fmt::format("reading the trained vocabulary: {}", st.ToString())};

  const int n = sp.GetPieceSize();
  std::vector<std::string> pieces(n);
  std::vector<const char*> texts(n);
  std::vector<float> scores(n);
  std::vector<int32_t> types(n);
  for (int i = 0; i < n; ++i) {
    pieces[i] = sp.IdToPiece(i);
    texts[i] = pieces[i].c_str();
    scores[i] = sp.GetScore(i);
    types[i] = sp.IsUnknown(i) ? kUnknown : sp.IsControl(i) ? kControl : sp.IsByte(i) ? kByte : kNormal;
  }
  gguf_context* g = gguf_init_empty();
  gguf_set_val_str(g, "general.architecture", "llama");
  gguf_set_val_str(g, "general.name", "grm domain vocabulary");
  gguf_set_val_str(g, "tokenizer.ggml.model", "llama");
  gguf_set_val_str(g, "tokenizer.ggml.pre", "default");
  gguf_set_arr_str(g, "tokenizer.ggml.tokens", texts.data(), n);
  gguf_set_arr_data(g, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, scores.data(), n);
  gguf_set_arr_data(g, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, types.data(), n);
  gguf_set_val_u32(g, "tokenizer.ggml.unknown_token_id", 0);
  gguf_set_val_u32(g, "tokenizer.ggml.bos_token_id", 1);
  gguf_set_val_u32(g, "tokenizer.ggml.eos_token_id", 2);
  gguf_set_val_bool(g, "tokenizer.ggml.add_bos_token", true);
  gguf_set_val_bool(g, "tokenizer.ggml.add_eos_token", false);
  gguf_set_val_bool(g, "tokenizer.ggml.add_space_prefix", false);
  Status st = write_gguf_atomically(g, out_path);
  gguf_free(g);
  return st;
}

}  // namespace grm
