#include "pipeline/item_reader.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <unordered_map>

namespace grm {

std::vector<std::string> ItemFile::error_messages() const {
  std::vector<std::string> out;
  for (const auto& l : lines)
    if (!l.item) out.push_back(fmt::format("{}:{}: {}", name, l.line, l.item.error().message));
  return out;
}

Result<ItemFile> read_item_file(const std::string& path) {
  ItemFile f;
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path == "-") {
    f.name = "<stdin>";
  } else {
    f.name = path;
    file.open(path, std::ios::binary);
    if (!file) return Error{fmt::format("cannot open input '{}': {}", path, std::strerror(errno))};
    in = &file;
  }
  std::unordered_map<std::string, int> first_line;
  std::string line;
  int no = 0;
  while (std::getline(*in, line)) {
    ++no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    ItemLine il{no, parse_item_line(line)};
    if (il.item) {
      auto [it, inserted] = first_line.emplace(il.item->id, no);
      if (!inserted)
        il.item = Error{fmt::format("field 'id': '{}' was already used on line {}", il.item->id, it->second)};
    }
    if (!il.item) ++f.invalid;
    f.lines.push_back(std::move(il));
  }
  if (in->bad()) return Error{fmt::format("error reading input '{}': {}", f.name, std::strerror(errno))};
  return f;
}

}  // namespace grm
