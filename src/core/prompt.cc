#include "core/prompt.h"

#include <fmt/format.h>

#include <cassert>
#include <map>
#include <stdexcept>
#include <string_view>

#include "core/prompt_templates.h"

namespace grm {
namespace {

struct KindInfo {
  TemplateKind kind;
  const char* name;  // --template and the "template" field of training records
  const char* file;  // templates/<file>.txt
  bool single;
};
constexpr KindInfo kKinds[] = {
    {TemplateKind::kDefault, "default", "default", false},
    {TemplateKind::kSingleBinary, "single", "single_binary", true},
    {TemplateKind::kCompact, "compact", "compact", false},
    {TemplateKind::kCompactSingle, "compact_single", "compact_single", true},
};

const KindInfo& info(TemplateKind kind) {
  for (const auto& k : kKinds)
    if (k.kind == kind) return k;
  throw std::logic_error("unknown TemplateKind");
}

const char* file_for(TemplateKind kind) { return info(kind).file; }

// Replaces each "{key}" of `values` found in `tmpl` in a single left-to-right pass.
std::string fill(std::string_view tmpl, const std::map<std::string, std::string_view>& values) {
  std::string out;
  out.reserve(tmpl.size() + 1024);
  size_t i = 0;
  while (i < tmpl.size()) {
    size_t open = tmpl.find('{', i);
    if (open == std::string_view::npos) break;
    size_t close = tmpl.find('}', open);
    bool replaced = false;
    if (close != std::string_view::npos) {
      auto it = values.find(std::string(tmpl.substr(open + 1, close - open - 1)));
      if (it != values.end()) {
        out.append(tmpl.substr(i, open - i));
        out.append(it->second);
        i = close + 1;
        replaced = true;
      }
    }
    if (!replaced) {
      out.append(tmpl.substr(i, open + 1 - i));
      i = open + 1;
    }
  }
  out.append(tmpl.substr(i));
  return out;
}

std::string role_title(const std::string& role) {
  if (role == "user") return "User";
  if (role == "assistant") return "Assistant";
  if (role == "system") return "System";
  return role;
}

}  // namespace

Result<TemplateKind> template_kind_from_name(const std::string& name) {
  for (const auto& k : kKinds)
    if (name == k.name || name == k.file) return k.kind;
  return Error{fmt::format("unknown template '{}': expected default, single, compact or compact_single", name)};
}

const char* template_kind_name(TemplateKind kind) { return info(kind).name; }

bool is_single(TemplateKind kind) { return info(kind).single; }

TemplateKind single_of(TemplateKind kind) {
  return kind == TemplateKind::kCompact || kind == TemplateKind::kCompactSingle ? TemplateKind::kCompactSingle
                                                                                 : TemplateKind::kSingleBinary;
}

TemplateKind multi_of(TemplateKind kind) {
  return kind == TemplateKind::kCompact || kind == TemplateKind::kCompactSingle ? TemplateKind::kCompact
                                                                                 : TemplateKind::kDefault;
}

TemplateKind kind_for_item(const Item& item, TemplateKind family) { return item.correct ? single_of(family) : multi_of(family); }

ScoreRange score_range(TemplateKind kind) { return is_single(kind) ? ScoreRange{0, 1} : ScoreRange{1, 10}; }

const std::string& template_text(const std::string& name) {
  for (const auto& t : embedded_templates())
    if (t.name == name) return t.text;
  throw std::invalid_argument("no compiled-in template named " + name);
}

std::string render_conversation(const std::vector<Message>& conversation, const std::string& turn_format) {
  if (conversation.size() == 1 && conversation[0].role == "user") return conversation[0].content;
  std::string out;
  for (size_t i = 0; i < conversation.size(); ++i) {
    if (i) out += '\n';
    const std::string role = role_title(conversation[i].role);
    out += fill(turn_format, {{"role", role}, {"content", conversation[i].content}});
  }
  return out;
}

std::string render_responses(const Item& item, const std::vector<int>& order, TemplateKind kind) {
  assert(static_cast<int>(order.size()) == item.n());
  std::string out;
  if (is_single(kind)) {
    assert(item.n() == 1);
    return "[The Begin of Response]\n" + item.responses[0] + "\n[The End of Response]\n";
  }
  for (size_t p = 0; p < order.size(); ++p) {
    out += fmt::format("[The Begin of Response {}]\n", p + 1);
    out += item.responses[order[p]];
    out += fmt::format("\n[The End of Response {}]\n", p + 1);
  }
  return out;
}

std::string render_judge_prompt(const Item& item, const std::vector<int>& order, const PromptOptions& opts,
                                std::optional<int> hint_position) {
  const std::string conv = render_conversation(item.conversation, opts.turn_format);
  const std::string resp = render_responses(item, order, opts.kind);
  std::string out = fill(template_text(file_for(opts.kind)), {{"conversation", conv}, {"responses", resp}});
  if (hint_position) {
    if (!out.empty() && out.back() != '\n') out += '\n';
    out += fmt::format("The best response is: Response {}", *hint_position + 1);
  }
  return out;
}

std::string render_meta_prompt(const Item& item, const std::vector<int>& order, const std::string& trajectory,
                               const PromptOptions& opts) {
  const std::string conv = render_conversation(item.conversation, opts.turn_format);
  const TemplateKind blocks = item.n() == 1 && is_single(opts.kind) ? opts.kind : multi_of(opts.kind);
  const std::string resp = render_responses(item, order, blocks);
  return fill(template_text("meta_rm"), {{"conversation", conv}, {"responses", resp}, {"trajectory", trajectory}});
}

std::string judge_prompt_header(TemplateKind kind) {
  const std::string& t = template_text(file_for(kind));
  return t.substr(0, t.find("{conversation}"));
}

}  // namespace grm
