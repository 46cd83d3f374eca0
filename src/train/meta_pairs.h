// Within-item ranking pairs for the meta RM (`grm train meta --objective pairs`).
//
// MetaRM@k (SPEC §4) only compares the k judgments of one item with each other: it keeps the k_meta with the
// highest scores. What decides its accuracy is therefore how well the meta RM ranks a right judgment of an item
// above a wrong one of the same item, not how well it tells hard items from easy ones. Binary cross-entropy on
// single judgments learns mostly the latter (the shipped judge's test pool: ROC-AUC 0.71-0.76 over all judgments,
// 0.55-0.62 between judgments of the same item). The pairwise objective trains the head on exactly the comparison
// MetaRM@k makes: loss -log sigmoid(z_right - z_wrong) over every (right, wrong) pair of judgments of one item
// (train/meta_loss.h, pairwise mode). Its scores rank; they are not calibrated probabilities.
#pragma once

#include "train/meta_data.h"

namespace grm {

struct MetaPairs {
  MetaData pairs;            // examples 2p (right) and 2p + 1 (wrong) form pair p, as train_bt() takes them
  int items = 0;             // items with at least one pair
  int items_one_sided = 0;   // items whose judgments are all right or all wrong: nothing to rank, skipped
};

// Groups data.examples by MetaExample::item_key and pairs each right judgment with each wrong one of its item.
// Pairs come in the order of the items' first records, then of the right judgments, then of the wrong ones.
MetaPairs make_within_item_pairs(const MetaData& data);

}  // namespace grm
