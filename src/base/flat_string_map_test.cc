#include "base/flat_string_map.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

namespace vigil {
namespace {

TEST(FlatStringMapTest, InsertFindAndGrowAgreeWithStdMap) {
  FlatStringMap<int> map;
  std::map<std::string, int> expected;
  std::mt19937 rng(3);
  for (int i = 0; i < 20000; ++i) {
    std::string key = "field." + std::to_string(rng() % 5000) + std::string(rng() % 40, 'x');
    auto entry = map.Insert(key, i);
    auto [it, inserted] = expected.emplace(key, i);
    ASSERT_EQ(entry.inserted, inserted) << key;
    ASSERT_EQ(*entry.value, it->second) << key;
    ASSERT_EQ(entry.key, key);
    ASSERT_NE(entry.key.data(), key.data());  // the map's own copy
  }
  EXPECT_EQ(map.size(), expected.size());
  for (const auto& [key, value] : expected) {
    const int* found = map.Find(key);
    ASSERT_NE(found, nullptr) << key;
    EXPECT_EQ(*found, value);
  }
  EXPECT_EQ(map.Find("absent"), nullptr);
}

TEST(FlatStringMapTest, EmptyKeyAndClear) {
  FlatStringMap<int> map;
  EXPECT_EQ(map.Find(""), nullptr);
  EXPECT_TRUE(map.Insert("", 7).inserted);
  ASSERT_NE(map.Find(""), nullptr);
  EXPECT_EQ(*map.Find(""), 7);
  EXPECT_FALSE(map.Insert("", 8).inserted);
  std::string long_key(100000, 'k');  // larger than an arena block
  EXPECT_TRUE(map.Insert(long_key, 9).inserted);
  EXPECT_EQ(*map.Find(long_key), 9);
  map.Clear();
  EXPECT_EQ(map.size(), 0u);
  EXPECT_EQ(map.Find(""), nullptr);
  EXPECT_EQ(map.Find(long_key), nullptr);
}

}  // namespace
}  // namespace vigil
