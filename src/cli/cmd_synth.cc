// grm synth items | teacher: the synthetic judging domain of ../shared/SYNTH.md.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/prompt.h"
#include "core/random.h"
#include "core/response_order.h"
#include "pipeline/item_reader.h"
#include "synth/synth_domain.h"

namespace grm::cli {
namespace {

// Writes one line per entry; the output is complete or absent (core/atomic_file.h).
bool write_lines(const std::string& path, const std::vector<std::string>& lines, bool overwrite, const char* command) {
  if (std::filesystem::exists(path) && !overwrite) {
    std::fprintf(stderr, "grm synth %s: '%s' exists; pass --overwrite to replace it\n", command, path.c_str());
    return false;
  }
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  if (auto st = write_file_atomically(path, text); !st) {
    std::fprintf(stderr, "grm synth %s: %s\n", command, st.error().message.c_str());
    return false;
  }
  return true;
}

struct ItemsArgs {
  int n = 1000;
  uint64_t seed = 1;
  std::string out;
  bool overwrite = false;
};

int run_items(const ItemsArgs& a) {
  if (a.n < 1) {
    std::fprintf(stderr, "grm synth items: --n must be at least 1\n");
    return kExitBadInput;
  }
  std::vector<std::string> lines;
  for (const auto& s : synth::generate_items(a.n, a.seed)) lines.push_back(item_to_json(s.item).dump());
  return write_lines(a.out, lines, a.overwrite, "items") ? kExitOk : kExitFailure;
}

struct TeacherArgs {
  std::string in, out;
  synth::TeacherOptions o;
  int orders = 1;
  uint64_t seed = 1;
  std::string template_family = "compact";
  bool overwrite = false;
};

int run_teacher(const TeacherArgs& a) {
  auto fail = [](const std::string& m, int code) {
    std::fprintf(stderr, "grm synth teacher: %s\n", m.c_str());
    return code;
  };
  if (a.orders < 1) return fail("--orders must be at least 1", kExitBadInput);
  auto family = template_kind_from_name(a.template_family);
  if (!family || is_single(family.value())) return fail("--template takes default or compact", kExitBadInput);
  if (a.o.p_wrong < 0 || a.o.p_wrong > 1 || a.o.p_generic < 0 || a.o.p_generic > 1)
    return fail("--p-wrong and --p-generic are probabilities (0..1)", kExitBadInput);
  auto input = read_item_file(a.in);
  if (!input) return fail(input.error().message, kExitFailure);
  if (input->invalid) {
    for (const auto& m : input->error_messages()) std::fprintf(stderr, "%s\n", m.c_str());
    return fail("invalid items; nothing was written", kExitBadInput);
  }
  std::vector<std::string> lines;
  for (const auto& l : input->lines) {
    const Item& it = l.item.value();
    const auto& m = it.meta;
    if (!m.is_object() || !m.contains("seed") || !m.contains("index") || !m["seed"].is_number_unsigned() ||
        !m["index"].is_number_integer())
      return fail(fmt::format("{}:{}: field 'meta': not an item of grm synth items (no meta.seed / meta.index)", input->name, l.line),
                  kExitBadInput);
    const int index = m["index"].get<int>();
    const synth::SynthItem s = synth::generate_item(m["seed"].get<uint64_t>(), index);
    if (s.item.responses != it.responses || s.item.conversation.back().content != it.conversation.back().content)
      return fail(fmt::format("{}:{}: item '{}' differs from what grm synth items makes for its seed and index (edited?)", input->name,
                              l.line, it.id),
                  kExitBadInput);
    const uint64_t item_seed = mix_seed(a.seed, static_cast<uint64_t>(index));
    const auto orders = sample_orders(it.n(), a.orders, OrderMode::kRandom, item_seed);
    for (size_t k = 0; k < orders.size(); ++k) {
      const auto t = synth::teacher_trajectory(s, orders[k], a.o, mix_seed(item_seed, k + 1));
      nlohmann::json rec = {{"item", item_to_json(it)}, {"order", orders[k]}, {"trajectory", t.text},
                            {"template", template_kind_name(it.n() == 1 ? single_of(family.value()) : family.value())}};
      lines.push_back(rec.dump());
    }
  }
  return write_lines(a.out, lines, a.overwrite, "teacher") ? kExitOk : kExitFailure;
}

}  // namespace

void add_synth_commands(CLI::App& app, Runner& run) {
  CLI::App* synth = app.add_subcommand("synth", "The synthetic judging domain of SYNTH.md: items and the teacher's trajectories.");
  synth->require_subcommand(1);
  auto ia = std::make_shared<ItemsArgs>();
  CLI::App* items = synth->add_subcommand("items", "Draw canonical items (six task families, programmatic labels).");
  items->footer("Item i depends only on (--seed, i): the same seed gives the same items. meta carries family, n, seed, index.");
  items->add_option("--n", ia->n, "items to draw")->capture_default_str();
  items->add_option("--seed", ia->seed, "stream seed")->capture_default_str();
  items->add_option("--out", ia->out, "items (JSONL)")->required();
  items->add_flag("--overwrite", ia->overwrite, "replace an existing --out");
  items->callback([&run, ia] { run = [ia] { return run_items(*ia); }; });

  auto ta = std::make_shared<TeacherArgs>();
  CLI::App* teacher = synth->add_subcommand("teacher", "The noisy teacher's trajectories, as grm train sft records.");
  teacher->footer(
      "For each item, --orders shuffled response orders, each with the teacher's trajectory: the family's\n"
      "principles, one analysis line per response, the true scores. With probability --p-wrong one response's\n"
      "first-principle verdict is flipped (and scored so); with --p-generic the principles are generic and the\n"
      "scores noisy (SYNTH.md, Noise).");
  teacher->add_option("--in", ta->in, "items from grm synth items")->required();
  teacher->add_option("--out", ta->out, "SFT records (JSONL)")->required();
  teacher->add_option("--p-wrong", ta->o.p_wrong, "probability of a flipped verdict")->capture_default_str();
  teacher->add_option("--p-generic", ta->o.p_generic, "probability of a generic, noisy trajectory")->capture_default_str();
  teacher->add_option("--orders", ta->orders, "shuffled orders per item")->capture_default_str();
  teacher->add_option("--seed", ta->seed, "seed of orders and noise")->capture_default_str();
  teacher->add_option("--template", ta->template_family, "prompt family of the records: compact or default (one-response items use its 0/1 member)")->capture_default_str();
  teacher->add_flag("--no-principles", [ta](int64_t) { ta->o.principles = false; }, "leave out the Specific Criteria block (ablation)");
  teacher->add_flag("--overwrite", ta->overwrite, "replace an existing --out");
  teacher->callback([&run, ta] { run = [ta] { return run_teacher(*ta); }; });
}

}  // namespace grm::cli
