// grm synth items | teacher | critiques: the synthetic judging domain of ../shared/SYNTH.md.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <unordered_map>

#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/judgment_parser.h"
#include "core/jsonl_records.h"
#include "core/prompt.h"
#include "core/random.h"
#include "core/response_order.h"
#include "pipeline/item_reader.h"
#include "synth/critique_check.h"
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

// synth::synth_item_of with the file and line of the item in front of its error.
Result<synth::SynthItem> synth_item_of(const Item& it, const std::string& file, int line) {
  auto s = synth::synth_item_of(it);
  if (!s) return Error{fmt::format("{}:{}: {}", file, line, s.error().message)};
  return s;
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
    auto s = synth_item_of(it, input->name, l.line);
    if (!s) return fail(s.error().message, kExitBadInput);
    const int index = it.meta["index"].get<int>();
    const uint64_t item_seed = mix_seed(a.seed, static_cast<uint64_t>(index));
    const auto orders = sample_orders(it.n(), a.orders, OrderMode::kRandom, item_seed);
    for (size_t k = 0; k < orders.size(); ++k) {
      const auto t = synth::teacher_trajectory(s.value(), orders[k], a.o, mix_seed(item_seed, k + 1));
      nlohmann::json rec = {{"item", item_to_json(it)}, {"order", orders[k]}, {"trajectory", t.text},
                            {"template", template_kind_name(it.n() == 1 ? single_of(family.value()) : family.value())}};
      lines.push_back(rec.dump());
    }
  }
  return write_lines(a.out, lines, a.overwrite, "teacher") ? kExitOk : kExitFailure;
}

struct CritiquesArgs {
  std::string items, judgments, json;
  bool overwrite = false;
};

// Compares every sampled judgment in --judgments (records {"id", "samples": [{"order", "text"}, ...]}: grm score's
// output, or a grm eval cache such as cache/items/greedy.jsonl) with the teacher's lines for the same responses.
int run_critiques(const CritiquesArgs& a) {
  auto fail = [](const std::string& m, int code) {
    std::fprintf(stderr, "grm synth critiques: %s\n", m.c_str());
    return code;
  };
  if (!a.json.empty() && std::filesystem::exists(a.json) && !a.overwrite)
    return fail(fmt::format("'{}' exists; pass --overwrite to replace it", a.json), kExitBadInput);
  auto input = read_item_file(a.items);
  if (!input) return fail(input.error().message, kExitFailure);
  if (input->invalid) {
    for (const auto& m : input->error_messages()) std::fprintf(stderr, "%s\n", m.c_str());
    return fail("invalid items", kExitBadInput);
  }
  std::unordered_map<std::string, synth::SynthItem> by_id;
  for (const auto& l : input->lines) {
    auto s = synth_item_of(l.item.value(), input->name, l.line);
    if (!s) return fail(s.error().message, kExitBadInput);
    by_id.emplace(l.item.value().id, std::move(s.value()));
  }
  synth::CritiqueReport report;
  long records = 0, unknown = 0;
  std::vector<std::string> errors;
  auto read = read_jsonl_records(
      a.judgments,
      [&](const nlohmann::json& j, int) -> std::string {
        if (!j.contains("id") || !j["id"].is_string()) return "missing field 'id' (a string)";
        const auto it = by_id.find(j["id"].get<std::string>());
        if (it == by_id.end()) {  // judgments of other items (an eval cache of a larger split): counted, not an error
          ++unknown;
          return "";
        }
        const synth::SynthItem& item = it->second;
        const int n = item.item.n();
        if (!j.contains("samples") || !j["samples"].is_array()) return "missing field 'samples' (an array)";
        std::vector<std::pair<std::vector<int>, std::string>> samples;
        for (size_t k = 0; k < j["samples"].size(); ++k) {
          const auto& s = j["samples"][k];
          const std::string field = fmt::format("field 'samples[{}]", k);
          if (!s.is_object() || !s.contains("text") || !s["text"].is_string()) return field + ".text': expected a string";
          std::vector<int> order;
          if (s.contains("order") && s["order"].is_array())
            for (const auto& o : s["order"]) order.push_back(o.is_number_integer() ? o.get<int>() : -1);
          if (!is_order_of(order, n))
            return fmt::format("{}.order': expected a permutation of 0..{} (item '{}' has {} responses)", field, n - 1, item.item.id, n);
          samples.emplace_back(std::move(order), s["text"].get<std::string>());
        }
        ++records;
        const TemplateKind kind = kind_for_item(item.item, TemplateKind::kCompact);
        for (const auto& [order, text] : samples) {
          const ParsedJudgment parsed = parse_judgment(text, n, score_range(kind));
          report.add(item, synth::check_critiques(item, order, parsed.analysis), parsed.valid ? parsed.scores : std::vector<int>{});
        }
        return "";
      },
      &errors, "judgments");
  if (!read) return fail(read.error().message, kExitFailure);
  if (!errors.empty()) {
    for (const auto& m : errors) std::fprintf(stderr, "%s\n", m.c_str());
    return fail(fmt::format("{} invalid records in '{}'; nothing was reported", errors.size(), a.judgments), kExitBadInput);
  }
  if (records == 0)
    return fail(fmt::format("no record of '{}' names an item of '{}' ({} records for other items)", a.judgments, a.items, unknown),
                kExitBadInput);

  std::printf("%ld samples of %ld items (%ld records for items not in %s, skipped). Analysis lines against the teacher's\n"
              "noise-free line for the response in that position, in %% of lines; the last column, of the lines the teacher\n"
              "writes for some response (exact, flipped, another's) in valid verdicts, those scored as the teacher scores that line:\n\n"
              "| group | lines |",
              report.samples(), records, unknown, a.items.c_str());
  for (int c = 0; c < synth::kCritiqueClasses; ++c) std::printf(" %s |", synth::critique_class_name(static_cast<synth::CritiqueClass>(c)));
  std::printf(" score as its line says |\n| --- | ---: |");
  for (int c = 0; c <= synth::kCritiqueClasses; ++c) std::printf(" ---: |");
  std::printf("\n");
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& [name, t] : report.rows()) {
    std::printf("| %s | %ld |", name.c_str(), t.lines);
    nlohmann::json g = {{"group", name}, {"lines", t.lines}};
    for (int c = 0; c < synth::kCritiqueClasses; ++c) {
      const auto cls = static_cast<synth::CritiqueClass>(c);
      std::printf(" %.1f |", 100 * t.share(cls));
      g[synth::critique_class_name(cls)] = t.share(cls);
    }
    std::printf(" %.1f |\n", 100 * t.follow_rate());
    g["score as its line says"] = t.follow_rate();
    g["lines with an implied score"] = t.scored;
    groups.push_back(std::move(g));
  }
  if (!a.json.empty()) {
    const nlohmann::json out = {{"items", a.items}, {"judgments", a.judgments}, {"samples", report.samples()}, {"groups", groups}};
    if (auto st = write_file_atomically(a.json, out.dump(2) + "\n"); !st) return fail(st.error().message, kExitFailure);
  }
  return kExitOk;
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

  auto ca = std::make_shared<CritiquesArgs>();
  CLI::App* critiques = synth->add_subcommand(
      "critiques",
      "Check a judge's critiques against the teacher's: each analysis line of each sampled judgment is compared with the "
      "noise-free line the teacher writes for the response in that position (exact, verdict flipped, another response's "
      "line, generic, other, missing), and whether each score is the one the teacher writes beside that line; overall, "
      "by family, by number of responses and by position.");
  critiques->add_option("--items", ca->items, "the synth items judged (from grm synth items)")->required();
  critiques->add_option("--judgments", ca->judgments,
                        "sampled judgments: grm score's --out, or a grm eval cache file (REPORT/cache/items/greedy.jsonl, pool-kK.jsonl)")
      ->required();
  critiques->add_option("--json", ca->json, "also write the table as JSON here");
  critiques->add_flag("--overwrite", ca->overwrite, "replace an existing --json");
  critiques->callback([&run, ca] { run = [ca] { return run_critiques(*ca); }; });
}

}  // namespace grm::cli
