#include "train/judge_record.h"

#include <fmt/format.h>

#include "core/response_order.h"

namespace grm {

Result<JudgeRecord> parse_judge_record(const nlohmann::json& j) {
  if (!j.contains("item")) return Error{"missing field 'item'"};
  auto item = item_from_json(j["item"]);
  if (!item) return Error{"field 'item': " + item.error().message};
  JudgeRecord r;
  r.item = std::move(item.value());
  r.order.resize(r.item.n());
  for (int i = 0; i < r.item.n(); ++i) r.order[i] = i;
  if (j.contains("order")) {
    if (!j["order"].is_array()) return Error{"field 'order': expected an array"};
    std::vector<int> o;
    for (const auto& v : j["order"]) o.push_back(v.is_number_integer() ? v.get<int>() : -1);
    if (!is_order_of(o, r.item.n())) return Error{fmt::format("field 'order': not a permutation of 0..{}", r.item.n() - 1)};
    r.order = std::move(o);
  }
  if (j.contains("template")) {
    auto k = template_kind_from_name(j["template"].is_string() ? j["template"].get<std::string>() : "?");
    if (!k) return Error{"field 'template': " + k.error().message};
    r.kind = k.value();
    if (is_single(r.kind) && r.item.n() != 1) return Error{"field 'template': single needs exactly one response"};
  }
  if (!j.contains("trajectory") || !j["trajectory"].is_string()) return Error{"missing field 'trajectory' (a string)"};
  r.trajectory = j["trajectory"].get<std::string>();
  return r;
}

}  // namespace grm
