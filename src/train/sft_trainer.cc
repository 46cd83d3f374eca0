#include "train/sft_trainer.h"

#include <algorithm>
#include <filesystem>

#include "train/checkpoint.h"
#include "train/token_loss.h"

namespace grm {
namespace {

// Pads the examples to the longest: inputs tokens[0..len), targets tokens[1..len], weight 1 after the prompt.
TokenBatch make_batch(const SftData& data, const std::vector<int>& which) {
  TokenBatch b;
  b.B = static_cast<int>(which.size());
  for (int i : which) b.T = std::max(b.T, static_cast<int>(data.examples[i].tokens.size()) - 1);
  const size_t N = static_cast<size_t>(b.T) * b.B;
  b.tokens.assign(N, 0);
  b.targets.assign(N, 0);
  b.weights.assign(N, 0.0f);
  for (int s = 0; s < b.B; ++s) {
    const SftExample& ex = data.examples[which[s]];
    const int len = static_cast<int>(ex.tokens.size()) - 1;
    for (int t = 0; t < b.T; ++t) {
      const size_t i = static_cast<size_t>(s) * b.T + t;
      b.tokens[i] = t < len ? ex.tokens[t] : ex.tokens.back();
      if (t < len) {
        b.targets[i] = ex.tokens[t + 1];
        b.weights[i] = t + 1 >= ex.prompt_len ? 1.0f : 0.0f;
      }
    }
  }
  return b;
}

class SftObjective final : public TrainObjective {
 public:
  SftObjective(TrainModel& model, const SftData& data, float focal_gamma)
      : model_(model), data_(data), loss_(model, focal_gamma) {}
  int size() const override { return static_cast<int>(data_.examples.size()); }
  const std::vector<ggml_tensor*>& params() const override { return model_.params(); }
  double units(const std::vector<int>& which) const override {
    double n = 0;
    for (int i : which) n += static_cast<double>(data_.examples[i].tokens.size()) - data_.examples[i].prompt_len;
    return n;
  }
  long tokens(const std::vector<int>& which) const override {
    long n = 0;
    for (int i : which) n += static_cast<long>(data_.examples[i].tokens.size());
    return n;
  }
  Result<double> run(const std::vector<int>& which, float scale, HostGrads* grads) override {
    auto r = loss_.run_with_kl(make_batch(data_, which), scale, grads, TokenLoss::KlTerm{});
    if (!r) return r.error();
    return r->nll;
  }
  Status save_weights(const std::string& dir) const override {
    return model_.save((std::filesystem::path(dir) / "model.gguf").string());
  }
  Status load_weights(const std::string& dir) override {
    return load_tensors((std::filesystem::path(dir) / "model.gguf").string(), model_.params());
  }

 private:
  TrainModel& model_;
  const SftData& data_;
  TokenLoss loss_;
};

}  // namespace

Result<long> train_sft(TrainModel& model, const SftData& data, const TrainLoopOptions& o, const StepCallback& on_step,
                       float focal_gamma) {
  SftObjective objective(model, data, focal_gamma);
  return run_train_loop(objective, o, on_step);
}

}  // namespace grm
