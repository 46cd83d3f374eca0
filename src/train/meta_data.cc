#include "train/meta_data.h"

#include <optional>

#include <fmt/format.h>

#include "core/rules.h"
#include "train/judge_record.h"

namespace grm {

Result<MetaData> read_meta_data(const std::string& path, const LlamaModel& vocab, int max_len) {
  MetaData out;
  auto st = read_jsonl_records(path, [&](const nlohmann::json& j, int no) -> std::string {
    auto rec = parse_judge_record(j);
    if (!rec) return rec.error().message;
    const std::string& trajectory = rec->trajectory;
    MetaExample ex;
    ex.line = no;
    ex.item_key = item_to_json(rec->item).dump();
    std::optional<RuleVerdict> rule;
    if (rec->item.has_label()) rule = judge_by_rule(trajectory, rec->order, rec->item, rec->kind);
    if (j.contains("label")) {
      const auto& l = j["label"];
      if (l.is_boolean()) ex.label = l.get<bool>() ? 1.0f : 0.0f;
      else if (l.is_number_integer() && (l.get<int>() == 0 || l.get<int>() == 1)) ex.label = static_cast<float>(l.get<int>());
      else return "field 'label': expected 1, 0, true or false";
    } else {
      if (!rule) return "no field 'label' and the item has no label to judge the trajectory by";
      ex.label = rule->correct ? 1.0f : 0.0f;
    }
    // The margin needs the item's own label (rft-data's records carry both it and "label"); without one, the
    // record's label is all there is.
    if (rule) ex.margin = rule->valid ? rule->margin : kUnparseableMargin;
    else ex.margin = ex.label > 0.5f ? 1 : -1;
    PromptOptions po;
    po.kind = rec->kind;
    ex.tokens = vocab.tokenize(render_meta_prompt(rec->item, rec->order, trajectory, po), true, false);
    if (static_cast<int>(ex.tokens.size()) > max_len)
      return fmt::format("{} tokens exceed the training context of {}; raise --ctx or drop the record", ex.tokens.size(), max_len);
    out.examples.push_back(std::move(ex));
    return "";
  }, &out.errors);
  if (!st) return st.error();
  return out;
}

}  // namespace grm
