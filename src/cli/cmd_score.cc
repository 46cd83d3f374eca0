#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/template_choice.h"
#include "engine/llama_judge_engine.h"
#include "engine/meta_rm.h"
#include "pipeline/score_pipeline.h"

namespace grm::cli {

std::string default_model_path() {
  if (const char* env = std::getenv("GRM_MODEL")) return env;
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) return (exe.parent_path().parent_path() / "assets" / "synth-judge" / "judge.gguf").string();
  return "assets/synth-judge/judge.gguf";
}

namespace {

struct ScoreArgs {
  std::string model, in = "-", out, meta_rm, template_name, grammar = "on", orders = "balanced";
  std::string chat_template = "auto", turn_format = "{role}: {content}";
  int k = 8, k_meta = 0, max_tokens = 1024, threads = 0, ctx = 16384, parallel = 64, batch = 2048;
  float temperature = 0.5f, top_p = 1.0f;
  uint64_t seed = 1;
  bool skip_invalid = false, resume = false, overwrite = false, verbose = false, quiet = false, fixed_length = false;
};

int run_score_command(const ScoreArgs& a) {
  llama_backend_setup(a.verbose);
  auto flag_kind = a.template_name.empty() ? Result<TemplateKind>(TemplateKind::kDefault) : template_kind_from_name(a.template_name);
  auto orders = order_mode_from_name(a.orders);
  for (const Error* e : {flag_kind ? nullptr : &flag_kind.error(), orders ? nullptr : &orders.error()}) {
    if (e) {
      std::fprintf(stderr, "grm score: %s\n", e->message.c_str());
      return kExitBadInput;
    }
  }
  if (a.grammar != "on" && a.grammar != "off") {
    std::fprintf(stderr, "grm score: --grammar takes on or off\n");
    return kExitBadInput;
  }
  if (a.chat_template != "auto" && a.chat_template != "none") {
    std::fprintf(stderr, "grm score: --chat-template takes auto or none\n");
    return kExitBadInput;
  }
  if (a.resume && a.overwrite) {
    std::fprintf(stderr, "grm score: --resume and --overwrite exclude each other\n");
    return kExitBadInput;
  }

  auto input = read_item_file(a.in);
  if (!input) {
    std::fprintf(stderr, "grm score: %s\n", input.error().message.c_str());
    return kExitFailure;
  }
  if (input->invalid > 0) {
    auto msgs = input->error_messages();
    for (size_t i = 0; i < msgs.size() && i < 20; ++i) std::fprintf(stderr, "%s\n", msgs[i].c_str());
    if (msgs.size() > 20) std::fprintf(stderr, "... and %zu more invalid lines\n", msgs.size() - 20);
    if (!a.skip_invalid) {
      std::fprintf(stderr, "grm score: %d invalid line(s) in %s; nothing was scored. Fix them, or pass --skip-invalid "
                   "to write an error record for each and score the rest.\n", input->invalid, input->name.c_str());
      return kExitBadInput;
    }
  }
  const std::string model_path = a.model.empty() ? default_model_path() : a.model;
  auto model = LlamaModel::load(model_path);
  if (!model) {
    std::fprintf(stderr, "grm score: %s%s\n", model.error().message.c_str(),
                 a.model.empty() ? " (no --model given and the shipped judge assets/synth-judge/judge.gguf is missing: pass --model)" : "");
    return kExitFailure;
  }
  auto kind = choose_template(a.template_name, *model.value());
  if (!kind) {
    std::fprintf(stderr, "grm score: %s\n", kind.error().message.c_str());
    return kExitBadInput;
  }
  if (is_single(kind.value())) {
    for (const auto& l : input->lines) {
      if (l.item && l.item->n() != 1 && !a.skip_invalid) {
        std::fprintf(stderr, "%s:%d: field 'responses': the %s template judges exactly one response, this item has %d\n",
                     input->name.c_str(), l.line, template_kind_name(kind.value()), l.item->n());
        return kExitBadInput;
      }
    }
  }

  LlamaEngineOptions eo;
  eo.n_ctx = a.ctx;
  eo.n_parallel = std::max(a.parallel, a.k);
  eo.n_batch = a.batch;
  eo.threads = a.threads;
  eo.chat_template = a.chat_template == "none" ? ChatTemplateMode::kNone : ChatTemplateMode::kAuto;
  eo.prompt.kind = kind.value();
  eo.prompt.turn_format = a.turn_format;
  eo.sampling.temperature = a.k == 1 ? 0.0f : a.temperature;
  eo.sampling.top_p = a.top_p;
  eo.sampling.max_tokens = a.max_tokens;
  eo.sampling.grammar = a.grammar == "on";
  eo.sampling.fixed_length = a.fixed_length;
  auto engine = LlamaJudgeEngine::create(model.value(), eo);
  if (!engine) {
    std::fprintf(stderr, "grm score: %s\n", engine.error().message.c_str());
    return kExitFailure;
  }

  std::unique_ptr<LlamaMetaRewardModel> meta;
  if (!a.meta_rm.empty()) {
    MetaRmOptions mo;
    mo.threads = a.threads;
    mo.prompt = eo.prompt;
    auto m = LlamaMetaRewardModel::load(a.meta_rm, mo);
    if (!m) {
      std::fprintf(stderr, "grm score: %s\n", m.error().message.c_str());
      return kExitFailure;
    }
    meta = std::move(m.value());
  }

  auto writer = JudgmentWriter::open(a.out, a.resume ? OpenMode::kResume : a.overwrite ? OpenMode::kOverwrite : OpenMode::kCreate);
  if (!writer) {
    std::fprintf(stderr, "grm score: %s\n", writer.error().message.c_str());
    return kExitFailure;
  }

  ScoreOptions so;
  so.k = a.k;
  so.orders = orders.value();
  so.seed = a.seed;
  if (a.k_meta > 0) so.k_meta = a.k_meta;
  so.skip_invalid = a.skip_invalid;
  so.kind = kind.value();
  Progress progress("scoring", !a.quiet);
  auto sum = run_score(*engine.value(), meta.get(), input.value(), *writer.value(), so,
                       [&](int done, int total) { progress.update(done, total); });
  progress.finish();
  if (!sum) {
    std::fprintf(stderr, "grm score: %s\n", sum.error().message.c_str());
    return kExitFailure;
  }
  const ScoreSummary& s = sum.value();
  if (!a.quiet) {
    std::fprintf(stderr,
                 "grm score: %d item(s) judged in %.1f s (%.2f judgments/s), %ld/%ld samples valid; prompt tokens "
                 "evaluated %ld, reused %ld (+%ld header tokens once); %ld tokens generated%s\n",
                 s.items_judged, s.seconds, s.seconds > 0 ? s.samples / s.seconds : 0.0, s.valid_samples, s.samples,
                 s.prompt_tokens_evaluated, s.prompt_tokens_reused, engine.value()->totals().header_tokens,
                 s.tokens_generated, s.items_skipped ? fmt::format("; {} already in the output (resume)", s.items_skipped).c_str() : "");
    if (a.verbose) {
      const EngineTotals& t = engine.value()->totals();
      std::fprintf(stderr, "grm score: %ld decode calls, %.2f s decoding, %.2f s sampling\n", t.decode_calls, t.decode_seconds,
                   t.sample_seconds);
    }
    if (s.items_failed) std::fprintf(stderr, "grm score: %d item(s) could not be judged: see their \"error\" field\n", s.items_failed);
    if (s.lines_invalid) std::fprintf(stderr, "grm score: %d invalid line(s) written as error records\n", s.lines_invalid);
  }
  return kExitOk;
}

}  // namespace

void add_score_command(CLI::App& app, Runner& run) {
  auto a = std::make_shared<ScoreArgs>();
  CLI::App* c = app.add_subcommand("score", "Judge canonical items with k sampled judgments each (voting, meta RM).");
  c->footer(
      "Input: canonical items, one JSON object per line:\n"
      "  {\"id\": \"q1\", \"conversation\": [{\"role\": \"user\", \"content\": \"...\"}], \"responses\": [\"...\", \"...\"],\n"
      "   \"label\": {\"best\": 0}}          (\"prompt\": \"...\" may replace a one-turn conversation; label optional)\n"
      "Output: one JSON line per item: id, scores (summed over valid samples, original order), best, samples\n"
      "(order, principles, analysis, scores, text, valid), stats. See README.md for every field.\n"
      "Exit codes: 0 done, 1 run-time failure (model, I/O), 2 invalid input or options.");
  c->add_option("--model", a->model, "judge model (GGUF); default: $GRM_MODEL or the shipped synth judge (assets/synth-judge/)");
  c->add_option("--in", a->in, "input JSONL of canonical items, - for stdin")->capture_default_str();
  c->add_option("--out", a->out, "output JSONL, - for stdout")->required();
  c->add_option("-k,--samples", a->k, "samples per item; 1 = greedy")->capture_default_str()->check(CLI::Range(1, 255));
  c->add_option("--meta-rm", a->meta_rm, "meta RM directory (model.gguf + head.gguf): vote only the k-meta most trusted samples");
  c->add_option("--k-meta", a->k_meta, "samples kept by the meta RM (default k/2)")->check(CLI::Range(1, 255));
  c->add_option("--temperature", a->temperature, "sampling temperature for k > 1")->capture_default_str()->check(CLI::Range(0.0, 5.0));
  c->add_option("--top-p", a->top_p, "nucleus sampling; 1 = off")->capture_default_str()->check(CLI::Range(0.0, 1.0));
  c->add_option("--seed", a->seed, "run seed (orders, sampling, tie-breaks)")->capture_default_str();
  c->add_option("--template", a->template_name, kTemplateHelp);
  c->add_option("--orders", a->orders, "response orders per sample: balanced, random or fixed")->capture_default_str();
  c->add_option("--max-tokens", a->max_tokens, "generated tokens per sample")->capture_default_str()->check(CLI::Range(1, 1 << 20));
  c->add_option("--grammar", a->grammar, "on: guarantee a parseable verdict; off: free text")->capture_default_str();
  c->add_option("--chat-template", a->chat_template, "auto: use the model's chat template if it has one; none: raw text")->capture_default_str();
  c->add_option("--turn-format", a->turn_format, "how each turn of a multi-turn conversation is written")->capture_default_str();
  c->add_option("--threads", a->threads, "CPU threads (0 = all cores)")->capture_default_str();
  c->add_option("--ctx", a->ctx, "KV cache cells shared by all samples in flight")->capture_default_str();
  c->add_option("--parallel", a->parallel, "samples decoded together across items (at least k)")->capture_default_str()->check(CLI::Range(1, 255));
  c->add_option("--batch", a->batch, "tokens per decode call")->capture_default_str();
  c->add_flag("--skip-invalid", a->skip_invalid, "write an error record for each invalid input line and score the rest");
  c->add_flag("--resume", a->resume, "continue an interrupted run: skip ids already in --out");
  c->add_flag("--overwrite", a->overwrite, "replace an existing --out");
  c->add_flag("--fixed-length", a->fixed_length, "benchmarking: ignore end tokens and the verdict, generate exactly --max-tokens");
  c->add_flag("--verbose", a->verbose, "show llama.cpp's log");
  c->add_flag("-q,--quiet", a->quiet, "no progress or summary on stderr");
  c->callback([&run, a] { run = [a] { return run_score_command(*a); }; });
}

}  // namespace grm::cli
