// The meta reward model: scores how far one sampled judgment can be trusted (SPEC §4, meta-RM guided voting).
//
// On-disk format (a directory, written by `grm model init-meta` now and by `grm train meta` later):
//   DIR/model.gguf  a causal LM that stock llama.cpp loads (the backbone)
//   DIR/head.gguf   a GGUF with tensors "meta_head.weight" (F32, [n_embd]) and "meta_head.bias" (F32, [1]),
//                   and metadata grm.meta.n_embd (u32), grm.meta.template ("meta_rm")
// score = dot(weight, h) + bias, where h is the backbone's final-norm hidden state at the last token of the
// meta prompt (templates/meta_rm.txt). The score is a logit: for a BCE-trained head sigmoid(score) estimates
// P(judgment correct); a head trained on within-item pairs (train/meta_pairs.h) only ranks.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/item.h"
#include "core/prompt.h"
#include "core/status.h"
#include "engine/llama_handles.h"

namespace grm {

struct MetaSample {
  std::vector<int> order;  // the response order the trajectory was sampled with
  std::string trajectory;  // its generated text
  std::optional<TemplateKind> kind;  // the judge template it was sampled with (decides the response blocks of a
                                     // one-response item); default: the meta RM's MetaRmOptions::prompt.kind
};

// Interface: one float per trajectory, higher = more trustworthy.
class MetaRewardModel {
 public:
  virtual ~MetaRewardModel() = default;
  virtual Result<std::vector<float>> score(const Item& item, const std::vector<MetaSample>& samples) = 0;
};

struct MetaRmOptions {
  int n_ctx = 16384;
  int n_parallel = 32;
  int n_batch = 2048;
  int threads = 0;
  PromptOptions prompt;
};

// Shares prompt prefixes between the trajectories of one item (engine/prefix_plan.h).
// Not thread-safe: one caller at a time.
class LlamaMetaRewardModel final : public MetaRewardModel {
 public:
  static Result<std::unique_ptr<LlamaMetaRewardModel>> load(const std::string& dir, const MetaRmOptions& opts);
  ~LlamaMetaRewardModel() override;
  Result<std::vector<float>> score(const Item& item, const std::vector<MetaSample>& samples) override;
  long prompt_tokens_evaluated() const;

  struct State;

 private:
  explicit LlamaMetaRewardModel(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

// Writes DIR/head.gguf atomically (temporary name, then rename). REQUIRES: weight.size() == n_embd.
Status write_meta_head(const std::string& dir, const std::vector<float>& weight, float bias);

}  // namespace grm
