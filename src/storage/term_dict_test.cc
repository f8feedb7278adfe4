#include "storage/term_dict.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace vigil::storage {
namespace {

// Sorted distinct terms that share prefixes the way findings' terms do (ARNs, descriptions),
// plus edge cases: the empty term, 0xFF bytes, a long term.
std::vector<std::string> MakeTerms(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::set<std::string> set;
  set.insert("");
  set.insert(std::string(3, '\xFF'));
  set.insert(std::string(3000, 'L'));
  while (set.size() < n) {
    set.insert(fmt::format("arn:aws:guardduty:us-east-{}:{:012d}:detector/{:08x}/finding/{:08x}",
                           rng() % 3, rng() % 50, rng() % 7, rng()));
  }
  return {set.begin(), set.end()};
}

std::string Encode(const std::vector<std::string>& terms, bool compress) {
  std::vector<std::string_view> views(terms.begin(), terms.end());
  std::string out;
  TermDictOptions options;
  options.allow_compression = compress;
  EncodeTermDict(views, &out, options);
  return out;
}

class TermDictTest : public ::testing::TestWithParam<bool> {};

TEST_P(TermDictTest, LookupsAndIterationAgreeWithTheSortedTerms) {
  const std::vector<std::string> terms = MakeTerms(5000, 1);
  const std::string bytes = Encode(terms, GetParam());
  Result<TermDict> dict = TermDict::Open(bytes);
  ASSERT_TRUE(dict.ok()) << dict.status().ToString();
  EXPECT_EQ(dict->compressed(), GetParam());
  ASSERT_EQ(dict->size(), terms.size());
  std::string term;
  for (uint32_t ord = 0; ord < terms.size(); ord += 7) {
    ASSERT_TRUE(dict->Term(ord, &term).ok());
    EXPECT_EQ(term, terms[ord]) << ord;
    EXPECT_EQ(**dict->Find(terms[ord]), ord);
    EXPECT_EQ(*dict->LowerBound(terms[ord]), ord);
    EXPECT_EQ(*dict->UpperBound(terms[ord]), ord + 1);
  }
  EXPECT_FALSE(dict->Term(static_cast<uint32_t>(terms.size()), &term).ok());
  // Absent terms: between two terms, before the first and after the last.
  for (const std::string& probe :
       {std::string("arn:aws:guardduty:us-east-1:000000000007:x"), std::string("arn"),
        std::string("zzz"), std::string(4, '\xFF')}) {
    auto expected = std::lower_bound(terms.begin(), terms.end(), probe) - terms.begin();
    EXPECT_FALSE(dict->Find(probe)->has_value()) << probe;
    EXPECT_EQ(*dict->LowerBound(probe), expected) << probe;
    EXPECT_EQ(*dict->UpperBound(probe), expected) << probe;
  }
  for (const std::string& prefix :
       {std::string("arn:aws:guardduty:us-east-1:"), std::string("arn:aws:guardduty:us-east-2:00"),
        std::string(""), std::string("\xFF"), std::string("nothing")}) {
    size_t begin = std::lower_bound(terms.begin(), terms.end(), prefix) - terms.begin();
    size_t end = begin;
    while (end < terms.size() && terms[end].starts_with(prefix)) ++end;
    auto range = dict->PrefixRange(prefix);
    ASSERT_TRUE(range.ok());
    EXPECT_EQ(range->first, begin) << prefix;
    EXPECT_EQ(range->second, end) << prefix;
  }
  TermDict::Iterator it(*dict);
  std::vector<std::string> all;
  for (Status s = it.Seek(0); it.Valid(); s = it.Next()) {
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(it.ord(), all.size());
    all.emplace_back(it.term());
  }
  EXPECT_EQ(all, terms);
  ASSERT_TRUE(it.Seek(4321).ok());
  EXPECT_EQ(it.term(), terms[4321]);
}

INSTANTIATE_TEST_SUITE_P(PlainAndCompressed, TermDictTest, ::testing::Bool());

TEST(TermDictFormatTest, CompressesLargeDictionariesOfSimilarTerms) {
  const std::vector<std::string> terms = MakeTerms(5000, 2);
  size_t raw = 0;
  for (const std::string& t : terms) raw += t.size();
  const std::string plain = Encode(terms, false);
  const std::string packed = Encode(terms, true);
  EXPECT_LT(plain.size(), raw * 3 / 4);  // front coding of the shared prefixes
  EXPECT_LT(packed.size(), plain.size() / 2);
  // Tiny dictionaries stay plain even when compression is allowed.
  EXPECT_FALSE(TermDict::Open(Encode({"a", "b"}, true))->compressed());
  Result<TermDict> empty = TermDict::Open(Encode({}, true));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->size(), 0u);
  EXPECT_FALSE(empty->Find("a")->has_value());
  EXPECT_EQ(*empty->LowerBound("a"), 0u);
}

TEST(TermDictFormatTest, DamageIsCorruptionNotACrash) {
  for (bool compress : {false, true}) {
    const std::string good = Encode(MakeTerms(800, 3), compress);
    std::mt19937 rng(9);
    int detected = 0;
    for (int trial = 0; trial < 400; ++trial) {
      std::string bad = good;
      bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
      if (trial % 5 == 0) bad.resize(rng() % bad.size());
      Result<TermDict> dict = TermDict::Open(bad);
      if (!dict.ok()) {
        ++detected;
        continue;
      }
      std::string term;
      TermDict::Iterator it(*dict);
      bool failed = false;
      for (Status s = it.Seek(0); it.Valid() || !s.ok(); s = it.Next()) {
        if (!s.ok()) {
          failed = true;
          break;
        }
      }
      for (uint32_t ord = 0; ord < dict->size(); ord += 13) {
        failed = !dict->Term(ord, &term).ok() || failed;
      }
      (void)dict->Find("arn:aws:guardduty:us-east-1:");
      detected += failed ? 1 : 0;
    }
    // Not every flip is detectable (a flipped suffix byte can leave a valid, sorted dictionary:
    // the section's CRC in the segment catches those), but many are, and none crashes.
    EXPECT_GT(detected, 100) << (compress ? "compressed" : "plain");
  }
}

// Found by the storage fuzzer: a block count whose index would not fit in a section shorter than
// one index entry was let through by an unsigned underflow, and the open read past the end.
TEST(TermDictFormatTest, IndexLongerThanTheSectionIsCorruption) {
  const std::string bytes("\x28\x02\x00\x02\x00\xf3\x00\x00\x00\x01", 10);
  EXPECT_EQ(TermDict::Open(bytes.substr(1)).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(TermDict::Open(std::string(9, '\0')).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace vigil::storage
