// Where training runs: ggml's CPU backend, or a GPU backend when grm was built with one (-DGRM_CUDA=ON).
// Parameters, gradient accumulators and the compute graphs live on the chosen backend; the optimizer, gradient
// clipping and checkpoints work on host copies, so the numbers a step computes are the same on either (up to
// the backends' float rounding).
#pragma once

#include <ggml-backend.h>
#include <ggml.h>

#include <string>
#include <vector>

#include "core/status.h"

namespace grm {

enum class TrainDevice {
  kCpu,
  kGpu,   // the first GPU ggml reports; an error when there is none
  kAuto,  // a GPU when there is one, else the CPU
};

// "cpu", "gpu" or "auto"; the error names the value and the choices.
Result<TrainDevice> parse_train_device(const std::string& name);

// A new backend for `device` (the caller frees it with ggml_backend_free). The CPU backend starts with one
// thread per hardware thread.
Result<ggml_backend_t> make_train_backend(TrainDevice device);

// Sets the CPU backend's thread count (threads > 0); a GPU backend has none to set.
void set_train_threads(ggml_backend_t backend, int threads);

// The F32 contents of `t` in host memory: its own data when its buffer is host memory (no copy; writes go to
// the tensor), else a copy into *scratch (writes go to the copy).
float* host_f32(ggml_tensor* t, std::vector<float>* scratch);

}  // namespace grm
