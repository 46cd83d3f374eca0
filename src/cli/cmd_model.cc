#include <cstdio>
#include <memory>
#include <thread>

#include "cli/commands.h"
#include "engine/llama_handles.h"
#include "engine/model_init.h"
#include "engine/vocab_train.h"
#include "train/vocab_corpus.h"

namespace grm::cli {
namespace {

int report(const Status& st, const char* what) {
  if (!st) {
    std::fprintf(stderr, "grm model %s: %s\n", what, st.error().message.c_str());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

void add_model_commands(CLI::App& app, Runner& run) {
  CLI::App* model = app.add_subcommand("model", "Make models for tests, demos and benchmarks.");
  model->require_subcommand(1);

  struct InitArgs {
    std::string vocab, out, type = "f32", template_family;
    ModelShape shape;
    uint64_t seed = 1;
  };
  auto ia = std::make_shared<InitArgs>();
  CLI::App* init = model->add_subcommand("init", "Write a random-initialised llama-architecture GGUF with a real tokenizer.");
  init->footer("The tokenizer comes from a vocab-only GGUF (llama.cpp ships several in models/ggml-vocab-*.gguf).\n"
               "The weights are random: the model runs everywhere a llama model runs, but its output is noise.");
  init->add_option("--vocab", ia->vocab, "vocab-only GGUF whose tokenizer to use")->required();
  init->add_option("--out", ia->out, "output GGUF")->required();
  init->add_option("--layers", ia->shape.layers, "transformer blocks")->capture_default_str();
  init->add_option("--embd", ia->shape.embd, "embedding width")->capture_default_str();
  init->add_option("--heads", ia->shape.heads, "attention heads")->capture_default_str();
  init->add_option("--kv-heads", ia->shape.kv_heads, "key/value heads (GQA)")->capture_default_str();
  init->add_option("--ff", ia->shape.ff, "feed-forward width")->capture_default_str();
  init->add_option("--ctx", ia->shape.ctx, "trained context length written to the metadata")->capture_default_str();
  init->add_option("--seed", ia->seed, "random seed")->capture_default_str();
  init->add_option("--type", ia->type, "weight type: f32 or f16")->capture_default_str()->check(CLI::IsMember({"f32", "f16"}));
  init->add_option("--template", ia->template_family,
                   "prompt family the model will be trained on (default or compact), recorded as grm.template so that "
                   "score/eval/grpo use it without --template")
      ->check(CLI::IsMember({"default", "compact"}));
  init->callback([&run, ia] {
    // A shape llama cannot build is a usage error (exit 2), caught before any file is read.
    if (auto st = check_model_shape(ia->shape); !st) throw CLI::ValidationError(st.error().message);
    run = [ia] {
      return report(init_random_model(ia->vocab, ia->shape, ia->seed, ia->type, ia->out, ia->template_family), "init");
    };
  });

  struct VocabArgs {
    std::vector<std::string> records;
    std::string out;
    VocabTrainOptions o;
    bool skip_invalid = false;
  };
  auto va = std::make_shared<VocabArgs>();
  CLI::App* vocab = model->add_subcommand("vocab", "Train a small domain tokenizer (SentencePiece BPE) on judgment records.");
  vocab->footer("The corpus is what the judge reads and writes: each record's judge prompt (and its hinted form),\n"
                "meta RM prompt and trajectory. Digits are single tokens; unseen bytes fall back to byte tokens.\n"
                "OUT is a vocab-only GGUF in llama.cpp's llama (SPM) format, for `grm model init --vocab OUT`.");
  vocab->add_option("--records", va->records, "JSONL judgment records {item, order, template, trajectory} (repeatable)")->required();
  vocab->add_option("--out", va->out, "output vocab-only GGUF")->required();
  vocab->add_option("--size", va->o.vocab_size, "vocabulary size (an upper bound when the text has fewer pieces)")->capture_default_str()->check(CLI::Range(300, 65536));
  vocab->add_option("--threads", va->o.threads, "threads (0 = all cores)")->capture_default_str();
  vocab->add_flag("--skip-invalid", va->skip_invalid, "skip records that cannot be read instead of stopping");
  vocab->callback([&run, va] {
    run = [va] {
      auto corpus = vocab_corpus_from_records(va->records);
      if (!corpus) return report(corpus.error(), "vocab");
      for (size_t i = 0; i < corpus->errors.size() && i < 20; ++i) std::fprintf(stderr, "%s\n", corpus->errors[i].c_str());
      if (!corpus->errors.empty() && !va->skip_invalid) {
        std::fprintf(stderr, "grm model vocab: %zu unreadable record(s); fix them or pass --skip-invalid\n", corpus->errors.size());
        return kExitBadInput;
      }
      if (corpus->records == 0) {
        std::fprintf(stderr, "grm model vocab: no usable records in the input\n");
        return kExitBadInput;
      }
      int rc = report(train_domain_vocab(corpus->lines, va->o, va->out), "vocab");
      if (rc == kExitOk) std::fprintf(stderr, "grm model vocab: trained on %ld record(s) (%zu lines); wrote %s\n", corpus->records, corpus->lines.size(), va->out.c_str());
      return rc;
    };
  });

  struct QuantArgs {
    std::string in, out, type = "q8_0";
    int threads = 0;
    bool verbose = false;
  };
  auto qa = std::make_shared<QuantArgs>();
  CLI::App* quant = model->add_subcommand("quantize", "Quantise a GGUF with llama.cpp's quantizer.");
  quant->add_option("--in", qa->in, "input GGUF (f32 or f16; a quantised one only to --type f16 or f32)")->required();
  quant->add_option("--out", qa->out, "output GGUF")->required();
  quant->add_option("--type", qa->type, "q8_0, q4_0, q4_k_m, q5_k_m, q6_k, f16 or f32 (f16/f32 of a quantised model: "
                    "dequantised, e.g. to train from it)")->capture_default_str()
      ->check(CLI::IsMember({"q8_0", "q4_0", "q4_k_m", "q5_k_m", "q6_k", "f16", "f32"}));
  quant->add_option("--threads", qa->threads, "threads (0 = all cores)")->capture_default_str();
  quant->add_flag("--verbose", qa->verbose, "show llama.cpp's log");
  quant->callback([&run, qa] {
    run = [qa] {
      llama_backend_setup(qa->verbose);
      int threads = qa->threads > 0 ? qa->threads : static_cast<int>(std::thread::hardware_concurrency());
      return report(quantize_model(qa->in, qa->out, qa->type, threads), "quantize");
    };
  });

  struct MetaArgs {
    std::string model, out;
    uint64_t seed = 1;
  };
  auto ma = std::make_shared<MetaArgs>();
  CLI::App* meta = model->add_subcommand("init-meta", "Write a meta RM directory (model.gguf + head.gguf) with a random head.");
  meta->add_option("--model", ma->model, "backbone GGUF (copied to DIR/model.gguf)")->required();
  meta->add_option("--out", ma->out, "output directory")->required();
  meta->add_option("--seed", ma->seed, "random seed")->capture_default_str();
  meta->callback([&run, ma] {
    run = [ma] {
      llama_backend_setup(false);
      return report(init_random_meta_rm(ma->model, ma->seed, ma->out), "init-meta");
    };
  });
}

}  // namespace grm::cli
