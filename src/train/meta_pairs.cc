#include "train/meta_pairs.h"

#include <string_view>
#include <unordered_map>

namespace grm {

MetaPairs make_within_item_pairs(const MetaData& data) {
  std::unordered_map<std::string_view, size_t> group_of;
  std::vector<std::vector<int>> groups;  // indices into data.examples, by item in order of first appearance
  for (size_t i = 0; i < data.examples.size(); ++i) {
    auto [it, fresh] = group_of.emplace(data.examples[i].item_key, groups.size());
    if (fresh) groups.emplace_back();
    groups[it->second].push_back(static_cast<int>(i));
  }
  MetaPairs out;
  for (const auto& g : groups) {
    std::vector<int> right, wrong;
    for (int i : g) (data.examples[i].label > 0.5f ? right : wrong).push_back(i);
    if (right.empty() || wrong.empty()) {
      ++out.items_one_sided;
      continue;
    }
    ++out.items;
    for (int r : right)
      for (int w : wrong) {
        out.pairs.examples.push_back(data.examples[r]);
        out.pairs.examples.push_back(data.examples[w]);
      }
  }
  return out;
}

}  // namespace grm
