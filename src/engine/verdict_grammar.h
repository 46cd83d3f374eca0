// The optional constraint that guarantees a parseable verdict (issue "Guaranteed verdicts").
//
// The critique runs free. Once the text contains "Scores:", a lazy GBNF grammar takes over and allows only
//   Scores:[**][ ]\boxed{s1, ..., sn}
// with each s an integer in the template's range. When a sample's token budget is nearly spent and no
// "Scores:" was written, the engine forces kForcedVerdictPrefix and the grammar completes it.
#pragma once

#include <string>

#include "core/prompt.h"

namespace grm {

inline constexpr const char* kForcedVerdictPrefix = "\nScores: \\boxed{";

// GBNF for the verdict of n responses with scores in `range`; root rule "root".
std::string verdict_grammar(int n, ScoreRange range);

// Trigger pattern for llama_sampler_init_grammar_lazy_patterns: the grammar is fed from the first "Scores:".
const char* verdict_trigger_pattern();

// Most tokens the grammar needs after "\boxed{" to close a verdict of n scores: each score at most two
// tokens ("10" may be "1" "0"), each separator at most two (",", " "), and "}".
int verdict_tail_tokens(int n);

// Tokens kept free at the end of the budget for the forced verdict: the prefix plus the tail. Once a verdict
// has begun (written by the model or forced), the engine lets it finish even past --max-tokens, by at most
// verdict_tail_tokens(n), so that every sample ends with a parseable verdict.
int verdict_reserve_tokens(int n, int prefix_tokens);

}  // namespace grm
