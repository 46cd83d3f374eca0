#include "train/meta_data.h"

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
    if (j.contains("label")) {
      const auto& l = j["label"];
      if (l.is_boolean()) ex.label = l.get<bool>() ? 1.0f : 0.0f;
      else if (l.is_number_integer() && (l.get<int>() == 0 || l.get<int>() == 1)) ex.label = static_cast<float>(l.get<int>());
      else return "field 'label': expected 1, 0, true or false";
      ex.margin = ex.label > 0.5f ? 1 : -1;
    } else {
      if (!rec->item.has_label()) return "no field 'label' and the item has no label to judge the trajectory by";
      const RuleVerdict v = judge_by_rule(trajectory, rec->order, rec->item, rec->kind);
      ex.label = v.correct ? 1.0f : 0.0f;
      ex.margin = v.valid ? v.margin : kUnparseableMargin;
    }
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
