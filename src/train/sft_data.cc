#include "train/sft_data.h"

#include <fmt/format.h>

#include "core/prompt.h"
#include "train/judge_record.h"

namespace grm {

Result<SftData> read_sft_data(const std::string& path, const LlamaModel& vocab, int max_len) {
  SftData out;
  const llama_token eos = llama_vocab_eos(vocab.vocab());
  auto st = read_jsonl_records(path, [&](const nlohmann::json& j, int no) -> std::string {
    std::string prompt, completion;
    if (j.contains("prompt") && j.contains("completion") && !j.contains("item")) {
      if (!j["prompt"].is_string() || !j["completion"].is_string()) return "fields 'prompt' and 'completion' must be strings";
      prompt = j["prompt"].get<std::string>();
      completion = j["completion"].get<std::string>();
    } else {
      if (!j.contains("item")) return "missing field 'item' (or a 'prompt'/'completion' pair)";
      auto rec = parse_judge_record(j);
      if (!rec) return rec.error().message;
      PromptOptions po;
      po.kind = rec->kind;
      prompt = render_judge_prompt(rec->item, rec->order, po);
      completion = rec->trajectory;
    }
    SftExample ex;
    ex.line = no;
    // Prompt and completion are tokenized together, as the model sees them when it generates; the prompt's
    // own tokenization marks where training starts (a token merging across the boundary is trained on).
    ex.tokens = vocab.tokenize(prompt + completion, true, false);
    const auto p = vocab.tokenize(prompt, true, false);
    size_t shared = 0;
    while (shared < p.size() && shared < ex.tokens.size() && p[shared] == ex.tokens[shared]) ++shared;
    ex.prompt_len = static_cast<int>(shared);
    if (eos >= 0) ex.tokens.push_back(eos);
    if (static_cast<int>(ex.tokens.size()) > max_len)
      return fmt::format("{} tokens ({} prompt + {} completion) exceed the training context of {}; raise --ctx or drop the record",
                         ex.tokens.size(), ex.prompt_len, ex.tokens.size() - ex.prompt_len, max_len);
    if (static_cast<int>(ex.tokens.size()) <= ex.prompt_len) return "empty completion";
    out.examples.push_back(std::move(ex));
    return "";
  }, &out.errors);
  if (!st) return st.error();
  return out;
}

}  // namespace grm
