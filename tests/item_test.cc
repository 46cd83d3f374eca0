#include "core/item.h"

#include <gtest/gtest.h>

namespace grm {
namespace {

TEST(ItemTest, ParsesConversationResponsesLabelAndMeta) {
  auto r = parse_item_line(R"({"id":"a","conversation":[{"role":"system","content":"s"},{"role":"user","content":"q"}],
      "responses":["x","y"],"label":{"best":1},"meta":{"family":"F1"}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->id, "a");
  ASSERT_EQ(r->conversation.size(), 2u);
  EXPECT_EQ(r->conversation[1].content, "q");
  EXPECT_EQ(r->n(), 2);
  EXPECT_EQ(r->best, 1);
  EXPECT_EQ(r->meta["family"], "F1");
}

TEST(ItemTest, PromptStandsInForOneTurnAndNumericIdBecomesString) {
  auto r = parse_item_line(R"({"id":12,"prompt":"hi","responses":["a"],"label":{"correct":0}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->id, "12");
  ASSERT_EQ(r->conversation.size(), 1u);
  EXPECT_EQ(r->conversation[0].role, "user");
  EXPECT_EQ(r->correct, 0);
}

struct BadCase {
  const char* line;
  const char* expected_fragment;
};

class ItemBadInputTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(ItemBadInputTest, NamesTheFieldAtFault) {
  auto r = parse_item_line(GetParam().line);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(GetParam().expected_fragment), std::string::npos) << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ItemBadInputTest,
    ::testing::Values(
        BadCase{R"({"id":"a","prompt":"q","responses":["x"])", "malformed JSON at byte"},
        BadCase{R"([1,2])", "expected a JSON object"},
        BadCase{R"({"prompt":"q","responses":["x"]})", "missing field 'id'"},
        BadCase{R"({"id":"a","responses":["x"]})", "missing field 'conversation'"},
        BadCase{R"({"id":"a","prompt":"q"})", "missing field 'responses'"},
        BadCase{R"({"id":"a","prompt":"q","responses":[]})", "field 'responses': is empty"},
        BadCase{R"({"id":"a","prompt":"q","responses":["x",3]})", "field 'responses[1]'"},
        BadCase{R"({"id":"a","conversation":[{"role":"bot","content":"q"}],"responses":["x"]})", "conversation[0].role"},
        BadCase{R"({"id":"a","conversation":[{"role":"user"}],"responses":["x"]})", "conversation[0].content"},
        BadCase{R"({"id":"a","conversation":[{"role":"user","content":"q"},{"role":"assistant","content":"r"}],"responses":["x"]})",
                "must end with a user turn"},
        BadCase{R"({"id":"a","prompt":"q","responses":["x","y"],"label":{"best":2}})", "label.best"},
        BadCase{R"({"id":"a","prompt":"q","responses":["x"],"label":{"best":0}})", "needs at least 2 responses"},
        BadCase{R"({"id":"a","prompt":"q","responses":["x","y"],"label":{"correct":1}})", "exactly one response"},
        BadCase{R"({"id":"a","prompt":"q","responses":["x"],"label":{"correct":2}})", "expected 0 or 1"},
        BadCase{R"({"id":"a","prompt":"q","responses":["x"],"label":{"winner":1}})", "field 'label'"},
        BadCase{R"({"id":"","prompt":"q","responses":["x"]})", "field 'id': is empty"}));

TEST(ItemTest, RoundTripsThroughJson) {
  auto r = parse_item_line(R"({"id":"a","prompt":"q","responses":["x","y"],"label":{"best":0}})");
  ASSERT_TRUE(r.ok());
  auto again = item_from_json(item_to_json(r.value()));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->responses, r->responses);
  EXPECT_EQ(again->best, 0);
}

}  // namespace
}  // namespace grm
