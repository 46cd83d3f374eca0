#include "core/jsonl_records.h"

#include <fmt/format.h>

#include <fstream>

namespace grm {

Status read_jsonl_records(const std::string& path, const std::function<std::string(const nlohmann::json&, int)>& on_record,
                          std::vector<std::string>* errors, const std::string& what) {
  std::ifstream f(path);
  if (!f) return Error{fmt::format("cannot open {} '{}'", what, path)};
  std::string line;
  int no = 0;
  while (std::getline(f, line)) {
    ++no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    std::string why = j.is_discarded() || !j.is_object() ? "malformed JSON" : on_record(j, no);
    if (!why.empty()) errors->push_back(fmt::format("{}:{}: {}", path, no, why));
  }
  return Ok{};
}

}  // namespace grm
