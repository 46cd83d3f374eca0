// Sub-commands of the `grm` CLI. Each registers its options on the app and returns the function to run.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace grm::cli {

using Runner = std::function<int()>;

// Exit codes shared by all commands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;   // a run-time failure (model, I/O)
inline constexpr int kExitBadInput = 2;  // invalid input or options

void add_score_command(CLI::App& app, Runner& run);
void add_model_commands(CLI::App& app, Runner& run);
void add_prompt_command(CLI::App& app, Runner& run);
void add_eval_command(CLI::App& app, Runner& run);
void add_eval_scalar_command(CLI::App& app, Runner& run);
void add_train_commands(CLI::App& app, Runner& run);
void add_synth_commands(CLI::App& app, Runner& run);

// The model used when --model is not given: $GRM_MODEL, else the shipped synth judge,
// assets/synth-judge/judge.gguf next to the build folder.
std::string default_model_path();

}  // namespace grm::cli
