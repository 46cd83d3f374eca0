#include "engine/meta_rm.h"

#include <fmt/format.h>
#include <gguf.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "engine/gguf_write.h"
#include "engine/prefix_plan.h"

namespace grm {

struct LlamaMetaRewardModel::State {
  std::shared_ptr<LlamaModel> model;
  LlamaContextPtr ctx;
  std::unique_ptr<LlamaBatch> batch;
  std::vector<float> weight;
  float bias = 0;
  MetaRmOptions opts;
  long evaluated = 0;
};

LlamaMetaRewardModel::LlamaMetaRewardModel(std::unique_ptr<State> s) : s_(std::move(s)) {}
LlamaMetaRewardModel::~LlamaMetaRewardModel() = default;
long LlamaMetaRewardModel::prompt_tokens_evaluated() const { return s_->evaluated; }

Result<std::unique_ptr<LlamaMetaRewardModel>> LlamaMetaRewardModel::load(const std::string& dir,
                                                                         const MetaRmOptions& opts) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return Error{fmt::format("meta RM '{}' is not a directory (expected DIR/model.gguf and DIR/head.gguf)", dir)};
  auto st = std::make_unique<State>();
  st->opts = opts;
  auto model = LlamaModel::load((fs::path(dir) / "model.gguf").string());
  if (!model) return Error{"meta RM: " + model.error().message};
  st->model = std::move(model.value());

  const std::string head_path = (fs::path(dir) / "head.gguf").string();
  if (!fs::is_regular_file(head_path, ec)) return Error{fmt::format("meta RM head '{}' does not exist", head_path)};
  ggml_context* gctx = nullptr;
  gguf_init_params gp{/*no_alloc=*/false, &gctx};
  gguf_context* g = gguf_init_from_file(head_path.c_str(), gp);
  if (!g) return Error{fmt::format("meta RM head '{}' is not a readable GGUF file", head_path)};
  ggml_tensor* w = ggml_get_tensor(gctx, "meta_head.weight");
  ggml_tensor* b = ggml_get_tensor(gctx, "meta_head.bias");
  const int n_embd = llama_model_n_embd(st->model->get());
  std::string err;
  if (!w || !b) {
    err = "missing tensor meta_head.weight or meta_head.bias";
  } else if (w->type != GGML_TYPE_F32 || b->type != GGML_TYPE_F32) {
    err = "head tensors must be F32";
  } else if (ggml_nelements(w) != n_embd || ggml_nelements(b) != 1) {
    err = fmt::format("meta_head.weight has {} elements but the backbone's n_embd is {}", ggml_nelements(w), n_embd);
  } else {
    const float* wd = static_cast<const float*>(w->data);
    st->weight.assign(wd, wd + n_embd);
    st->bias = *static_cast<const float*>(b->data);
  }
  gguf_free(g);
  ggml_free(gctx);
  if (!err.empty()) return Error{fmt::format("meta RM head '{}': {}", head_path, err)};

  const int threads = opts.threads > 0 ? opts.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = static_cast<uint32_t>(opts.n_ctx);
  cp.n_batch = static_cast<uint32_t>(opts.n_batch);
  cp.n_ubatch = static_cast<uint32_t>(std::min(512, opts.n_batch));
  cp.n_seq_max = static_cast<uint32_t>(opts.n_parallel);
  cp.n_threads = threads;
  cp.n_threads_batch = threads;
  cp.kv_unified = true;
  cp.embeddings = true;
  cp.pooling_type = LLAMA_POOLING_TYPE_NONE;
  cp.no_perf = true;
  llama_context* ctx = llama_init_from_model(st->model->get(), cp);
  if (!ctx) return Error{"meta RM: could not create a llama.cpp context"};
  st->ctx.reset(ctx);
  st->opts.n_ctx = static_cast<int>(llama_n_ctx(ctx));
  st->batch = std::make_unique<LlamaBatch>(opts.n_batch, opts.n_parallel);
  return std::unique_ptr<LlamaMetaRewardModel>(new LlamaMetaRewardModel(std::move(st)));
}

Result<std::vector<float>> LlamaMetaRewardModel::score(const Item& item, const std::vector<MetaSample>& samples) {
  State& st = *s_;
  // Distinct token sequences; identical trajectories with identical orders share one score.
  std::vector<Tokens> distinct;
  std::vector<int> which(samples.size());
  for (size_t i = 0; i < samples.size(); ++i) {
    PromptOptions po = st.opts.prompt;
    if (samples[i].kind) po.kind = *samples[i].kind;
    Tokens t = st.model->tokenize(render_meta_prompt(item, samples[i].order, samples[i].trajectory, po), true, false);
    auto it = std::find(distinct.begin(), distinct.end(), t);
    which[i] = static_cast<int>(it - distinct.begin());
    if (it == distinct.end()) distinct.push_back(std::move(t));
  }
  std::vector<float> distinct_score(distinct.size(), 0.0f);
  const int n_embd = static_cast<int>(st.weight.size());
  llama_memory_t mem = llama_get_memory(st.ctx.get());

  // Groups of sequences that fit the context together; each group shares its prefixes.
  size_t g0 = 0;
  while (g0 < distinct.size()) {
    size_t g1 = g0;
    long cells = 0;
    while (g1 < distinct.size() && static_cast<int>(g1 - g0) < st.opts.n_parallel) {
      long add = static_cast<long>(distinct[g1].size()) - (g1 > g0 ? static_cast<long>(common_prefix(distinct[g0], distinct[g1])) : 0);
      if (g1 > g0 && cells + add > st.opts.n_ctx) break;
      cells += add;
      ++g1;
    }
    if (static_cast<long>(distinct[g0].size()) > st.opts.n_ctx)
      return Error{fmt::format("meta RM input of {} tokens exceeds its context of {}", distinct[g0].size(), st.opts.n_ctx)};
    std::vector<Tokens> group(distinct.begin() + g0, distinct.begin() + g1);
    auto plan = plan_shared_prefill(group, {});
    if (!plan) return Error{"meta RM: " + plan.error().message};
    llama_memory_clear(mem, true);
    std::vector<llama_seq_id> seqs;
    size_t i = 0;
    while (i < plan->tokens.size()) {
      st.batch->clear();
      std::vector<std::pair<int, int>> out_of;  // (sequence in group, batch index)
      while (i < plan->tokens.size() && st.batch->size() < st.batch->capacity()) {
        const PlannedToken& t = plan->tokens[i++];
        seqs.assign(t.sequences.begin(), t.sequences.end());
        st.batch->add(t.token, t.pos, seqs, t.output_of >= 0);
        if (t.output_of >= 0) out_of.emplace_back(t.output_of, st.batch->size() - 1);
      }
      int rc = llama_decode(st.ctx.get(), st.batch->get());
      if (rc != 0) return Error{"meta RM: " + llama_decode_error(rc)};
      st.evaluated += st.batch->size();
      for (const auto& [seq, index] : out_of) {
        const float* h = llama_get_embeddings_ith(st.ctx.get(), index);
        if (!h) return Error{"meta RM: the backbone returned no hidden state"};
        double acc = st.bias;
        for (int e = 0; e < n_embd; ++e) acc += static_cast<double>(st.weight[e]) * h[e];
        distinct_score[g0 + seq] = static_cast<float>(acc);
      }
    }
    g0 = g1;
  }
  llama_memory_clear(mem, true);
  std::vector<float> out(samples.size());
  for (size_t i = 0; i < samples.size(); ++i) out[i] = distinct_score[which[i]];
  return out;
}

Status write_meta_head(const std::string& dir, const std::vector<float>& weight, float bias) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error{fmt::format("cannot create directory '{}': {}", dir, ec.message())};
  ggml_init_params ip{/*mem_size=*/2 * ggml_tensor_overhead() + (weight.size() + 1) * sizeof(float) + 256,
                      /*mem_buffer=*/nullptr, /*no_alloc=*/false};
  ggml_context* gctx = ggml_init(ip);
  ggml_tensor* w = ggml_new_tensor_1d(gctx, GGML_TYPE_F32, static_cast<int64_t>(weight.size()));
  ggml_set_name(w, "meta_head.weight");
  std::copy(weight.begin(), weight.end(), static_cast<float*>(w->data));
  ggml_tensor* b = ggml_new_tensor_1d(gctx, GGML_TYPE_F32, 1);
  ggml_set_name(b, "meta_head.bias");
  *static_cast<float*>(b->data) = bias;
  gguf_context* g = gguf_init_empty();
  gguf_set_val_str(g, "general.architecture", "grm-meta-head");
  gguf_set_val_u32(g, "grm.meta.n_embd", static_cast<uint32_t>(weight.size()));
  gguf_set_val_str(g, "grm.meta.template", "meta_rm");
  gguf_add_tensor(g, w);
  gguf_add_tensor(g, b);
  Status st = write_gguf_atomically(g, (fs::path(dir) / "head.gguf").string());
  gguf_free(g);
  ggml_free(gctx);
  return st;
}

}  // namespace grm
