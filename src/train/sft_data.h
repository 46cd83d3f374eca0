// Supervised (rejective) fine-tuning data: what the judge should write for a given prompt.
//
// One JSON object per line, either
//   {"item": <canonical item>, "order": [response indices as shown] (default: as given),
//    "trajectory": "<the judge's text>", "template": "default" | "single" (default: default)}
// or a raw pair {"prompt": "...", "completion": "..."} (general instruction data to mix in).
// The prompt is the filled judge template (core/prompt.h) as raw text with BOS; the loss covers the
// trajectory tokens and the end-of-sequence token, never the prompt.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "engine/llama_handles.h"

namespace grm {

struct SftExample {
  std::vector<int32_t> tokens;  // prompt + completion (+ EOS)
  int prompt_len = 0;           // positions < prompt_len are not trained on
  int line = 0;
};

struct SftData {
  std::vector<SftExample> examples;
  std::vector<std::string> errors;  // "file:line: why" for records that were rejected
};

// max_len: longest sequence the trainer takes (the context). Longer records are errors naming their line.
Result<SftData> read_sft_data(const std::string& path, const LlamaModel& vocab, int max_len);

}  // namespace grm
