#include "train/meta_trainer.h"

#include <algorithm>

namespace grm {

MetaBatch make_meta_batch(const MetaData& data, const std::vector<int>& which) {
  MetaBatch b;
  b.B = static_cast<int>(which.size());
  for (int i : which) b.T = std::max(b.T, static_cast<int>(data.examples[i].tokens.size()));
  b.tokens.assign(static_cast<size_t>(b.T) * b.B, 0);
  for (int s = 0; s < b.B; ++s) {
    const MetaExample& ex = data.examples[which[s]];
    const int len = static_cast<int>(ex.tokens.size());
    for (int t = 0; t < b.T; ++t) b.tokens[static_cast<size_t>(s) * b.T + t] = ex.tokens[std::min(t, len - 1)];
    b.last.push_back(len - 1);  // causal attention: padding after it never reaches it
    b.labels.push_back(ex.label);
  }
  return b;
}

namespace {

class MetaObjective final : public TrainObjective {
 public:
  MetaObjective(MetaHeadLoss& loss, const MetaData& data) : loss_(loss), data_(data) {}
  int size() const override { return static_cast<int>(data_.examples.size()); }
  const std::vector<ggml_tensor*>& params() const override { return loss_.params(); }
  double units(const std::vector<int>& which) const override { return static_cast<double>(which.size()); }
  long tokens(const std::vector<int>& which) const override {
    long n = 0;
    for (int i : which) n += static_cast<long>(data_.examples[i].tokens.size());
    return n;
  }
  Result<double> run(const std::vector<int>& which, float scale, HostGrads* grads) override {
    auto out = loss_.run(make_meta_batch(data_, which), scale, grads);
    if (!out) return out.error();
    return out->loss;
  }
  Status save_weights(const std::string& dir) const override { return loss_.save(dir); }
  Status load_weights(const std::string& dir) override { return loss_.load(dir); }

 private:
  MetaHeadLoss& loss_;
  const MetaData& data_;
};

// Example i of the loop is pair i: sequences 2i and 2i + 1.
class BtObjective final : public TrainObjective {
 public:
  BtObjective(MetaHeadLoss& loss, const MetaData& pairs) : loss_(loss), data_(pairs) {}
  int size() const override { return static_cast<int>(data_.examples.size() / 2); }
  const std::vector<ggml_tensor*>& params() const override { return loss_.params(); }
  double units(const std::vector<int>& which) const override { return static_cast<double>(which.size()); }
  long tokens(const std::vector<int>& which) const override {
    long n = 0;
    for (int i : expand(which)) n += static_cast<long>(data_.examples[i].tokens.size());
    return n;
  }
  Result<double> run(const std::vector<int>& which, float scale, HostGrads* grads) override {
    auto out = loss_.run(make_meta_batch(data_, expand(which)), scale, grads);
    if (!out) return out.error();
    return out->loss;
  }
  Status save_weights(const std::string& dir) const override { return loss_.save(dir); }
  Status load_weights(const std::string& dir) override { return loss_.load(dir); }

 private:
  static std::vector<int> expand(const std::vector<int>& pairs) {
    std::vector<int> seqs;
    for (int p : pairs) {
      seqs.push_back(2 * p);
      seqs.push_back(2 * p + 1);
    }
    return seqs;
  }
  MetaHeadLoss& loss_;
  const MetaData& data_;
};

}  // namespace

Result<long> train_bt(MetaHeadLoss& loss, const MetaData& pairs, const TrainLoopOptions& opts, const StepCallback& on_step) {
  BtObjective objective(loss, pairs);
  return run_train_loop(objective, opts, on_step);
}

Result<long> train_meta(MetaHeadLoss& loss, const MetaData& data, const TrainLoopOptions& opts, const StepCallback& on_step) {
  MetaObjective objective(loss, data);
  return run_train_loop(objective, opts, on_step);
}

}  // namespace grm
