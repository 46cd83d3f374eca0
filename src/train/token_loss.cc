#include "train/token_loss.h"

#include <fmt/format.h>

namespace grm {

TokenLoss::TokenLoss(TrainModel& model, float focal_gamma)
    : model_(model), focal_gamma_(focal_gamma), tape_(model.params(), model.backend()) {}

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
  LossGraph g;
  ggml_context* ctx = g.ctx();
  ForwardInputs in;
  ggml_tensor* hidden = model_.build_hidden(ctx, b.T, b.B, &in);
  ggml_tensor* pick = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, M);
  ggml_tensor* onehot = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, V, M);
  ggml_tensor* weights = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 1, M);
  for (ggml_tensor* t : {pick, onehot, weights}) ggml_set_input(t);
  ggml_tensor* logits = model_.build_logits(ctx, ggml_get_rows(ctx, hidden, pick));  // [V, M]
  // The target's probability is picked before the log, so that the log (and its backward) touch M values, not
  // V * M; the 1e-30 keeps an underflowed probability finite (log >= -69).
  ggml_tensor* p_target = ggml_sum_rows(ctx, ggml_mul(ctx, ggml_soft_max(ctx, logits), onehot));  // [1, M]
  ggml_tensor* picked = ggml_log(ctx, ggml_scale_bias(ctx, p_target, 1.0f, 1e-30f));
  ggml_set_output(picked);
  ggml_tensor* term = picked;
  if (focal_gamma_ > 0.0f) {
    // (1 - p)^gamma as exp(gamma * log(1 - p + 1e-6)): finite, with a finite gradient, where p rounds to 1.
    ggml_tensor* miss = ggml_scale_bias(ctx, p_target, -1.0f, 1.0f + 1e-6f);
    term = ggml_mul(ctx, picked, ggml_exp(ctx, ggml_scale(ctx, ggml_log(ctx, miss), focal_gamma_)));
  }
  ggml_tensor* total = ggml_scale(ctx, ggml_sum(ctx, ggml_mul(ctx, term, weights)), -1.0f);
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
  if (auto st = tape_.prepare(g, loss, grads != nullptr); !st) return st.error();

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
  std::vector<int32_t> graph_rows(M);
  for (int r = 0; r < M; ++r) graph_rows[r] = in.row(rows[r] / b.T, rows[r] % b.T);
  ggml_backend_tensor_set(pick, graph_rows.data(), 0, ggml_nbytes(pick));
  ggml_backend_tensor_set(onehot, oh.data(), 0, ggml_nbytes(onehot));
  ggml_backend_tensor_set(weights, w.data(), 0, ggml_nbytes(weights));
  if (with_kl) {
    ggml_backend_tensor_set(ref, rv.data(), 0, ggml_nbytes(ref));
    ggml_backend_tensor_set(kl_w, kw.data(), 0, ggml_nbytes(kl_w));
  }
  if (auto st = tape_.compute(g, grads); !st) return st.error();
  float l = 0;
  ggml_backend_tensor_get(loss, &l, 0, sizeof(float));
  result.loss = static_cast<double>(l) + scale * kl.beta * kl_const;
  std::vector<float> lp(M);
  ggml_backend_tensor_get(picked, lp.data(), 0, M * sizeof(float));
  for (int r = 0; r < M; ++r) {
    result.logprobs[rows[r]] = lp[r];
    result.nll -= static_cast<double>(scale) * w[r] * lp[r];
  }
  return result;
}

Result<std::vector<float>> TokenLoss::token_logprobs(const TokenBatch& b) {
  auto r = run_with_kl(b, 0.0f, nullptr, KlTerm{});  // weights select the positions; scale 0, no gradients
  if (!r) return r.error();
  return std::move(r->logprobs);
}

}  // namespace grm
