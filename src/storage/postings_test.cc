#include "storage/postings.h"

#include <gtest/gtest.h>

namespace vigil::storage {
namespace {

std::vector<uint32_t> Range(uint32_t begin, uint32_t end, uint32_t step) {
  std::vector<uint32_t> v;
  for (uint32_t d = begin; d < end; d += step) v.push_back(d);
  return v;
}

TEST(PostingsTest, ShortListIsAnArray) {
  std::vector<uint32_t> docs = {0, 5, 6, 1000};
  std::string buf;
  EncodePostings(docs, &buf);
  EXPECT_EQ(buf[0], 0);
  std::vector<uint32_t> out;
  ASSERT_TRUE(DecodePostings(buf, 1001, &out).ok());
  EXPECT_EQ(out, docs);
  EXPECT_EQ(*PostingsCount(buf), 4u);
}

TEST(PostingsTest, LongListIsARoaringBitmap) {
  std::vector<uint32_t> docs = Range(3, 3 + 3 * kRoaringThreshold, 3);
  std::string buf;
  EncodePostings(docs, &buf);
  EXPECT_EQ(buf[0], 1);
  std::vector<uint32_t> out;
  ASSERT_TRUE(DecodePostings(buf, docs.back() + 1, &out).ok());
  EXPECT_EQ(out, docs);
  Bitmap r;
  ASSERT_TRUE(AddPostingsTo(buf, docs.back() + 1, &r).ok());
  EXPECT_EQ(r.cardinality(), docs.size());
  EXPECT_EQ(*PostingsCount(buf), docs.size());
}

TEST(PostingsTest, DocumentPastTheSegmentIsCorruption) {
  for (auto docs : {std::vector<uint32_t>{1, 9}, Range(0, 2 * kRoaringThreshold, 1)}) {
    std::string buf;
    EncodePostings(docs, &buf);
    std::vector<uint32_t> out;
    Status s = DecodePostings(buf, docs.back(), &out);
    EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
  }
}

TEST(PostingsTest, GarbageIsCorruptionNeverACrash) {
  std::string buf;
  EncodePostings(Range(0, 2 * kRoaringThreshold, 2), &buf);
  std::vector<uint32_t> out;
  for (size_t cut = 0; cut < buf.size(); cut += 7) {
    Status s = DecodePostings(std::string_view(buf).substr(0, cut), 1 << 20, &out);
    EXPECT_FALSE(s.ok());
  }
  EXPECT_FALSE(DecodePostings("\x02", 10, &out).ok());
  EXPECT_FALSE(
      DecodePostings(std::string("\x00\x02\x01\x00", 4), 10, &out).ok());  // not increasing
}

}  // namespace
}  // namespace vigil::storage
