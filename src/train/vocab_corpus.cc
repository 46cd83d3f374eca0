#include "train/vocab_corpus.h"

#include <sstream>

#include "core/prompt.h"
#include "train/judge_record.h"

namespace grm {
namespace {

void append_lines(const std::string& text, std::vector<std::string>* out) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out->push_back(std::move(line));
}

}  // namespace

Result<VocabCorpus> vocab_corpus_from_records(const std::vector<std::string>& paths) {
  VocabCorpus c;
  for (const auto& path : paths) {
    auto st = read_jsonl_records(
        path,
        [&](const nlohmann::json& j, int) -> std::string {
          auto r = parse_judge_record(j);
          if (!r) return r.error().message;
          PromptOptions po;
          po.kind = r->kind;
          std::optional<int> hint;
          if (r->item.best)
            for (int p = 0; p < r->item.n(); ++p)
              if (r->order[p] == *r->item.best) hint = p;
          append_lines(render_judge_prompt(r->item, r->order, po, hint), &c.lines);
          append_lines(render_meta_prompt(r->item, r->order, r->trajectory, po), &c.lines);
          ++c.records;
          return "";
        },
        &c.errors);
    if (!st) return st.error();
  }
  return c;
}

}  // namespace grm
