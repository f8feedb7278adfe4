#include "storage/id_filter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vigil::storage {
namespace {

std::vector<std::string> Ids(int from, int to) {
  std::vector<std::string> ids;
  for (int i = from; i < to; ++i) ids.push_back("finding-" + std::to_string(i * 7919));
  return ids;
}

TEST(IdFilterTest, NeverMissesAnIdItHolds) {
  std::vector<std::string> ids = Ids(0, 50000);
  std::vector<std::string_view> views(ids.begin(), ids.end());
  std::string section;
  BuildIdFilter(views, &section);
  Result<IdFilter> filter = IdFilter::Parse(section);
  ASSERT_TRUE(filter.ok()) << filter.status().ToString();
  for (const std::string& id : ids) ASSERT_TRUE(filter->MayContain(id)) << id;
}

TEST(IdFilterTest, RejectsAlmostEveryIdItDoesNotHold) {
  std::vector<std::string> ids = Ids(0, 20000);
  std::vector<std::string_view> views(ids.begin(), ids.end());
  std::string section;
  BuildIdFilter(views, &section);
  Result<IdFilter> filter = IdFilter::Parse(section);
  ASSERT_TRUE(filter.ok());
  int false_positives = 0;
  for (const std::string& other : Ids(20000, 120000)) false_positives += filter->MayContain(other);
  // 10 bits per id and 7 probes in 512-bit blocks: about 1%. Well below 3% or the filter is
  // broken (a filter that says yes to everything would give 100000).
  EXPECT_LT(false_positives, 3000);
  // Not a constant filter either.
  EXPECT_GT(false_positives, 0);
}

TEST(IdFilterTest, AnEmptySegmentGetsAFilterThatHoldsNothing) {
  std::string section;
  BuildIdFilter({}, &section);
  Result<IdFilter> filter = IdFilter::Parse(section);
  ASSERT_TRUE(filter.ok());
  EXPECT_FALSE(filter->MayContain("anything"));
}

TEST(IdFilterTest, MalformedSectionsAreCorruption) {
  EXPECT_FALSE(IdFilter::Parse("").ok());
  EXPECT_FALSE(
      IdFilter::Parse(std::string("\1\0\0\0\7", 5)).ok());  // one block announced, none there
  std::string section;
  std::vector<std::string_view> one = {"a"};
  BuildIdFilter(one, &section);
  section[4] = 0;  // no probes
  EXPECT_FALSE(IdFilter::Parse(section).ok());
  section.pop_back();
  EXPECT_FALSE(IdFilter::Parse(section).ok());
}

TEST(IdFilterTest, DefaultFilterMatchesEverything) {
  IdFilter none;
  EXPECT_TRUE(none.MayContain("x"));
}

}  // namespace
}  // namespace vigil::storage
