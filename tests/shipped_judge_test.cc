// The shipped default (assets/synth-judge/) through the README's main job, as a user first runs it: no --model,
// the shipped meta RM, examples/synth-items.jsonl. Guards the files in git, not the trainer: a judge that no
// longer loads, lost its template metadata or writes the wrong principles fails here.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "synth/synth_domain.h"
#include "test_models.h"

namespace grm {
namespace {

namespace fs = std::filesystem;

TEST(ShippedJudgeTest, RunsTheReadmeMainJobWithPrinciplesCritiquesAndMetaScores) {
  const std::string src = GRM_SOURCE_DIR;
  const std::string dir = test::scratch_dir("shipped_judge");
  // grm finds its judge next to the build folder (build/grm -> assets/); an out-of-tree build names it, and a
  // GRM_MODEL of the caller's would take precedence over both.
  unsetenv("GRM_MODEL");
  const bool in_tree = fs::equivalent(fs::path(GRM_BINARY).parent_path().parent_path(), fs::path(src));
  const std::string model = in_tree ? "" : " --model '" + src + "/assets/synth-judge/judge.gguf'";
  auto r = test::run_grm("score --in '" + src + "/examples/synth-items.jsonl' --out '" + dir + "/judgments.jsonl' -k 8 --meta-rm '" +
                             src + "/assets/synth-judge/meta-rm' --threads 2 --overwrite" + model,
                         dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = test::read_lines(dir + "/judgments.jsonl");
  auto inputs = test::read_lines(src + "/examples/synth-items.jsonl");
  ASSERT_EQ(inputs.size(), 6u);
  ASSERT_EQ(lines.size(), inputs.size());
  int samples = 0, family_principles = 0, lines_total = 0, lines_read = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    auto j = nlohmann::json::parse(line);
    auto in = nlohmann::json::parse(inputs[i]);
    EXPECT_EQ(j["id"], in["id"]);
    const size_t n = j["samples"][0]["order"].size();
    EXPECT_EQ(j["method"], "meta_voting") << line;
    EXPECT_EQ(j["k_meta"], 4);
    EXPECT_EQ(j["voters"].size(), 4u);
    EXPECT_EQ(j["valid_samples"], 8) << line;
    ASSERT_EQ(j["scores"].size(), n);
    // The example items are SYNTH.md items (meta.seed, meta.index): the teacher's principles are known.
    auto canonical = item_from_json(in);
    ASSERT_TRUE(canonical.ok()) << inputs[i];
    auto drawn = synth::synth_item_of(canonical.value());
    ASSERT_TRUE(drawn.ok()) << drawn.error().message;
    const synth::SynthItem& item = drawn.value();
    ASSERT_EQ(item.responses.size(), n) << line;
    for (const auto& s : j["samples"]) {
      EXPECT_TRUE(s["meta"].is_number()) << line;
      ASSERT_EQ(s["analysis"].size(), n) << line;
      for (const auto& a : s["analysis"]) {
        ++lines_total;
        lines_read += a.is_string() && !a.get<std::string>().empty();
      }
      bool same = s["principles"].size() == item.principles.size();
      for (size_t p = 0; same && p < item.principles.size(); ++p)
        same = s["principles"][p]["name"] == item.principles[p].name && s["principles"][p]["weight"] == item.principles[p].weight;
      family_principles += same;
      ++samples;
    }
  }
  EXPECT_EQ(samples, 48);
  // A smoke test of the asset, not a benchmark (docs/synth.md has those): a judge of this domain writes its
  // family's principles in most samples (the teacher's generic ones are a fifth of its noisy corpus) and a
  // "- Response i:" line per response; a model for another template or domain, or a random one, does neither.
  EXPECT_GE(family_principles, 32) << family_principles << " of 48 samples wrote the family's principles";
  EXPECT_GE(lines_read * 10, lines_total * 9) << lines_read << " of " << lines_total << " analysis lines read";
}

}  // namespace
}  // namespace grm
