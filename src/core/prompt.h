// Filling the GRM prompt templates (templates/README.md; the text is an interface, kept byte for byte).
//
// Conventions:
// - {conversation}: a one-turn conversation is the user's text itself. Several turns are rendered one after
//   the other, separated by "\n", each through PromptOptions::turn_format, where "{role}" becomes
//   "User", "Assistant" or "System" and "{content}" the turn's text (default "{role}: {content}").
// - {responses}: for each position p = 1..n of the sample's order,
//   "[The Begin of Response p]\n{text}\n[The End of Response p]\n"; the single_binary template has one
//   block without a number.
// - Hinted sampling appends "The best response is: Response j" (j 1-based, in the sample's order) as a line
//   of its own after the filled template.
// Placeholders are substituted in one pass over the template, so text inside a conversation or response
// that looks like a placeholder is never expanded.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/item.h"
#include "core/status.h"

namespace grm {

// Two families of templates, each a pair (1..n responses scored 1..10; one response scored 0/1):
// the paper's (default, single) and grm's compact one (compact, compact_single), which keeps the blocks,
// their order and the output requirements but cuts the general-criteria header to one paragraph, for small
// models trained here (templates/README.md).
enum class TemplateKind {
  kDefault,        // templates/default.txt: 1..n responses, scores 1..10
  kSingleBinary,   // templates/single_binary.txt: one response, score 0 or 1
  kCompact,        // templates/compact.txt: as kDefault with a short header
  kCompactSingle,  // templates/compact_single.txt: as kSingleBinary with a short header
};

// "default" | "single" | "compact" | "compact_single" -> kind; anything else is an error naming them.
Result<TemplateKind> template_kind_from_name(const std::string& name);
const char* template_kind_name(TemplateKind kind);

// Whether the template judges exactly one response with a 0/1 score.
bool is_single(TemplateKind kind);
// The member of kind's family for one response with a 0/1 score (kSingleBinary or kCompactSingle), and
// the member for 1..n responses (kDefault or kCompact).
TemplateKind single_of(TemplateKind kind);
TemplateKind multi_of(TemplateKind kind);
// The member of `family` that judges `item` when training or sampling with rewards: the 0/1 one for items
// labelled {"correct": 0|1}, the 1..n one otherwise.
TemplateKind kind_for_item(const Item& item, TemplateKind family);

// The GGUF metadata key naming the template family a model was trained on ("default" or "compact").
inline constexpr const char* kModelTemplateKey = "grm.template";

// Inclusive score range a template asks for: {1, 10} or {0, 1}.
struct ScoreRange {
  int lo;
  int hi;
};
ScoreRange score_range(TemplateKind kind);

struct PromptOptions {
  TemplateKind kind = TemplateKind::kDefault;
  std::string turn_format = "{role}: {content}";
};

// The raw text of a compiled-in template ("default", "single_binary", "compact", "compact_single", "meta_rm").
// REQUIRES: name is one of those.
const std::string& template_text(const std::string& name);

std::string render_conversation(const std::vector<Message>& conversation, const std::string& turn_format);

// order[p] is the index (into item.responses) of the response shown at position p.
// REQUIRES: order is a permutation of 0..n-1; a single template requires n == 1.
std::string render_responses(const Item& item, const std::vector<int>& order, TemplateKind kind);

// The filled judge prompt for one sample order. hint_position: 0-based position of the best response in
// this order, for hinted sampling; none for ordinary prompts.
std::string render_judge_prompt(const Item& item, const std::vector<int>& order, const PromptOptions& opts,
                                std::optional<int> hint_position = std::nullopt);

// The meta RM's input (templates/meta_rm.txt) for one trajectory sampled with `order`.
std::string render_meta_prompt(const Item& item, const std::vector<int>& order, const std::string& trajectory,
                               const PromptOptions& opts);

// The part of the judge prompt that precedes {conversation}: identical for every item, so engines keep it
// evaluated once.
std::string judge_prompt_header(TemplateKind kind);

}  // namespace grm
