#include "core/item.h"

#include <fmt/format.h>

namespace grm {
namespace {

const char* type_name(const nlohmann::json& v) { return v.type_name(); }

Error field_error(std::string_view field, std::string_view what) {
  return Error{fmt::format("field '{}': {}", field, what)};
}

Result<std::vector<Message>> conversation_from_json(const nlohmann::json& j) {
  std::vector<Message> conv;
  if (j.contains("conversation")) {
    const auto& c = j["conversation"];
    if (!c.is_array()) return field_error("conversation", fmt::format("expected an array, got {}", type_name(c)));
    if (c.empty()) return field_error("conversation", "is empty; it needs at least the user's query");
    for (size_t i = 0; i < c.size(); ++i) {
      const auto& m = c[i];
      const std::string where = fmt::format("conversation[{}]", i);
      if (!m.is_object()) return field_error(where, fmt::format("expected an object, got {}", type_name(m)));
      if (!m.contains("role") || !m["role"].is_string()) return field_error(where + ".role", "missing or not a string");
      if (!m.contains("content") || !m["content"].is_string())
        return field_error(where + ".content", "missing or not a string");
      std::string role = m["role"].get<std::string>();
      if (role != "user" && role != "assistant" && role != "system")
        return field_error(where + ".role", fmt::format("'{}' is not one of user, assistant, system", role));
      conv.push_back({std::move(role), m["content"].get<std::string>()});
    }
    if (conv.back().role != "user")
      return field_error("conversation", "must end with a user turn (the query the responses answer)");
  } else if (j.contains("prompt")) {
    if (!j["prompt"].is_string()) return field_error("prompt", fmt::format("expected a string, got {}", type_name(j["prompt"])));
    conv.push_back({"user", j["prompt"].get<std::string>()});
  } else {
    return Error{"missing field 'conversation' (or 'prompt')"};
  }
  return conv;
}

}  // namespace

Result<Item> item_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return Error{fmt::format("expected a JSON object, got {}", type_name(j))};
  Item item;
  if (!j.contains("id")) return Error{"missing field 'id'"};
  const auto& id = j["id"];
  if (id.is_string()) {
    item.id = id.get<std::string>();
  } else if (id.is_number_integer()) {
    item.id = std::to_string(id.get<long long>());
  } else {
    return field_error("id", fmt::format("expected a string, got {}", type_name(id)));
  }
  if (item.id.empty()) return field_error("id", "is empty");

  auto conv = conversation_from_json(j);
  if (!conv) return conv.error();
  item.conversation = std::move(conv.value());

  if (!j.contains("responses")) return Error{"missing field 'responses'"};
  const auto& r = j["responses"];
  if (!r.is_array()) return field_error("responses", fmt::format("expected an array, got {}", type_name(r)));
  if (r.empty()) return field_error("responses", "is empty; an item needs at least one response");
  for (size_t i = 0; i < r.size(); ++i) {
    if (!r[i].is_string())
      return field_error(fmt::format("responses[{}]", i), fmt::format("expected a string, got {}", type_name(r[i])));
    item.responses.push_back(r[i].get<std::string>());
  }

  if (j.contains("label") && !j["label"].is_null()) {
    const auto& l = j["label"];
    if (!l.is_object() || l.size() != 1 || !(l.contains("best") || l.contains("correct")))
      return field_error("label", "expected {\"best\": index} or {\"correct\": 0|1}");
    if (l.contains("best")) {
      if (!l["best"].is_number_integer()) return field_error("label.best", "expected an integer");
      int b = l["best"].get<int>();
      if (item.n() < 2) return field_error("label.best", "needs at least 2 responses; use {\"correct\": 0|1} for one");
      if (b < 0 || b >= item.n())
        return field_error("label.best", fmt::format("{} is out of range 0..{}", b, item.n() - 1));
      item.best = b;
    } else {
      if (!l["correct"].is_number_integer()) return field_error("label.correct", "expected 0 or 1");
      int c = l["correct"].get<int>();
      if (c != 0 && c != 1) return field_error("label.correct", fmt::format("expected 0 or 1, got {}", c));
      if (item.n() != 1) return field_error("label.correct", "applies to items with exactly one response");
      item.correct = c;
    }
  }
  if (j.contains("meta")) item.meta = j["meta"];
  return item;
}

Result<Item> parse_item_line(std::string_view line) {
  nlohmann::json j = nlohmann::json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    // Re-parse with exceptions to get the position of the syntax error.
    try {
      (void)nlohmann::json::parse(line.begin(), line.end());
    } catch (const nlohmann::json::parse_error& e) {
      return Error{fmt::format("malformed JSON at byte {}", e.byte)};
    }
    return Error{"malformed JSON"};
  }
  return item_from_json(j);
}

nlohmann::json item_to_json(const Item& item) {
  nlohmann::json j;
  j["id"] = item.id;
  j["conversation"] = nlohmann::json::array();
  for (const auto& m : item.conversation) j["conversation"].push_back({{"role", m.role}, {"content", m.content}});
  j["responses"] = item.responses;
  if (item.best) j["label"] = {{"best", *item.best}};
  if (item.correct) j["label"] = {{"correct", *item.correct}};
  if (!item.meta.is_null()) j["meta"] = item.meta;
  return j;
}

}  // namespace grm
