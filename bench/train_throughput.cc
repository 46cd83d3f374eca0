// Training throughput of grm's ggml trainer: forward + backward + AdamW on B sequences of T random tokens,
// every position trained (the same work as bench/torch_train.py). Prints tokens/s over the timed steps.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <ggml-cpu.h>

#include <chrono>
#include <cstdio>

#include "core/random.h"
#include "engine/llama_handles.h"
#include "train/adamw.h"
#include "train/token_loss.h"

int main(int argc, char** argv) {
  CLI::App app("grm trainer throughput (tokens/s, forward + backward + AdamW)");
  std::string model_path;
  int batch = 8, seq = 128, steps = 5, warmup = 1, threads = 2;
  app.add_option("--model", model_path, "F32 llama GGUF")->required();
  app.add_option("--batch", batch);
  app.add_option("--seq", seq);
  app.add_option("--steps", steps, "timed steps");
  app.add_option("--warmup", warmup, "untimed steps first");
  app.add_option("--threads", threads);
  CLI11_PARSE(app, argc, argv);
  grm::llama_backend_setup(false);
  auto model = grm::TrainModel::load(model_path);
  if (!model) {
    std::fprintf(stderr, "%s\n", model.error().message.c_str());
    return 1;
  }
  ggml_backend_cpu_set_n_threads(model.value()->backend(), threads);
  grm::TokenLoss loss(*model.value());
  grm::AdamW opt(model.value()->params(), grm::AdamWOptions{});
  const int V = model.value()->hparams().n_vocab;
  uint64_t rng = 42;
  double timed = 0;
  for (int s = 0; s < warmup + steps; ++s) {
    grm::TokenBatch b;
    b.T = seq;
    b.B = batch;
    for (int i = 0; i < seq * batch; ++i) b.tokens.push_back(static_cast<int32_t>(grm::splitmix64(rng) % V));
    b.targets.assign(b.tokens.begin() + 1, b.tokens.end());
    b.targets.push_back(0);
    b.weights.assign(b.tokens.size(), 1.0f);
    const auto t0 = std::chrono::steady_clock::now();
    grm::HostGrads g = grm::zero_grads(model.value()->params());
    auto l = loss.run(b, 1.0f / static_cast<float>(b.tokens.size()), &g);
    if (!l) {
      std::fprintf(stderr, "%s\n", l.error().message.c_str());
      return 1;
    }
    grm::clip_grad_norm(g, 1.0);
    opt.step(g, 1e-4);
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s >= warmup) timed += dt;
    std::fprintf(stderr, "step %d loss %.4f %.2fs\n", s, l.value(), dt);
  }
  std::printf("%.1f\n", static_cast<double>(steps) * batch * seq / timed);
  return 0;
}
