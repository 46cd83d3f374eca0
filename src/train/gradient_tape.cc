#include "train/gradient_tape.h"

#include <fmt/format.h>
#include <ggml-cpu.h>

#include "train/train_device.h"

#include <unordered_map>

namespace grm {
namespace {
constexpr size_t kMaxNodes = 16384;  // a few layers' forward + backward need a few thousand
}  // namespace

HostGrads zero_grads(const std::vector<ggml_tensor*>& params) {
  HostGrads g;
  for (ggml_tensor* t : params) g.emplace_back(ggml_nelements(t), 0.0f);
  return g;
}

LossGraph::LossGraph()
    : ctx_(ggml_init({kMaxNodes * ggml_tensor_overhead() * 6 + ggml_graph_overhead_custom(kMaxNodes, true) * 2, nullptr, true})) {}

LossGraph::~LossGraph() { ggml_free(ctx_); }

GradientTape::GradientTape(std::vector<ggml_tensor*> params, ggml_backend_t backend)
    : params_(std::move(params)), backend_(backend) {}

void GradientTape::ensure_accumulators() {
  if (acc_ctx_) return;
  acc_ctx_ = ggml_init({(params_.size() + 4) * ggml_tensor_overhead(), nullptr, true});
  for (ggml_tensor* p : params_) {
    accs_.push_back(ggml_new_tensor(acc_ctx_, GGML_TYPE_F32, GGML_MAX_DIMS, p->ne));
    ggml_set_param(p);
  }
  acc_buf_ = ggml_backend_alloc_ctx_tensors(acc_ctx_, backend_);
}

GradientTape::~GradientTape() {
  if (alloc_) ggml_gallocr_free(alloc_);
  if (acc_buf_) ggml_backend_buffer_free(acc_buf_);
  if (acc_ctx_) ggml_free(acc_ctx_);
}

Status GradientTape::prepare(LossGraph& g, ggml_tensor* loss, bool with_grads) {
  if (with_grads) ensure_accumulators();  // before the graph is built: parameters must be flagged
  ggml_set_output(loss);
  ggml_set_loss(loss);
  g.graph_ = ggml_new_graph_custom(g.ctx_, kMaxNodes, true);
  ggml_build_forward_expand(g.graph_, loss);
  g.with_grads_ = with_grads;
  if (with_grads) {
    // The backward accumulates each parameter's gradient straight into its accumulator.
    // A parameter the loss does not reach has no node: its accumulator is neither reset nor written.
    std::unordered_map<const ggml_tensor*, size_t> index_of;
    for (size_t i = 0; i < params_.size(); ++i) index_of[params_[i]] = i;
    std::vector<ggml_tensor*> grad_accs(ggml_graph_n_nodes(g.graph_), nullptr);
    g.reached_.assign(params_.size(), false);
    for (int i = 0; i < ggml_graph_n_nodes(g.graph_); ++i) {
      auto it = index_of.find(ggml_graph_node(g.graph_, i));
      if (it == index_of.end()) continue;
      grad_accs[i] = accs_[it->second];
      g.reached_[it->second] = true;
    }
    ggml_build_backward_expand(g.ctx_, g.graph_, grad_accs.data());
  }
  // A GPU backend aborts the process on an op it lacks; a clear error instead, before anything runs.
  if (!ggml_backend_is_cpu(backend_)) {
    for (int i = 0; i < ggml_graph_n_nodes(g.graph_); ++i) {
      const ggml_tensor* node = ggml_graph_node(g.graph_, i);
      if (!ggml_backend_supports_op(backend_, node))
        return Error{fmt::format("the {} backend cannot run the training graph's {} (tensor '{}'); train with --device cpu",
                                 ggml_backend_name(backend_), ggml_op_desc(node), node->name)};
    }
  }
  if (!alloc_) alloc_ = ggml_gallocr_new(ggml_backend_get_default_buffer_type(backend_));
  if (!ggml_gallocr_alloc_graph(alloc_, g.graph_)) return Error{"cannot allocate the training graph (out of memory?)"};
  return Ok{};
}

Status GradientTape::compute(LossGraph& g, HostGrads* grads) {
  if (g.with_grads_) ggml_graph_reset(g.graph_);  // zero the accumulators, seed d(loss) = 1
  if (ggml_backend_graph_compute(backend_, g.graph_) != GGML_STATUS_SUCCESS) return Error{"training graph compute failed"};
  if (g.with_grads_ && grads) {
    std::vector<float> scratch;
    for (size_t i = 0; i < accs_.size(); ++i) {
      if (!g.reached_[i]) continue;
      const float* src = host_f32(accs_[i], &scratch);
      std::vector<float>& dst = (*grads)[i];
      for (size_t j = 0; j < dst.size(); ++j) dst[j] += src[j];
    }
  }
  return Ok{};
}

}  // namespace grm
