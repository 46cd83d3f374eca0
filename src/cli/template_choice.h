// Which prompt template a run uses: the --template flag when given, else the family the model was trained on
// (its GGUF metadata key grm.template, written by `grm model init --template`), else the paper's default.
#pragma once

#include <string>

#include "core/prompt.h"
#include "core/status.h"
#include "engine/llama_handles.h"

namespace grm::cli {

// flag: the --template value, "" when not given. A model naming a family grm does not know is an error that
// names the model and the key.
Result<TemplateKind> choose_template(const std::string& flag, const LlamaModel& model);

// The --template help text shared by the commands that judge.
inline constexpr const char* kTemplateHelp =
    "default | single (the paper's prompts; single: one response scored 0/1) | compact | compact_single "
    "(short header, for small models); default: the model's grm.template metadata, else default";

}  // namespace grm::cli
