// grm: generalist generative reward modeling with inference-time scaling.
#include <cstdio>
#include <exception>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "grm - generative reward models (DeepSeek-GRM style): a judge writes principles, critiques every response\n"
      "and scores it 1..10; k samples are summed (voting), optionally filtered by a meta reward model.\n\n"
      "Examples:\n"
      "  grm score --model M.gguf --in items.jsonl --out judgments.jsonl -k 8\n"
      "  grm score --in items.jsonl --out - -k 8 --meta-rm meta/ --k-meta 4\n"
      "  grm eval --bench rmb --data RMB_DIR --model M.gguf --k 1,2,4,8 --report out/\n"
      "  grm model init --vocab VOCAB.gguf --layers 4 --embd 256 --heads 8 --kv-heads 4 --ff 768 --out m.gguf\n",
      "grm"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "grm 0.1.0");
  grm::cli::Runner run;
  grm::cli::add_score_command(app, run);
  grm::cli::add_eval_command(app, run);
  grm::cli::add_eval_scalar_command(app, run);
  grm::cli::add_train_commands(app, run);
  grm::cli::add_synth_commands(app, run);
  grm::cli::add_prompt_command(app, run);
  grm::cli::add_model_commands(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : grm::cli::kExitBadInput;
  }
  try {
    return run ? run() : grm::cli::kExitBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "grm: internal error: %s\n", e.what());
    return grm::cli::kExitFailure;
  }
}
