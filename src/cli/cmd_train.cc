#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/template_choice.h"
#include "pipeline/grpo_pipeline.h"
#include "pipeline/item_reader.h"
#include "pipeline/rft_pipeline.h"
#include "core/atomic_file.h"
#include "train/bt_data.h"
#include "train/meta_pairs.h"
#include "train/meta_trainer.h"
#include "train/sft_trainer.h"
#include "train/train_device.h"

namespace grm::cli {
namespace {

// Training runs on the GPU of a CUDA build when one is visible (same losses as the CPU up to float rounding:
// bench/RESULTS.md, GPU training check), else on the CPU.
constexpr const char* kDefaultTrainDevice = "auto";

// Prints the rejected records (the first 20); false when they stop the run (no --skip-invalid).
bool accept_records(const std::vector<std::string>& errors, bool skip_invalid, const char* command) {
  if (errors.empty()) return true;
  for (size_t i = 0; i < errors.size() && i < 20; ++i) std::fprintf(stderr, "%s\n", errors[i].c_str());
  if (!skip_invalid) {
    std::fprintf(stderr, "grm train %s: %zu invalid record(s); nothing was trained. Fix them or pass --skip-invalid\n", command,
                 errors.size());
    return false;
  }
  std::fprintf(stderr, "grm train %s: skipping %zu invalid record(s)\n", command, errors.size());
  return true;
}

// The arguments sft and meta share: a model, records, the supervised loop (train/train_loop.h).
struct SupervisedArgs {
  std::string model, data, out, checkpoint_dir, log;
  TrainLoopOptions o;
  int ctx = 0, threads = 0;
  std::string device = kDefaultTrainDevice;
  bool skip_invalid = false, quiet = false;
  float focal_gamma = 0.0f;  // sft only

  // The loop's options with the defaults that depend on --out.
  TrainLoopOptions loop_options() const {
    TrainLoopOptions r = o;
    r.checkpoint_dir = checkpoint_dir.empty() ? out + ".ckpt" : checkpoint_dir;
    r.log_path = log;
    return r;
  }
};

// The trainable model and its vocabulary (for tokenizing records); errors are printed for `command`.
struct Trainable {
  std::unique_ptr<TrainModel> model;
  std::shared_ptr<LlamaModel> vocab;
  int ctx = 0;  // longest training sequence: --ctx, else the model's context
};
std::optional<Trainable> load_trainable(const SupervisedArgs& a, const char* command) {
  llama_backend_setup(false);
  auto model = TrainModel::load(a.model, parse_train_device(a.device).value());
  if (!model) {
    std::fprintf(stderr, "grm train %s: %s\n", command, model.error().message.c_str());
    return std::nullopt;
  }
  set_train_threads(model.value()->backend(), a.threads);
  auto vocab = LlamaModel::load(a.model, 0, /*vocab_only=*/true);
  if (!vocab) {
    std::fprintf(stderr, "grm train %s: %s\n", command, vocab.error().message.c_str());
    return std::nullopt;
  }
  Trainable t;
  t.ctx = a.ctx > 0 ? a.ctx : model.value()->hparams().n_ctx_train;
  t.model = std::move(model.value());
  t.vocab = vocab.value();
  return t;
}

int run_sft(const SupervisedArgs& a) {
  auto fail = [](const std::string& m, int code) {
    std::fprintf(stderr, "grm train sft: %s\n", m.c_str());
    return code;
  };
  auto t = load_trainable(a, "sft");
  if (!t) return kExitFailure;
  auto data = read_sft_data(a.data, *t->vocab, t->ctx + 1);  // inputs plus the last target
  if (!data) return fail(data.error().message, kExitFailure);
  if (!accept_records(data->errors, a.skip_invalid, "sft")) return kExitBadInput;
  if (data->examples.empty()) return fail(fmt::format("'{}' holds no usable training records", a.data), kExitBadInput);
  Progress bar("training", !a.quiet);
  auto steps = train_sft(*t->model, data.value(), a.loop_options(), [&](const StepReport& r) {
    bar.update(static_cast<int>(r.step), static_cast<int>(r.total_steps),
               fmt::format("loss {:.4f}  lr {:.2e}  {:.0f} tok/s", r.loss, r.lr, r.tokens_per_s));
  }, a.focal_gamma);
  bar.finish();
  if (!steps) return fail(steps.error().message, kExitFailure);
  if (auto st = t->model->save(a.out); !st) return fail(st.error().message, kExitFailure);
  if (!a.quiet)
    std::fprintf(stderr, "grm train sft: %ld step(s) on %zu example(s), %ld parameters; wrote %s\n", steps.value(),
                 data->examples.size(), t->model->n_params(), a.out.c_str());
  return kExitOk;
}

// Reads canonical items that all carry a label (the correctness rule needs one). Returns an exit code; errors
// are printed with the file and line, prefixed by `who`.
int read_labelled_items(const std::string& path, const char* who, std::vector<Item>* items) {
  auto input = read_item_file(path);
  if (!input) {
    std::fprintf(stderr, "%s: %s\n", who, input.error().message.c_str());
    return kExitFailure;
  }
  if (input->invalid) {
    for (const auto& m : input->error_messages()) std::fprintf(stderr, "%s\n", m.c_str());
    std::fprintf(stderr, "%s: invalid items; nothing was done\n", who);
    return kExitBadInput;
  }
  for (const auto& l : input->lines) {
    if (!l.item->has_label()) {
      std::fprintf(stderr, "%s: %s:%d: field 'label': the correctness rule needs {\"best\": i} or {\"correct\": 0|1}\n", who,
                   input->name.c_str(), l.line);
      return kExitBadInput;
    }
    items->push_back(l.item.value());
  }
  return kExitOk;
}

struct RftArgs {
  std::string model, items, out, all_out, template_name, keep = "correct";
  RftOptions o;
  float temperature = 1.0f;
  int max_tokens = 256, threads = 0, parallel = 64, ctx = 16384;
  bool overwrite = false, quiet = false;
};

int run_rft(const RftArgs& a) {
  llama_backend_setup(false);
  auto fail = [](const std::string& m, int code) {
    std::fprintf(stderr, "grm train rft-data: %s\n", m.c_str());
    return code;
  };
  for (const std::string& path : {a.out, a.all_out})
    if (!path.empty() && !a.overwrite && std::filesystem::exists(path))
      return fail(fmt::format("'{}' exists; pass --overwrite to replace it", path), kExitBadInput);
  if (a.keep != "correct" && a.keep != "all") return fail("--keep takes correct or all", kExitBadInput);
  if (!a.all_out.empty() && a.keep == "all")
    return fail("--all-out goes with --keep correct (--keep all already writes the labelled samples to --out)", kExitBadInput);
  if (!a.all_out.empty()) {
    std::error_code e1, e2;
    if (std::filesystem::weakly_canonical(a.all_out, e1) == std::filesystem::weakly_canonical(a.out, e2) && !e1 && !e2)
      return fail("--all-out and --out name the same file", kExitBadInput);
  }
  std::vector<Item> items;
  if (int rc = read_labelled_items(a.items, "grm train rft-data", &items); rc != kExitOk) return rc;
  auto model = LlamaModel::load(a.model);
  if (!model) return fail(model.error().message, kExitFailure);
  auto kind = choose_template(a.template_name, *model.value());
  if (!kind) return fail(kind.error().message, kExitBadInput);
  LlamaEngineOptions eo;
  eo.n_ctx = a.ctx;
  eo.n_parallel = std::max(a.parallel, a.o.samples);
  eo.threads = a.threads;
  eo.prompt.kind = multi_of(kind.value());
  eo.sampling.temperature = a.temperature;
  eo.sampling.max_tokens = a.max_tokens;
  auto engine = LlamaJudgeEngine::create(model.value(), eo);
  if (!engine) return fail(engine.error().message, kExitFailure);
  RftOptions o = a.o;
  o.family = eo.prompt.kind;
  const bool keep_all = a.keep == "all";
  std::vector<nlohmann::json> records, labelled;
  RftOutputs outs;
  if (keep_all) {
    outs.labelled = &records;
  } else {
    outs.rft = &records;
    if (!a.all_out.empty()) outs.labelled = &labelled;
  }
  Progress bar("rft sampling", !a.quiet);
  auto sum = build_rft_data(*engine.value(), items, o, outs, [&](int done, int total) { bar.update(done, total); });
  bar.finish();
  if (!sum) return fail(sum.error().message, kExitFailure);
  auto write = [](const std::string& path, const std::vector<nlohmann::json>& recs) {
    std::string text;
    for (const auto& r : recs) text += r.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    return write_file_atomically(path, text);
  };
  // --all-out lands first: a run stopped between the two writes leaves no --out, so a script that tests for
  // --out (the recipe's stages) runs it again.
  if (!a.all_out.empty())
    if (auto st = write(a.all_out, labelled); !st) return fail(st.error().message, kExitFailure);
  if (auto st = write(a.out, records); !st) return fail(st.error().message, kExitFailure);
  const RftSummary& s = sum.value();
  if (!a.quiet) {
    std::fprintf(stderr,
                 "grm train rft-data: %d item(s): %ld/%ld samples correct (%ld valid); %d item(s) all correct (%s), %d none "
                 "correct; hinted %ld/%ld correct; %ld record(s) in %.1f s -> %s\n",
                 s.items, s.correct, s.samples, s.valid, s.items_all_correct, keep_all ? "kept: --keep all" : "dropped",
                 s.items_none_correct, s.hinted_correct, s.hinted_samples, static_cast<long>(records.size()), s.seconds,
                 a.out.c_str());
    if (!a.all_out.empty())
      std::fprintf(stderr, "grm train rft-data: %zu labelled sample(s) -> %s\n", labelled.size(), a.all_out.c_str());
  }
  return kExitOk;
}

struct GrpoArgs {
  std::string model, ref, items, out, log, checkpoint_dir, grammar = "on", template_name;
  GrpoOptions o;
  int threads = 0;
  std::string device = kDefaultTrainDevice;
  bool quiet = false;
};

int run_grpo(const GrpoArgs& a) {
  llama_backend_setup(false);
  auto fail = [](const std::string& m, int code) {
    std::fprintf(stderr, "grm train grpo: %s\n", m.c_str());
    return code;
  };
  if (a.grammar != "on" && a.grammar != "off") return fail("--grammar takes on or off", kExitBadInput);
  std::vector<Item> items;
  if (int rc = read_labelled_items(a.items, "grm train grpo", &items); rc != kExitOk) return rc;
  const TrainDevice device = parse_train_device(a.device).value();
  auto policy = TrainModel::load(a.model, device);
  if (!policy) return fail(policy.error().message, kExitFailure);
  auto reference = TrainModel::load(a.ref.empty() ? a.model : a.ref, device);
  if (!reference) return fail(reference.error().message, kExitFailure);
  set_train_threads(policy.value()->backend(), a.threads);
  set_train_threads(reference.value()->backend(), a.threads);
  GrpoOptions o = a.o;
  auto vocab = LlamaModel::load(a.model, 0, /*vocab_only=*/true);
  if (!vocab) return fail(vocab.error().message, kExitFailure);
  auto kind = choose_template(a.template_name, *vocab.value());
  if (!kind) return fail(kind.error().message, kExitBadInput);
  o.engine.prompt.kind = multi_of(kind.value());
  o.engine.threads = a.threads;
  o.engine.sampling.grammar = a.grammar == "on";
  o.work_dir = a.out + ".work";
  o.checkpoint_dir = a.checkpoint_dir.empty() ? a.out + ".ckpt" : a.checkpoint_dir;
  o.log_path = a.log;
  Progress bar("grpo", !a.quiet);
  auto steps = train_grpo(*policy.value(), *reference.value(), items, o, [&](const GrpoStep& r) {
    bar.update(static_cast<int>(r.step), static_cast<int>(r.total),
               fmt::format("reward {:+.3f}  acc {:.2f}  kl {:.4f}  valid {:.2f}", r.reward, r.accuracy, r.kl, r.valid));
  });
  bar.finish();
  if (!steps) return fail(steps.error().message, kExitFailure);
  if (auto st = policy.value()->save(a.out); !st) return fail(st.error().message, kExitFailure);
  if (!a.quiet) std::fprintf(stderr, "grm train grpo: %ld step(s) on %zu item(s); wrote %s\n", steps.value(), items.size(), a.out.c_str());
  return kExitOk;
}

struct MetaArgs : SupervisedArgs {
  bool head_only = false;
  std::string objective = "bce";  // bce | pairs | margin (train/meta_pairs.h)
};

// Trains `loss` (pairwise mode) on `pairs` with train_bt() and saves the meta RM directory. Returns the steps
// run, or nullopt after printing the error for `command`.
std::optional<long> train_pairs_and_save(const char* command, MetaHeadLoss& loss, const MetaData& pairs, const SupervisedArgs& a) {
  Progress bar(command, !a.quiet);
  auto steps = train_bt(loss, pairs, a.loop_options(), [&](const StepReport& r) {
    bar.update(static_cast<int>(r.step), static_cast<int>(r.total_steps),
               fmt::format("-log sigmoid(margin) {:.4f}  lr {:.2e}  {:.0f} tok/s", r.loss, r.lr, r.tokens_per_s));
  });
  bar.finish();
  Status st = steps ? loss.save(a.out) : Status(steps.error());
  if (!st) {
    std::fprintf(stderr, "grm train %s: %s\n", command, st.error().message.c_str());
    return std::nullopt;
  }
  return steps.value();
}

// --objective pairs | margin: the head ranks the judgments of one item (train/meta_pairs.h).
int run_meta_pairs(const MetaArgs& a, Trainable& t, const MetaData& data) {
  const bool by_margin = a.objective == "margin";
  const MetaPairs p = make_within_item_pairs(data, by_margin ? PairRule::kLargerMargin : PairRule::kRightOverWrong);
  if (p.pairs.examples.empty()) {
    std::fprintf(stderr,
                 "grm train meta: '%s': no item has %s, so --objective %s has nothing to rank; sample more judgments "
                 "per item or use --objective bce\n",
                 a.data.c_str(), by_margin ? "judgments of different margins" : "both a right and a wrong judgment",
                 a.objective.c_str());
    return kExitBadInput;
  }
  MetaHeadLoss loss(*t.model, !a.head_only, 0.0f, /*pairwise=*/true);
  auto steps = train_pairs_and_save("meta", loss, p.pairs, a);
  if (!steps) return kExitFailure;
  if (!a.quiet)
    std::fprintf(stderr,
                 "grm train meta: %ld step(s) on %zu within-item pair(s) from %d item(s) (%d item(s) with %s skipped); "
                 "wrote %s/{model,head}.gguf\n",
                 *steps, p.pairs.examples.size() / 2, p.items, p.items_one_sided,
                 by_margin ? "judgments of one margin only" : "only right or only wrong judgments", a.out.c_str());
  return kExitOk;
}

int run_meta(const MetaArgs& a) {
  auto fail = [](const std::string& m, int code) {
    std::fprintf(stderr, "grm train meta: %s\n", m.c_str());
    return code;
  };
  auto t = load_trainable(a, "meta");
  if (!t) return kExitFailure;
  auto data = read_meta_data(a.data, *t->vocab, t->ctx);
  if (!data) return fail(data.error().message, kExitFailure);
  if (!accept_records(data->errors, a.skip_invalid, "meta")) return kExitBadInput;
  if (data->examples.empty()) return fail(fmt::format("'{}' holds no usable training records", a.data), kExitBadInput);
  if (a.objective != "bce") return run_meta_pairs(a, *t, data.value());
  double positives = 0;
  for (const auto& ex : data->examples) positives += ex.label;
  const double n = static_cast<double>(data->examples.size());
  if (positives == 0 || positives == n)
    std::fprintf(stderr, "grm train meta: warning: every label is %d; the head can only learn a constant\n", positives > 0);
  // Start at the labels' log-odds, so the first steps learn features rather than the base rate.
  const double p = std::clamp(positives / n, 0.01, 0.99);
  MetaHeadLoss loss(*t->model, !a.head_only, static_cast<float>(std::log(p / (1 - p))));
  Progress bar("meta", !a.quiet);
  auto steps = train_meta(loss, data.value(), a.loop_options(), [&](const StepReport& r) {
    bar.update(static_cast<int>(r.step), static_cast<int>(r.total_steps),
               fmt::format("bce {:.4f}  lr {:.2e}  {:.0f} tok/s", r.loss, r.lr, r.tokens_per_s));
  });
  bar.finish();
  if (!steps) return fail(steps.error().message, kExitFailure);
  if (auto st = loss.save(a.out); !st) return fail(st.error().message, kExitFailure);
  if (!a.quiet)
    std::fprintf(stderr, "grm train meta: %ld step(s) on %zu judgment(s) (%.0f%% correct); wrote %s/{model,head}.gguf\n",
                 steps.value(), data->examples.size(), 100.0 * positives / n, a.out.c_str());
  return kExitOk;
}

int run_bt(const SupervisedArgs& a) {
  auto fail = [](const std::string& m, int code) {
    std::fprintf(stderr, "grm train bt: %s\n", m.c_str());
    return code;
  };
  std::vector<Item> items;
  if (int rc = read_labelled_items(a.data, "grm train bt", &items); rc != kExitOk) return rc;
  auto t = load_trainable(a, "bt");
  if (!t) return kExitFailure;
  auto data = make_bt_data(items, *t->vocab, t->ctx);
  if (!data) return fail(data.error().message, kExitBadInput);
  if (data->pairs.examples.empty()) return fail(fmt::format("'{}' has no item with a best response: no preference pairs", a.data), kExitBadInput);
  MetaHeadLoss loss(*t->model, /*train_backbone=*/true, 0.0f, /*pairwise=*/true);
  auto steps = train_pairs_and_save("bt", loss, data->pairs, a);
  if (!steps) return kExitFailure;
  if (!a.quiet)
    std::fprintf(stderr, "grm train bt: %ld step(s) on %zu pair(s) from %d item(s) (%d without a best response skipped); wrote %s/{model,head}.gguf\n",
                 *steps, data->pairs.examples.size() / 2, data->items_used, data->items_skipped, a.out.c_str());
  return kExitOk;
}

// The options sft and meta share, after their own --model/--data/--out.
void add_device_option(CLI::App* app, std::string& device) {
  app->add_option("--device", device,
                  "where the training graphs run: cpu, gpu (a GPU build: -DGRM_CUDA=ON) or auto (the GPU when there is one)")
      ->check(CLI::IsMember({"cpu", "gpu", "auto"}))
      ->capture_default_str();
}

void add_supervised_options(CLI::App* app, SupervisedArgs& a) {
  TrainLoopOptions& o = a.o;
  app->add_option("--epochs", o.epochs, "passes over the data")->capture_default_str();
  app->add_option("--max-steps", o.max_steps, "stop after N optimizer steps (0 = all epochs)")->capture_default_str();
  app->add_option("--lr", o.lr, "peak learning rate")->capture_default_str();
  app->add_option("--warmup", o.warmup, "linear warmup steps, then cosine decay")->capture_default_str();
  app->add_option("--min-lr-ratio", o.min_lr_ratio, "final learning rate as a fraction of --lr")->capture_default_str();
  app->add_option("--batch", o.batch, "sequences per micro-batch")->capture_default_str();
  app->add_option("--accum", o.accum, "micro-batches per optimizer step")->capture_default_str();
  app->add_option("--micro-tokens", o.micro_tokens,
                  "cut each step's examples, longest first, into micro-batches of at most N padded tokens: the same "
                  "gradients as --batch micro-batches with less padding (0 = use --batch)")
      ->capture_default_str();
  app->add_option("--length-window", o.length_window,
                  "batch sequences of similar length: sort each window of N steps' examples by length, then shuffle "
                  "the steps (less padding, same examples per window; 0 = off)")
      ->capture_default_str();
  app->add_option("--clip", o.clip, "max global gradient norm (0 = off)")->capture_default_str();
  app->add_option("--weight-decay", o.weight_decay, "AdamW weight decay")->capture_default_str();
  app->add_option("--ctx", a.ctx, "longest training sequence (default: the model's context)")->capture_default_str();
  app->add_option("--seed", o.seed, "data order seed")->capture_default_str();
  app->add_option("--checkpoint-every", o.checkpoint_every, "optimizer steps between checkpoints (0 = none)")->capture_default_str();
  app->add_option("--checkpoint-dir", a.checkpoint_dir, "checkpoint directory (default OUT.ckpt)");
  app->add_flag("--resume", o.resume, "continue from the newest checkpoint");
  app->add_option("--log", a.log, "append one JSON line per optimizer step");
  app->add_option("--threads", a.threads, "CPU threads (0 = all cores)")->capture_default_str();
  add_device_option(app, a.device);
  app->add_flag("--skip-invalid", a.skip_invalid, "skip invalid records instead of stopping");
  app->add_flag("-q,--quiet", a.quiet, "no progress or summary");
}

}  // namespace

void add_train_commands(CLI::App& app, Runner& run) {
  CLI::App* train = app.add_subcommand("train", "Train judges on ggml: sft (rejective fine-tuning), grpo (rule-based RL), meta (meta RM).");
  train->require_subcommand(1);
  auto a = std::make_shared<SupervisedArgs>();
  CLI::App* sft = train->add_subcommand("sft", "Next-token training on trajectory tokens (prompt masked): the RFT step.");
  sft->footer(
      "Data: JSONL records {\"item\": <canonical item>, \"order\": [...], \"trajectory\": \"...\"} (the judge prompt is\n"
      "built from the item and order) or {\"prompt\": \"...\", \"completion\": \"...\"}. The model must be an F32/F16\n"
      "llama-architecture GGUF; the output is an F32 GGUF that llama.cpp and grm score load.\n"
      "Checkpoints (model + optimizer state) go to --checkpoint-dir (default OUT.ckpt); --resume continues from\n"
      "the newest one and reproduces the losses of an uninterrupted run.");
  sft->add_option("--model", a->model, "model to start from (GGUF, F32/F16)")->required();
  sft->add_option("--data", a->data, "training records (JSONL)")->required();
  sft->add_option("--out", a->out, "trained model (GGUF)")->required();
  add_supervised_options(sft, *a);
  sft->add_option("--focal", a->focal_gamma,
                  "focal exponent gamma: weigh each trajectory token's loss by (1 - p)^gamma, so the tokens the model "
                  "already predicts count little and the uncertain ones (verdicts, scores) most; the logged loss stays "
                  "the plain one per token (0 = off)")
      ->check(CLI::Range(0.0f, 10.0f))
      ->capture_default_str();
  sft->callback([&run, a] { run = [a] { return run_sft(*a); }; });

  auto m = std::make_shared<MetaArgs>();
  m->o.lr = 1e-4;
  CLI::App* meta = train->add_subcommand("meta", "Meta RM: a scalar head on the last hidden state, trained on labelled judgments (BCE or within-item pairs).");
  meta->footer(
      "Data: JSONL records {\"item\": ..., \"order\": [...], \"trajectory\": \"...\", \"label\": 1|0}; without \"label\"\n"
      "the correctness rule labels the trajectory from the item's own label (unparseable = 0). The input is the\n"
      "meta RM prompt (templates/meta_rm.txt). OUT is a meta RM directory (model.gguf + head.gguf) that\n"
      "grm score --meta-rm and grm eval --meta-rm load. --head-only freezes the backbone (fast, weaker).");
  meta->add_option("--model", m->model, "backbone to start from (F32/F16 GGUF, e.g. the judge itself)")->required();
  meta->add_option("--data", m->data, "labelled judgments (JSONL)")->required();
  meta->add_option("--out", m->out, "meta RM directory to write")->required();
  add_supervised_options(meta, *m);
  meta->add_flag("--head-only", m->head_only, "train the head alone, backbone frozen");
  meta->add_option("--objective", m->objective,
                   "bce: each judgment right or wrong (scores estimate P(right)); pairs: -log sigmoid(z_right - z_wrong) "
                   "over the (right, wrong) pairs of judgments of one item, the comparison MetaRM@k makes (scores rank, "
                   "uncalibrated; needs several judgments per item); margin: the same over pairs of judgments of one item "
                   "ordered by margin (the true best's score minus the best other score: what the vote sums)")
      ->check(CLI::IsMember({"bce", "pairs", "margin"}))
      ->capture_default_str();
  meta->callback([&run, m] { run = [m] { return run_meta(*m); }; });

  auto bt = std::make_shared<SupervisedArgs>();
  bt->o.lr = 1e-3;
  CLI::App* btc = train->add_subcommand("bt", "Scalar Bradley-Terry reward model (baseline): a scalar head trained on preference pairs.");
  btc->footer(
      "Data: labelled canonical items; each item with a best response gives the pairs (best, other). A response is\n"
      "read alone (conversation + that response, in the meta RM prompt with an empty trajectory), the head on the\n"
      "last token gives its reward, loss -log sigmoid(r_best - r_other). OUT is a meta RM directory\n"
      "(model.gguf + head.gguf); `grm eval-scalar --rm OUT` measures it.");
  btc->add_option("--model", bt->model, "backbone to start from (F32/F16 GGUF)")->required();
  btc->add_option("--data", bt->data, "labelled canonical items (JSONL)")->required();
  btc->add_option("--out", bt->out, "reward model directory to write")->required();
  add_supervised_options(btc, *bt);
  btc->callback([&run, bt] { run = [bt] { return run_bt(*bt); }; });

  auto r = std::make_shared<RftArgs>();
  CLI::App* rft = train->add_subcommand("rft-data", "Rejective sampling for RFT: keep a judge's correct samples, drop too-easy items.");
  rft->footer(
      "Samples --samples judgments per labelled item (random response orders, --temperature), keeps the correct\n"
      "ones (SPEC 2's rule), drops items whose samples are all correct, and adds one hinted sample per kept item\n"
      "with a best response, kept when correct (--no-hint: none). OUT holds judgment records\n"
      "{item, order, template, trajectory, hinted} for `grm train sft`; --keep all or --all-out: labelled records\n"
      "{..., label} for `grm train meta`.");
  rft->add_option("--model", r->model, "the sampling judge (GGUF)")->required();
  rft->add_option("--items", r->items, "labelled canonical items (JSONL)")->required();
  rft->add_option("--out", r->out, "records (JSONL), written whole at the end")->required();
  rft->add_option("--samples", r->o.samples, "N_RFT: non-hinted samples per item")->capture_default_str()->check(CLI::Range(1, 64));
  rft->add_flag("--no-hint", [r](int64_t) { r->o.hinted = false; }, "no hinted samples");
  rft->add_option("--keep", r->keep, "correct: RFT data; all: every sample with \"label\" 0/1 by the rule, no item dropped, no hint (meta RM data)")->capture_default_str();
  rft->add_option("--all-out", r->all_out,
                  "also write what --keep all would (every non-hinted sample, labelled) to this file, from the same samples: "
                  "RFT and meta RM data in one pass");
  rft->add_option("--temperature", r->temperature, "sampling temperature")->capture_default_str();
  rft->add_option("--max-tokens", r->max_tokens, "generated tokens per sample")->capture_default_str();
  rft->add_option("--template", r->template_name, kTemplateHelp);
  rft->add_option("--seed", r->o.seed, "seed of orders and sampling")->capture_default_str();
  rft->add_option("--threads", r->threads, "CPU threads (0 = all cores)")->capture_default_str();
  rft->add_option("--parallel", r->parallel, "samples decoded together")->capture_default_str();
  rft->add_option("--ctx", r->ctx, "KV cache cells")->capture_default_str();
  rft->add_flag("--overwrite", r->overwrite, "replace an existing OUT");
  rft->add_flag("-q,--quiet", r->quiet, "no progress or summary");
  rft->callback([&run, r] { run = [r] { return run_rft(*r); }; });

  auto g = std::make_shared<GrpoArgs>();
  g->o.engine.sampling.temperature = 1.0f;
  g->o.engine.sampling.max_tokens = 256;
  CLI::App* grpo = train->add_subcommand("grpo", "Rule-based GRPO: G samples per item, +1/-1 by the correctness rule, KL to a reference.");
  grpo->footer(
      "Items: canonical items with labels. Each step samples --group judgments per item from the current policy\n"
      "(exported every --export-every steps), rewards them with the rule of SPEC 2 (unparseable = -1), normalises\n"
      "the rewards per group and takes --updates AdamW steps (clipped ratio, --clip-ratio) with a KL penalty\n"
      "(--beta) to the frozen --ref model. Checkpoints every --checkpoint-every steps; --resume continues.\n"
      "--log writes per optimizer step: loss, reward, accuracy, kl, valid (format validity), length, clipped, lr,\n"
      "grad_norm.");
  grpo->add_option("--model", g->model, "policy to start from (F32/F16 GGUF, e.g. the RFT model)")->required();
  grpo->add_option("--ref", g->ref, "reference model for the KL term (default: --model)");
  grpo->add_option("--items", g->items, "labelled canonical items (JSONL)")->required();
  grpo->add_option("--out", g->out, "trained policy (GGUF)")->required();
  grpo->add_option("--group", g->o.group, "G: samples per item")->capture_default_str();
  grpo->add_option("--beta", g->o.beta, "KL coefficient")->capture_default_str();
  grpo->add_option("--steps", g->o.steps, "optimizer steps")->capture_default_str();
  grpo->add_option("--items-per-step", g->o.items_per_step, "items per step")->capture_default_str();
  grpo->add_option("--lr", g->o.lr, "learning rate")->capture_default_str();
  grpo->add_option("--warmup", g->o.warmup, "warmup steps")->capture_default_str();
  grpo->add_option("--min-lr-ratio", g->o.min_lr_ratio, "cosine decay to lr x this after warmup (1 = constant)")->capture_default_str();
  grpo->add_option("--clip", g->o.clip, "max gradient norm")->capture_default_str();
  grpo->add_option("--micro-batch", g->o.micro_batch, "trajectories per forward/backward")->capture_default_str();
  grpo->add_option("--temperature", g->o.engine.sampling.temperature, "sampling temperature")->capture_default_str();
  grpo->add_option("--max-tokens", g->o.engine.sampling.max_tokens, "generated tokens per sample")->capture_default_str();
  grpo->add_option("--grammar", g->grammar, "on: guaranteed verdicts while sampling")->capture_default_str();
  grpo->add_option("--template", g->template_name, "default or compact (items labelled {\"correct\": 0|1} use its 0/1 member); default: the model's grm.template metadata, else default");
  grpo->add_option("--ctx", g->o.engine.n_ctx, "sampler KV cells")->capture_default_str();
  grpo->add_option("--export-every", g->o.export_every, "steps between policy exports to the sampler")->capture_default_str();
  grpo->add_option("--updates", g->o.updates_per_batch, "optimizer steps per sampled batch (clipped ratio after the first)")->capture_default_str();
  grpo->add_option("--clip-ratio", g->o.clip_ratio, "eps of the clipped probability ratio")->capture_default_str();
  grpo->add_option("--checkpoint-every", g->o.checkpoint_every, "steps between checkpoints (0 = none)")->capture_default_str();
  grpo->add_option("--checkpoint-dir", g->checkpoint_dir, "checkpoint directory (default OUT.ckpt)");
  grpo->add_flag("--resume", g->o.resume, "continue from the newest checkpoint");
  grpo->add_option("--seed", g->o.seed, "seed")->capture_default_str();
  grpo->add_option("--log", g->log, "append one JSON line per step");
  grpo->add_option("--threads", g->threads, "CPU threads (0 = all cores)")->capture_default_str();
  add_device_option(grpo, g->device);
  grpo->add_flag("-q,--quiet", g->quiet, "no progress or summary");
  grpo->callback([&run, g] { run = [g] { return run_grpo(*g); }; });
}

}  // namespace grm::cli
