// The canonical item: one conversation, n >= 1 responses to its last user turn, an optional ground truth.
//
// Wire format (one JSON object per line; ../shared/BENCHMARKS.md "Canonical item format"):
//   {"id": str, "conversation": [{"role": "user"|"assistant"|"system", "content": str}, ...],
//    "responses": [str, ...], "label": {"best": int} | {"correct": 0|1} (optional), "meta": {...} (optional)}
// "prompt": str may stand in for a one-turn conversation. A numeric id is accepted and kept as its decimal
// string.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace grm {

struct Message {
  std::string role;  // "user", "assistant" or "system"
  std::string content;
};

struct Item {
  std::string id;
  std::vector<Message> conversation;  // non-empty; the last turn is the user's query
  std::vector<std::string> responses;  // n >= 1
  std::optional<int> best;             // 0-based index of the best response (n >= 2)
  std::optional<int> correct;          // 0 or 1 (n == 1)
  nlohmann::json meta;                 // carried through untouched; null when absent

  int n() const { return static_cast<int>(responses.size()); }
  bool has_label() const { return best.has_value() || correct.has_value(); }
};

// Validates and converts one decoded JSON value. On failure the message names the field at fault
// (e.g. "field 'responses[2]': expected a string"); the caller adds file and line.
Result<Item> item_from_json(const nlohmann::json& j);

// Parses one line of JSONL. Never throws.
Result<Item> parse_item_line(std::string_view line);

nlohmann::json item_to_json(const Item& item);

}  // namespace grm
