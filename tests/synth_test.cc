// grm synth pinned to ../shared/SYNTH.md: the true-score arithmetic, unique best, every variant kind
// reachable, the mix of families and sizes, the teacher's format and its noise rates; and the check of a judge's
// critiques against the teacher's lines (grm synth critiques).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "core/judgment_parser.h"
#include "core/response_order.h"
#include "synth/critique_check.h"
#include "synth/synth_domain.h"
#include "test_models.h"

namespace grm::synth {
namespace {

// 3-sigma bound of a binomial proportion.
double tol(double p, int n) { return 3.0 * std::sqrt(p * (1 - p) / n) + 1e-9; }

TEST(SynthTest, TrueScoreIsRoundedHalfUp) {
  const std::vector<Principle> f1 = {{"Correct result", 70}, {"Shows the working", 30}};
  EXPECT_EQ(true_score(f1, {1, 1}), 10);
  EXPECT_EQ(true_score(f1, {1, 0}), 7);  // 1 + 6.3
  EXPECT_EQ(true_score(f1, {0, 1}), 4);  // 1 + 2.7
  EXPECT_EQ(true_score(f1, {0, 0}), 1);
  const std::vector<Principle> f2 = {{"Ascending order", 50}, {"Every number exactly once", 50}};
  EXPECT_EQ(true_score(f2, {1, 0}), 6);  // 1 + 4.5 rounds half up
  const std::vector<Principle> f5 = {{"Correct answer", 60}, {"Uses the facts in the context", 40}};
  EXPECT_EQ(true_score(f5, {0, 0.5}), 3);  // 1 + 1.8
  EXPECT_EQ(true_score(f5, {1, 0.5}), 8);  // 1 + 7.2
  EXPECT_EQ(score_with_first(f5, {1, 0.5}, 0), 3);
}

class SynthItemsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { items_ = new std::vector<SynthItem>(generate_items(6000, 11)); }
  static void TearDownTestSuite() { delete items_; }
  static std::vector<SynthItem>* items_;
};
std::vector<SynthItem>* SynthItemsTest::items_ = nullptr;

TEST_F(SynthItemsTest, FamiliesSizesAndLabelsFollowTheSpec) {
  const auto& items = *items_;
  std::map<std::string, int> family;
  std::map<int, int> size;
  for (const auto& s : items) {
    ++family[s.family];
    ++size[s.item.n()];
    ASSERT_EQ(s.item.meta["family"], s.family);
    ASSERT_EQ(s.item.meta["n"], s.item.n());
    ASSERT_EQ(s.item.conversation.size(), 1u);
    std::set<std::string> texts(s.item.responses.begin(), s.item.responses.end());
    ASSERT_EQ(texts.size(), s.item.responses.size()) << s.item.id;  // no repeated variant string
    int weights = 0;
    for (const auto& p : s.principles) weights += p.weight;
    ASSERT_EQ(weights, 100);
    if (s.item.n() == 1) {
      ASSERT_TRUE(s.item.correct.has_value());
      EXPECT_EQ(*s.item.correct, s.responses[0].sat[0] == 1.0 ? 1 : 0);  // the first (heaviest) principle
      continue;
    }
    std::vector<int> scores;
    for (const auto& r : s.responses) scores.push_back(true_score(s.principles, r.sat));
    const int top = *std::max_element(scores.begin(), scores.end());
    ASSERT_EQ(std::count(scores.begin(), scores.end(), top), 1) << s.item.id;  // unique best
    ASSERT_EQ(scores[*s.item.best], top);
  }
  const int N = static_cast<int>(items.size());
  ASSERT_EQ(family.size(), 6u);
  for (const auto& [f, c] : family) EXPECT_NEAR(c / double(N), 1.0 / 6, tol(1.0 / 6, N)) << f;
  const std::map<int, double> want = {{1, 0.15}, {2, 0.50}, {3, 0.20}, {4, 0.15}};
  for (const auto& [n, p] : want) EXPECT_NEAR(size[n] / double(N), p, tol(p, N)) << "n = " << n;
  // The best response is not always first: responses are shuffled.
  int best_first = 0, multi = 0;
  for (const auto& s : items)
    if (s.item.n() == 2) ++multi, best_first += *s.item.best == 0;
  EXPECT_NEAR(best_first / double(multi), 0.5, tol(0.5, multi));
}

TEST_F(SynthItemsTest, EveryVariantKindIsReachable) {
  std::set<std::string> kinds;
  for (const auto& s : *items_)
    for (const auto& r : s.responses) kinds.insert(r.kind);
  for (const char* k : {"F1.worked", "F1.bare", "F2.correct", "F2.swap", "F2.missing", "F2.extra", "F2.descending", "F3.correct",
                        "F3.count", "F3.case", "F3.separator", "F3.category", "F3.repeat", "F4.refusal", "F4.refusal_alternative",
                        "F4.full_help", "F4.partial_help", "F5.right.reasoned", "F5.right.bare", "F5.off_by_one.reasoned",
                        "F5.off_by_one.bare", "F5.wrong_operation.reasoned", "F5.wrong_operation.bare", "F5.first_count.bare",
                        "F6.exact", "F6.wrong", "F6.exact_wrapped", "F6.wrong_wrapped"})
    EXPECT_TRUE(kinds.count(k)) << k;
  EXPECT_FALSE(kinds.count("F5.first_count.reasoned"));  // r = n1 is always written bare
}

// F1 and F2 checked from their text alone, independently of the generator's bookkeeping.
TEST_F(SynthItemsTest, ArithmeticAndSortingSatisfactionMatchTheText) {
  const std::regex query(R"(What is (\d+) ([-+*]) (\d+)\?)"), worked(R"((\d+) [-+*] (\d+) = (-?\d+)\.)"), bare(R"(The answer is (-?\d+)\.)");
  int checked = 0;
  for (const auto& s : *items_) {
    if (s.family == "F1") {
      std::smatch m;
      const std::string q = s.item.conversation[0].content;
      ASSERT_TRUE(std::regex_match(q, m, query)) << q;
      const long a = std::stol(m[1]), b = std::stol(m[3]);
      const char op = m[2].str()[0];
      if (op == '-') EXPECT_GE(a, b);
      const long t = op == '+' ? a + b : op == '-' ? a - b : a * b;
      for (const auto& r : s.responses) {
        std::smatch w;
        long res = 0;
        if (std::regex_match(r.text, w, worked)) {
          res = std::stol(w[3]);
          EXPECT_EQ(r.sat[1], 1.0);
        } else if (std::regex_match(r.text, w, bare)) {
          res = std::stol(w[1]);
          EXPECT_EQ(r.sat[1], 0.0);
        } else {
          FAIL() << r.text;
        }
        EXPECT_EQ(r.sat[0], res == t ? 1.0 : 0.0) << q << " " << r.text;
        ++checked;
      }
    } else if (s.family == "F2") {
      const std::string q = s.item.conversation[0].content;
      auto numbers = [](const std::string& text) {
        std::vector<int> v;
        const std::regex num(R"(\d+)");
        for (auto it = std::sregex_iterator(text.begin(), text.end(), num); it != std::sregex_iterator(); ++it) v.push_back(std::stoi(it->str()));
        return v;
      };
      std::vector<int> asked = numbers(q);
      ASSERT_GE(asked.size(), 4u);
      ASSERT_LE(asked.size(), 7u);
      std::sort(asked.begin(), asked.end());
      for (const auto& r : s.responses) {
        std::vector<int> got = numbers(r.text);
        EXPECT_EQ(r.sat[0], std::is_sorted(got.begin(), got.end()) ? 1.0 : 0.0) << r.text;
        std::sort(got.begin(), got.end());
        EXPECT_EQ(r.sat[1], got == asked ? 1.0 : 0.0) << q << " " << r.text;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 1000);
}

TEST_F(SynthItemsTest, ItemsDependOnlyOnSeedAndIndex) {
  const SynthItem again = generate_item(11, 123);
  EXPECT_EQ(item_to_json(again.item), item_to_json((*items_)[123].item));
  EXPECT_NE(item_to_json(generate_item(12, 123).item), item_to_json(again.item));
}

TEST_F(SynthItemsTest, TeacherFormatAndNoiseRates) {
  const std::regex criteria(R"(Specific Criteria:\n(\d\. [^\n]+ \(Weight: \d+%\)\n)+Analysis:\n)");
  int n_traj = 0, wrong = 0, generic = 0;
  TeacherOptions clean{0.0, 0.0};
  for (size_t i = 0; i < 4000; ++i) {
    const SynthItem& s = (*items_)[i];
    const auto order = sample_orders(s.item.n(), 1, OrderMode::kRandom, i)[0];
    // Noise-free: the family's principles, one line per response in the order shown, the true scores.
    const auto t = teacher_trajectory(s, order, clean, i);
    ASSERT_TRUE(std::regex_search(t.text, criteria)) << t.text;
    ASSERT_NE(t.text.find("1. " + s.principles[0].name + " (Weight: " + std::to_string(s.principles[0].weight) + "%)\n"), std::string::npos);
    const int n = s.item.n();
    for (int p = 0; p < n; ++p) {
      const std::string prefix = n == 1 ? "- Response: " : "- Response " + std::to_string(p + 1) + ": ";
      ASSERT_NE(t.text.find(prefix + s.responses[order[p]].analysis + "\n"), std::string::npos) << t.text;
    }
    const ParsedJudgment pj = parse_judgment(t.text, n, n == 1 ? ScoreRange{0, 1} : ScoreRange{1, 10});
    ASSERT_TRUE(pj.valid) << pj.invalid_reason << "\n" << t.text;
    const auto scores = to_original_order(pj.scores, order);
    if (n == 1) {
      EXPECT_EQ(scores[0], *s.item.correct);
    } else {
      for (int j = 0; j < n; ++j) EXPECT_EQ(scores[j], true_score(s.principles, s.responses[j].sat));
    }
    // Noisy, with the defaults.
    const auto noisy = teacher_trajectory(s, order, TeacherOptions{}, 1000 + i);
    ++n_traj;
    wrong += noisy.wrong;
    generic += noisy.generic;
    if (noisy.generic) {
      EXPECT_NE(noisy.text.find("1. Helpfulness (Weight: 50%)\n2. Accuracy (Weight: 50%)\n"), std::string::npos);
      EXPECT_TRUE(noisy.text.find("looks good.") != std::string::npos || noisy.text.find("looks poor.") != std::string::npos);
    }
    EXPECT_TRUE(parse_judgment(noisy.text, n, n == 1 ? ScoreRange{0, 1} : ScoreRange{1, 10}).valid) << noisy.text;
  }
  EXPECT_NEAR(wrong / double(n_traj), 0.3, tol(0.3, n_traj));
  EXPECT_NEAR(generic / double(n_traj), 0.2, tol(0.2, n_traj));
}

// The teacher's own trajectories, parsed back, classify as what was done to them, and the teacher's scores always
// follow its lines (noise included).
TEST_F(SynthItemsTest, CritiquesAreClassifiedByWhatWentWrong) {
  using C = CritiqueClass;
  auto parse = [](const SynthItem& s, const std::string& text) {
    const int n = s.item.n();
    return parse_judgment(text, n, n == 1 ? ScoreRange{0, 1} : ScoreRange{1, 10});
  };
  auto classes = [](const std::vector<LineCheck>& checks) {
    std::vector<C> out;
    for (const auto& c : checks) out.push_back(c.cls);
    return out;
  };
  CritiqueReport report, misscored;
  long lines = 0, swapped = 0;
  for (size_t i = 0; i < 2000; ++i) {
    const SynthItem& s = (*items_)[i];
    const int n = s.item.n();
    const auto order = sample_orders(n, 1, OrderMode::kRandom, i)[0];
    const auto clean = parse(s, teacher_trajectory(s, order, TeacherOptions{0.0, 0.0}, i).text);
    const auto exact = check_critiques(s, order, clean.analysis);
    ASSERT_EQ(classes(exact), std::vector<C>(n, C::kExact)) << s.item.id;
    report.add(s, exact, clean.scores);
    lines += n;
    // A verdict whose first score is off by one no longer follows its line there.
    auto off = clean.scores;
    off[0] = n == 1 ? 1 - off[0] : (off[0] == 10 ? 9 : off[0] + 1);
    misscored.add(s, exact, off);
    // One response's verdict flipped (p_wrong 1): that position only; its score follows the flipped line.
    const auto noisy = parse(s, teacher_trajectory(s, order, TeacherOptions{1.0, 0.0}, i).text);
    const auto flipped = check_critiques(s, order, noisy.analysis);
    const auto flipped_classes = classes(flipped);
    EXPECT_EQ(std::count(flipped_classes.begin(), flipped_classes.end(), C::kFlipped), 1) << s.item.id;
    EXPECT_EQ(std::count(flipped_classes.begin(), flipped_classes.end(), C::kExact), n - 1) << s.item.id;
    for (int p = 0; p < n; ++p) EXPECT_EQ(flipped[p].implied_score, noisy.scores[p]) << s.item.id << " position " << p + 1;
    const auto generic = check_critiques(s, order, parse(s, teacher_trajectory(s, order, TeacherOptions{0.0, 1.0}, i).text).analysis);
    EXPECT_EQ(classes(generic), std::vector<C>(n, C::kGeneric)) << s.item.id;
    // Lines shifted by one position: each is another response's, unless it also reads right for its own, and implies
    // the score of the response it was written for.
    if (n >= 2) {
      std::vector<std::optional<std::string>> shifted(n);
      for (int p = 0; p < n; ++p) shifted[p] = clean.analysis[(p + 1) % n];
      const auto c = check_critiques(s, order, shifted);
      for (int p = 0; p < n; ++p) {
        const Response& own = s.responses[order[p]];
        const bool fits_own = *shifted[p] == own.analysis || *shifted[p] == own.flipped;
        if (fits_own) continue;
        EXPECT_EQ(c[p].cls, C::kAnotherResponse) << s.item.id << " position " << p + 1;
        EXPECT_EQ(c[p].implied_score, clean.scores[(p + 1) % n]) << s.item.id << " position " << p + 1;
        ++swapped;
      }
    }
    // A misread line and a missing one imply no score.
    auto broken = clean.analysis;
    broken[0] = *broken[0] + " Extra.";
    if (n >= 2) broken[n - 1].reset();
    const auto b = check_critiques(s, order, broken);
    EXPECT_EQ(b[0].cls, C::kOther);
    EXPECT_FALSE(b[0].implied_score);
    if (n >= 2) EXPECT_EQ(b[n - 1].cls, C::kMissing);
  }
  EXPECT_GT(swapped, 1000);  // shared lines are the exception
  // The report's groups: every line once in "all", in its family and its n; positions for n >= 2 only.
  const auto rows = report.rows();
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0].first, "all");
  EXPECT_EQ(rows[0].second.lines, lines);
  EXPECT_DOUBLE_EQ(rows[0].second.share(C::kExact), 1.0);
  EXPECT_EQ(rows[0].second.scored, lines);
  EXPECT_DOUBLE_EQ(rows[0].second.follow_rate(), 1.0);
  EXPECT_EQ(report.samples(), 2000);
  const CritiqueTally& m = misscored.rows()[0].second;
  EXPECT_EQ(m.scored - m.follows, 2000);  // exactly the first position of each sample
  long families = 0, sizes = 0, positions = 0;
  for (const auto& [name, t] : rows) {
    if (name.size() == 2 && name[0] == 'F') families += t.lines;
    if (name.rfind("n = ", 0) == 0) sizes += t.lines;
    if (name.rfind("position ", 0) == 0) positions += t.lines;
  }
  EXPECT_EQ(families, lines);
  EXPECT_EQ(sizes, lines);
  long single = 0;
  for (size_t i = 0; i < 2000; ++i) single += (*items_)[i].item.n() == 1;
  EXPECT_EQ(positions, lines - single);
}

TEST(SynthCliTest, ItemsAndTeacherRecordsFeedTheTrainer) {
  const std::string dir = test::scratch_dir("synth_cli");
  auto r = test::run_grm("synth items --n 30 --seed 3 --out '" + dir + "/items.jsonl'", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(test::read_lines(dir + "/items.jsonl").size(), 30u);
  auto again = test::run_grm("synth items --n 30 --seed 3 --out '" + dir + "/items.jsonl'", dir);
  EXPECT_NE(again.exit_code, 0);  // no clobbering without --overwrite
  r = test::run_grm("synth teacher --in '" + dir + "/items.jsonl' --out '" + dir + "/traj.jsonl' --orders 3", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = test::read_lines(dir + "/traj.jsonl");
  ASSERT_EQ(lines.size(), 90u);
  const auto rec = nlohmann::json::parse(lines[0]);
  for (const char* f : {"item", "order", "trajectory", "template"}) EXPECT_TRUE(rec.contains(f)) << f;
  // The compact family by default (its 0/1 member for one-response items); --template default, and the
  // no-principles ablation drops exactly the Specific Criteria block.
  r = test::run_grm("synth teacher --in '" + dir + "/items.jsonl' --out '" + dir + "/paper.jsonl' --template default", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = test::run_grm("synth teacher --in '" + dir + "/items.jsonl' --out '" + dir + "/np.jsonl' --no-principles", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto paper = test::read_lines(dir + "/paper.jsonl"), np = test::read_lines(dir + "/np.jsonl");
  ASSERT_EQ(paper.size(), 30u);
  ASSERT_EQ(np.size(), 30u);
  for (size_t i = 0; i < 30; ++i) {
    const auto c = nlohmann::json::parse(lines[3 * i]), p = nlohmann::json::parse(paper[i]), n = nlohmann::json::parse(np[i]);
    const bool single = c["item"]["responses"].size() == 1;
    EXPECT_EQ(c["template"], single ? "compact_single" : "compact");
    EXPECT_EQ(p["template"], single ? "single" : "default");
    const std::string with = p["trajectory"], without = n["trajectory"];
    EXPECT_EQ(without.rfind("Analysis:\n", 0), 0u) << without;
    EXPECT_EQ(with.substr(with.find("Analysis:\n")), without);
  }
  // An edited item is refused, naming its line.
  auto items = test::read_lines(dir + "/items.jsonl");
  auto j = nlohmann::json::parse(items[1]);
  j["responses"][0] = "tampered";
  items[1] = j.dump();
  std::string text;
  for (const auto& l : items) text += l + "\n";
  test::write_text(dir + "/edited.jsonl", text);
  auto bad = test::run_grm("synth teacher --in '" + dir + "/edited.jsonl' --out '" + dir + "/t2.jsonl'", dir);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("edited.jsonl:2:"), std::string::npos) << bad.err;
}

// grm synth critiques reads judgments in grm score's record shape ({"id", "samples": [{"order", "text"}]}).
TEST(SynthCliTest, CritiquesCompareJudgmentsWithTheTeacher) {
  const std::string dir = test::scratch_dir("synth_critiques");
  ASSERT_EQ(test::run_grm("synth items --n 40 --seed 5 --out '" + dir + "/items.jsonl'", dir).exit_code, 0);
  auto r = test::run_grm("synth teacher --in '" + dir + "/items.jsonl' --out '" + dir + "/clean.jsonl' --p-wrong 0 --p-generic 0", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<nlohmann::json> records;
  for (const auto& l : test::read_lines(dir + "/clean.jsonl")) {
    const auto t = nlohmann::json::parse(l);
    records.push_back({{"id", t["item"]["id"]}, {"samples", {{{"order", t["order"]}, {"text", t["trajectory"]}}}}});
  }
  auto write = [&](const std::string& name, const std::vector<nlohmann::json>& recs) {
    std::string text;
    for (const auto& j : recs) text += j.dump() + "\n";
    test::write_text(dir + "/" + name, text);
  };
  // The teacher's noise-free lines are all exact; a record for an item not in --items is skipped and counted.
  auto with_stranger = records;
  with_stranger.push_back({{"id", "not-an-item"}, {"samples", nlohmann::json::array()}});
  write("clean-judgments.jsonl", with_stranger);
  r = test::run_grm("synth critiques --items '" + dir + "/items.jsonl' --judgments '" + dir + "/clean-judgments.jsonl' --json '" +
                        dir + "/c.json'",
                    dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("40 samples of 40 items (1 records for items not in"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| all |"), std::string::npos) << r.out;
  const auto report = nlohmann::json::parse(test::read_text(dir + "/c.json"));
  ASSERT_TRUE(report.contains("groups")) << report.dump();
  EXPECT_EQ(report["groups"][0]["group"], "all");
  EXPECT_DOUBLE_EQ(report["groups"][0]["exact"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(report["groups"][0]["score as its line says"].get<double>(), 1.0);
  // Each item's lines rotated by one position: no line is exact for a response whose line differs from the others.
  auto rotated = records;
  for (auto& rec : rotated) {
    auto& order = rec["samples"][0]["order"];
    std::vector<int> o = order.get<std::vector<int>>();
    std::rotate(o.begin(), o.begin() + 1, o.end());
    order = o;
  }
  write("rotated.jsonl", rotated);
  r = test::run_grm("synth critiques --items '" + dir + "/items.jsonl' --judgments '" + dir + "/rotated.jsonl' --json '" + dir +
                        "/c.json' --overwrite",
                    dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rot = nlohmann::json::parse(test::read_text(dir + "/c.json"));
  double another = -1;
  for (const auto& g : rot["groups"])
    if (g["group"] == "position 1") another = g["another response's"].get<double>();
  EXPECT_GT(another, 0.8) << rot.dump();
  // A sample whose order does not fit its item is refused, naming the line and field; nothing is reported.
  auto bad = records;
  bad[2]["samples"][0]["order"] = {0, 0, 0, 0, 0};
  write("bad.jsonl", bad);
  r = test::run_grm("synth critiques --items '" + dir + "/items.jsonl' --judgments '" + dir + "/bad.jsonl'", dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.jsonl:3: field 'samples[0].order'"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("| all |"), std::string::npos) << r.out;
  // Judgments of other items only: an error that says so, not an empty table.
  write("strangers.jsonl", {{{"id", "x"}, {"samples", nlohmann::json::array()}}});
  r = test::run_grm("synth critiques --items '" + dir + "/items.jsonl' --judgments '" + dir + "/strangers.jsonl'", dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no record"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace grm::synth
