#include "engine/model_init.h"

#include <fmt/format.h>
#include <gguf.h>
#include <llama.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <vector>

#include "core/prompt.h"
#include "core/random.h"
#include "engine/gguf_write.h"
#include "engine/llama_handles.h"
#include "engine/meta_rm.h"

namespace grm {
namespace {

struct Uniform {
  uint64_t state;
  // Uniform on [-a, a] with standard deviation `std`.
  float next(float std) {
    const uint64_t z = splitmix64(state);
    double u = (z >> 11) * (1.0 / 9007199254740992.0);  // [0, 1)
    return static_cast<float>((2.0 * u - 1.0) * std * std::sqrt(3.0));
  }
};

}  // namespace

Status check_model_shape(const ModelShape& s) {
  if (s.layers < 1 || s.embd < 8 || s.heads < 1 || s.kv_heads < 1 || s.ff < 1 || s.ctx < 16)
    return Error{"model shape: layers, embd, heads, kv-heads, ff and ctx must be positive (embd >= 8, ctx >= 16)"};
  if (s.embd % s.heads != 0) return Error{fmt::format("model shape: embd {} is not a multiple of heads {}", s.embd, s.heads)};
  if (s.heads % s.kv_heads != 0)
    return Error{fmt::format("model shape: heads {} is not a multiple of kv-heads {}", s.heads, s.kv_heads)};
  if ((s.embd / s.heads) % 2 != 0) return Error{"model shape: the head dimension (embd / heads) must be even for RoPE"};
  return Ok{};
}

Status init_random_model(const std::string& vocab_path, const ModelShape& shape, uint64_t seed,
                         const std::string& weight_type, const std::string& out_path, const std::string& template_family) {
  if (auto st = check_model_shape(shape); !st) return st;
  if (!template_family.empty()) {
    auto kind = template_kind_from_name(template_family);
    if (!kind || is_single(kind.value()))
      return Error{fmt::format("template family '{}': expected default or compact", template_family)};
  }
  ggml_type wtype;
  if (weight_type == "f32") {
    wtype = GGML_TYPE_F32;
  } else if (weight_type == "f16") {
    wtype = GGML_TYPE_F16;
  } else {
    return Error{fmt::format("weight type '{}': expected f32 or f16 (quantise afterwards with `grm model quantize`)", weight_type)};
  }
  gguf_init_params vp{/*no_alloc=*/true, /*ctx=*/nullptr};
  gguf_context* vocab = gguf_init_from_file(vocab_path.c_str(), vp);
  if (!vocab) return Error{fmt::format("vocab file '{}' is missing or not a GGUF file", vocab_path)};
  const int64_t tok_key = gguf_find_key(vocab, "tokenizer.ggml.tokens");
  if (tok_key < 0) {
    gguf_free(vocab);
    return Error{fmt::format("vocab file '{}' has no tokenizer.ggml.tokens", vocab_path)};
  }
  const int64_t n_vocab = static_cast<int64_t>(gguf_get_arr_n(vocab, tok_key));

  gguf_context* out = gguf_init_empty();
  gguf_set_kv(out, vocab);
  gguf_free(vocab);
  for (int64_t i = gguf_get_n_kv(out) - 1; i >= 0; --i) {
    std::string key = gguf_get_key(out, i);
    if (key.rfind("tokenizer.", 0) != 0) gguf_remove_key(out, key.c_str());
  }
  const int head_dim = shape.embd / shape.heads;
  gguf_set_val_str(out, "general.architecture", "llama");
  if (!template_family.empty()) gguf_set_val_str(out, kModelTemplateKey, template_family.c_str());
  gguf_set_val_str(out, "general.name", fmt::format("grm-random-{}L-{}d", shape.layers, shape.embd).c_str());
  gguf_set_val_u32(out, "general.file_type", wtype == GGML_TYPE_F32 ? 0 : 1);
  gguf_set_val_u32(out, "llama.context_length", shape.ctx);
  gguf_set_val_u32(out, "llama.embedding_length", shape.embd);
  gguf_set_val_u32(out, "llama.block_count", shape.layers);
  gguf_set_val_u32(out, "llama.feed_forward_length", shape.ff);
  gguf_set_val_u32(out, "llama.attention.head_count", shape.heads);
  gguf_set_val_u32(out, "llama.attention.head_count_kv", shape.kv_heads);
  gguf_set_val_u32(out, "llama.rope.dimension_count", head_dim);
  gguf_set_val_f32(out, "llama.rope.freq_base", shape.rope_base);
  gguf_set_val_f32(out, "llama.attention.layer_norm_rms_epsilon", shape.rms_eps);
  gguf_set_val_u32(out, "llama.vocab_size", static_cast<uint32_t>(n_vocab));

  struct Spec {
    std::string name;
    int64_t ne0, ne1;  // ne1 = 0: a vector (norm weights, set to 1)
  };
  std::vector<Spec> specs = {{"token_embd.weight", shape.embd, n_vocab}};
  const int64_t kv_dim = static_cast<int64_t>(head_dim) * shape.kv_heads;
  for (int l = 0; l < shape.layers; ++l) {
    const std::string p = fmt::format("blk.{}.", l);
    specs.push_back({p + "attn_norm.weight", shape.embd, 0});
    specs.push_back({p + "attn_q.weight", shape.embd, shape.embd});
    specs.push_back({p + "attn_k.weight", shape.embd, kv_dim});
    specs.push_back({p + "attn_v.weight", shape.embd, kv_dim});
    specs.push_back({p + "attn_output.weight", shape.embd, shape.embd});
    specs.push_back({p + "ffn_norm.weight", shape.embd, 0});
    specs.push_back({p + "ffn_gate.weight", shape.embd, shape.ff});
    specs.push_back({p + "ffn_up.weight", shape.embd, shape.ff});
    specs.push_back({p + "ffn_down.weight", shape.ff, shape.embd});
  }
  specs.push_back({"output_norm.weight", shape.embd, 0});
  specs.push_back({"output.weight", shape.embd, n_vocab});

  size_t bytes = 0;
  for (const auto& s : specs) {
    const ggml_type t = s.ne1 ? wtype : GGML_TYPE_F32;
    bytes += ggml_row_size(t, s.ne0) * std::max<int64_t>(1, s.ne1) + ggml_tensor_overhead() + 64;
  }
  ggml_init_params ip{bytes + (1 << 20), nullptr, false};
  ggml_context* gctx = ggml_init(ip);
  if (!gctx) {
    gguf_free(out);
    return Error{fmt::format("cannot allocate {} MiB for the model's tensors", bytes >> 20)};
  }
  Uniform rng{seed};
  std::vector<float> row;
  for (const auto& s : specs) {
    ggml_tensor* t = s.ne1 ? ggml_new_tensor_2d(gctx, wtype, s.ne0, s.ne1) : ggml_new_tensor_1d(gctx, GGML_TYPE_F32, s.ne0);
    ggml_set_name(t, s.name.c_str());
    if (!s.ne1) {
      float* d = static_cast<float*>(t->data);
      for (int64_t i = 0; i < s.ne0; ++i) d[i] = 1.0f;
    } else {
      row.resize(s.ne0);
      for (int64_t r = 0; r < s.ne1; ++r) {
        for (auto& v : row) v = rng.next(0.02f);
        if (wtype == GGML_TYPE_F32) {
          std::memcpy(static_cast<float*>(t->data) + r * s.ne0, row.data(), s.ne0 * sizeof(float));
        } else {
          ggml_fp32_to_fp16_row(row.data(), static_cast<ggml_fp16_t*>(t->data) + r * s.ne0, s.ne0);
        }
      }
    }
    gguf_add_tensor(out, t);
  }
  Status st = write_gguf_atomically(out, out_path);
  gguf_free(out);
  ggml_free(gctx);
  return st;
}

namespace {

// The type of the first tensor of a GGUF in neither F32, F16 nor BF16 ("" for a float model), or an error for a
// file that is not a GGUF.
Result<std::string> quantised_tensor_type(const std::string& path) {
  gguf_context* g = gguf_init_from_file(path.c_str(), {/*no_alloc=*/true, /*ctx=*/nullptr});
  if (!g) return Error{fmt::format("model file '{}' is not a GGUF file", path)};
  std::string found;
  for (int64_t i = 0; i < gguf_get_n_tensors(g) && found.empty(); ++i) {
    const ggml_type t = gguf_get_tensor_type(g, i);
    if (t != GGML_TYPE_F32 && t != GGML_TYPE_F16 && t != GGML_TYPE_BF16) found = ggml_type_name(t);
  }
  gguf_free(g);
  return found;
}

}  // namespace

Status quantize_model(const std::string& in_path, const std::string& out_path, const std::string& type, int threads) {
  static const std::map<std::string, llama_ftype> kTypes = {
      {"q8_0", LLAMA_FTYPE_MOSTLY_Q8_0},     {"q4_0", LLAMA_FTYPE_MOSTLY_Q4_0},     {"q4_k_m", LLAMA_FTYPE_MOSTLY_Q4_K_M},
      {"q5_k_m", LLAMA_FTYPE_MOSTLY_Q5_K_M}, {"q6_k", LLAMA_FTYPE_MOSTLY_Q6_K},     {"f16", LLAMA_FTYPE_MOSTLY_F16},
      {"f32", LLAMA_FTYPE_ALL_F32}};
  auto it = kTypes.find(type);
  if (it == kTypes.end()) return Error{fmt::format("quantisation type '{}': expected q8_0, q4_0, q4_k_m, q5_k_m, q6_k, f16 or f32", type)};
  std::error_code ec;
  if (!std::filesystem::is_regular_file(in_path, ec)) return Error{fmt::format("model file '{}' does not exist", in_path)};
  auto quantised = quantised_tensor_type(in_path);
  if (!quantised) return quantised.error();
  const bool to_float = type == "f16" || type == "f32";
  // To f16 / f32 a quantised model is dequantised (e.g. a shipped q8_0 judge, to train from); quantising an already
  // quantised model again only loses precision, so llama.cpp refuses that: say so before it does.
  if (!to_float && !quantised->empty())
    return Error{fmt::format("'{}' is already quantised ({} tensors): quantise its F32/F16 original instead "
                             "(`grm model quantize --type f16` dequantises it, but cannot restore what {} lost)",
                             in_path, *quantised, *quantised)};
  llama_backend_setup(false);
  llama_model_quantize_params qp = llama_model_quantize_default_params();
  qp.ftype = it->second;
  qp.nthread = threads;
  qp.allow_requantize = to_float;
  const std::string tmp = out_path + ".tmp";
  if (llama_model_quantize(in_path.c_str(), tmp.c_str(), &qp) != 0) {
    std::filesystem::remove(tmp, ec);
    return Error{fmt::format("quantising '{}' to {} failed (run with --verbose for llama.cpp's reason)", in_path, type)};
  }
  std::filesystem::rename(tmp, out_path, ec);
  if (ec) return Error{fmt::format("cannot rename '{}' to '{}': {}", tmp, out_path, ec.message())};
  return Ok{};
}

Status init_random_meta_rm(const std::string& model_path, uint64_t seed, const std::string& out_dir) {
  auto model = LlamaModel::load(model_path);
  if (!model) return model.error();
  const int n_embd = llama_model_n_embd(model.value()->get());
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) return Error{fmt::format("cannot create directory '{}': {}", out_dir, ec.message())};
  const fs::path dst = fs::path(out_dir) / "model.gguf";
  fs::copy_file(model_path, dst.string() + ".tmp", fs::copy_options::overwrite_existing, ec);
  if (!ec) fs::rename(dst.string() + ".tmp", dst, ec);
  if (ec) return Error{fmt::format("cannot copy '{}' to '{}': {}", model_path, dst.string(), ec.message())};
  Uniform rng{seed};
  std::vector<float> w(n_embd);
  for (auto& v : w) v = rng.next(1.0f / std::sqrt(static_cast<float>(n_embd)));
  return write_meta_head(out_dir, w, 0.0f);
}

}  // namespace grm
