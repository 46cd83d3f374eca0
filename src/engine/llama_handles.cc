#include "engine/llama_handles.h"

#include <fmt/format.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <mutex>

namespace grm {
namespace {

std::atomic<bool> g_verbose{false};

void log_callback(ggml_log_level level, const char* text, void*) {
  if (g_verbose.load() || level == GGML_LOG_LEVEL_ERROR) std::fputs(text, stderr);
}

}  // namespace

LlamaBatch::LlamaBatch(int capacity, int max_seq_per_token)
    : batch_(llama_batch_init(capacity, 0, max_seq_per_token)), capacity_(capacity) {
  batch_.n_tokens = 0;
}

LlamaBatch::~LlamaBatch() { llama_batch_free(batch_); }

void LlamaBatch::add(llama_token token, llama_pos pos, const std::vector<llama_seq_id>& seq_ids, bool output) {
  const int i = batch_.n_tokens++;
  batch_.token[i] = token;
  batch_.pos[i] = pos;
  batch_.n_seq_id[i] = static_cast<int32_t>(seq_ids.size());
  for (size_t s = 0; s < seq_ids.size(); ++s) batch_.seq_id[i][s] = seq_ids[s];
  batch_.logits[i] = output;
}

void LlamaBatch::add(llama_token token, llama_pos pos, llama_seq_id seq_id, bool output) {
  const int i = batch_.n_tokens++;
  batch_.token[i] = token;
  batch_.pos[i] = pos;
  batch_.n_seq_id[i] = 1;
  batch_.seq_id[i][0] = seq_id;
  batch_.logits[i] = output;
}

void llama_backend_setup(bool verbose) {
  static std::once_flag once;
  g_verbose.store(verbose);
  std::call_once(once, [] {
    llama_log_set(log_callback, nullptr);
    llama_backend_init();
    ggml_backend_load_all();
  });
}

Result<std::shared_ptr<LlamaModel>> LlamaModel::load(const std::string& path, int n_gpu_layers, bool vocab_only) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return Error{fmt::format("model file '{}' does not exist or is not a regular file", path)};
  if (FILE* f = std::fopen(path.c_str(), "rb")) {
    char magic[4] = {0, 0, 0, 0};
    size_t got = std::fread(magic, 1, 4, f);
    std::fclose(f);
    if (got != 4 || std::string(magic, 4) != "GGUF")
      return Error{fmt::format("model file '{}' is not a GGUF file (bad magic)", path)};
  } else {
    return Error{fmt::format("model file '{}' cannot be read", path)};
  }
  llama_backend_setup(g_verbose.load());
  llama_model_params params = llama_model_default_params();
  params.n_gpu_layers = n_gpu_layers;
  params.vocab_only = vocab_only;
  llama_model* m = llama_model_load_from_file(path.c_str(), params);
  if (!m)
    return Error{fmt::format("model file '{}' could not be loaded by llama.cpp (corrupt, truncated or an "
                             "unsupported architecture; run with --verbose for details)",
                             path)};
  auto model = std::make_shared<LlamaModel>();
  model->model_.reset(m);
  model->path_ = path;
  return model;
}

std::vector<llama_token> LlamaModel::tokenize(const std::string& text, bool add_special, bool parse_special) const {
  std::vector<llama_token> tokens(text.size() + 8);
  int n = llama_tokenize(vocab(), text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                         static_cast<int32_t>(tokens.size()), add_special, parse_special);
  if (n < 0) {
    tokens.resize(-n);
    n = llama_tokenize(vocab(), text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                       static_cast<int32_t>(tokens.size()), add_special, parse_special);
  }
  tokens.resize(std::max(n, 0));
  return tokens;
}

std::string LlamaModel::token_to_piece(llama_token token) const {
  char buf[256];
  int n = llama_token_to_piece(vocab(), token, buf, sizeof(buf), 0, /*special=*/false);
  if (n < 0) {
    std::string big(-n, '\0');
    n = llama_token_to_piece(vocab(), token, big.data(), static_cast<int32_t>(big.size()), 0, false);
    big.resize(std::max(n, 0));
    return big;
  }
  return std::string(buf, n);
}

std::string LlamaModel::meta(const std::string& key) const {
  char buf[512];
  int n = llama_model_meta_val_str(model_.get(), key.c_str(), buf, sizeof(buf));
  if (n < 0) return "";
  if (n >= static_cast<int>(sizeof(buf))) {
    std::string big(n + 1, '\0');
    llama_model_meta_val_str(model_.get(), key.c_str(), big.data(), big.size());
    big.resize(n);
    return big;
  }
  return std::string(buf, n);
}

std::string llama_decode_error(int rc) {
  switch (rc) {
    case 0: return "ok";
    case 1: return "no KV-cache slot for the batch (the context is full; raise --ctx or lower -k / --parallel)";
    case 2: return "decoding was aborted";
    case -1: return "invalid input batch (internal error)";
    default: return fmt::format("fatal llama_decode error {}", rc);
  }
}

}  // namespace grm
