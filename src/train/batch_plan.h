// The data order of the supervised trainers: which examples each optimizer step's micro-batches hold.
//
// Contract: a function of (number of examples, options, lengths) only; every example appears exactly once per
// epoch; only the epoch's last step may hold fewer than batch * accum examples. So a resumed run replays the
// steps of an uninterrupted one, and --max-steps cuts the same plan short.
//
// Length windows: a micro-batch is padded to its longest sequence, and random batches of the synth teacher
// data carry 1.36x the tokens they train on. With length_window = W > 0 each run of W optimizer steps' worth
// of shuffled examples is sorted by length before it is cut into micro-batches, and the order of those W steps
// is shuffled again: the same examples per window, nearly no padding, and no long-to-short drift across the
// epoch (the bucketing of Hugging Face's group_by_length, whose "mega-batches" are the windows here).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace grm {

struct BatchPlanOptions {
  int epochs = 1;
  long max_steps = 0;     // keep the first max_steps steps (0 = all)
  int batch = 8;          // examples per micro-batch
  int accum = 1;          // micro-batches per optimizer step
  uint64_t seed = 1;
  int length_window = 0;  // optimizer steps per length-sorted window (0 = plain shuffled order)
};

using StepBatches = std::vector<std::vector<int>>;  // one optimizer step: micro-batches of example indices

// length(i): the tokens example i occupies in a micro-batch; called only when length_window > 0.
std::vector<StepBatches> plan_steps(int n_examples, const BatchPlanOptions& o, const std::function<long(int)>& length);

// A fingerprint of a plan's first `count` steps (never 0): a checkpoint records that of the steps it has taken,
// so that a resume under another order is refused.
uint64_t plan_fingerprint(const std::vector<StepBatches>& steps, size_t count);

// Token-budget micro-batches: the examples of one step, longest first, cut into micro-batches of at most
// max_tokens padded tokens (count * longest length; a sequence longer than the budget goes alone). The step
// trains the same examples with the same normaliser, so its gradient is that of the plan's micro-batches up to
// float summation order; only the padding and the attention matrices (quadratic in the padded length) shrink.
// This is applied after planning, so it leaves the data order and its fingerprint alone: a run may resume
// under another budget. max_tokens <= 0 returns the step as planned.
StepBatches regroup_by_length(const StepBatches& step, long max_tokens, const std::function<long(int)>& length);

}  // namespace grm
