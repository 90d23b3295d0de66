#include "config/toml_guard.h"

#include <gtest/gtest.h>

#include "config/policy_loader.h"

namespace sockshim {
namespace {

std::string where(std::string_view text) {
  const auto problem = find_unsafe_non_ascii(text);
  return problem ? std::to_string(problem->line) + ":" + std::to_string(problem->column) : "ok";
}

TEST(TomlGuardTest, NonAsciiIsFineInStringsAndComments) {
  EXPECT_EQ(where("# café, naïve\n"), "ok");
  EXPECT_EQ(where("[[rule]]\nname = \"café\"\n"), "ok");
  EXPECT_EQ(where("[[rule]]\nname = 'café'\n"), "ok");
  EXPECT_EQ(where("x = \"\"\"\ncafé\n\"\"\"\n"), "ok");
  EXPECT_EQ(where("x = '''\ncafé \\ \n é'''\n"), "ok");  // literal: no escapes
  EXPECT_EQ(where("x = \"a\\\"é\" # ü\n"), "ok");
  EXPECT_EQ(where("x = \"\"\"a\"\"\"\"\" # é\n"), "ok");
  EXPECT_EQ(where("\"é\" = [ \"x\", 'é', { \"k\" = \"é\" } ]\n[\"é\"]\n[[ 'ü' ]]\n"), "ok");
}

TEST(TomlGuardTest, NonAsciiWhereTheParserAsksForWhitespaceIsRefused) {
  EXPECT_EQ(where("e\xef\xbb\xb8\n"), "1:2");  // found by the fuzzer
  EXPECT_EQ(where("x = 1é\n"), "1:6");
  EXPECT_EQ(where("[keepalive]\né = 1\n"), "2:1");
  EXPECT_EQ(where("x = \"café\" é\n"), "1:12");
  EXPECT_EQ(where("x = \"\"\"\n\\é\"\"\"\n"), "2:2");
  EXPECT_EQ(where("x = \"\"\"a\\\n   é\"\"\"\n"), "2:4");
  // A quote inside a bad bare value opens no string (found by the fuzzer).
  EXPECT_EQ(where("x=0_'=0F\xc5\x92"), "1:9");
  EXPECT_EQ(where("x = \"a\"\"é\""), "1:9");
  EXPECT_EQ(where("2=1*......'..\xef\xbb\xbb"), "1:14");
  EXPECT_EQ(where("a.\"é\" = 1"), "1:4");  // the price of the rule above
}

TEST(TomlGuardTest, TheLoaderReportsItAsASyntaxError) {
  const LoadResult result = load_policy("e\xef\xbb\xb8\n", "x.toml");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].to_string(),
            "x.toml:1:2: syntax error: non-ASCII character outside a string or a comment "
            "(TOML allows it only there)");
  EXPECT_TRUE(load_policy("[[rule]]\nname = \"café\"\n", "x.toml").policy.has_value());
}

}  // namespace
}  // namespace sockshim
