// Reading canonical items from a JSONL file (or stdin) with errors that name file, line and field.
#pragma once

#include <string>
#include <vector>

#include "core/item.h"
#include "core/status.h"

namespace grm {

struct ItemLine {
  int line = 0;           // 1-based line number in the input
  Result<Item> item;      // the parsed item, or why the line is invalid
};

struct ItemFile {
  std::string name;             // the path, or "<stdin>"
  std::vector<ItemLine> lines;  // blank lines are skipped
  int invalid = 0;              // lines whose item is an error

  // "name:line: message" for every invalid line, in input order.
  std::vector<std::string> error_messages() const;
};

// path "-" reads standard input. Fails only when the file cannot be opened or read; invalid lines (malformed
// JSON, missing or ill-typed fields, an id already used on an earlier line) are reported per line.
Result<ItemFile> read_item_file(const std::string& path);

}  // namespace grm
