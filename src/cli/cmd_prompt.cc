#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/prompt.h"
#include "core/response_order.h"
#include "pipeline/item_reader.h"

namespace grm::cli {
namespace {

struct PromptArgs {
  std::string in = "-", template_name = "default", orders = "balanced", turn_format = "{role}: {content}";
  int k = 8, sample = 0;
  uint64_t seed = 1;
  bool hinted = false;
};

int run_prompt_command(const PromptArgs& a) {
  auto kind = template_kind_from_name(a.template_name);
  auto mode = order_mode_from_name(a.orders);
  if (!kind || !mode) {
    std::fprintf(stderr, "grm prompt: %s\n", (!kind ? kind.error() : mode.error()).message.c_str());
    return kExitBadInput;
  }
  if (a.sample >= a.k) {
    std::fprintf(stderr, "grm prompt: --sample %d must be below -k %d\n", a.sample, a.k);
    return kExitBadInput;
  }
  auto input = read_item_file(a.in);
  if (!input) {
    std::fprintf(stderr, "grm prompt: %s\n", input.error().message.c_str());
    return kExitFailure;
  }
  for (const auto& m : input->error_messages()) std::fprintf(stderr, "%s\n", m.c_str());
  if (input->invalid) return kExitBadInput;
  PromptOptions po;
  po.kind = kind.value();
  po.turn_format = a.turn_format;
  for (const auto& l : input->lines) {
    const Item& item = l.item.value();
    const auto orders = sample_orders(item.n(), a.k, mode.value(), item_seed(a.seed, item.id));
    const auto& order = orders[a.sample];
    std::optional<int> hint;
    if (a.hinted && item.best)
      for (int p = 0; p < item.n(); ++p)
        if (order[p] == *item.best) hint = p;
    nlohmann::json j{{"id", item.id}, {"sample", a.sample}, {"order", order}, {"prompt", render_judge_prompt(item, order, po, hint)}};
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  }
  return kExitOk;
}

}  // namespace

void add_prompt_command(CLI::App& app, Runner& run) {
  auto a = std::make_shared<PromptArgs>();
  CLI::App* c = app.add_subcommand("prompt", "Print the exact judge prompt a sample sees (one JSON line per item).");
  c->footer("The order is the one `grm score` gives sample --sample with the same -k, --orders and --seed.\n"
            "The prompt is the filled template; `grm score` wraps it in the model's chat template when it has one.");
  c->add_option("--in", a->in, "input JSONL of canonical items, - for stdin")->capture_default_str();
  c->add_option("--template", a->template_name, "default, single, compact or compact_single")->capture_default_str();
  c->add_option("--orders", a->orders, "balanced, random or fixed")->capture_default_str();
  c->add_option("-k,--samples", a->k, "samples per item (as in grm score)")->capture_default_str();
  c->add_option("--sample", a->sample, "which sample's order to show")->capture_default_str();
  c->add_option("--seed", a->seed, "run seed (as in grm score)")->capture_default_str();
  c->add_option("--turn-format", a->turn_format, "how each turn of a multi-turn conversation is written")->capture_default_str();
  c->add_flag("--hinted", a->hinted, "append the RFT hint line naming the labelled best response");
  c->callback([&run, a] { run = [a] { return run_prompt_command(*a); }; });
}

}  // namespace grm::cli
