#include "storage/term_pattern.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace vigil::storage {
namespace {

// Terms shaped like findings' keyword values: finding types with `:`, `/`, `.` and `!`, ARNs,
// countries with spaces and non-ASCII letters, and edge cases (empty, 0xFF bytes, a newline).
std::vector<std::string> MakeTerms(size_t n, uint32_t seed) {
  std::set<std::string> set = {
      "",
      "Recon:EC2/PortProbeUnprotectedPort",
      "Recon:EC2/Portscan",
      "UnauthorizedAccess:EC2/SSHBruteForce",
      "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
      "Trojan:EC2/DNSDataExfiltration",
      "CryptoCurrency:EC2/BitcoinTool.B!DNS",
      "Backdoor:EC2/C&CActivity.B!DNS",
      "United States",
      "United Kingdom",
      "Côte d'Ivoire",
      "Curaçao",
      "line\nbreak",
      std::string(3, '\xFF'),
      "a*b?c\\d",
  };
  std::mt19937 rng(seed);
  while (set.size() < n) {
    set.insert(fmt::format("arn:aws:ec2:us-{}-{}:{:012d}:instance/i-{:017x}",
                           rng() % 2 ? "east" : "west", 1 + rng() % 2, rng() % 40,
                           (uint64_t{rng()} << 32) | rng()));
  }
  return {set.begin(), set.end()};
}

class TermPatternTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    terms_ = MakeTerms(3000, 7);
    std::vector<std::string_view> views(terms_.begin(), terms_.end());
    TermDictOptions options;
    options.allow_compression = GetParam();
    EncodeTermDict(views, &bytes_, options);
    Result<TermDict> dict = TermDict::Open(bytes_);
    ASSERT_TRUE(dict.ok()) << dict.status().ToString();
    dict_ = *dict;
  }

  // The terms ForEachMatchingTerm gives, checked against testing every term one by one.
  std::vector<std::string> MatchAndCheck(const TermPattern& pattern) {
    std::vector<std::string> got;
    std::vector<uint32_t> ords;
    TermMatchStats stats;
    Status s = ForEachMatchingTerm(
        dict_, pattern, terms_.size(),
        [&](uint32_t ord, std::string_view term) {
          ords.push_back(ord);
          got.emplace_back(term);
          return true;
        },
        &stats);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::vector<std::string> want;
    std::vector<uint32_t> want_ords;
    for (size_t i = 0; i < terms_.size(); ++i) {
      if (pattern.Matches(terms_[i])) {
        want.push_back(terms_[i]);
        want_ords.push_back(static_cast<uint32_t>(i));
      }
    }
    EXPECT_EQ(got, want) << pattern.expression();
    EXPECT_EQ(ords, want_ords) << pattern.expression();
    EXPECT_EQ(stats.matched, want.size());
    return got;
  }

  std::vector<std::string> terms_;
  std::string bytes_;
  TermDict dict_;
};

TEST_P(TermPatternTest, RegexMatchesWholeTerms) {
  Result<TermPattern> p = TermPattern::Regex("Recon:EC2/Port.*");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(MatchAndCheck(*p),
            (std::vector<std::string>{"Recon:EC2/PortProbeUnprotectedPort", "Recon:EC2/Portscan"}));
  // Whole-term semantics: a pattern that matches only a part does not match.
  p = TermPattern::Regex("EC2");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(MatchAndCheck(*p).empty());
  p = TermPattern::Regex(".*!DNS");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(MatchAndCheck(*p), (std::vector<std::string>{"Backdoor:EC2/C&CActivity.B!DNS",
                                                         "CryptoCurrency:EC2/BitcoinTool.B!DNS"}));
}

TEST_P(TermPatternTest, LiteralPrefixNarrowsTheScan) {
  Result<TermPattern> p = TermPattern::Regex("Unauthorized[A-Za-z]*:.*");
  ASSERT_TRUE(p.ok());
  TermMatchStats stats;
  std::vector<std::string> got;
  ASSERT_TRUE(ForEachMatchingTerm(
                  dict_, *p, 100,
                  [&](uint32_t, std::string_view t) {
                    got.emplace_back(t);
                    return true;
                  },
                  &stats)
                  .ok());
  EXPECT_EQ(got.size(), 2u);
  // Only the terms starting with "Unauthorized" were candidates, not the 3,000 of the field.
  EXPECT_LE(stats.examined, 3u);
}

TEST_P(TermPatternTest, UnanchoredPatternOverTheLimitIsAClearError) {
  Result<TermPattern> p = TermPattern::Regex(".*instance.*");
  ASSERT_TRUE(p.ok());
  Status s = ForEachMatchingTerm(dict_, *p, 100, [](uint32_t, std::string_view) { return true; });
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("over the limit of 100"), std::string::npos) << s.ToString();
}

TEST_P(TermPatternTest, WildcardsTranslateToRegexes) {
  Result<TermPattern> p = TermPattern::Wildcard("United *");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(MatchAndCheck(*p), (std::vector<std::string>{"United Kingdom", "United States"}));
  p = TermPattern::Wildcard("Cura?ao");  // `?` is one character, here a two-byte one
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(MatchAndCheck(*p), (std::vector<std::string>{"Curaçao"}));
  p = TermPattern::Wildcard("*.B!DNS");  // `.` and `!` are literal in a wildcard
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(MatchAndCheck(*p).size(), 2u);
  p = TermPattern::Wildcard("*B?DNS");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(MatchAndCheck(*p).size(), 2u);
  p = TermPattern::Wildcard("a\\*b\\?c\\\\d");  // escaped wildcard characters are literal
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(MatchAndCheck(*p), (std::vector<std::string>{"a*b?c\\d"}));
  p = TermPattern::Wildcard("line?break");  // `?` matches a newline too
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(MatchAndCheck(*p), (std::vector<std::string>{"line\nbreak"}));
  // `*` matches every term that is valid UTF-8 (keyword values always are: JSON strings), so all
  // but the made-up 0xFF one.
  p = TermPattern::Wildcard("*");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(MatchAndCheck(*p).size(), terms_.size() - 1);
  p = TermPattern::Wildcard("");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(MatchAndCheck(*p), (std::vector<std::string>{""}));
}

TEST_P(TermPatternTest, CaseInsensitive) {
  TermPatternOptions options;
  options.case_insensitive = true;
  Result<TermPattern> p = TermPattern::Wildcard("recon:ec2/port*", options);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(MatchAndCheck(*p).size(), 2u);
  p = TermPattern::Wildcard("recon:ec2/port*");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(MatchAndCheck(*p).empty());
}

TEST_P(TermPatternTest, RandomPatternsAgreeWithTestingEveryTerm) {
  std::mt19937 rng(11);
  const std::vector<std::string> pieces = {"a",     "arn:aws:ec2:us-",
                                           "east",  "west",
                                           "-1",    ":0000000000",
                                           ".*",    ".",
                                           "[0-9]", "[a-f]+",
                                           "(1|2)", "instance/i-",
                                           "Recon", ":",
                                           "EC2/",  "?",
                                           "x*",    "\\.",
                                           "Un",    "ited"};
  for (int i = 0; i < 300; ++i) {
    std::string pattern;
    const int n = 1 + static_cast<int>(rng() % 5);
    for (int j = 0; j < n; ++j) pattern += pieces[rng() % pieces.size()];
    Result<TermPattern> p = TermPattern::Regex(pattern);
    if (!p.ok()) continue;  // e.g. a leading `?`
    MatchAndCheck(*p);
  }
}

TEST_P(TermPatternTest, StopsWhenTheCallbackSaysSo) {
  Result<TermPattern> p = TermPattern::Wildcard("arn:*");
  ASSERT_TRUE(p.ok());
  int calls = 0;
  ASSERT_TRUE(ForEachMatchingTerm(dict_, *p, terms_.size(), [&](uint32_t, std::string_view) {
                return ++calls < 5;
              }).ok());
  EXPECT_EQ(calls, 5);
}

INSTANTIATE_TEST_SUITE_P(PlainAndCompressed, TermPatternTest, ::testing::Bool());

TEST(TermPatternErrors, SyntaxErrorsNameTheProblem) {
  Result<TermPattern> p = TermPattern::Regex("Recon:(EC2");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(p.status().message().find("missing )"), std::string::npos) << p.status().ToString();
  EXPECT_NE(p.status().message().find("Recon:(EC2"), std::string::npos);

  p = TermPattern::Regex("[z-a]");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("invalid character class range"), std::string::npos)
      << p.status().ToString();

  p = TermPattern::Wildcard("abc\\");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("escapes nothing"), std::string::npos);
}

TEST(TermPatternErrors, OversizedProgramIsRefused) {
  TermPatternOptions options;
  options.max_program_bytes = 64 << 10;
  Result<TermPattern> p = TermPattern::Regex("\\pL{500}", options);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kResourceExhausted) << p.status().ToString();
}

}  // namespace
}  // namespace vigil::storage
