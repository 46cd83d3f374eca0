#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/template_choice.h"
#include "engine/llama_judge_engine.h"
#include "pipeline/eval_pipeline.h"

namespace grm::cli {
namespace {

struct EvalArgs {
  std::vector<std::string> bench, data;
  std::string model, meta_rm, report, k_list = "1,2,4,8,16,32", k_meta = "half", orders = "balanced";
  std::string grammar = "on", chat_template = "auto", template_name;
  int subsets = 8, limit = 0, max_tokens = 1024, threads = 0, ctx = 16384, parallel = 64;
  float temperature = 0.5f;
  uint64_t seed = 1;
  bool skip_invalid = false, quiet = false, verbose = false;
};

struct KList {
  std::vector<int> ks;  // pool sizes, ascending
  bool greedy = false;
};

// "1,2,8", "greedy", "greedy,8": numbers are pool sizes; 1 or "greedy" adds the greedy judgment.
Result<KList> parse_k_list(const std::string& s) {
  KList out;
  std::stringstream ss(s);
  std::string tok;
  while (std::getline(ss, tok, ',')) {
    if (tok == "greedy") {
      out.greedy = true;
      continue;
    }
    char* end = nullptr;
    long v = std::strtol(tok.c_str(), &end, 10);
    if (tok.empty() || *end != '\0' || v < 1 || v > 255)
      return Error{fmt::format("--k: '{}' is neither 'greedy' nor a number in 1..255", tok)};
    out.ks.push_back(static_cast<int>(v));
    if (v == 1) out.greedy = true;
  }
  if (out.ks.empty() && !out.greedy) return Error{"--k needs at least one value"};
  std::sort(out.ks.begin(), out.ks.end());
  out.ks.erase(std::unique(out.ks.begin(), out.ks.end()), out.ks.end());
  return out;
}

int run_eval_command(const EvalArgs& a) {
  llama_backend_setup(a.verbose);
  auto fail = [](const std::string& m, int code) {
    std::fprintf(stderr, "grm eval: %s\n", m.c_str());
    return code;
  };
  if (a.bench.size() != a.data.size())
    return fail(fmt::format("{} --bench but {} --data: give one --data per --bench, in the same order", a.bench.size(), a.data.size()), kExitBadInput);
  EvalOptions eo;
  for (size_t i = 0; i < a.bench.size(); ++i) {
    auto b = benchmark_from_name(a.bench[i]);
    if (!b) return fail(b.error().message, kExitBadInput);
    eo.data.emplace_back(b.value(), a.data[i]);
  }
  auto ks = parse_k_list(a.k_list);
  if (!ks) return fail(ks.error().message, kExitBadInput);
  eo.ks = ks->ks;
  eo.greedy = ks->greedy;
  if (eo.ks.empty() && !a.meta_rm.empty())
    return fail("--meta-rm rates sampled judgments: give k values besides greedy (e.g. --k 1,8)", kExitBadInput);
  if (a.k_meta != "half") {
    char* end = nullptr;
    long v = std::strtol(a.k_meta.c_str(), &end, 10);
    if (*end != '\0' || v < 1) return fail("--k-meta takes 'half' or a positive number", kExitBadInput);
    eo.k_meta = static_cast<int>(v);
  }
  auto orders = order_mode_from_name(a.orders);
  if (!orders) return fail(orders.error().message, kExitBadInput);
  if (a.grammar != "on" && a.grammar != "off") return fail("--grammar takes on or off", kExitBadInput);
  eo.orders = orders.value();
  eo.subsets = a.subsets;
  eo.limit = a.limit;
  eo.seed = a.seed;
  eo.skip_invalid = a.skip_invalid;
  eo.report_dir = a.report;

  const std::string model_path = a.model.empty() ? default_model_path() : a.model;
  auto model = LlamaModel::load(model_path);
  if (!model) return fail(model.error().message, kExitFailure);
  auto kind = choose_template(a.template_name, *model.value());
  if (!kind) return fail(kind.error().message, kExitBadInput);
  if (is_single(kind.value())) return fail("--template: eval takes a family (default or compact); single items use its 0/1 member", kExitBadInput);
  eo.kind = kind.value();
  std::error_code ec;
  eo.sampling_key = {{"model", std::filesystem::absolute(model_path, ec).string()},
                     {"model_bytes", std::filesystem::file_size(model_path, ec)},
                     {"temperature", a.temperature}, {"max_tokens", a.max_tokens}, {"grammar", a.grammar},
                     {"orders", a.orders}, {"chat_template", a.chat_template}, {"template", template_kind_name(kind.value())},
                     {"seed", a.seed}};
  LlamaEngineOptions lo;
  lo.prompt.kind = eo.kind;
  lo.n_ctx = a.ctx;
  lo.n_parallel = std::max(a.parallel, eo.ks.empty() ? 1 : eo.ks.back());
  lo.threads = a.threads;
  lo.chat_template = a.chat_template == "none" ? ChatTemplateMode::kNone : ChatTemplateMode::kAuto;
  lo.sampling.temperature = a.temperature;
  lo.sampling.max_tokens = a.max_tokens;
  lo.sampling.grammar = a.grammar == "on";
  auto engine = LlamaJudgeEngine::create(model.value(), lo);
  if (!engine) return fail(engine.error().message, kExitFailure);

  std::unique_ptr<LlamaMetaRewardModel> meta;
  if (!a.meta_rm.empty()) {
    MetaRmOptions mo;
    mo.threads = a.threads;
    mo.prompt = lo.prompt;
    auto m = LlamaMetaRewardModel::load(a.meta_rm, mo);
    if (!m) return fail(m.error().message, kExitFailure);
    meta = std::move(m.value());
    eo.meta_key = std::filesystem::absolute(a.meta_rm, ec).string();
  }

  std::unique_ptr<Progress> bar;
  std::string stage;
  auto report = run_eval(eo, *engine.value(), meta.get(), [&](const EvalProgress& p) {
    if (a.quiet) return;
    if (p.stage != stage) {
      if (bar) bar->finish();
      stage = p.stage;
      bar = std::make_unique<Progress>(stage, true);
    }
    bar->update(p.done, p.total);
  });
  if (bar) bar->finish();
  if (!report) return fail(report.error().message, kExitFailure);
  for (const auto& w : report->warnings) std::fprintf(stderr, "grm eval: warning: %s\n", w.c_str());
  if (!a.quiet) {
    for (const auto& b : report->benchmarks) {
      std::fprintf(stderr, "%s (%zu items):", benchmark_name(b.set.benchmark), b.set.items.size());
      for (const auto& m : b.methods) std::fprintf(stderr, "  %s %.1f", m.name().c_str(), 100 * b.scores.at(m.name()).main.value);
      std::fprintf(stderr, "\n");
    }
    std::fprintf(stderr, "grm eval: report in %s (summary.md, report.json, items.jsonl, plots)\n", a.report.c_str());
  }
  return kExitOk;
}

}  // namespace

void add_eval_command(CLI::App& app, Runner& run) {
  auto a = std::make_shared<EvalArgs>();
  CLI::App* c = app.add_subcommand("eval", "Evaluate a judge on reward-model benchmarks, with scaling curves over k.");
  c->footer(
      "Benchmarks (--bench NAME --data PATH, repeatable in pairs):\n"
      "  rewardbench  JSON/JSONL rows {prompt, chosen, rejected, subset, id}\n"
      "  ppe-pref     JSON/JSONL rows {question_id, winner, prompt, response_1, response_2} (ties dropped)\n"
      "  ppe-corr     a file or directory (one file per set) of {question_id, prompt, response_1..K, scores,\n"
      "               sampled_conflict_pairs}\n"
      "  rmb          the directory holding Pairwise_set/ and BoN_set/\n"
      "  realmistake  JSONL {input, llm_response, error_label, metadata{id, task_name, llm_response_model}}\n"
      "  items        canonical items with labels (meta.subset, else meta.family, groups them)\n"
      "Parquet exports: convert to JSONL first (the error message shows how).\n"
      "One pool of max(k) samples per item is drawn once and cached in REPORT/cache; Voting@k and MetaRM@k\n"
      "for every k come from R random k-subsets of it. Ties count as wrong. Overall = mean of RewardBench,\n"
      "PPE-Pref, PPE-Corr and RMB when all four ran.");
  c->add_option("--bench", a->bench, "benchmark name (repeatable)")->required();
  c->add_option("--data", a->data, "benchmark file or directory (repeatable, one per --bench)")->required();
  c->add_option("--report", a->report, "output directory (report, plots, sample cache)")->required();
  c->add_option("--model", a->model, "judge model (GGUF); default: $GRM_MODEL or the shipped synth judge");
  c->add_option("--meta-rm", a->meta_rm, "meta RM directory: adds MetaRM@k");
  c->add_option("--k", a->k_list, "comma-separated pool sizes k; 1 or 'greedy' adds the greedy judgment; 'greedy' alone: greedy only, no sampled pool")->capture_default_str();
  c->add_option("--k-meta", a->k_meta, "samples the meta RM keeps: half or a number")->capture_default_str();
  c->add_option("--subsets", a->subsets, "R: random k-subsets averaged per item and k")->capture_default_str()->check(CLI::Range(1, 1000));
  c->add_option("--limit", a->limit, "at most N items per benchmark, spread over the file (0 = all)")->capture_default_str();
  c->add_option("--seed", a->seed, "seed (orders, sampling, subsets, bootstrap)")->capture_default_str();
  c->add_option("--temperature", a->temperature, "sampling temperature of the pool")->capture_default_str();
  c->add_option("--max-tokens", a->max_tokens, "generated tokens per sample")->capture_default_str();
  c->add_option("--orders", a->orders, "balanced, random or fixed")->capture_default_str();
  c->add_option("--grammar", a->grammar, "on or off")->capture_default_str();
  c->add_option("--template", a->template_name, "default or compact (items labelled {\"correct\": 0|1} use its 0/1 member); default: the model's grm.template metadata, else default");
  c->add_option("--chat-template", a->chat_template, "auto or none")->capture_default_str();
  c->add_option("--threads", a->threads, "CPU threads (0 = all cores)")->capture_default_str();
  c->add_option("--ctx", a->ctx, "KV cache cells")->capture_default_str();
  c->add_option("--parallel", a->parallel, "samples decoded together")->capture_default_str();
  c->add_flag("--skip-invalid", a->skip_invalid, "skip (and count) invalid records instead of stopping");
  c->add_flag("-q,--quiet", a->quiet, "no progress or summary");
  c->add_flag("--verbose", a->verbose, "show llama.cpp's log");
  c->callback([&run, a] { run = [a] { return run_eval_command(*a); }; });
}

}  // namespace grm::cli
