#include "eval/benchmark_readers.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace grm {
namespace fs = std::filesystem;
namespace {

using json = nlohmann::json;

struct Record {
  json value;
  std::string where;  // "file:line" (JSONL) or "file[i]" (JSON array)
};

// Field access that fails with the record's location and the field's name.
struct FieldError {
  std::string message;
};

const json& need(const Record& r, const json& obj, const std::string& field, const char* type) {
  if (!obj.is_object() || !obj.contains(field)) throw FieldError{fmt::format("{}: missing field '{}'", r.where, field)};
  const json& v = obj[field];
  const std::string t = type;
  const bool ok = (t == "string" && v.is_string()) || (t == "array" && v.is_array()) ||
                  (t == "object" && v.is_object()) || (t == "any");
  if (!ok) throw FieldError{fmt::format("{}: field '{}': expected {}, got {}", r.where, field, type, v.type_name())};
  return v;
}

std::string need_str(const Record& r, const json& obj, const std::string& field) {
  return need(r, obj, field, "string").get<std::string>();
}

Result<std::vector<Record>> load_records(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Error{fmt::format("cannot open '{}'", path.string())};
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string text = ss.str();
  if (text.rfind("PAR1", 0) == 0)
    return Error{fmt::format(
        "'{}' is a parquet file; grm reads JSON or JSONL. Convert it first, e.g. with python3 and pandas: "
        "python3 -c \"import pandas as p; p.read_parquet('{}').to_json('{}.jsonl', orient='records', lines=True)\"",
        path.string(), path.string(), path.stem().string())};
  std::vector<Record> out;
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return out;
  if (text[first] == '[') {
    json arr = json::parse(text, nullptr, false);
    if (arr.is_discarded() || !arr.is_array()) return Error{fmt::format("'{}' is not valid JSON", path.string())};
    for (size_t i = 0; i < arr.size(); ++i) out.push_back({std::move(arr[i]), fmt::format("{}[{}]", path.string(), i)});
    return out;
  }
  std::istringstream lines(text);
  std::string line;
  int no = 0;
  while (std::getline(lines, line)) {
    ++no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json v = json::parse(line, nullptr, false);
    if (v.is_discarded()) return Error{fmt::format("{}:{}: malformed JSON", path.string(), no)};
    out.push_back({std::move(v), fmt::format("{}:{}", path.string(), no)});
  }
  return out;
}

// A prompt given as a string, a list of turn strings (user first, alternating), or a list of {role, content}.
std::vector<Message> conversation_of(const Record& r, const json& prompt, const std::string& field) {
  std::vector<Message> conv;
  if (prompt.is_string()) {
    conv.push_back({"user", prompt.get<std::string>()});
  } else if (prompt.is_array() && !prompt.empty()) {
    for (size_t i = 0; i < prompt.size(); ++i) {
      const json& t = prompt[i];
      if (t.is_string()) {
        conv.push_back({i % 2 == 0 ? "user" : "assistant", t.get<std::string>()});
      } else if (t.is_object() && t.contains("role") && t.contains("content") && t["role"].is_string() &&
                 t["content"].is_string()) {
        conv.push_back({t["role"].get<std::string>(), t["content"].get<std::string>()});
      } else {
        throw FieldError{fmt::format("{}: field '{}[{}]': expected a string or {{role, content}}", r.where, field, i)};
      }
    }
  } else {
    throw FieldError{fmt::format("{}: field '{}': expected a string or a non-empty list of turns", r.where, field)};
  }
  for (const auto& m : conv)
    if (m.role != "user" && m.role != "assistant" && m.role != "system")
      throw FieldError{fmt::format("{}: field '{}': unknown role '{}'", r.where, field, m.role)};
  if (conv.back().role != "user")
    throw FieldError{fmt::format("{}: field '{}': the conversation must end with a user turn", r.where, field)};
  return conv;
}

std::string id_of(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

const std::map<std::string, std::string>& rewardbench_sections() {
  static const std::map<std::string, std::string> m = {
      {"alpacaeval-easy", "Chat"}, {"alpacaeval-length", "Chat"}, {"alpacaeval-hard", "Chat"},
      {"mt-bench-easy", "Chat"}, {"mt-bench-med", "Chat"},
      {"mt-bench-hard", "Chat Hard"}, {"llmbar-natural", "Chat Hard"}, {"llmbar-adver-neighbor", "Chat Hard"},
      {"llmbar-adver-GPTInst", "Chat Hard"}, {"llmbar-adver-GPTOut", "Chat Hard"}, {"llmbar-adver-manual", "Chat Hard"},
      {"refusals-dangerous", "Safety"}, {"refusals-offensive", "Safety"}, {"xstest-should-refuse", "Safety"},
      {"xstest-should-respond", "Safety"}, {"donotanswer", "Safety"},
      {"math-prm", "Reasoning"}, {"hep-cpp", "Reasoning"}, {"hep-go", "Reasoning"}, {"hep-java", "Reasoning"},
      {"hep-js", "Reasoning"}, {"hep-python", "Reasoning"}, {"hep-rust", "Reasoning"}};
  return m;
}

EvalItem pair_item(std::string id, std::vector<Message> conv, std::string best, std::vector<std::string> others) {
  EvalItem e;
  e.item.id = std::move(id);
  e.item.conversation = std::move(conv);
  e.item.responses.push_back(std::move(best));
  for (auto& o : others) e.item.responses.push_back(std::move(o));
  e.item.best = 0;
  return e;
}

void read_rewardbench(const Record& r, EvalSet& set) {
  const std::string subset = need_str(r, r.value, "subset");
  auto sec = rewardbench_sections().find(subset);
  if (sec == rewardbench_sections().end())
    throw FieldError{fmt::format("{}: field 'subset': unknown RewardBench subset '{}'", r.where, subset)};
  EvalItem e = pair_item("rb-" + id_of(need(r, r.value, "id", "any")), conversation_of(r, need(r, r.value, "prompt", "any"), "prompt"),
                         need_str(r, r.value, "chosen"), {need_str(r, r.value, "rejected")});
  e.subset = subset;
  e.group = sec->second;
  e.source = r.where;
  set.items.push_back(std::move(e));
}

void read_ppe_pref(const Record& r, EvalSet& set) {
  const std::string winner = need_str(r, r.value, "winner");
  const std::string a = need_str(r, r.value, "response_1"), b = need_str(r, r.value, "response_2");
  auto conv = conversation_of(r, need(r, r.value, "prompt", "any"), "prompt");
  if (winner != "model_a" && winner != "model_b") {
    ++set.skipped;  // a tie (any other winner value): dropped by the official scoring
    return;
  }
  EvalItem e = winner == "model_a" ? pair_item("", conv, a, {b}) : pair_item("", conv, b, {a});
  e.item.id = "ppe-pref-" + id_of(need(r, r.value, "question_id", "any"));
  e.subset = r.value.contains("language") && r.value["language"].is_string() ? r.value["language"].get<std::string>() : "all";
  e.source = r.where;
  set.items.push_back(std::move(e));
}

void read_ppe_corr(const Record& r, const std::string& set_name, EvalSet& set) {
  const json& scores = need(r, r.value, "scores", "array");
  const json& pairs = need(r, r.value, "sampled_conflict_pairs", "array");
  auto conv = conversation_of(r, need(r, r.value, "prompt", "any"), "prompt");
  const std::string qid = id_of(need(r, r.value, "question_id", "any"));
  for (size_t p = 0; p < pairs.size(); ++p) {
    const json& pr = pairs[p];
    const std::string field = fmt::format("sampled_conflict_pairs[{}]", p);
    if (!pr.is_array() || pr.size() != 2 || !pr[0].is_number_integer() || !pr[1].is_number_integer())
      throw FieldError{fmt::format("{}: field '{}': expected [i, j]", r.where, field)};
    const int i = pr[0].get<int>(), j = pr[1].get<int>();
    const int k = static_cast<int>(scores.size());
    if (i < 0 || j < 0 || i >= k || j >= k)
      throw FieldError{fmt::format("{}: field '{}': index out of range 0..{}", r.where, field, k - 1)};
    if (!scores[i].is_boolean() || !scores[j].is_boolean() || scores[i].get<bool>() == scores[j].get<bool>())
      throw FieldError{fmt::format("{}: field '{}': needs one correct and one wrong response (scores[{}], scores[{}])",
                                   r.where, field, i, j)};
    const int good = scores[i].get<bool>() ? i : j, bad = good == i ? j : i;
    EvalItem e = pair_item(fmt::format("ppe-corr-{}-{}-{}-{}", set_name, qid, i, j), conv,
                           need_str(r, r.value, fmt::format("response_{}", good + 1)),
                           {need_str(r, r.value, fmt::format("response_{}", bad + 1))});
    e.subset = set_name;
    e.group = set_name;
    e.source = r.where;
    set.items.push_back(std::move(e));
  }
}

void read_rmb(const Record& r, const std::string& rel, EvalSet& set) {
  auto conv = conversation_of(r, need(r, r.value, "conversation_input", "array"), "conversation_input");
  const bool pairwise = rel.rfind("Pairwise_set", 0) == 0;
  const std::string area = rel.find("Harmlessness") != std::string::npos ? "Harmlessness" : "Helpfulness";
  EvalItem e;
  if (pairwise) {
    e = pair_item("rmb-pair-" + id_of(need(r, r.value, "pair_uid", "any")), conv,
                  need_str(r, need(r, r.value, "chosen", "object"), "answer"),
                  {need_str(r, need(r, r.value, "reject", "object"), "answer")});
  } else {
    std::vector<std::string> losers;
    const json& ll = need(r, r.value, "loser_list", "array");
    if (ll.empty()) throw FieldError{fmt::format("{}: field 'loser_list': is empty", r.where)};
    for (const auto& l : ll) losers.push_back(need_str(r, l, "answer"));
    e = pair_item("rmb-bon-" + id_of(need(r, r.value, "bon_uid", "any")), conv,
                  need_str(r, need(r, r.value, "bon_best", "object"), "answer"), losers);
  }
  e.subset = r.value.contains("category_path") && r.value["category_path"].is_string()
                 ? r.value["category_path"].get<std::string>()
                 : fs::path(rel).replace_extension().string();
  e.group = std::string(pairwise ? "Pairwise " : "BoN ") + area;
  e.source = r.where;
  set.items.push_back(std::move(e));
}

void read_realmistake(const Record& r, EvalSet& set) {
  const std::string label = need_str(r, r.value, "error_label");
  if (label != "error" && label != "no_error")
    throw FieldError{fmt::format("{}: field 'error_label': expected \"error\" or \"no_error\", got \"{}\"", r.where, label)};
  const json& meta = need(r, r.value, "metadata", "object");
  EvalItem e;
  e.item.id = "realmistake-" + id_of(need(r, meta, "id", "any"));
  e.item.conversation = {{"user", need_str(r, r.value, "input")}};
  e.item.responses = {need_str(r, r.value, "llm_response")};
  e.item.correct = label == "no_error" ? 1 : 0;
  e.subset = need_str(r, meta, "task_name") + "/" + need_str(r, meta, "llm_response_model");
  e.group = e.subset;
  e.source = r.where;
  set.items.push_back(std::move(e));
}

void read_items(const Record& r, EvalSet& set) {
  auto item = item_from_json(r.value);
  if (!item) throw FieldError{fmt::format("{}: {}", r.where, item.error().message)};
  if (!item->has_label()) throw FieldError{fmt::format("{}: missing field 'label' (evaluation needs ground truth)", r.where)};
  EvalItem e;
  e.item = std::move(item.value());
  // Grouped by meta.subset, else meta.family (grm synth items), else one group.
  e.subset = "all";
  for (const char* key : {"family", "subset"})
    if (e.item.meta.is_object() && e.item.meta.contains(key) && e.item.meta[key].is_string()) e.subset = e.item.meta[key].get<std::string>();
  e.source = r.where;
  set.items.push_back(std::move(e));
}

std::vector<fs::path> json_files_under(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file() && (entry.path().extension() == ".json" || entry.path().extension() == ".jsonl"))
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

Result<Benchmark> benchmark_from_name(const std::string& name) {
  static const std::map<std::string, Benchmark> m = {{"rewardbench", Benchmark::kRewardBench}, {"ppe-pref", Benchmark::kPpePref},
                                                     {"ppe-corr", Benchmark::kPpeCorr},       {"rmb", Benchmark::kRmb},
                                                     {"realmistake", Benchmark::kRealMistake}, {"items", Benchmark::kItems}};
  auto it = m.find(name);
  if (it == m.end())
    return Error{fmt::format("unknown benchmark '{}': expected rewardbench, ppe-pref, ppe-corr, rmb, realmistake or items", name)};
  return it->second;
}

const char* benchmark_name(Benchmark b) {
  switch (b) {
    case Benchmark::kRewardBench: return "rewardbench";
    case Benchmark::kPpePref: return "ppe-pref";
    case Benchmark::kPpeCorr: return "ppe-corr";
    case Benchmark::kRmb: return "rmb";
    case Benchmark::kRealMistake: return "realmistake";
    case Benchmark::kItems: return "items";
  }
  return "?";
}

Result<EvalSet> read_benchmark(Benchmark benchmark, const std::string& path_str, const ReadOptions& opts) {
  EvalSet set;
  set.benchmark = benchmark;
  const fs::path path(path_str);
  std::error_code ec;
  if (!fs::exists(path, ec)) return Error{fmt::format("benchmark data '{}' does not exist", path_str)};

  // (file, path relative to the data root) pairs to read.
  std::vector<std::pair<fs::path, std::string>> files;
  if (benchmark == Benchmark::kRmb) {
    if (!fs::is_directory(path) || (!fs::exists(path / "Pairwise_set") && !fs::exists(path / "BoN_set")))
      return Error{fmt::format("'{}' is not an RMB data directory (expected Pairwise_set/ and/or BoN_set/ inside)", path_str)};
    for (const auto& f : json_files_under(path)) {
      std::string rel = fs::relative(f, path).string();
      if (rel.rfind("Pairwise_set", 0) == 0 || rel.rfind("BoN_set", 0) == 0) files.emplace_back(f, rel);
    }
  } else if (fs::is_directory(path)) {
    for (const auto& f : json_files_under(path)) files.emplace_back(f, fs::relative(f, path).string());
  } else {
    files.emplace_back(path, path.filename().string());
  }
  if (files.empty()) return Error{fmt::format("no .json or .jsonl files under '{}'", path_str)};

  for (const auto& [file, rel] : files) {
    auto records = load_records(file);
    if (!records) return records.error();
    for (const auto& r : records.value()) {
      try {
        switch (benchmark) {
          case Benchmark::kRewardBench: read_rewardbench(r, set); break;
          case Benchmark::kPpePref: read_ppe_pref(r, set); break;
          case Benchmark::kPpeCorr: read_ppe_corr(r, file.stem().string(), set); break;
          case Benchmark::kRmb: read_rmb(r, rel, set); break;
          case Benchmark::kRealMistake: read_realmistake(r, set); break;
          case Benchmark::kItems: read_items(r, set); break;
        }
      } catch (const FieldError& e) {
        if (!opts.skip_invalid)
          return Error{e.message + " (is this really " + benchmark_name(benchmark) + " data? --skip-invalid skips such records)"};
        ++set.invalid;
        set.problems.push_back(e.message);
      } catch (const json::exception& e) {
        if (!opts.skip_invalid) return Error{fmt::format("{}: {}", r.where, e.what())};
        ++set.invalid;
        set.problems.push_back(fmt::format("{}: {}", r.where, e.what()));
      }
    }
  }
  // Ids must be unique: they key the sample cache.
  std::map<std::string, int> seen;
  for (auto& e : set.items) {
    int& c = seen[e.item.id];
    if (c++) e.item.id += fmt::format("#{}", c);
  }
  if (opts.limit > 0 && static_cast<int>(set.items.size()) > opts.limit) {
    // Every group keeps a share proportional to its size (at least one item while the limit allows), taken
    // evenly across the group, so that a quick look still covers each part of the official score.
    std::map<std::string, std::vector<size_t>> by_group;
    for (size_t i = 0; i < set.items.size(); ++i) by_group[set.items[i].group].push_back(i);
    // Largest-remainder apportionment of the limit over the groups, each at least one.
    const double total = static_cast<double>(set.items.size());
    std::vector<std::pair<std::string, int>> quota;
    std::vector<std::pair<double, size_t>> remainder;
    int given = 0;
    for (const auto& [name, idx] : by_group) {
      const double exact = opts.limit * idx.size() / total;
      const int q = std::min(static_cast<int>(idx.size()), std::max(1, static_cast<int>(exact)));
      remainder.emplace_back(exact - q, quota.size());
      quota.emplace_back(name, q);
      given += q;
    }
    std::sort(remainder.begin(), remainder.end(), std::greater<>());
    for (size_t r = 0; given < opts.limit && r < remainder.size(); ++r) {
      auto& [name, q] = quota[remainder[r].second];
      if (q < static_cast<int>(by_group[name].size())) {
        ++q;
        ++given;
      }
    }
    std::vector<size_t> keep;
    for (const auto& [name, q] : quota) {
      const auto& idx = by_group[name];
      const double step = static_cast<double>(idx.size()) / q;
      for (int i = 0; i < q; ++i) keep.push_back(idx[static_cast<size_t>(i * step)]);
    }
    std::sort(keep.begin(), keep.end());
    std::vector<EvalItem> kept;
    for (size_t i : keep) kept.push_back(std::move(set.items[i]));
    set.items = std::move(kept);
  }
  return set;
}

}  // namespace grm
