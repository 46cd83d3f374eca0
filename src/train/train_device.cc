#include "train/train_device.h"

#include <fmt/format.h>
#include <ggml-cpu.h>

#include <algorithm>
#include <thread>

namespace grm {

Result<TrainDevice> parse_train_device(const std::string& name) {
  if (name == "cpu") return TrainDevice::kCpu;
  if (name == "gpu") return TrainDevice::kGpu;
  if (name == "auto") return TrainDevice::kAuto;
  return Error{fmt::format("--device '{}': choose cpu, gpu or auto", name)};
}

Result<ggml_backend_t> make_train_backend(TrainDevice device) {
  if (device != TrainDevice::kCpu) {
    if (ggml_backend_dev_t gpu = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_GPU)) {
      ggml_backend_t b = ggml_backend_dev_init(gpu, nullptr);
      if (!b) return Error{fmt::format("cannot initialise the GPU backend '{}'", ggml_backend_dev_name(gpu))};
      return b;
    }
    if (device == TrainDevice::kGpu)
      return Error{"--device gpu: this grm has no GPU backend or sees no GPU (build with -DGRM_CUDA=ON; check "
                   "nvidia-smi and CUDA_VISIBLE_DEVICES), or train with --device cpu"};
  }
  ggml_backend_t b = ggml_backend_cpu_init();
  if (!b) return Error{"cannot initialise the ggml CPU backend"};
  ggml_backend_cpu_set_n_threads(b, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  return b;
}

void set_train_threads(ggml_backend_t backend, int threads) {
  if (threads > 0 && ggml_backend_is_cpu(backend)) ggml_backend_cpu_set_n_threads(backend, threads);
}

float* host_f32(ggml_tensor* t, std::vector<float>* scratch) {
  if (!t->buffer || ggml_backend_buffer_is_host(t->buffer)) return static_cast<float*>(t->data);
  scratch->resize(static_cast<size_t>(ggml_nelements(t)));
  ggml_backend_tensor_get(t, scratch->data(), 0, ggml_nbytes(t));
  return scratch->data();
}

}  // namespace grm
