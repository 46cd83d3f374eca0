#include "train/bt_data.h"

#include <fmt/format.h>

#include "core/prompt.h"

namespace grm {

Item scalar_rm_item(const Item& item, int response) {
  Item one;
  one.id = item.id;
  one.conversation = item.conversation;
  one.responses = {item.responses[response]};
  return one;
}

std::vector<int32_t> scalar_rm_tokens(const Item& item, int response, const LlamaModel& vocab) {
  const MetaSample s = scalar_rm_sample();
  return vocab.tokenize(render_meta_prompt(scalar_rm_item(item, response), s.order, s.trajectory, PromptOptions{}), true, false);
}

Result<BtData> make_bt_data(const std::vector<Item>& items, const LlamaModel& vocab, int max_len) {
  BtData d;
  for (const Item& it : items) {
    if (!it.best || it.n() < 2) {
      ++d.items_skipped;
      continue;
    }
    ++d.items_used;
    const auto chosen = scalar_rm_tokens(it, *it.best, vocab);
    for (int r = 0; r < it.n(); ++r) {
      if (r == *it.best) continue;
      MetaExample a{chosen, 1.0f, 0}, b{scalar_rm_tokens(it, r, vocab), 0.0f, 0};
      for (const auto* ex : {&a, &b})
        if (static_cast<int>(ex->tokens.size()) > max_len)
          return Error{fmt::format("item '{}': {} tokens exceed the training context of {}", it.id, ex->tokens.size(), max_len)};
      d.pairs.examples.push_back(std::move(a));
      d.pairs.examples.push_back(std::move(b));
    }
  }
  return d;
}

}  // namespace grm
