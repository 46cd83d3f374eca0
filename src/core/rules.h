// The correctness rule and the rule-based reward of SPEC §2 (Eq. 10, 11), shared by evaluation and training.
#pragma once

#include <cstdlib>
#include <string_view>
#include <vector>

#include "core/item.h"
#include "core/judgment_parser.h"
#include "core/prompt.h"
#include "core/response_order.h"

namespace grm {

// n >= 2: correct iff the ground-truth best response scores strictly above every other (a tie for the top is
// wrong). n == 1: correct iff the score equals the 0/1 label.
// REQUIRES: item.has_label(); scores in original response order with size item.n().
template <typename Score>
bool is_correct(const std::vector<Score>& scores, const Item& item) {
  if (static_cast<int>(scores.size()) != item.n()) return false;
  if (item.correct) return scores[0] == static_cast<Score>(*item.correct);
  if (!item.best) return false;
  const int j = *item.best;
  for (int i = 0; i < item.n(); ++i)
    if (i != j && !(scores[j] > scores[i])) return false;
  return true;
}

// How far one judgment puts the ground truth ahead, the quantity a vote sums (SPEC §4): n >= 2, the best
// response's score minus the highest other score (>= 1 exactly when is_correct, <= 0 when not); n == 1, +1 when
// is_correct, else -1 (the 0/1 template has no finer grade).
// REQUIRES: item.has_label(); scores in original response order with size item.n().
inline int judgment_margin(const std::vector<int>& scores, const Item& item) {
  if (item.correct || !item.best) return is_correct(scores, item) ? 1 : -1;
  const int j = *item.best;
  int other = 0;
  bool any = false;
  for (int i = 0; i < item.n(); ++i)
    if (i != j && (!any || scores[i] > other)) other = scores[i], any = true;
  return scores[j] - other;
}

// The rule applied to a vote (SPEC §4: `totals` sums the scores of `voters` valid samples). n >= 2: the rule on
// the sums. n == 1: the rule on the mean score rounded to the nearer label, where a mean exactly halfway is a
// tie, and a tie is wrong; for the 0/1 template that is the majority. The sum itself (0..k) is not the label:
// comparing the two counted a unanimous "1" for a correct response wrong whenever k >= 2.
inline bool is_vote_correct(const std::vector<long>& totals, int voters, const Item& item) {
  if (voters < 1) return false;
  if (item.correct) {
    if (totals.size() != 1) return false;
    const long twice_gap = 2 * totals[0] - 2 * static_cast<long>(*item.correct) * voters;
    return std::labs(twice_gap) < voters;
  }
  return is_correct(totals, item);
}

// The rule applied to one sampled judgment: its text parsed with the score range of the template it was
// sampled with, its scores mapped back from the sample's response order.
struct RuleVerdict {
  bool valid = false;    // the text holds a parseable verdict
  bool correct = false;  // valid and correct by is_correct()
  int margin = 0;        // judgment_margin() when valid, else 0
};
inline RuleVerdict judge_by_rule(std::string_view text, const std::vector<int>& order, const Item& item, TemplateKind kind) {
  const ParsedJudgment p = parse_judgment(text, item.n(), score_range(kind));
  if (!p.valid) return {};
  const std::vector<int> scores = to_original_order(p.scores, order);
  return {true, is_correct(scores, item), judgment_margin(scores, item)};
}
// +1 for a correct judgment, -1 otherwise; an unparseable judgment is -1. No format reward.
inline int rule_reward(const RuleVerdict& v) { return v.correct ? 1 : -1; }

}  // namespace grm
