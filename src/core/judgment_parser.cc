#include "core/judgment_parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace grm {
namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }
bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Strips whitespace and markdown emphasis ('*', '_', '#') from both ends.
std::string_view trim_markup(std::string_view s) {
  auto junk = [](char c) { return is_space(c) || c == '*' || c == '_' || c == '#'; };
  while (!s.empty() && junk(s.front())) s.remove_prefix(1);
  while (!s.empty() && junk(s.back())) s.remove_suffix(1);
  return s;
}

size_t ifind(std::string_view hay, std::string_view needle, size_t from = 0) {
  if (needle.empty() || hay.size() < needle.size()) return std::string_view::npos;
  for (size_t i = from; i + needle.size() <= hay.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && lower(hay[i + k]) == lower(needle[k])) ++k;
    if (k == needle.size()) return i;
  }
  return std::string_view::npos;
}

bool istarts_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && ifind(s.substr(0, p.size()), p) == 0;
}

// The first "Scores" label followed (after optional '*' and spaces) by ':'. Returns its start, and sets
// `after` to the position just past the colon; npos when there is none.
size_t find_scores_label(std::string_view text, size_t* after = nullptr) {
  size_t pos = 0;
  while ((pos = ifind(text, "scores", pos)) != std::string_view::npos) {
    size_t j = pos + 6;
    while (j < text.size() && (text[j] == '*' || text[j] == ' ')) ++j;
    if (j < text.size() && text[j] == ':') {
      if (after) *after = j + 1;
      return pos;
    }
    pos += 6;
  }
  return std::string_view::npos;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

// Parses the verdict into `out`. Returns false with out.invalid_reason set.
bool parse_verdict(std::string_view text, int n, ScoreRange range, ParsedJudgment& out) {
  size_t after_label = 0;
  if (find_scores_label(text, &after_label) == std::string_view::npos) {
    out.invalid_reason = "no 'Scores:' line";
    return false;
  }
  size_t box = text.rfind("\\boxed{");
  if (box == std::string_view::npos || box < after_label) {
    out.invalid_reason = "no \\boxed{...} after 'Scores:'";
    return false;
  }
  size_t open = box + 7;
  size_t close = text.find('}', open);
  if (close == std::string_view::npos) {
    out.invalid_reason = "\\boxed{ is not closed";
    return false;
  }
  std::string_view inner = text.substr(open, close - open);
  std::vector<int> scores;
  size_t start = 0;
  while (true) {
    size_t comma = inner.find(',', start);
    std::string_view field = trim_markup(inner.substr(start, comma == std::string_view::npos ? inner.npos : comma - start));
    int v = 0;
    auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
    if (field.empty() || ec != std::errc() || ptr != field.data() + field.size()) {
      out.invalid_reason = fmt::format("score '{}' is not an integer", field.substr(0, 40));
      return false;
    }
    if (v < range.lo || v > range.hi) {
      out.invalid_reason = fmt::format("score {} is outside {}..{}", v, range.lo, range.hi);
      return false;
    }
    scores.push_back(v);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (static_cast<int>(scores.size()) != n) {
    out.invalid_reason = fmt::format("expected {} score{}, found {}", n, n == 1 ? "" : "s", scores.size());
    return false;
  }
  out.scores = std::move(scores);
  return true;
}

// "1. **Name** (Weight: 30%): text", "Principle 1: Name (Weight: 4)", "- Name (Weight: 20%)".
std::optional<Principle> parse_principle_line(std::string_view line) {
  size_t w = ifind(line, "weight");
  if (w == std::string_view::npos) return std::nullopt;
  Principle p;
  // Weight: first number after "weight".
  size_t i = w + 6;
  while (i < line.size() && !is_digit(line[i]) && line[i] != '\n' && i < w + 16) ++i;
  if (i < line.size() && is_digit(line[i])) {
    size_t j = i;
    while (j < line.size() && (is_digit(line[j]) || line[j] == '.')) ++j;
    double v = 0;
    auto [ptr, ec] = std::from_chars(line.data() + i, line.data() + j, v);
    if (ec == std::errc()) p.weight = v;
  }
  // Name: the text before "(Weight" / "Weight", after the last ':' ("Specific Criteria: Principle 1: Name"),
  // minus numbering and markup.
  std::string_view head = line.substr(0, w);
  while (!head.empty() && (is_space(head.back()) || head.back() == '(' || head.back() == '[' || head.back() == '-' ||
                           head.back() == ',' || head.back() == ':' || head.back() == '*')) {
    head.remove_suffix(1);
  }
  size_t colon = head.rfind(':');
  if (colon != std::string_view::npos) head = head.substr(colon + 1);
  head = trim_markup(head);
  if (istarts_with(head, "principle")) {
    head.remove_prefix(9);
    head = trim(head);
  }
  while (!head.empty() && (is_digit(head.front()) || head.front() == '.' || head.front() == ')' || head.front() == '-')) {
    head.remove_prefix(1);
  }
  head = trim_markup(head);
  if (head.empty()) return std::nullopt;
  p.name = std::string(head.substr(0, 200));
  return p;
}

// Returns the 1-based response number a line introduces ("- **Response 2**: ...", "Response 2:"), 0 for an
// unnumbered "Response:", or -1. `rest` receives the text after the label.
int response_label(std::string_view line, std::string_view& rest) {
  std::string_view s = line;
  while (!s.empty() && (is_space(s.front()) || s.front() == '-' || s.front() == '*' || s.front() == '#')) s.remove_prefix(1);
  if (!istarts_with(s, "response")) return -1;
  s.remove_prefix(8);
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  int num = 0;
  size_t digits = 0;
  while (digits < s.size() && is_digit(s[digits]) && digits < 4) num = num * 10 + (s[digits++] - '0');
  s.remove_prefix(digits);
  while (!s.empty() && (s.front() == '*' || s.front() == ' ')) s.remove_prefix(1);
  if (s.empty() || s.front() != ':') return -1;
  rest = trim_markup(s.substr(1));
  return digits ? num : 0;
}

}  // namespace

ParsedJudgment parse_judgment(std::string_view text, int n, ScoreRange range) {
  ParsedJudgment out;
  if (n < 1) {
    out.invalid_reason = "no responses";
    return out;
  }
  out.analysis.assign(n, std::nullopt);
  out.valid = parse_verdict(text, n, range, out);

  // Structure is read from the text before the line that holds the first "Scores:" label.
  size_t body_end = find_scores_label(text);
  if (body_end == std::string_view::npos) {
    body_end = text.size();
  } else {
    size_t nl = text.rfind('\n', body_end);
    body_end = nl == std::string_view::npos ? 0 : nl;
  }
  const std::string_view body = text.substr(0, body_end);
  const size_t analysis_at = ifind(body, "analysis");
  const std::string_view criteria = body.substr(0, analysis_at == std::string_view::npos ? body.size() : analysis_at);
  for (std::string_view line : split_lines(criteria)) {
    if (auto p = parse_principle_line(line)) out.principles.push_back(std::move(*p));
  }

  int current = -1;  // 0-based position whose analysis is being collected
  const std::string_view analysis_text =
      analysis_at == std::string_view::npos ? std::string_view{} : body.substr(analysis_at);
  bool first = true;
  for (std::string_view line : split_lines(analysis_text)) {
    std::string_view rest;
    if (first) {  // the "Analysis:" line itself may carry the first response's label after the colon
      first = false;
      size_t colon = line.find(':');
      line = colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
    }
    int label = response_label(line, rest);
    if (label >= 0) {
      int pos = label == 0 ? (n == 1 ? 0 : -1) : label - 1;
      current = (pos >= 0 && pos < n) ? pos : -1;
      if (current >= 0) out.analysis[current] = std::string(rest);
    } else if (current >= 0 && !trim(line).empty()) {
      std::string& a = *out.analysis[current];
      if (!a.empty()) a += '\n';
      a += trim(line);
    }
  }
  return out;
}

}  // namespace grm
