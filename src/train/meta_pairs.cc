#include "train/meta_pairs.h"

#include <string_view>
#include <unordered_map>

namespace grm {

MetaPairs make_within_item_pairs(const MetaData& data, PairRule rule) {
  std::unordered_map<std::string_view, size_t> group_of;
  std::vector<std::vector<int>> groups;  // indices into data.examples, by item in order of first appearance
  for (size_t i = 0; i < data.examples.size(); ++i) {
    auto [it, fresh] = group_of.emplace(data.examples[i].item_key, groups.size());
    if (fresh) groups.emplace_back();
    groups[it->second].push_back(static_cast<int>(i));
  }
  auto rank = [&](int i) {
    const MetaExample& e = data.examples[i];
    return rule == PairRule::kLargerMargin ? static_cast<float>(e.margin) : (e.label > 0.5f ? 1.0f : 0.0f);
  };
  MetaPairs out;
  for (const auto& g : groups) {
    const size_t before = out.pairs.examples.size();
    for (int hi : g)
      for (int lo : g)
        if (rank(hi) > rank(lo)) {
          out.pairs.examples.push_back(data.examples[hi]);
          out.pairs.examples.push_back(data.examples[lo]);
        }
    (out.pairs.examples.size() > before ? out.items : out.items_one_sided)++;
  }
  return out;
}

}  // namespace grm
