// In-process judging on llama.cpp with shared prefixes and continuous batching.
//
// - The template header (identical for every item) is evaluated once into a dedicated sequence and copied
//   (llama_memory_seq_cp) into every sample; an item's distinct prompts (one per distinct response order) are
//   evaluated once, their shared prefixes once (engine/prefix_plan.h), and copied to the samples that share
//   them. Requires a unified KV cache, which this engine always creates.
// - One llama_decode per step carries the prompt tokens of newly admitted items and one token of every live
//   sample of every item in flight; finished items release their sequences and KV cells at once and new
//   items are admitted while others still decode.
// - Every sample has its own sampler chain and seed; with SamplingOptions::grammar the verdict is guaranteed
//   parseable.
//
// Thread-safety: one engine (it owns a llama_context) is used by one thread at a time. Several engines may
// share one LlamaModel.
#pragma once

#include <memory>
#include <optional>

#include "engine/judge_engine.h"
#include "engine/llama_handles.h"

namespace grm {

enum class ChatTemplateMode {
  kAuto,  // wrap the prompt as one user turn in the model's own chat template when it has one
  kNone,  // raw text (base models)
};

struct LlamaEngineOptions {
  int n_ctx = 16384;     // KV cells shared by all sequences in flight (unified cache)
  int n_parallel = 64;   // samples decoded together, across items; an item with k > n_parallel is an error
  int n_batch = 2048;    // tokens per llama_decode
  int n_ubatch = 512;    // tokens per compute graph
  int threads = 0;       // 0 = all cores
  ChatTemplateMode chat_template = ChatTemplateMode::kAuto;
  PromptOptions prompt;
  SamplingOptions sampling;
};

struct EngineTotals {
  long header_tokens = 0;  // evaluated once for the whole run
  long prompt_tokens_evaluated = 0;
  long prompt_tokens_reused = 0;
  long tokens_generated = 0;
  long decode_calls = 0;
  double decode_seconds = 0;  // inside llama_decode
  double sample_seconds = 0;  // in the samplers (and detokenization)
};

class LlamaJudgeEngine final : public JudgeEngine {
 public:
  static Result<std::unique_ptr<LlamaJudgeEngine>> create(std::shared_ptr<LlamaModel> model,
                                                          const LlamaEngineOptions& opts);
  ~LlamaJudgeEngine() override;

  void run(const Source& source, const Sink& sink) override;

  // The exact tokens of the judge prompt for `order` (chat wrapping and BOS included).
  std::vector<int32_t> prompt_tokens(const Item& item, const std::vector<int>& order, bool hinted,
                                     std::optional<TemplateKind> kind = std::nullopt) const;
  // The cached header's tokens (empty until the first run()).
  const std::vector<int32_t>& header_tokens() const;
  const EngineTotals& totals() const;
  bool uses_chat_template() const;

  struct State;  // defined in the .cc

 private:
  explicit LlamaJudgeEngine(std::unique_ptr<State> state);
  std::unique_ptr<State> s_;
};

}  // namespace grm
