// Within-item ranking pairs for the meta RM (`grm train meta --objective pairs | margin`).
//
// MetaRM@k (SPEC §4) only compares the k judgments of one item with each other: it keeps the k_meta with the
// highest scores. What decides its accuracy is therefore how well the meta RM ranks the judgments of an item
// against each other, not how well it tells hard items from easy ones. Binary cross-entropy on single judgments
// learns mostly the latter (the shipped judge's test pool: ROC-AUC 0.71-0.76 over all judgments, 0.55-0.62
// between judgments of the same item). The pairwise objectives train the head on the comparison MetaRM@k makes:
// loss -log sigmoid(z_higher - z_lower) over pairs of judgments of one item (train/meta_loss.h, pairwise mode),
// where "higher" is
//   - kRightOverWrong (`pairs`): right, against wrong;
//   - kLargerMargin (`margin`): the larger judgment_margin (core/rules.h), the quantity the vote sums. A wrong
//     judgment that scores the true best 1 below another costs the vote less than one that scores it 8 below,
//     and a right one with a wide margin carries more than a narrow one; ranking right over wrong alone can
//     prefer confident judgments of either kind (session 14: within-item AUC 0.66, yet MetaRM@32 below
//     voting on the test pool, where selecting by the true margin would reach 96.5% on n >= 2). Measured in
//     session 15 on the shipped 4 x 128 judge as backbone: the head learns little of the margin (Spearman 0.15)
//     and does not beat voting either, nor on the 6 x 192 one (session 16; docs/synth.md).
// Their scores rank; they are not calibrated probabilities.
#pragma once

#include "train/meta_data.h"

namespace grm {

enum class PairRule { kRightOverWrong, kLargerMargin };

struct MetaPairs {
  MetaData pairs;            // examples 2p (higher) and 2p + 1 (lower) form pair p, as train_bt() takes them
  int items = 0;             // items with at least one pair
  int items_one_sided = 0;   // items whose judgments all rank alike (all right, all wrong, one margin): skipped
};

// Groups data.examples by MetaExample::item_key and pairs each judgment with each lower-ranked one of its item
// under `rule`. Pairs come in the order of the items' first records, then of the higher judgments, then of the
// lower ones.
MetaPairs make_within_item_pairs(const MetaData& data, PairRule rule = PairRule::kRightOverWrong);

}  // namespace grm
