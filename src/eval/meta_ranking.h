// How well a meta RM ranks the judgments of a pool (`grm eval --meta-rm`).
//
// MetaRM@k keeps the k_meta judgments of one item with the highest meta scores and votes over them, so what
// decides whether it beats plain voting is how well the meta score orders a right judgment of an item above a
// wrong one of the same item, not how well it tells hard items from easy ones (a meta RM trained with BCE can
// score well over all judgments and near chance within items: docs/synth.md, session 14). For comparison, the
// same within-item measure for the signal plain voting already uses: how many of the item's other judgments
// share a judgment's verdict.
#pragma once

#include <optional>
#include <vector>

#include "eval/eval_set.h"
#include "eval/scaling.h"

namespace grm {

struct MetaRanking {
  long judgments = 0;           // valid judgments of labelled items that carry a meta score
  double auc = 0;               // ROC-AUC of the meta score over all of them (right = positive; ties count half)
  long within_pairs = 0;        // (right, wrong) pairs of judgments of the same item
  double within_auc = 0;        // fraction of those pairs the meta score orders right (ties count half)
  double agreement_within_auc = 0;  // the same for agreement: the number of the item's other valid judgments with the
                                    // same verdict (n >= 2: the unique top response, none for a tie; n = 1: the score)
};

// nullopt when no valid judgment of a labelled item has a meta score, or when no item has both a right and a wrong one.
std::optional<MetaRanking> compute_meta_ranking(const EvalSet& set, const std::vector<ItemPool>& pools);

}  // namespace grm
