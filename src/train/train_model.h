// A llama-architecture model held as trainable F32 ggml tensors, its forward graph built from ggml ops
// (so that ggml's automatic differentiation gives its gradients), and its GGUF round trip.
//
// Scope: RMSNorm, RoPE (normal mode), grouped-query attention, SwiGLU, optional Q/K/V biases (Qwen2 style),
// tied or separate output matrix. Weights load from F32 or F16 GGUF; a quantised model cannot be trained.
// Saved models are F32 GGUFs with every metadata key of the source, which stock llama.cpp loads.
//
// Thread-safety: none; one trainer uses one TrainModel.
#pragma once

#include <ggml-backend.h>
#include <ggml.h>
#include <gguf.h>

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "train/train_device.h"

namespace grm {

struct TrainHparams {
  int n_vocab = 0, n_embd = 0, n_layer = 0, n_head = 0, n_head_kv = 0, n_ff = 0, n_ctx_train = 0, n_rot = 0;
  float rope_base = 10000.0f, rms_eps = 1e-5f;
  int head_dim() const { return n_embd / n_head; }
};

struct TrainLayer {
  ggml_tensor *attn_norm, *wq, *wk, *wv, *wo, *ffn_norm, *w_gate, *w_up, *w_down;
  ggml_tensor *bq = nullptr, *bk = nullptr, *bv = nullptr;
};

// The graph inputs of one micro-batch of B sequences of T tokens (padded at the end). The graph runs each
// sequence at length Tg >= T, a multiple of kGraphLengthMultiple: every GEMM's inner dimension (Tg in
// attention, Tg * B in the weight gradients) is then one that the CPU backend's tiled sgemm accepts (it
// needs a multiple of the vector width, 16 floats with AVX-512; other lengths fall back to a dot-product
// loop several times slower). The extra positions are padding after the sequence: causal attention keeps them
// from every real position, and no loss reads them.
struct ForwardInputs {
  int T = 0;               // Tg: the graph's length per sequence; sequence b's position t is row b * T + t
  ggml_tensor* tokens;     // I32 [Tg*B]
  ggml_tensor* positions;  // I32 [Tg*B]: 0..Tg-1 per sequence
  ggml_tensor* mask;       // F32 [Tg, Tg]: causal, 0 or -inf
  int row(int b, int t) const { return b * T + t; }
};
inline constexpr int kGraphLengthMultiple = 16;

struct ForwardOutputs {
  ggml_tensor* hidden;  // F32 [n_embd, Tg*B]: final-norm hidden states (the meta RM head reads these)
  ggml_tensor* logits;  // F32 [n_vocab, Tg*B]
};

class TrainModel {
 public:
  // Loads `path` onto `device`'s backend. Errors name the file and the tensor or key at fault.
  static Result<std::unique_ptr<TrainModel>> load(const std::string& path, TrainDevice device = TrainDevice::kCpu);
  ~TrainModel();

  const TrainHparams& hparams() const { return hp_; }
  // Every trainable tensor (F32, on backend()), in a fixed order.
  const std::vector<ggml_tensor*>& params() const { return params_; }
  ggml_backend_t backend() const { return backend_; }
  long n_params() const;

  // Declares the inputs in `ctx` (no_alloc) and builds the forward graph, at length inputs->T (T rounded up to
  // kGraphLengthMultiple; the padding may pass n_ctx_train, which only padding positions reach).
  // REQUIRES: T <= n_ctx_train.
  ForwardOutputs build_forward(ggml_context* ctx, int T, int B, ForwardInputs* inputs) const;
  // The two halves of build_forward: final-norm hidden states [n_embd, inputs->T * B], and the output matrix applied
  // to any [n_embd, M] selection of them (losses compute logits only where they are needed).
  ggml_tensor* build_hidden(ggml_context* ctx, int T, int B, ForwardInputs* inputs) const;
  ggml_tensor* build_logits(ggml_context* ctx, ggml_tensor* hidden) const;
  // Fills inputs created by build_forward (after allocation) from the micro-batch's tokens, [B][T] row-major;
  // each sequence's padding up to in.T repeats its last token.
  static void set_inputs(const ForwardInputs& in, const std::vector<int32_t>& tokens, int T, int B);

  // Writes the current weights as an F32 GGUF (temporary name, then rename). `extra_kv` sets string keys.
  Status save(const std::string& path, const std::vector<std::pair<std::string, std::string>>& extra_kv = {}) const;

 private:
  TrainModel() = default;
  TrainHparams hp_;
  ggml_context* ctx_ = nullptr;  // parameter tensors
  ggml_backend_t backend_ = nullptr;
  ggml_backend_buffer_t buffer_ = nullptr;
  ::gguf_context* source_ = nullptr;  // metadata of the loaded file, copied on save
  ggml_tensor* tok_embd_ = nullptr;
  ggml_tensor* output_norm_ = nullptr;
  ggml_tensor* output_ = nullptr;  // null when tied to tok_embd
  std::vector<TrainLayer> layers_;
  std::vector<ggml_tensor*> params_;
};

}  // namespace grm
