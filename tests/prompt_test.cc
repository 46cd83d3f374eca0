#include "core/prompt.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace grm {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

Item two_responses() {
  Item it;
  it.id = "x";
  it.conversation = {{"user", "What is 2+2?"}};
  it.responses = {"4", "five"};
  it.best = 0;
  return it;
}

TEST(PromptTest, EmbeddedTemplatesAreByteForByteTheSharedOnes) {
  for (const char* name : {"default", "single_binary", "meta_rm", "compact", "compact_single"}) {
    const std::string shared = read_file(std::string(GRM_SHARED_DIR) + "/templates/" + name + ".txt");
    const std::string repo = read_file(std::string(GRM_SOURCE_DIR) + "/templates/" + name + ".txt");
    ASSERT_FALSE(repo.empty()) << name;
    EXPECT_EQ(template_text(name), repo) << name;
    if (!shared.empty()) EXPECT_EQ(template_text(name), shared) << name;
  }
}

TEST(PromptTest, FillsDefaultTemplateInTheSampleOrder) {
  PromptOptions o;
  const std::string p = render_judge_prompt(two_responses(), {1, 0}, o);
  const std::string expect_blocks =
      "#### Conversation Context ####\nWhat is 2+2?\n#### Responses to be Scored ####\n"
      "[The Begin of Response 1]\nfive\n[The End of Response 1]\n[The Begin of Response 2]\n4\n[The End of Response 2]\n\n"
      "#### Output Format Requirements ####";
  EXPECT_NE(p.find(expect_blocks), std::string::npos) << p;
  EXPECT_EQ(p.rfind(judge_prompt_header(TemplateKind::kDefault), 0), 0u);
  EXPECT_NE(p.find("\\boxed{x, x} if there exists 2 responeses"), std::string::npos);  // literal braces untouched
}

TEST(PromptTest, PlaceholdersInsideUserTextAreNotExpanded) {
  Item it = two_responses();
  it.conversation[0].content = "say {responses} and {conversation}";
  const std::string p = render_judge_prompt(it, {0, 1}, PromptOptions{});
  EXPECT_NE(p.find("say {responses} and {conversation}\n#### Responses"), std::string::npos);
}

TEST(PromptTest, MultiTurnUsesTurnFormat) {
  std::vector<Message> conv = {{"user", "hi"}, {"assistant", "hello"}, {"user", "bye?"}};
  EXPECT_EQ(render_conversation(conv, "{role}: {content}"), "User: hi\nAssistant: hello\nUser: bye?");
  EXPECT_EQ(render_conversation(conv, "[{role}]\n{content}"), "[User]\nhi\n[Assistant]\nhello\n[User]\nbye?");
}

TEST(PromptTest, SingleBinaryBlockHasNoNumberAndHintLineIsAppended) {
  Item it;
  it.id = "s";
  it.conversation = {{"user", "q"}};
  it.responses = {"r"};
  PromptOptions o;
  o.kind = TemplateKind::kSingleBinary;
  const std::string p = render_judge_prompt(it, {0}, o);
  EXPECT_NE(p.find("[The Begin of Response]\nr\n[The End of Response]\n"), std::string::npos);
  const std::string h = render_judge_prompt(two_responses(), {1, 0}, PromptOptions{}, 1);
  const std::string hint_line = ".\nThe best response is: Response 2";  // after the template's last line
  EXPECT_EQ(h.substr(h.size() - hint_line.size()), hint_line);
}

TEST(PromptTest, MetaPromptCarriesTheTrajectory) {
  const std::string p = render_meta_prompt(two_responses(), {0, 1}, "Scores: \\boxed{9, 2}", PromptOptions{});
  EXPECT_EQ(p.rfind("Prompt: Please score the responses.\n", 0), 0u);
  EXPECT_NE(p.find("\n\nResponse: Scores: \\boxed{9, 2}\n"), std::string::npos);
}

TEST(PromptTest, TemplateNamesAreChecked) {
  EXPECT_TRUE(template_kind_from_name("default").ok());
  EXPECT_TRUE(template_kind_from_name("single").ok());
  auto bad = template_kind_from_name("fancy");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("default, single, compact or compact_single"), std::string::npos);
  for (const char* n : {"default", "single", "compact", "compact_single"}) {
    auto k = template_kind_from_name(n);
    ASSERT_TRUE(k.ok()) << n;
    EXPECT_STREQ(template_kind_name(k.value()), n);
  }
  EXPECT_EQ(single_of(TemplateKind::kCompact), TemplateKind::kCompactSingle);
  EXPECT_EQ(multi_of(TemplateKind::kCompactSingle), TemplateKind::kCompact);
  EXPECT_EQ(single_of(TemplateKind::kDefault), TemplateKind::kSingleBinary);
  EXPECT_EQ(multi_of(TemplateKind::kSingleBinary), TemplateKind::kDefault);
}

// The compact templates keep the paper's blocks, their order and the output requirements; only the header
// (the text before "#### Conversation Context ####") is shorter.
TEST(PromptTest, CompactTemplatesKeepTheBlocksAndOutputRequirements) {
  const std::pair<const char*, const char*> pairs[] = {{"compact", "default"}, {"compact_single", "single_binary"}};
  for (const auto& [compact, paper] : pairs) {
    const std::string& c = template_text(compact);
    const std::string& p = template_text(paper);
    std::vector<size_t> cpos, ppos;
    for (const char* block : {"#### Conversation Context ####\n{conversation}\n#### Responses to be Scored ####\n{responses}\n",
                              "#### Output Format Requirements ####\nOutput with three lines\nSpecific Criteria: <",
                              "\nAnalysis: <", "\nScores: <"}) {
      cpos.push_back(c.find(block));
      ppos.push_back(p.find(block));
      EXPECT_NE(cpos.back(), std::string::npos) << compact << " lacks " << block;
      EXPECT_NE(ppos.back(), std::string::npos) << paper << " lacks " << block;
    }
    EXPECT_TRUE(std::is_sorted(cpos.begin(), cpos.end())) << compact;
    EXPECT_LT(c.find("#### Conversation"), 400u) << compact << ": the header should be a few lines";
    EXPECT_GT(p.find("#### Conversation"), 2000u) << paper;
  }
  EXPECT_NE(template_text("compact").find("between 1 and 10"), std::string::npos);
  EXPECT_NE(template_text("compact_single").find("0 or 1"), std::string::npos);
  // A compact one-response prompt uses the unnumbered block, as single_binary does.
  Item it;
  it.id = "s";
  it.conversation = {{"user", "q"}};
  it.responses = {"r"};
  PromptOptions o;
  o.kind = TemplateKind::kCompactSingle;
  EXPECT_NE(render_judge_prompt(it, {0}, o).find("[The Begin of Response]\nr\n[The End of Response]\n"), std::string::npos);
  EXPECT_EQ(score_range(TemplateKind::kCompactSingle).hi, 1);
  EXPECT_EQ(score_range(TemplateKind::kCompact).hi, 10);
}

}  // namespace
}  // namespace grm
