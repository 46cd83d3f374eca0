// RAII ownership of llama.cpp handles, and the one place where llama.cpp return codes become messages.
//
// Nobody calls llama_*_free by hand: every handle lives in one of the unique_ptr types below.
// LlamaModel is immutable after load and may be shared (read-only) by several contexts.
#pragma once

#include <llama.h>

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace grm {

struct LlamaModelDeleter {
  void operator()(llama_model* m) const { llama_model_free(m); }
};
struct LlamaContextDeleter {
  void operator()(llama_context* c) const { llama_free(c); }
};
struct LlamaSamplerDeleter {
  void operator()(llama_sampler* s) const { llama_sampler_free(s); }
};
using LlamaModelPtr = std::unique_ptr<llama_model, LlamaModelDeleter>;
using LlamaContextPtr = std::unique_ptr<llama_context, LlamaContextDeleter>;
using LlamaSamplerPtr = std::unique_ptr<llama_sampler, LlamaSamplerDeleter>;

// A llama_batch with its own storage. add() appends one token; clear() empties it for reuse.
class LlamaBatch {
 public:
  LlamaBatch(int capacity, int max_seq_per_token);
  ~LlamaBatch();
  LlamaBatch(const LlamaBatch&) = delete;
  LlamaBatch& operator=(const LlamaBatch&) = delete;

  // REQUIRES: size() < capacity(), seq_ids.size() <= max_seq_per_token.
  void add(llama_token token, llama_pos pos, const std::vector<llama_seq_id>& seq_ids, bool output);
  void add(llama_token token, llama_pos pos, llama_seq_id seq_id, bool output);
  void clear() { batch_.n_tokens = 0; }
  int size() const { return batch_.n_tokens; }
  int capacity() const { return capacity_; }
  const llama_batch& get() const { return batch_; }

 private:
  llama_batch batch_;
  int capacity_;
};

// Initialises the ggml backends once per process and routes llama.cpp's log to stderr, errors only unless
// `verbose`. Thread-safe; later calls only change verbosity.
void llama_backend_setup(bool verbose);

// A loaded GGUF model. Thread-safe for concurrent reads (tokenization, vocabulary queries).
class LlamaModel {
 public:
  // Fails with a message naming the path when the file is missing, unreadable or not a model llama.cpp
  // can load. n_gpu_layers < 0 offloads all layers when a GPU backend is built in.
  // vocab_only: load the tokenizer alone (cheap; for tokenizing training data).
  static Result<std::shared_ptr<LlamaModel>> load(const std::string& path, int n_gpu_layers = -1, bool vocab_only = false);

  llama_model* get() const { return model_.get(); }
  const llama_vocab* vocab() const { return llama_model_get_vocab(model_.get()); }
  const std::string& path() const { return path_; }

  // Text -> tokens. add_special: prepend BOS where the vocabulary asks for it; parse_special: turn the text of
  // control tokens ("<|im_start|>") into those tokens. Untrusted text (conversations, responses) is always
  // tokenized with parse_special = false, so that it can never inject control tokens.
  std::vector<llama_token> tokenize(const std::string& text, bool add_special, bool parse_special) const;
  std::string token_to_piece(llama_token token) const;

  // The model's GGUF metadata value for `key`, or "" when absent.
  std::string meta(const std::string& key) const;

 private:
  LlamaModelPtr model_;
  std::string path_;
};

// Message for a llama_decode return code (documented at llama_decode in llama.h).
std::string llama_decode_error(int rc);

}  // namespace grm
