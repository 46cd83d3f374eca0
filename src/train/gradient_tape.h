// Runs loss graphs built from ggml ops and collects, through ggml's automatic differentiation, the gradients
// of a fixed list of trainable tensors into host buffers (so that micro-batches of different shapes can be
// accumulated into one optimizer step).
//
// Usage: LossGraph g; build the loss in g.ctx(); tape.prepare(g, loss, with_grads); set the graph's inputs;
// tape.compute(g, &grads).
#pragma once

#include <ggml-alloc.h>
#include <ggml-backend.h>
#include <ggml.h>

#include <vector>

#include "core/status.h"

namespace grm {

// Host-side gradient buffers, one per trainable tensor, in the tape's order.
using HostGrads = std::vector<std::vector<float>>;
HostGrads zero_grads(const std::vector<ggml_tensor*>& params);

// One loss graph: a no_alloc context for its tensors. Valid until the next prepare() on the same tape, which
// reuses the compute buffer.
class LossGraph {
 public:
  LossGraph();
  ~LossGraph();
  LossGraph(const LossGraph&) = delete;
  LossGraph& operator=(const LossGraph&) = delete;
  ggml_context* ctx() const { return ctx_; }

 private:
  friend class GradientTape;
  ggml_context* ctx_ = nullptr;
  ggml_cgraph* graph_ = nullptr;
  bool with_grads_ = false;
  std::vector<bool> reached_;  // per tape parameter: does the loss depend on it (else its gradient is 0)
};

class GradientTape {
 public:
  // The first graph prepared with gradients marks `params` trainable (ggml_set_param) and allocates one F32
  // accumulator per parameter on `backend`; a tape only ever used forward (a frozen reference) allocates none.
  GradientTape(std::vector<ggml_tensor*> params, ggml_backend_t backend);
  ~GradientTape();
  GradientTape(const GradientTape&) = delete;
  GradientTape& operator=(const GradientTape&) = delete;

  const std::vector<ggml_tensor*>& params() const { return params_; }

  // Builds the forward graph of the scalar `loss` (and its backward when with_grads) and allocates it.
  // Inputs can be set after this returns.
  Status prepare(LossGraph& g, ggml_tensor* loss, bool with_grads);
  // Computes the prepared graph; adds the parameters' gradients into *grads when the graph has a backward.
  Status compute(LossGraph& g, HostGrads* grads);

 private:
  void ensure_accumulators();

  std::vector<ggml_tensor*> params_;
  ggml_backend_t backend_;
  ggml_context* acc_ctx_ = nullptr;
  ggml_backend_buffer_t acc_buf_ = nullptr;
  std::vector<ggml_tensor*> accs_;
  // Kept across graphs: its compute buffer is reused while it is large enough (fresh buffers cost page faults).
  ggml_gallocr_t alloc_ = nullptr;
};

}  // namespace grm
