#include "engine/llama_judge_engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <thread>

#include "core/judgment_parser.h"
#include "core/random.h"
#include "engine/prefix_plan.h"
#include "engine/verdict_grammar.h"

namespace grm {
namespace {

using Clock = std::chrono::steady_clock;
constexpr llama_seq_id kHeaderSeq = 0;

struct Sample {
  llama_seq_id seq = -1;
  int distinct = 0;                // which distinct prompt this sample continues
  LlamaSamplerPtr chain;    // only for top-p < 1 (made at admission then); the rest samples straight from the logits
  LlamaSamplerPtr grammar;  // the verdict grammar, created once "Scores:" appears (see activate_grammar)
  std::vector<size_t> token_end;  // traj.text length after each generated token
  std::vector<llama_token> pending;  // tokens to decode next step (the sampled one, plus any forced ones)
  llama_pos next_pos = 0;
  Trajectory traj;
  size_t scores_at = std::string::npos;  // offset of the first "Scores:" in traj.text
  size_t scan_from = 0;
  int token_limit = 0;  // max_tokens, extended once a guaranteed verdict has begun
  uint64_t rng = 0;     // the fast path's random state (see sample_from)
  bool started = false;  // first token sampled
  bool done = false;
};

struct Active {
  uint64_t ticket = 0;
  JudgeRequest req;
  std::vector<Tokens> distinct;  // distinct prompt token sequences
  std::vector<int> owner;        // per distinct: index of the sample that owns its KV cells
  PrefixPlan plan;
  size_t cursor = 0;  // next planned token to emit
  std::vector<Sample> samples;
  long cells = 0;  // KV cells reserved
  JudgeStats stats;
  Clock::time_point start;
  bool prefilled = false;
  bool admitted = false;  // holds sequences and reserved KV cells (released exactly once)
  std::optional<std::string> error;
};

}  // namespace

struct LlamaJudgeEngine::State {
  std::shared_ptr<LlamaModel> model;
  LlamaEngineOptions opts;
  LlamaContextPtr ctx;
  std::unique_ptr<LlamaBatch> batch;
  std::string chat_prefix, chat_suffix;  // around the user content when a chat template is used
  bool chat = false;
  Tokens header;
  bool header_ready = false;
  Tokens forced;  // tokens of kForcedVerdictPrefix
  std::vector<llama_seq_id> free_seqs;
  long cells_used = 0;
  EngineTotals totals;
  std::map<int, std::string> grammar_by_n;
  std::vector<char> banned;    // per token: never sampled (end tokens in fixed-length mode)
  std::vector<float> weights;  // fast_sample's scratch
  std::vector<llama_token_data> candidates;  // constrained_sample's scratch

  Tokens tokens_for(const std::string& content, bool with_suffix) const {
    if (!chat) return model->tokenize(content, /*add_special=*/true, /*parse_special=*/false);
    Tokens t = model->tokenize(chat_prefix, true, true);
    if (t.size() >= 2 && t[0] == t[1] && t[0] == llama_vocab_bos(model->vocab())) t.erase(t.begin());
    Tokens c = model->tokenize(content, false, false);
    t.insert(t.end(), c.begin(), c.end());
    if (with_suffix) {
      Tokens s = model->tokenize(chat_suffix, false, true);
      t.insert(t.end(), s.begin(), s.end());
    }
    return t;
  }

  Tokens prompt_tokens(const Item& item, const std::vector<int>& order, bool hinted,
                       std::optional<TemplateKind> kind = std::nullopt) const {
    PromptOptions po = opts.prompt;
    if (kind) po.kind = *kind;
    std::optional<int> hint;
    if (hinted && item.best) {
      for (int p = 0; p < static_cast<int>(order.size()); ++p)
        if (order[p] == *item.best) hint = p;
    }
    return tokens_for(render_judge_prompt(item, order, po, hint), true);
  }

  // The llama.cpp chain for nucleus sampling (top-p < 1 at a temperature), the one case fast_sample does not
  // cover; `banned` tokens get a -inf bias as they do there.
  LlamaSamplerPtr make_top_p_chain(uint64_t seed) {
    auto params = llama_sampler_chain_default_params();
    params.no_perf = true;
    LlamaSamplerPtr chain(llama_sampler_chain_init(params));
    const auto& so = opts.sampling;
    std::vector<llama_logit_bias> bias;
    for (llama_token t = 0; t < static_cast<llama_token>(banned.size()); ++t)
      if (banned[t]) bias.push_back({t, -INFINITY});
    if (!bias.empty())
      llama_sampler_chain_add(chain.get(), llama_sampler_init_logit_bias(static_cast<int32_t>(banned.size()),
                                                                         static_cast<int32_t>(bias.size()), bias.data()));
    llama_sampler_chain_add(chain.get(), llama_sampler_init_top_p(so.top_p, 1));
    llama_sampler_chain_add(chain.get(), llama_sampler_init_temp(so.temperature));
    llama_sampler_chain_add(chain.get(), llama_sampler_init_dist(static_cast<uint32_t>(seed & 0xffffffffu)));
    return chain;
  }

  Status ensure_header() {
    if (header_ready) return Ok{};
    header = tokens_for(judge_prompt_header(opts.prompt.kind), false);
    // Keep the header one token short of what the tokenizer produced, so that a merge with the first
    // characters of the conversation cannot make every prompt diverge at the last header token.
    if (!header.empty()) header.pop_back();
    for (size_t i = 0; i < header.size(); i += opts.n_batch) {
      batch->clear();
      for (size_t j = i; j < std::min(header.size(), i + opts.n_batch); ++j)
        batch->add(header[j], static_cast<llama_pos>(j), kHeaderSeq, false);
      int rc = llama_decode(ctx.get(), batch->get());
      ++totals.decode_calls;
      if (rc != 0) return Error{"evaluating the template header: " + llama_decode_error(rc)};
    }
    totals.header_tokens = static_cast<long>(header.size());
    cells_used = static_cast<long>(header.size());
    header_ready = true;
    return Ok{};
  }

  // Tokenizes and plans an item; sets `error` when it can never run here.
  Active prepare(JudgeRequest&& req, uint64_t ticket) {
    Active a;
    a.ticket = ticket;
    a.req = std::move(req);
    const int k = static_cast<int>(a.req.orders.size());
    const int n = a.req.item.n();
    if (is_single(a.req.kind.value_or(opts.prompt.kind)) && n != 1) {
      a.error = fmt::format("the single template judges exactly one response; this item has {}", n);
      return a;
    }
    if (k < 1) {
      a.error = "no samples requested";
      return a;
    }
    if (k > opts.n_parallel) {
      a.error = fmt::format("k = {} samples exceed --parallel {}; raise --parallel", k, opts.n_parallel);
      return a;
    }
    std::vector<int> sample_distinct(k);
    for (int j = 0; j < k; ++j) {
      Tokens t = prompt_tokens(a.req.item, a.req.orders[j], a.req.hinted, a.req.kind);
      auto it = std::find(a.distinct.begin(), a.distinct.end(), t);
      if (it == a.distinct.end()) {
        a.distinct.push_back(std::move(t));
        sample_distinct[j] = static_cast<int>(a.distinct.size()) - 1;
      } else {
        sample_distinct[j] = static_cast<int>(it - a.distinct.begin());
      }
    }
    auto plan = plan_shared_prefill(a.distinct, header);
    if (!plan) {
      a.error = "cannot plan the prompt evaluation: " + plan.error().message;
      return a;
    }
    a.plan = std::move(plan.value());
    size_t longest = 0;
    for (const auto& t : a.distinct) longest = std::max(longest, t.size());
    // A verdict that begins near the end of the budget may finish past it (engine/verdict_grammar.h).
    const long max_gen = opts.sampling.max_tokens + verdict_tail_tokens(n) + 2;
    a.cells = static_cast<long>(a.plan.tokens.size()) + k * (max_gen + 1);
    if (static_cast<long>(longest) + max_gen > opts.n_ctx || cells_used_floor() + a.cells > opts.n_ctx) {
      a.error = fmt::format(
          "item needs {} KV cells ({} prompt tokens to evaluate, longest prompt {} tokens, plus {} samples x {} "
          "generated tokens) but the context holds {} ({} taken by the shared header); raise --ctx, or lower -k "
          "or --max-tokens",
          a.cells, a.plan.tokens.size(), longest, k, max_gen, opts.n_ctx, totals.header_tokens);
      return a;
    }
    a.samples.resize(k);
    for (int j = 0; j < k; ++j) {
      a.samples[j].distinct = sample_distinct[j];
      a.samples[j].traj.order = a.req.orders[j];
    }
    a.owner.assign(a.distinct.size(), -1);
    for (int j = 0; j < k; ++j)
      if (a.owner[sample_distinct[j]] < 0) a.owner[sample_distinct[j]] = j;
    return a;
  }

  long cells_used_floor() const { return totals.header_tokens; }

  bool fits(const Active& a) const {
    return static_cast<int>(free_seqs.size()) >= static_cast<int>(a.samples.size()) &&
           cells_used + a.cells <= opts.n_ctx;
  }

  void admit(Active& a) {
    a.start = Clock::now();
    a.admitted = true;
    cells_used += a.cells;
    for (size_t j = 0; j < a.samples.size(); ++j) {
      Sample& s = a.samples[j];
      s.seq = free_seqs.back();
      free_seqs.pop_back();
      if (opts.sampling.top_p < 1.0f && opts.sampling.temperature > 0.0f && !a.req.greedy)
        s.chain = make_top_p_chain(mix_seed(a.req.seed, j));
      s.rng = mix_seed(a.req.seed ^ 0x5eed, j);
      s.next_pos = static_cast<llama_pos>(a.distinct[s.distinct].size());
      s.token_limit = opts.sampling.max_tokens;
    }
    // The cached header goes to each distinct prompt's owner.
    for (size_t d = 0; d < a.distinct.size(); ++d)
      llama_memory_seq_cp(llama_get_memory(ctx.get()), kHeaderSeq, a.samples[a.owner[d]].seq, 0, a.plan.cached[d]);
    a.stats.prompt_tokens_evaluated = static_cast<long>(a.plan.tokens.size());
    long total = 0;
    for (const auto& s : a.samples) total += static_cast<long>(a.distinct[s.distinct].size());
    a.stats.prompt_tokens_reused = total - a.stats.prompt_tokens_evaluated;
  }

  void release(Active& a) {
    if (!a.admitted) return;  // an item refused before admission reserved nothing
    a.admitted = false;
    for (auto& s : a.samples) {
      if (s.seq >= 0) {
        llama_memory_seq_rm(llama_get_memory(ctx.get()), s.seq, -1, -1);
        free_seqs.push_back(s.seq);
        s.seq = -1;
      }
    }
    cells_used -= a.cells;
    a.cells = 0;
  }

  // Starts the verdict grammar once the text holds "Scores:" (at text offset `at`). The grammar is lazy: it is
  // fed the tokens from the one holding the "S" on, and its trigger pattern hands it the text from "Scores:".
  // Creating it only now keeps its trigger matching off the long critique (llama.cpp re-matches the whole
  // buffered text on every token while untriggered).
  void activate_grammar(const Active& a, Sample& s, size_t at) {
    if (!opts.sampling.grammar || opts.sampling.fixed_length || s.grammar) return;
    const TemplateKind kind = a.req.kind.value_or(opts.prompt.kind);
    const int n = a.req.item.n();
    const int key = n * 2 + is_single(kind);
    auto it = grammar_by_n.find(key);
    if (it == grammar_by_n.end()) it = grammar_by_n.emplace(key, verdict_grammar(n, score_range(kind))).first;
    const char* patterns[] = {verdict_trigger_pattern()};
    s.grammar.reset(llama_sampler_init_grammar_lazy_patterns(model->vocab(), it->second.c_str(), "root", patterns, 1, nullptr, 0));
    if (!s.grammar) return;
    size_t first = 0;
    while (first < s.token_end.size() && s.token_end[first] <= at) ++first;
    for (size_t t = first; t < s.traj.tokens.size(); ++t) llama_sampler_accept(s.grammar.get(), s.traj.tokens[t]);
  }

  // Handles one sampled token of sample s; returns nothing, updates s.
  void accept_token(Active& a, Sample& s, llama_token tok) {
    const auto& so = opts.sampling;
    s.started = true;
    const bool eog = !so.fixed_length && llama_vocab_is_eog(model->vocab(), tok);
    if (eog && so.grammar && s.scores_at == std::string::npos) {
      // The model ended its turn before any verdict: the end token is not kept (nor decoded) and grm writes the
      // verdict prefix, as when the budget runs out, so that every sample still parses.
      s.pending.clear();
      force_verdict(a, s);
      return;
    }
    s.traj.tokens_generated++;
    s.traj.tokens.push_back(tok);
    s.traj.forced.push_back(0);
    if (eog) {
      s.done = true;
      s.traj.finish = "eog";
      return;
    }
    s.traj.text += model->token_to_piece(tok);
    s.token_end.push_back(s.traj.text.size());
    s.pending.assign(1, tok);
    if (!so.fixed_length) {
      if (s.scores_at == std::string::npos) {
        size_t from = s.scan_from > 8 ? s.scan_from - 8 : 0;
        size_t at = s.traj.text.find("Scores:", from);
        if (at != std::string::npos) {
          s.scores_at = at;
          if (so.grammar) s.token_limit = std::max(s.token_limit, s.traj.tokens_generated + verdict_tail_tokens(a.req.item.n()) + 2);
          activate_grammar(a, s, at);
        }
        s.scan_from = s.traj.text.size();
      }
      if (s.scores_at != std::string::npos) {
        size_t box = s.traj.text.find("\\boxed{", s.scores_at);
        if (box != std::string::npos && s.traj.text.find('}', box) != std::string::npos) {
          s.done = true;
          s.traj.finish = "verdict";
          return;
        }
      }
    }
    if (s.traj.tokens_generated >= s.token_limit) {
      s.done = true;
      s.traj.finish = "length";
      return;
    }
    const int reserve = verdict_reserve_tokens(a.req.item.n(), static_cast<int>(forced.size()));
    if (so.grammar && !so.fixed_length && s.scores_at == std::string::npos &&
        s.traj.tokens_generated + reserve >= so.max_tokens)
      force_verdict(a, s);
  }

  // Appends kForcedVerdictPrefix ("Scores: \boxed{" on a new line) to sample s as forced tokens (decoded next,
  // masked out of training) and hands the rest of the verdict to the grammar, within a few more tokens.
  void force_verdict(Active& a, Sample& s) {
    const size_t before = s.traj.text.size();
    s.scores_at = before + 1;  // after the newline of the forced prefix
    s.traj.text += kForcedVerdictPrefix;
    s.traj.tokens.insert(s.traj.tokens.end(), forced.begin(), forced.end());
    s.traj.forced.insert(s.traj.forced.end(), forced.size(), 1);
    s.token_end.insert(s.token_end.end(), forced.size(), s.traj.text.size());
    activate_grammar(a, s, before);
    s.traj.tokens_generated += static_cast<int>(forced.size());
    s.traj.forced_verdict = true;
    s.token_limit = std::max(s.token_limit, s.traj.tokens_generated + verdict_tail_tokens(a.req.item.n()));
    s.pending.insert(s.pending.end(), forced.begin(), forced.end());
  }

  // Temperature (or greedy) sampling straight from the logits, for the common case where no constraint is
  // active: two passes over the vocabulary instead of building, sorting and normalising a candidate array.
  llama_token fast_sample(const float* logits, Sample& s, bool greedy) {
    const int n_vocab = static_cast<int>(banned.size());
    int best = -1;
    for (int t = 0; t < n_vocab; ++t)
      if (!banned[t] && (best < 0 || logits[t] > logits[best])) best = t;
    if (greedy) return best;
    const float inv_t = 1.0f / opts.sampling.temperature, top = logits[best];
    weights.resize(n_vocab);
    double total = 0;
    for (int t = 0; t < n_vocab; ++t) {
      weights[t] = banned[t] ? 0.0f : std::exp((logits[t] - top) * inv_t);
      total += weights[t];
    }
    double u = static_cast<double>(splitmix64(s.rng) >> 11) * (1.0 / 9007199254740992.0) * total;
    for (int t = 0; t < n_vocab; ++t) {
      u -= weights[t];
      if (u <= 0 && weights[t] > 0) return t;
    }
    return best;
  }

  // Sampling under the verdict grammar (a few tokens per sample): the grammar masks the candidates, then
  // temperature or greedy as usual. top-p does not apply inside the verdict.
  llama_token constrained_sample(const float* logits, Sample& s, bool greedy) {
    const int n_vocab = static_cast<int>(banned.size());
    candidates.resize(n_vocab);
    for (int t = 0; t < n_vocab; ++t) candidates[t] = {t, logits[t], 0.0f};
    llama_token_data_array arr{candidates.data(), candidates.size(), -1, false};
    llama_sampler_apply(s.grammar.get(), &arr);
    int best = -1;
    for (size_t i = 0; i < arr.size; ++i)
      if (std::isfinite(arr.data[i].logit) && (best < 0 || arr.data[i].logit > arr.data[best].logit)) best = static_cast<int>(i);
    if (best < 0) throw std::runtime_error("the verdict grammar allows no token");
    llama_token tok = arr.data[best].id;
    if (!greedy) {
      const float inv_t = 1.0f / opts.sampling.temperature, top = arr.data[best].logit;
      double total = 0;
      for (size_t i = 0; i < arr.size; ++i)
        if (std::isfinite(arr.data[i].logit)) total += std::exp((arr.data[i].logit - top) * inv_t);
      double u = static_cast<double>(splitmix64(s.rng) >> 11) * (1.0 / 9007199254740992.0) * total;
      for (size_t i = 0; i < arr.size; ++i) {
        if (!std::isfinite(arr.data[i].logit)) continue;
        u -= std::exp((arr.data[i].logit - top) * inv_t);
        if (u <= 0) {
          tok = arr.data[i].id;
          break;
        }
      }
    }
    llama_sampler_accept(s.grammar.get(), tok);
    return tok;
  }

  void sample_from(Active& a, Sample& s, int batch_index) {
    llama_token tok;
    const auto& so = opts.sampling;
    const bool greedy = a.req.greedy || so.temperature <= 0.0f;
    try {
      const float* logits = llama_get_logits_ith(ctx.get(), batch_index);
      if (s.grammar) {
        tok = constrained_sample(logits, s, greedy);
      } else if (!s.chain) {
        tok = fast_sample(logits, s, greedy);
      } else {
        tok = llama_sampler_sample(s.chain.get(), ctx.get(), batch_index);
      }
    } catch (const std::exception& e) {
      s.done = true;
      s.traj.finish = std::string("error: sampling failed: ") + e.what();
      return;
    }
    accept_token(a, s, tok);
  }
};

LlamaJudgeEngine::LlamaJudgeEngine(std::unique_ptr<State> state) : s_(std::move(state)) {}
LlamaJudgeEngine::~LlamaJudgeEngine() = default;

Result<std::unique_ptr<LlamaJudgeEngine>> LlamaJudgeEngine::create(std::shared_ptr<LlamaModel> model,
                                                                   const LlamaEngineOptions& opts) {
  if (opts.n_parallel < 1 || opts.n_parallel > 255)
    return Error{fmt::format("--parallel {} is outside 1..255", opts.n_parallel)};
  if (opts.sampling.max_tokens < 1) return Error{"--max-tokens must be at least 1"};
  auto st = std::make_unique<State>();
  st->model = std::move(model);
  st->opts = opts;
  const int threads = opts.threads > 0 ? opts.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = static_cast<uint32_t>(opts.n_ctx);
  cp.n_batch = static_cast<uint32_t>(opts.n_batch);
  cp.n_ubatch = static_cast<uint32_t>(std::min(opts.n_ubatch, opts.n_batch));
  cp.n_seq_max = static_cast<uint32_t>(opts.n_parallel + 1);
  cp.n_threads = threads;
  cp.n_threads_batch = threads;
  cp.kv_unified = true;
  cp.no_perf = true;
  llama_context* ctx = llama_init_from_model(st->model->get(), cp);
  if (!ctx) return Error{fmt::format("could not create a llama.cpp context (n_ctx {}, parallel {})", opts.n_ctx, opts.n_parallel)};
  st->ctx.reset(ctx);
  st->opts.n_ctx = static_cast<int>(llama_n_ctx(ctx));
  st->batch = std::make_unique<LlamaBatch>(opts.n_batch, opts.n_parallel + 1);
  for (int s = opts.n_parallel; s >= 1; --s) st->free_seqs.push_back(s);

  if (opts.chat_template == ChatTemplateMode::kAuto) {
    if (const char* tmpl = llama_model_chat_template(st->model->get(), nullptr)) {
      const std::string sentinel = "\x01GRM-CONTENT\x01";
      llama_chat_message msg{"user", sentinel.c_str()};
      std::vector<char> buf(4096);
      int n = llama_chat_apply_template(tmpl, &msg, 1, true, buf.data(), static_cast<int32_t>(buf.size()));
      if (n > static_cast<int>(buf.size())) {
        buf.resize(n);
        n = llama_chat_apply_template(tmpl, &msg, 1, true, buf.data(), static_cast<int32_t>(buf.size()));
      }
      if (n > 0) {
        std::string text(buf.data(), n);
        size_t at = text.find(sentinel);
        if (at != std::string::npos) {
          st->chat = true;
          st->chat_prefix = text.substr(0, at);
          st->chat_suffix = text.substr(at + sentinel.size());
        }
      }
    }
  }
  st->forced = st->model->tokenize(kForcedVerdictPrefix, false, false);
  const int n_vocab = llama_vocab_n_tokens(st->model->vocab());
  st->banned.assign(n_vocab, 0);
  if (opts.sampling.fixed_length)
    for (llama_token t = 0; t < n_vocab; ++t) st->banned[t] = llama_vocab_is_eog(st->model->vocab(), t);
  return std::unique_ptr<LlamaJudgeEngine>(new LlamaJudgeEngine(std::move(st)));
}

std::vector<int32_t> LlamaJudgeEngine::prompt_tokens(const Item& item, const std::vector<int>& order, bool hinted,
                                                     std::optional<TemplateKind> kind) const {
  return s_->prompt_tokens(item, order, hinted, kind);
}
const std::vector<int32_t>& LlamaJudgeEngine::header_tokens() const { return s_->header; }
const EngineTotals& LlamaJudgeEngine::totals() const { return s_->totals; }
bool LlamaJudgeEngine::uses_chat_template() const { return s_->chat; }

void LlamaJudgeEngine::run(const Source& source, const Sink& sink) {
  State& st = *s_;
  if (auto hs = st.ensure_header(); !hs) {
    // Nothing can run: report every request.
    uint64_t t = 0;
    while (auto r = source()) sink(t++, JudgeResult{hs.error().message, {}, {}});
    return;
  }
  std::vector<std::unique_ptr<Active>> active;
  std::optional<Active> pending;
  bool source_done = false;
  uint64_t next_ticket = 0;

  auto finish = [&](Active& a) {
    st.release(a);
    JudgeResult r;
    a.stats.seconds = std::chrono::duration<double>(Clock::now() - a.start).count();
    if (a.error) {
      r.error = a.error;
    } else {
      for (auto& s : a.samples) {
        a.stats.tokens_generated += s.traj.tokens_generated;
        r.samples.push_back(std::move(s.traj));
      }
    }
    st.totals.prompt_tokens_evaluated += a.stats.prompt_tokens_evaluated;
    st.totals.prompt_tokens_reused += a.stats.prompt_tokens_reused;
    st.totals.tokens_generated += a.stats.tokens_generated;
    r.stats = a.stats;
    sink(a.ticket, std::move(r));
  };

  // Where each output of the current batch goes.
  struct OutputRef {
    Active* item;
    int distinct;  // >= 0: first token for every sample of this distinct prompt
    int sample;    // >= 0: next token of this sample
    int index;     // the token's index in the batch (llama_get_logits_ith takes batch indices)
  };
  std::vector<OutputRef> outputs;

  while (true) {
    while (!source_done) {
      if (!pending) {
        auto r = source();
        if (!r) {
          source_done = true;
          break;
        }
        pending = st.prepare(std::move(*r), next_ticket++);
        if (pending->error) {
          pending->start = Clock::now();
          finish(*pending);
          pending.reset();
          continue;
        }
      }
      if (!st.fits(*pending)) break;
      auto a = std::make_unique<Active>(std::move(*pending));
      pending.reset();
      st.admit(*a);
      active.push_back(std::move(a));
    }
    if (active.empty()) {
      if (source_done) break;
      continue;  // unreachable in practice: an item that fits an empty engine is admitted above
    }

    st.batch->clear();
    outputs.clear();
    const int cap = st.batch->capacity();
    std::vector<llama_seq_id> seqs;
    for (auto& ap : active) {  // decode tokens first: they are cheap and keep every sample moving
      Active& a = *ap;
      if (!a.prefilled) continue;
      for (int j = 0; j < static_cast<int>(a.samples.size()); ++j) {
        Sample& s = a.samples[j];
        if (s.done || s.pending.empty()) continue;
        if (st.batch->size() + static_cast<int>(s.pending.size()) > cap) continue;
        for (size_t t = 0; t < s.pending.size(); ++t) {
          bool last = t + 1 == s.pending.size();
          st.batch->add(s.pending[t], s.next_pos++, s.seq, last);
          if (last) outputs.push_back({&a, -1, j, st.batch->size() - 1});
        }
        s.pending.clear();
      }
    }
    for (auto& ap : active) {
      Active& a = *ap;
      while (!a.prefilled && a.cursor < a.plan.tokens.size() && st.batch->size() < cap) {
        const PlannedToken& t = a.plan.tokens[a.cursor++];
        seqs.clear();
        for (int d : t.sequences) seqs.push_back(a.samples[a.owner[d]].seq);
        st.batch->add(t.token, t.pos, seqs, t.output_of >= 0);
        if (t.output_of >= 0) outputs.push_back({&a, t.output_of, -1, st.batch->size() - 1});
      }
    }
    if (st.batch->size() == 0) break;  // nothing runnable: cannot happen with consistent state

    const auto t_decode = Clock::now();
    const int rc = llama_decode(st.ctx.get(), st.batch->get());
    ++st.totals.decode_calls;
    const auto t_sample = Clock::now();
    st.totals.decode_seconds += std::chrono::duration<double>(t_sample - t_decode).count();
    if (rc != 0) {
      const std::string msg = llama_decode_error(rc);
      for (auto& ap : active) ap->error = "decoding failed: " + msg;
      for (auto& ap : active) finish(*ap);
      active.clear();
      continue;
    }
    for (const OutputRef& ref : outputs) {
      Active& a = *ref.item;
      if (ref.sample >= 0) {
        st.sample_from(a, a.samples[ref.sample], ref.index);
      } else {
        for (auto& s : a.samples)
          if (s.distinct == ref.distinct) st.sample_from(a, s, ref.index);
      }
    }
    st.totals.sample_seconds += std::chrono::duration<double>(Clock::now() - t_sample).count();
    // Items whose prompt is now fully evaluated: give every sample its own copy of its prompt's cells.
    for (auto& ap : active) {
      Active& a = *ap;
      if (a.prefilled || a.cursor < a.plan.tokens.size()) continue;
      a.prefilled = true;
      for (size_t j = 0; j < a.samples.size(); ++j) {
        const int own = a.owner[a.samples[j].distinct];
        if (own != static_cast<int>(j))
          llama_memory_seq_cp(llama_get_memory(st.ctx.get()), a.samples[own].seq, a.samples[j].seq, -1, -1);
      }
    }
    for (auto it = active.begin(); it != active.end();) {
      Active& a = **it;
      bool all_done = a.prefilled && std::all_of(a.samples.begin(), a.samples.end(), [](const Sample& s) { return s.done; });
      if (all_done) {
        finish(a);
        it = active.erase(it);
      } else {
        ++it;
      }
    }
  }
}

}  // namespace grm
