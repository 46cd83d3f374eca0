#include "train/train_model.h"

#include <fmt/format.h>
#include <gguf.h>

#include "engine/gguf_write.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>

namespace grm {
namespace {

Result<uint32_t> get_u32(gguf_context* g, const std::string& key, const std::string& path, std::optional<uint32_t> dflt = {}) {
  const int64_t id = gguf_find_key(g, key.c_str());
  if (id < 0) {
    if (dflt) return *dflt;
    return Error{fmt::format("'{}': missing metadata key '{}'", path, key)};
  }
  switch (gguf_get_kv_type(g, id)) {
    case GGUF_TYPE_UINT32: return gguf_get_val_u32(g, id);
    case GGUF_TYPE_INT32: return static_cast<uint32_t>(gguf_get_val_i32(g, id));
    case GGUF_TYPE_UINT64: return static_cast<uint32_t>(gguf_get_val_u64(g, id));
    default: return Error{fmt::format("'{}': metadata key '{}' is not an integer", path, key)};
  }
}

float get_f32(gguf_context* g, const std::string& key, float dflt) {
  const int64_t id = gguf_find_key(g, key.c_str());
  return id >= 0 && gguf_get_kv_type(g, id) == GGUF_TYPE_FLOAT32 ? gguf_get_val_f32(g, id) : dflt;
}

}  // namespace

TrainModel::~TrainModel() {
  if (buffer_) ggml_backend_buffer_free(buffer_);
  if (backend_) ggml_backend_free(backend_);
  if (ctx_) ggml_free(ctx_);
  if (source_) gguf_free(source_);
}

long TrainModel::n_params() const {
  long n = 0;
  for (auto* t : params_) n += ggml_nelements(t);
  return n;
}

Result<std::unique_ptr<TrainModel>> TrainModel::load(const std::string& path, TrainDevice device) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return Error{fmt::format("model file '{}' does not exist", path)};
  ggml_context* data_ctx = nullptr;
  gguf_context* g = gguf_init_from_file(path.c_str(), {/*no_alloc=*/false, &data_ctx});
  if (!g) return Error{fmt::format("'{}' is not a readable GGUF file", path)};
  std::unique_ptr<TrainModel> m(new TrainModel());
  m->source_ = g;
  struct DataCtx {
    ggml_context* c;
    ~DataCtx() { ggml_free(c); }
  } data_guard{data_ctx};

  const int64_t arch_id = gguf_find_key(g, "general.architecture");
  const std::string arch = arch_id >= 0 ? gguf_get_val_str(g, arch_id) : "";
  if (arch != "llama" && arch != "qwen2")
    return Error{fmt::format("'{}': architecture '{}' cannot be trained here (llama-architecture models only: llama, qwen2)", path, arch)};
  const std::string p = arch + ".";
  TrainHparams& hp = m->hp_;
  for (auto [key, dst] : std::initializer_list<std::pair<const char*, int*>>{
           {"embedding_length", &hp.n_embd}, {"block_count", &hp.n_layer}, {"feed_forward_length", &hp.n_ff},
           {"attention.head_count", &hp.n_head}, {"context_length", &hp.n_ctx_train}}) {
    auto v = get_u32(g, p + key, path);
    if (!v) return v.error();
    *dst = static_cast<int>(v.value());
  }
  auto kv = get_u32(g, p + "attention.head_count_kv", path, static_cast<uint32_t>(hp.n_head));
  if (!kv) return kv.error();
  hp.n_head_kv = static_cast<int>(kv.value());
  auto rot = get_u32(g, p + "rope.dimension_count", path, static_cast<uint32_t>(hp.n_embd / std::max(1, hp.n_head)));
  if (!rot) return rot.error();
  hp.n_rot = static_cast<int>(rot.value());
  hp.rope_base = get_f32(g, p + "rope.freq_base", 10000.0f);
  hp.rms_eps = get_f32(g, p + "attention.layer_norm_rms_epsilon", 1e-5f);
  const int64_t tok = gguf_find_key(g, "tokenizer.ggml.tokens");
  if (tok < 0) return Error{fmt::format("'{}': no tokenizer (tokenizer.ggml.tokens)", path)};
  hp.n_vocab = static_cast<int>(gguf_get_arr_n(g, tok));

  const int n_tensors = static_cast<int>(gguf_get_n_tensors(g));
  m->ctx_ = ggml_init({static_cast<size_t>(n_tensors + 8) * ggml_tensor_overhead(), nullptr, /*no_alloc=*/true});
  auto take = [&](const std::string& name, bool required) -> Result<ggml_tensor*> {
    ggml_tensor* src = ggml_get_tensor(data_ctx, name.c_str());
    if (!src) {
      if (required) return Error{fmt::format("'{}': missing tensor '{}'", path, name)};
      return static_cast<ggml_tensor*>(nullptr);
    }
    if (src->type != GGML_TYPE_F32 && src->type != GGML_TYPE_F16)
      return Error{fmt::format("'{}': tensor '{}' is {}; training needs F32 or F16 weights (train from the unquantised "
                               "model, or dequantise this one: grm model quantize --type f16)",
                               path, name, ggml_type_name(src->type))};
    ggml_tensor* t = ggml_new_tensor(m->ctx_, GGML_TYPE_F32, ggml_n_dims(src), src->ne);
    ggml_set_name(t, name.c_str());
    m->params_.push_back(t);
    return t;
  };
#define GRM_TAKE(dst, name, req)             \
  do {                                       \
    auto r_ = take(name, req);               \
    if (!r_) return r_.error();              \
    dst = r_.value();                        \
  } while (0)
  GRM_TAKE(m->tok_embd_, "token_embd.weight", true);
  for (int l = 0; l < hp.n_layer; ++l) {
    TrainLayer L{};
    const std::string b = fmt::format("blk.{}.", l);
    GRM_TAKE(L.attn_norm, b + "attn_norm.weight", true);
    GRM_TAKE(L.wq, b + "attn_q.weight", true);
    GRM_TAKE(L.wk, b + "attn_k.weight", true);
    GRM_TAKE(L.wv, b + "attn_v.weight", true);
    GRM_TAKE(L.wo, b + "attn_output.weight", true);
    GRM_TAKE(L.bq, b + "attn_q.bias", false);
    GRM_TAKE(L.bk, b + "attn_k.bias", false);
    GRM_TAKE(L.bv, b + "attn_v.bias", false);
    GRM_TAKE(L.ffn_norm, b + "ffn_norm.weight", true);
    GRM_TAKE(L.w_gate, b + "ffn_gate.weight", true);
    GRM_TAKE(L.w_up, b + "ffn_up.weight", true);
    GRM_TAKE(L.w_down, b + "ffn_down.weight", true);
    m->layers_.push_back(L);
  }
  GRM_TAKE(m->output_norm_, "output_norm.weight", true);
  GRM_TAKE(m->output_, "output.weight", false);
#undef GRM_TAKE
  if (static_cast<int>(m->params_.size()) != n_tensors)
    return Error{fmt::format("'{}': {} tensors in the file but {} are llama weights; unsupported extra tensors", path,
                             n_tensors, m->params_.size())};

  auto backend = make_train_backend(device);
  if (!backend) return backend.error();
  m->backend_ = backend.value();
  m->buffer_ = ggml_backend_alloc_ctx_tensors(m->ctx_, m->backend_);
  if (!m->buffer_) return Error{fmt::format("'{}': cannot allocate the model's parameters on {}", path, ggml_backend_name(m->backend_))};
  std::vector<float> row;
  for (ggml_tensor* t : m->params_) {
    const ggml_tensor* src = ggml_get_tensor(data_ctx, ggml_get_name(t));
    if (src->type == GGML_TYPE_F32) {
      ggml_backend_tensor_set(t, src->data, 0, ggml_nbytes(t));
    } else {
      row.resize(static_cast<size_t>(ggml_nelements(t)));
      ggml_fp16_to_fp32_row(static_cast<const ggml_fp16_t*>(src->data), row.data(), ggml_nelements(t));
      ggml_backend_tensor_set(t, row.data(), 0, ggml_nbytes(t));
    }
  }
  return m;
}

ForwardOutputs TrainModel::build_forward(ggml_context* ctx, int T, int B, ForwardInputs* in) const {
  ForwardOutputs out;
  out.hidden = build_hidden(ctx, T, B, in);
  out.logits = build_logits(ctx, out.hidden);
  return out;
}

ggml_tensor* TrainModel::build_logits(ggml_context* ctx, ggml_tensor* hidden) const {
  return ggml_mul_mat(ctx, output_ ? output_ : tok_embd_, hidden);
}

ggml_tensor* TrainModel::build_hidden(ggml_context* ctx, int T, int B, ForwardInputs* in) const {
  const TrainHparams& hp = hp_;
  T = (T + kGraphLengthMultiple - 1) / kGraphLengthMultiple * kGraphLengthMultiple;
  in->T = T;
  const int N = T * B, D = hp.head_dim(), H = hp.n_head, Hkv = hp.n_head_kv;
  in->tokens = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, N);
  in->positions = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, N);
  in->mask = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, T, T);
  for (ggml_tensor* t : {in->tokens, in->positions, in->mask}) ggml_set_input(t);

  ggml_tensor* x = ggml_get_rows(ctx, tok_embd_, in->tokens);  // [E, N]
  const float kq_scale = 1.0f / std::sqrt(static_cast<float>(D));
  for (const TrainLayer& L : layers_) {
    ggml_tensor* h = ggml_mul(ctx, ggml_rms_norm(ctx, x, hp.rms_eps), L.attn_norm);
    ggml_tensor* q = ggml_mul_mat(ctx, L.wq, h);
    ggml_tensor* k = ggml_mul_mat(ctx, L.wk, h);
    ggml_tensor* v = ggml_mul_mat(ctx, L.wv, h);
    if (L.bq) q = ggml_add(ctx, q, L.bq);
    if (L.bk) k = ggml_add(ctx, k, L.bk);
    if (L.bv) v = ggml_add(ctx, v, L.bv);
    q = ggml_rope_ext(ctx, ggml_reshape_3d(ctx, q, D, H, N), in->positions, nullptr, hp.n_rot, 0, hp.n_ctx_train,
                      hp.rope_base, 1.0f, 0.0f, 1.0f, 32.0f, 1.0f);
    k = ggml_rope_ext(ctx, ggml_reshape_3d(ctx, k, D, Hkv, N), in->positions, nullptr, hp.n_rot, 0, hp.n_ctx_train,
                      hp.rope_base, 1.0f, 0.0f, 1.0f, 32.0f, 1.0f);
    // Per sequence and head: [D, heads, T, B] -> [D, T, heads * B]. Heads and sequences share dimension 2 (head
    // fastest) so that the grouped-query broadcast of mul_mat (query head h reads KV head h / (H / Hkv)) stays
    // in one dimension, where ggml's backward supports it.
    ggml_tensor* qp = ggml_reshape_3d(ctx, ggml_cont(ctx, ggml_permute(ctx, ggml_reshape_4d(ctx, q, D, H, T, B), 0, 2, 1, 3)), D, T, H * B);
    ggml_tensor* kp = ggml_reshape_3d(ctx, ggml_cont(ctx, ggml_permute(ctx, ggml_reshape_4d(ctx, k, D, Hkv, T, B), 0, 2, 1, 3)), D, T, Hkv * B);
    ggml_tensor* vt = ggml_reshape_3d(ctx, ggml_cont(ctx, ggml_permute(ctx, ggml_reshape_4d(ctx, v, D, Hkv, T, B), 1, 2, 0, 3)), T, D, Hkv * B);
    ggml_tensor* kq = ggml_mul_mat(ctx, kp, qp);  // [T, T, H * B]
    kq = ggml_soft_max_ext(ctx, kq, in->mask, kq_scale, 0.0f);
    ggml_tensor* kqv = ggml_reshape_4d(ctx, ggml_mul_mat(ctx, vt, kq), D, T, H, B);  // [D, T, H, B]
    ggml_tensor* o = ggml_cont(ctx, ggml_permute(ctx, kqv, 0, 2, 1, 3));           // [D, H, T, B]
    o = ggml_mul_mat(ctx, L.wo, ggml_reshape_2d(ctx, o, hp.n_embd, N));
    x = ggml_add(ctx, x, o);
    h = ggml_mul(ctx, ggml_rms_norm(ctx, x, hp.rms_eps), L.ffn_norm);
    ggml_tensor* f = ggml_mul(ctx, ggml_silu(ctx, ggml_mul_mat(ctx, L.w_gate, h)), ggml_mul_mat(ctx, L.w_up, h));
    x = ggml_add(ctx, x, ggml_mul_mat(ctx, L.w_down, f));
  }
  return ggml_mul(ctx, ggml_rms_norm(ctx, x, hp.rms_eps), output_norm_);
}

void TrainModel::set_inputs(const ForwardInputs& in, const std::vector<int32_t>& batch_tokens, int T_batch, int B) {
  const int T = in.T;
  std::vector<int32_t> tokens(static_cast<size_t>(T) * B), pos(static_cast<size_t>(T) * B);
  for (int b = 0; b < B; ++b)
    for (int t = 0; t < T; ++t) {
      tokens[static_cast<size_t>(b) * T + t] = batch_tokens[static_cast<size_t>(b) * T_batch + std::min(t, T_batch - 1)];
      pos[static_cast<size_t>(b) * T + t] = t;
    }
  std::vector<float> mask(static_cast<size_t>(T) * T);
  for (int i = 0; i < T; ++i)  // row i = query position, column j = key position
    for (int j = 0; j < T; ++j) mask[static_cast<size_t>(i) * T + j] = j <= i ? 0.0f : -INFINITY;
  ggml_backend_tensor_set(in.tokens, tokens.data(), 0, ggml_nbytes(in.tokens));
  ggml_backend_tensor_set(in.positions, pos.data(), 0, ggml_nbytes(in.positions));
  ggml_backend_tensor_set(in.mask, mask.data(), 0, ggml_nbytes(in.mask));
}

Status TrainModel::save(const std::string& path, const std::vector<std::pair<std::string, std::string>>& extra_kv) const {
  gguf_context* out = gguf_init_empty();
  gguf_set_kv(out, source_);
  gguf_set_val_u32(out, "general.file_type", 0);  // all F32
  for (const auto& [k, v] : extra_kv) gguf_set_val_str(out, k.c_str(), v.c_str());
  // gguf writes from host memory: parameters on another backend are written from host copies.
  size_t copy_bytes = ggml_tensor_overhead();
  for (const ggml_tensor* t : params_)
    if (!ggml_backend_buffer_is_host(t->buffer)) copy_bytes += ggml_tensor_overhead() + ggml_nbytes(t) + GGML_MEM_ALIGN;
  ggml_context* host = ggml_init({copy_bytes, nullptr, false});
  for (ggml_tensor* t : params_) {
    if (ggml_backend_buffer_is_host(t->buffer)) {
      gguf_add_tensor(out, t);
      continue;
    }
    ggml_tensor* copy = ggml_dup_tensor(host, t);
    ggml_set_name(copy, ggml_get_name(t));
    ggml_backend_tensor_get(t, copy->data, 0, ggml_nbytes(t));
    gguf_add_tensor(out, copy);
  }
  Status st = write_gguf_atomically(out, path);
  gguf_free(out);
  ggml_free(host);
  return st;
}

}  // namespace grm
