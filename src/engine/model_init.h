// Making models for tests, demos and benchmarks: random-initialised llama-architecture GGUFs that stock
// llama.cpp loads, their quantised variants, and random meta RMs.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace grm {

struct ModelShape {
  int layers = 4;
  int embd = 256;
  int heads = 8;
  int kv_heads = 4;  // grouped-query attention; must divide heads
  int ff = 768;
  int ctx = 2048;    // llama.context_length
  float rope_base = 10000.0f;
  float rms_eps = 1e-5f;
};

// Ok when `shape` makes a llama model: every size positive, embd a multiple of heads, heads of kv_heads, an
// even head dimension (RoPE). The error names the sizes at fault.
Status check_model_shape(const ModelShape& shape);

// Writes a llama-architecture GGUF with weights drawn uniformly with standard deviation 0.02 (norms 1) from
// `seed`, and the tokenizer (every tokenizer.* key) of the vocab-only GGUF at `vocab_path`. weight_type:
// "f32" or "f16". template_family ("default" | "compact", or "" for none) is recorded as grm.template, the
// prompt family `grm score` uses for the model unless told otherwise. Written to a temporary name and
// renamed, so `out_path` is complete or absent.
Status init_random_model(const std::string& vocab_path, const ModelShape& shape, uint64_t seed,
                         const std::string& weight_type, const std::string& out_path,
                         const std::string& template_family = "");

// Quantises with llama.cpp's own quantizer. type: "q8_0", "q4_0", "q4_k_m", "q5_k_m", "q6_k", "f16".
Status quantize_model(const std::string& in_path, const std::string& out_path, const std::string& type, int threads);

// A meta RM directory (engine/meta_rm.h) on the backbone `model_path` with a random head.
Status init_random_meta_rm(const std::string& model_path, uint64_t seed, const std::string& out_dir);

}  // namespace grm
