// Benchmark peer (b): k independent generations per item through libllama, with no prefix sharing.
//
// Every sample gets its own sequence and evaluates its whole prompt (same prompts and orders as
// `grm score`: balanced orders, default template, raw text); the k sequences of an item are prefilled and
// decoded together in batches, for exactly --max-tokens tokens each (end tokens suppressed), one item at a
// time. Prints one JSON line: {"items", "k", "seconds", "judgments_per_s", "prompt_tokens", "generated"}.
#include <llama.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>

#include "core/prompt.h"
#include "core/response_order.h"
#include "engine/llama_handles.h"
#include "pipeline/item_reader.h"

int main(int argc, char** argv) {
  std::string model_path, in_path;
  int k = 8, max_tokens = 64, threads = 0, ctx = 32768;
  uint64_t seed = 1;
  bool list_control = false;
  CLI::App app{"k independent generations per item through libllama (benchmark peer)"};
  app.add_option("--model", model_path)->required();
  app.add_option("--in", in_path);
  app.add_flag("--list-control-tokens", list_control, "print the ids of tokens llama-server cannot return as text (JSON list) and exit");
  app.add_option("-k", k);
  app.add_option("--max-tokens", max_tokens);
  app.add_option("--threads", threads);
  app.add_option("--ctx", ctx);
  app.add_option("--seed", seed);
  CLI11_PARSE(app, argc, argv);
  if (threads <= 0) threads = static_cast<int>(std::thread::hardware_concurrency());

  grm::llama_backend_setup(false);
  auto model = grm::LlamaModel::load(model_path);
  if (!model) {
    std::fprintf(stderr, "%s\n", model.error().message.c_str());
    return 1;
  }
  if (list_control) {
    // For llama-server's logit_bias: its output parser rejects text that is not valid UTF-8 or holds rendered
    // control tokens, both of which a random model emits. Banning them changes what is sampled, not the cost.
    auto valid_utf8 = [](const std::string& s) {
      for (size_t i = 0; i < s.size();) {
        const unsigned char c = s[i];
        const int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (len == 0 || i + len > s.size()) return false;
        for (int j = 1; j < len; ++j)
          if ((static_cast<unsigned char>(s[i + j]) >> 6) != 2) return false;
        i += len;
      }
      return true;
    };
    const llama_vocab* v = model.value()->vocab();
    std::string ids;
    for (llama_token t = 0; t < llama_vocab_n_tokens(v); ++t)
      if (llama_vocab_is_control(v, t) || llama_vocab_is_eog(v, t) || !valid_utf8(model.value()->token_to_piece(t)))
        ids += (ids.empty() ? "" : ",") + std::to_string(t);
    std::printf("[%s]\n", ids.c_str());
    return 0;
  }
  auto items = grm::read_item_file(in_path);
  if (!items || items->invalid) {
    std::fprintf(stderr, "bad input\n");
    return 1;
  }
  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = ctx;
  cp.n_batch = 2048;
  cp.n_ubatch = 512;
  cp.n_seq_max = k;
  cp.n_threads = threads;
  cp.n_threads_batch = threads;
  cp.kv_unified = true;
  cp.no_perf = true;
  grm::LlamaContextPtr lctx(llama_init_from_model(model.value()->get(), cp));
  if (!lctx) return 1;
  const llama_vocab* vocab = model.value()->vocab();
  const int n_vocab = llama_vocab_n_tokens(vocab);
  std::vector<llama_logit_bias> bias;
  for (llama_token t = 0; t < n_vocab; ++t)
    if (llama_vocab_is_eog(vocab, t)) bias.push_back({t, -INFINITY});

  grm::LlamaBatch batch(2048, 1);
  long prompt_tokens = 0, generated = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (const auto& line : items->lines) {
    const grm::Item& item = line.item.value();
    const uint64_t is = grm::item_seed(seed, item.id);
    auto orders = grm::sample_orders(item.n(), k, grm::OrderMode::kBalanced, is);
    std::vector<std::vector<llama_token>> prompts;
    for (const auto& o : orders) prompts.push_back(model.value()->tokenize(grm::render_judge_prompt(item, o, {}), true, false));
    std::vector<grm::LlamaSamplerPtr> samplers;
    for (int j = 0; j < k; ++j) {
      grm::LlamaSamplerPtr chain(llama_sampler_chain_init(llama_sampler_chain_default_params()));
      llama_sampler_chain_add(chain.get(), llama_sampler_init_logit_bias(n_vocab, static_cast<int32_t>(bias.size()), bias.data()));
      llama_sampler_chain_add(chain.get(), llama_sampler_init_temp(0.5f));
      llama_sampler_chain_add(chain.get(), llama_sampler_init_dist(static_cast<uint32_t>(is + j)));
      samplers.push_back(std::move(chain));
    }
    // Prefill every sample's whole prompt in its own sequence.
    std::vector<llama_token> next(k);
    std::vector<int> out_index(k, -1);
    int j = 0;
    size_t p = 0;
    while (j < k) {
      batch.clear();
      std::vector<int> finishing;
      while (j < k && batch.size() < batch.capacity()) {
        const bool last = p + 1 == prompts[j].size();
        batch.add(prompts[j][p], static_cast<llama_pos>(p), j, last);
        if (last) {
          out_index[j] = batch.size() - 1;
          finishing.push_back(j);
          ++j;
          p = 0;
        } else {
          ++p;
        }
      }
      if (llama_decode(lctx.get(), batch.get()) != 0) return 1;
      for (int s : finishing) next[s] = llama_sampler_sample(samplers[s].get(), lctx.get(), out_index[s]);
      prompt_tokens += batch.size();
    }
    for (int step = 1; step < max_tokens; ++step) {
      batch.clear();
      for (int s = 0; s < k; ++s)
        batch.add(next[s], static_cast<llama_pos>(prompts[s].size() + step - 1), s, true);
      if (llama_decode(lctx.get(), batch.get()) != 0) return 1;
      for (int s = 0; s < k; ++s) next[s] = llama_sampler_sample(samplers[s].get(), lctx.get(), s);
    }
    generated += static_cast<long>(k) * max_tokens;
    llama_memory_clear(llama_get_memory(lctx.get()), true);
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const size_t n_items = items->lines.size();
  std::printf("{\"items\": %zu, \"k\": %d, \"seconds\": %.3f, \"judgments_per_s\": %.4f, \"seconds_per_item\": %.3f, "
              "\"prompt_tokens\": %ld, \"generated\": %ld}\n",
              n_items, k, secs, n_items * k / secs, secs / n_items, prompt_tokens, generated);
  return 0;
}
