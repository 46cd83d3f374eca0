#include "train/adamw.h"

#include <fmt/format.h>
#include <gguf.h>

#include "engine/gguf_write.h"
#include "train/train_device.h"

#include <cmath>
#include <cstring>
#include <filesystem>

namespace grm {

double scheduled_lr(long step, long total, long warmup, double lr, double min_ratio) {
  if (warmup > 0 && step < warmup) return lr * (step + 1) / static_cast<double>(warmup);
  const long decay = std::max(1L, total - warmup);
  const double progress = std::min(1.0, static_cast<double>(step - warmup) / decay);
  return lr * (min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + std::cos(M_PI * progress)));
}

double clip_grad_norm(HostGrads& grads, double max_norm) {
  double sq = 0;
  for (const auto& g : grads)
    for (float x : g) sq += static_cast<double>(x) * x;
  const double norm = std::sqrt(sq);
  if (max_norm > 0 && norm > max_norm) {
    const float s = static_cast<float>(max_norm / (norm + 1e-12));
    for (auto& g : grads)
      for (float& x : g) x *= s;
  }
  return norm;
}

AdamW::AdamW(std::vector<ggml_tensor*> params, const AdamWOptions& opts) : params_(std::move(params)), o_(opts) {
  for (ggml_tensor* p : params_) {
    m_.emplace_back(ggml_nelements(p), 0.0f);
    v_.emplace_back(ggml_nelements(p), 0.0f);
  }
}

void AdamW::step(const HostGrads& grads, double lr) {
  ++t_;
  const double bc1 = 1.0 - std::pow(o_.beta1, static_cast<double>(t_));
  const double bc2 = 1.0 - std::pow(o_.beta2, static_cast<double>(t_));
  const float step_size = static_cast<float>(lr / bc1);
  const float inv_sqrt_bc2 = static_cast<float>(1.0 / std::sqrt(bc2));
  const float decay = static_cast<float>(1.0 - lr * o_.weight_decay);
  std::vector<float> scratch;
  for (size_t i = 0; i < grads.size(); ++i) {
    // Host parameters are updated in place; others through a host copy written back after the update.
    ggml_tensor* param = params_[i];
    float* p = host_f32(param, &scratch);
    float* m = m_[i].data();
    float* v = v_[i].data();
    const float* g = grads[i].data();
    const size_t n = grads[i].size();
    for (size_t j = 0; j < n; ++j) {
      m[j] = o_.beta1 * m[j] + (1 - o_.beta1) * g[j];
      v[j] = o_.beta2 * v[j] + (1 - o_.beta2) * g[j] * g[j];
      p[j] = p[j] * decay - step_size * m[j] / (std::sqrt(v[j]) * inv_sqrt_bc2 + o_.eps);
    }
    if (p == scratch.data()) ggml_backend_tensor_set(param, p, 0, ggml_nbytes(param));
  }
}

Status AdamW::save(const std::string& path) const {
  size_t bytes = 0;
  for (const auto& m : m_) bytes += 2 * (m.size() * sizeof(float) + ggml_tensor_overhead() + 64);
  ggml_context* ctx = ggml_init({bytes + (1 << 16), nullptr, false});
  gguf_context* g = gguf_init_empty();
  gguf_set_val_str(g, "general.architecture", "grm-adamw-state");
  gguf_set_val_u64(g, "grm.adamw.step", static_cast<uint64_t>(t_));
  for (size_t i = 0; i < m_.size(); ++i) {
    const std::string name = ggml_get_name(params_[i]);
    for (int which = 0; which < 2; ++which) {
      const auto& src = which ? v_[i] : m_[i];
      ggml_tensor* t = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, static_cast<int64_t>(src.size()));
      ggml_set_name(t, ((which ? "adam_v." : "adam_m.") + name).c_str());
      std::memcpy(t->data, src.data(), src.size() * sizeof(float));
      gguf_add_tensor(g, t);
    }
  }
  Status st = write_gguf_atomically(g, path);
  gguf_free(g);
  ggml_free(ctx);
  return st;
}

Status AdamW::load(const std::string& path) {
  ggml_context* ctx = nullptr;
  gguf_context* g = gguf_init_from_file(path.c_str(), {false, &ctx});
  if (!g) return Error{fmt::format("optimizer state '{}' is missing or unreadable", path)};
  std::string err;
  const int64_t k = gguf_find_key(g, "grm.adamw.step");
  if (k < 0) err = "no grm.adamw.step";
  else t_ = static_cast<long>(gguf_get_val_u64(g, k));
  for (size_t i = 0; err.empty() && i < m_.size(); ++i) {
    const std::string name = ggml_get_name(params_[i]);
    for (int which = 0; which < 2 && err.empty(); ++which) {
      ggml_tensor* t = ggml_get_tensor(ctx, ((which ? "adam_v." : "adam_m.") + name).c_str());
      auto& dst = which ? v_[i] : m_[i];
      if (!t || t->type != GGML_TYPE_F32 || static_cast<size_t>(ggml_nelements(t)) != dst.size()) {
        err = "moments of '" + name + "' missing or of another shape";
      } else {
        std::memcpy(dst.data(), t->data, dst.size() * sizeof(float));
      }
    }
  }
  gguf_free(g);
  ggml_free(ctx);
  if (!err.empty()) return Error{fmt::format("optimizer state '{}': {}", path, err)};
  return Ok{};
}

}  // namespace grm
