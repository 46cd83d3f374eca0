#include "engine/verdict_grammar.h"

#include <fmt/format.h>

namespace grm {

std::string verdict_grammar(int n, ScoreRange range) {
  std::string num;
  if (range.lo == 1 && range.hi == 10) {
    num = "[1-9] | \"10\"";
  } else {
    for (int v = range.lo; v <= range.hi; ++v) num += fmt::format("{}\"{}\"", v == range.lo ? "" : " | ", v);
  }
  std::string list = "num";
  for (int i = 1; i < n; ++i) list += " \",\" \" \"? num";
  return fmt::format("root ::= \"Scores:\" \"**\"? \" \"? \"\\\\boxed{{\" {} \"}}\"\nnum ::= {}\n", list, num);
}

const char* verdict_trigger_pattern() { return "[\\s\\S]*?(Scores:)[\\s\\S]*"; }

int verdict_tail_tokens(int n) { return 4 * n + 2; }

int verdict_reserve_tokens(int n, int prefix_tokens) { return prefix_tokens + verdict_tail_tokens(n); }

}  // namespace grm
