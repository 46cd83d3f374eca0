#include "train/token_loss.h"

#include <fmt/format.h>
#include <ggml-alloc.h>

#include <cstring>
#include <unordered_map>

namespace grm {
namespace {

struct ComputeCtx {
  ggml_context* ctx;
  ggml_gallocr_t alloc = nullptr;
  explicit ComputeCtx(size_t graph_size)
      : ctx(ggml_init({graph_size * ggml_tensor_overhead() * 6 + ggml_graph_overhead_custom(graph_size, true) * 2, nullptr, true})) {}
  ~ComputeCtx() {
    if (alloc) ggml_gallocr_free(alloc);
    ggml_free(ctx);
  }
};

constexpr size_t kGraphSize = 16384;

}  // namespace


HostGrads zero_grads(const TrainModel& model) {
  HostGrads g;
  for (ggml_tensor* t : model.params()) g.emplace_back(ggml_nelements(t), 0.0f);
  return g;
}

TokenLoss::TokenLoss(TrainModel& model) : model_(model) {
  acc_ctx_ = ggml_init({(model.params().size() + 4) * ggml_tensor_overhead(), nullptr, true});
  for (ggml_tensor* p : model.params()) {
    ggml_tensor* a = ggml_new_tensor(acc_ctx_, GGML_TYPE_F32, GGML_MAX_DIMS, p->ne);
    accs_.push_back(a);
    ggml_set_param(p);
  }
  acc_buf_ = ggml_backend_alloc_ctx_tensors(acc_ctx_, model.backend());
}

TokenLoss::~TokenLoss() {
  if (acc_buf_) ggml_backend_buffer_free(acc_buf_);
  if (acc_ctx_) ggml_free(acc_ctx_);
}

Result<double> TokenLoss::run(const TokenBatch& b, float scale, HostGrads* grads) {
  auto r = run_with_kl(b, scale, grads, KlTerm{});
  if (!r) return r.error();
  return r->loss;
}

Result<TokenLoss::Outcome> TokenLoss::run_with_kl(const TokenBatch& b, float scale, HostGrads* grads, const KlTerm& kl) {
  const int V = model_.hparams().n_vocab;
  if (b.T > model_.hparams().n_ctx_train)
    return Error{fmt::format("sequence length {} exceeds the model's context {}", b.T, model_.hparams().n_ctx_train)};
  const bool with_kl = kl.beta != 0.0f && kl.ref_logprobs && kl.weights;
  // Only positions with a weight (or a KL weight) get logits: the prompt's are never needed.
  std::vector<int32_t> rows;
  for (int i = 0; i < b.T * b.B; ++i)
    if (b.weights[i] != 0.0f || (with_kl && (*kl.weights)[i] != 0.0f)) rows.push_back(i);
  Outcome result;
  result.logprobs.assign(static_cast<size_t>(b.T) * b.B, 0.0f);
  if (rows.empty()) return result;  // nothing is trained on: zero loss, zero gradient
  const int M = static_cast<int>(rows.size());
  ComputeCtx cc(kGraphSize);
  ggml_context* ctx = cc.ctx;
  ForwardInputs in;
  ggml_tensor* hidden = model_.build_hidden(ctx, b.T, b.B, &in);
  ggml_tensor* pick = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, M);
  ggml_tensor* onehot = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, V, M);
  ggml_tensor* weights = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 1, M);
  for (ggml_tensor* t : {pick, onehot, weights}) ggml_set_input(t);
  ggml_tensor* logits = model_.build_logits(ctx, ggml_get_rows(ctx, hidden, pick));  // [V, M]
  ggml_tensor* logp = ggml_log(ctx, ggml_soft_max(ctx, logits));
  ggml_tensor* picked = ggml_sum_rows(ctx, ggml_mul(ctx, logp, onehot));  // [1, M]
  ggml_set_output(picked);
  ggml_tensor* total = ggml_scale(ctx, ggml_sum(ctx, ggml_mul(ctx, picked, weights)), -1.0f);
  ggml_tensor* ref = nullptr;
  ggml_tensor* kl_w = nullptr;
  if (with_kl) {
    ref = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 1, M);
    kl_w = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 1, M);
    ggml_set_input(ref);
    ggml_set_input(kl_w);
    ggml_tensor* d = ggml_sub(ctx, ref, picked);
    // exp(d) - d; the constant -1 of the estimator changes no gradient and is added to the value below.
    ggml_tensor* k3 = ggml_sub(ctx, ggml_exp(ctx, d), d);
    total = ggml_add(ctx, total, ggml_scale(ctx, ggml_sum(ctx, ggml_mul(ctx, k3, kl_w)), kl.beta));
  }
  ggml_tensor* loss = ggml_scale(ctx, total, scale);
  ggml_set_output(loss);
  ggml_set_loss(loss);

  ggml_cgraph* gf = ggml_new_graph_custom(ctx, kGraphSize, true);
  ggml_build_forward_expand(gf, loss);
  if (grads) {
    std::unordered_map<const ggml_tensor*, ggml_tensor*> acc_of;
    for (size_t i = 0; i < accs_.size(); ++i) acc_of[model_.params()[i]] = accs_[i];
    std::vector<ggml_tensor*> grad_accs(ggml_graph_n_nodes(gf), nullptr);
    for (int i = 0; i < ggml_graph_n_nodes(gf); ++i) {
      auto it = acc_of.find(ggml_graph_node(gf, i));
      if (it != acc_of.end()) grad_accs[i] = it->second;
    }
    ggml_build_backward_expand(ctx, gf, grad_accs.data());
  }
  cc.alloc = ggml_gallocr_new(ggml_backend_get_default_buffer_type(model_.backend()));
  if (!ggml_gallocr_alloc_graph(cc.alloc, gf)) return Error{"cannot allocate the training graph (out of memory?)"};

  TrainModel::set_inputs(in, b.tokens, b.T, b.B);
  std::vector<float> oh(static_cast<size_t>(V) * M, 0.0f), w(M), rv(M), kw(M);
  double kl_const = 0;
  for (int r = 0; r < M; ++r) {
    const int i = rows[r];
    if (b.targets[i] < 0 || b.targets[i] >= V) return Error{fmt::format("target token {} is outside the vocabulary", b.targets[i])};
    oh[static_cast<size_t>(r) * V + b.targets[i]] = 1.0f;
    w[r] = b.weights[i];
    if (with_kl) {
      rv[r] = (*kl.ref_logprobs)[i];
      kw[r] = (*kl.weights)[i];
      kl_const -= kw[r];
    }
  }
  ggml_backend_tensor_set(pick, rows.data(), 0, ggml_nbytes(pick));
  ggml_backend_tensor_set(onehot, oh.data(), 0, ggml_nbytes(onehot));
  ggml_backend_tensor_set(weights, w.data(), 0, ggml_nbytes(weights));
  if (with_kl) {
    ggml_backend_tensor_set(ref, rv.data(), 0, ggml_nbytes(ref));
    ggml_backend_tensor_set(kl_w, kw.data(), 0, ggml_nbytes(kl_w));
  }
  if (grads) ggml_graph_reset(gf);
  if (ggml_backend_graph_compute(model_.backend(), gf) != GGML_STATUS_SUCCESS) return Error{"training graph compute failed"};
  float l = 0;
  ggml_backend_tensor_get(loss, &l, 0, sizeof(float));
  result.loss = static_cast<double>(l) + scale * kl.beta * kl_const;
  std::vector<float> lp(M);
  ggml_backend_tensor_get(picked, lp.data(), 0, M * sizeof(float));
  for (int r = 0; r < M; ++r) result.logprobs[rows[r]] = lp[r];
  if (grads) {
    for (size_t i = 0; i < accs_.size(); ++i) {
      const float* g = static_cast<const float*>(accs_[i]->data);
      std::vector<float>& dst = (*grads)[i];
      for (size_t j = 0; j < dst.size(); ++j) dst[j] += g[j];
    }
  }
  return result;
}

Result<std::vector<float>> TokenLoss::token_logprobs(const TokenBatch& b) {
  auto r = run_with_kl(b, 0.0f, nullptr, KlTerm{});  // weights select the positions; scale 0, no gradients
  if (!r) return r.error();
  return std::move(r->logprobs);
}

}  // namespace grm
