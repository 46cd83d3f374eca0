// The interface every judging engine implements (in-process llama.cpp now; remote HTTP fleets later).
//
// An engine turns JudgeRequests (an item and the response order of each of its k samples) into k generated
// trajectories. It pulls requests from a Source whenever it has room, so it can keep many items in flight
// (continuous batching), and hands each finished request to a Sink in the order they finish.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/item.h"
#include "core/prompt.h"

namespace grm {

struct SamplingOptions {
  float temperature = 0.5f;  // 0 = greedy (argmax). The paper samples at 0.5.
  float top_p = 1.0f;        // nucleus sampling; 1 = off
  int max_tokens = 1024;     // generated tokens per sample, forced verdict included
  bool grammar = true;       // guarantee a parseable verdict (engine/verdict_grammar.h)
  bool fixed_length = false; // benchmarking only: ignore end-of-generation and the verdict, always generate
                             // exactly max_tokens tokens
};

struct JudgeRequest {
  Item item;
  std::vector<std::vector<int>> orders;  // one per sample (k = orders.size()); see core/response_order.h
  uint64_t seed = 0;                     // sample j draws with a seed derived from (seed, j)
  bool hinted = false;                   // append the hint line naming item.best (RFT data only)
  bool greedy = false;                   // argmax decoding for this request, whatever the engine's temperature
  std::optional<TemplateKind> kind;      // this request's template, if not the engine's (mixed training data)
};

struct Trajectory {
  std::vector<int> order;
  std::string text;
  std::vector<int32_t> tokens;  // the generated token ids (forced ones and a final end token included)
  std::vector<uint8_t> forced;  // per token: 1 where the engine wrote it (the forced verdict prefix), not the model
  int tokens_generated = 0;
  bool forced_verdict = false;  // the engine wrote "Scores: \boxed{": the budget ran out, or the model ended first
  std::string finish;           // "verdict" | "eog" | "length" | "error: ..."
};

struct JudgeStats {
  long prompt_tokens_evaluated = 0;  // prompt tokens this item actually ran through the model
  long prompt_tokens_reused = 0;     // sum over samples of their prompt length, minus the above
  long tokens_generated = 0;
  double seconds = 0;                // admission to completion
};

struct JudgeResult {
  std::optional<std::string> error;  // the item could not be judged (samples empty)
  std::vector<Trajectory> samples;   // in request order
  JudgeStats stats;
};

class JudgeEngine {
 public:
  virtual ~JudgeEngine() = default;

  // Returns the next request, or nullopt when there are no more. Called from run()'s thread.
  using Source = std::function<std::optional<JudgeRequest>()>;
  // Receives each finished request with its ticket (0, 1, 2, ... in the order the Source produced them).
  using Sink = std::function<void(uint64_t ticket, JudgeResult&& result)>;

  // Runs until the source is exhausted and every request has been handed to the sink. A request that cannot
  // be judged (too long for the context, ...) comes back with `error` set; the others are unaffected.
  // Not reentrant: one run() at a time per engine.
  virtual void run(const Source& source, const Sink& sink) = 0;
};

}  // namespace grm
