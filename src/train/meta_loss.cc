#include "train/meta_loss.h"

#include <fmt/format.h>

#include <filesystem>

#include "engine/meta_rm.h"
#include "train/checkpoint.h"

namespace grm {

MetaHeadLoss::MetaHeadLoss(TrainModel& backbone, bool train_backbone, float bias_init, bool pairwise)
    : backbone_(backbone), pairwise_(pairwise) {
  head_ctx_ = ggml_init({4 * ggml_tensor_overhead(), nullptr, true});
  weight_ = ggml_new_tensor_1d(head_ctx_, GGML_TYPE_F32, backbone.hparams().n_embd);
  ggml_set_name(weight_, "meta_head.weight");
  bias_ = ggml_new_tensor_1d(head_ctx_, GGML_TYPE_F32, 1);
  ggml_set_name(bias_, "meta_head.bias");
  head_buf_ = ggml_backend_alloc_ctx_tensors(head_ctx_, backbone.backend());
  ggml_backend_buffer_clear(head_buf_, 0);
  ggml_backend_tensor_set(bias_, &bias_init, 0, sizeof(float));
  std::vector<ggml_tensor*> params;
  if (train_backbone) params = backbone.params();
  params.push_back(weight_);
  params.push_back(bias_);
  tape_ = std::make_unique<GradientTape>(std::move(params), backbone.backend());
}

MetaHeadLoss::~MetaHeadLoss() {
  tape_.reset();
  if (head_buf_) ggml_backend_buffer_free(head_buf_);
  if (head_ctx_) ggml_free(head_ctx_);
}

Result<MetaHeadLoss::Outcome> MetaHeadLoss::run(const MetaBatch& b, float scale, HostGrads* grads) {
  if (b.T > backbone_.hparams().n_ctx_train)
    return Error{fmt::format("sequence length {} exceeds the model's context {}", b.T, backbone_.hparams().n_ctx_train)};
  if (pairwise_ && b.B % 2 != 0) return Error{"pairwise loss needs an even batch (preferred, other) pairs"};
  LossGraph g;
  ggml_context* ctx = g.ctx();
  ForwardInputs in;
  ggml_tensor* hidden = backbone_.build_hidden(ctx, b.T, b.B, &in);  // [n_embd, in.T * B]
  ggml_tensor* pick = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, b.B);
  ggml_set_input(pick);
  ggml_tensor* labels = nullptr;
  ggml_tensor* h_last = ggml_get_rows(ctx, hidden, pick);                           // [n_embd, B]
  ggml_tensor* z = ggml_add(ctx, ggml_mul_mat(ctx, weight_, h_last), bias_);        // [1, B]
  ggml_set_output(z);
  ggml_tensor* per_seq = nullptr;
  ggml_tensor* sign = nullptr;
  if (pairwise_) {
    // margin of the other over the preferred one: (-1, +1) . (z_2p, z_2p+1)
    sign = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 2, 1);
    ggml_set_input(sign);
    ggml_tensor* against = ggml_mul_mat(ctx, sign, ggml_reshape_2d(ctx, z, 2, b.B / 2));  // [1, B/2]
    per_seq = ggml_softplus(ctx, against);
  } else {
    labels = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 1, b.B);
    ggml_set_input(labels);
    per_seq = ggml_sub(ctx, ggml_softplus(ctx, z), ggml_mul(ctx, z, labels));
  }
  ggml_tensor* loss = ggml_scale(ctx, ggml_sum(ctx, per_seq), scale);
  if (auto st = tape_->prepare(g, loss, grads != nullptr); !st) return st.error();

  TrainModel::set_inputs(in, b.tokens, b.T, b.B);
  std::vector<int32_t> rows(b.B);
  for (int s = 0; s < b.B; ++s) rows[s] = in.row(s, b.last[s]);
  ggml_backend_tensor_set(pick, rows.data(), 0, ggml_nbytes(pick));
  if (labels) ggml_backend_tensor_set(labels, b.labels.data(), 0, ggml_nbytes(labels));
  if (sign) {
    const float s[2] = {-1.0f, 1.0f};
    ggml_backend_tensor_set(sign, s, 0, sizeof(s));
  }
  if (auto st = tape_->compute(g, grads); !st) return st.error();
  Outcome out;
  float l = 0;
  ggml_backend_tensor_get(loss, &l, 0, sizeof(float));
  out.loss = l;
  out.logits.resize(b.B);
  ggml_backend_tensor_get(z, out.logits.data(), 0, b.B * sizeof(float));
  return out;
}

Status MetaHeadLoss::save(const std::string& dir) const {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error{fmt::format("cannot create directory '{}': {}", dir, ec.message())};
  if (auto st = backbone_.save((fs::path(dir) / "model.gguf").string()); !st) return st;
  std::vector<float> w(backbone_.hparams().n_embd);
  float bias = 0;
  ggml_backend_tensor_get(weight_, w.data(), 0, ggml_nbytes(weight_));
  ggml_backend_tensor_get(bias_, &bias, 0, sizeof(float));
  return write_meta_head(dir, w, bias);
}

Status MetaHeadLoss::load(const std::string& dir) {
  namespace fs = std::filesystem;
  if (auto st = load_tensors((fs::path(dir) / "model.gguf").string(), backbone_.params()); !st) return st;
  return load_tensors((fs::path(dir) / "head.gguf").string(), {weight_, bias_});
}

}  // namespace grm
