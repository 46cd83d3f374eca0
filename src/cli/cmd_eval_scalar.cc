// `grm eval-scalar`: accuracy of a scalar reward model (the Bradley-Terry baseline) on labelled items.
#include <fmt/format.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/progress.h"
#include "core/atomic_file.h"
#include "eval/benchmark_readers.h"
#include "pipeline/scalar_eval.h"

namespace grm::cli {
namespace {

struct EvalScalarArgs {
  std::string rm, data, out;
  int threads = 0;
  bool quiet = false;
};

int run_eval_scalar(const EvalScalarArgs& a) {
  llama_backend_setup(false);
  auto fail = [](const std::string& m, int code) {
    std::fprintf(stderr, "grm eval-scalar: %s\n", m.c_str());
    return code;
  };
  auto set = read_benchmark(Benchmark::kItems, a.data, ReadOptions{});
  if (!set) return fail(set.error().message, kExitBadInput);
  MetaRmOptions mo;
  mo.threads = a.threads;
  auto rm = LlamaMetaRewardModel::load(a.rm, mo);
  if (!rm) return fail(rm.error().message, kExitFailure);
  Progress bar("scoring", !a.quiet);
  auto e = evaluate_scalar_rm(*rm.value(), set.value(), [&](int d, int t) { bar.update(d, t); });
  bar.finish();
  if (!e) return fail(e.error().message, kExitFailure);
  nlohmann::json j = to_json(e.value());
  j["rm"] = a.rm;
  j["data"] = a.data;
  std::string text = j.dump(2) + "\n";
  if (auto st = write_file_atomically(a.out, text); !st) return fail(st.error().message, kExitFailure);
  if (!a.quiet) {
    const Score& s = e->score.main;
    std::fprintf(stderr, "grm eval-scalar: accuracy %.1f%% [%.1f, %.1f] on %d item(s) (%d single-response item(s) left out); wrote %s\n",
                 100 * s.value, 100 * s.ci.lo, 100 * s.ci.hi, s.n, e->items_left_out, a.out.c_str());
  }
  return kExitOk;
}

}  // namespace

void add_eval_scalar_command(CLI::App& app, Runner& run) {
  auto a = std::make_shared<EvalScalarArgs>();
  CLI::App* c = app.add_subcommand("eval-scalar", "Accuracy of a scalar reward model (grm train bt) on labelled canonical items.");
  c->footer("Each response is scored alone; an item is correct when its best response scores strictly highest.\n"
            "Items with one response are left out (a pairwise-trained scalar has no threshold). Groups: meta.subset,\n"
            "else meta.family. 95% bootstrap intervals.");
  c->add_option("--rm", a->rm, "reward model directory (model.gguf + head.gguf)")->required();
  c->add_option("--data", a->data, "labelled canonical items (JSONL)")->required();
  c->add_option("--out", a->out, "report (JSON)")->required();
  c->add_option("--threads", a->threads, "CPU threads (0 = all cores)")->capture_default_str();
  c->add_flag("-q,--quiet", a->quiet, "no progress or summary");
  c->callback([&run, a] { run = [a] { return run_eval_scalar(*a); }; });
}

}  // namespace grm::cli
