#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "base/crc32.h"
#include "storage/coding.h"
#include "storage/compression.h"
#include "storage/segment_builder.h"
#include "storage/segment_merger.h"
#include "storage/segment_reader.h"
#include "storage/segment_writer.h"
#include "storage/term_encoding.h"

namespace vigil::storage {
namespace {

// Three documents with a keyword, a multi-valued keyword, a long and a date.
std::string BuildSmall() {
  SegmentBuilder b;
  uint32_t type = b.FieldHandle("type", FieldType::kKeyword);
  uint32_t country = b.FieldHandle("country", FieldType::kKeyword);
  uint32_t count = b.FieldHandle("count", FieldType::kLong);
  std::string t;
  auto add_long = [&](uint32_t doc, int64_t v) {
    t.clear();
    EncodeSortableLong(v, &t);
    b.AddTerm(count, doc, t);
  };
  uint32_t d0 = b.StartDoc("id-b", {10, 1}, R"({"id":"id-b"})");
  b.AddTerm(type, d0, "Recon:EC2/PortProbeUnprotectedPort");
  b.AddTerm(country, d0, "France");
  b.AddTerm(country, d0, "Brazil");
  b.AddTerm(country, d0, "France");  // duplicate values count once
  add_long(d0, 7);
  uint32_t d1 = b.StartDoc("id-a", {20, 2}, R"({"id":"id-a"})");
  b.AddTerm(type, d1, "UnauthorizedAccess:EC2/SSHBruteForce");
  add_long(d1, -3);
  uint32_t d2 = b.StartDoc("id-c", {30, 3}, R"({"id":"id-c"})");
  b.AddTerm(type, d2, "Recon:EC2/PortProbeUnprotectedPort");
  b.AddTerm(country, d2, "Brazil");
  return *b.Finish(5, 9);
}

std::string TermOf(const TermDict& dict, int64_t ord) {
  std::string term;
  EXPECT_GE(ord, 0);
  EXPECT_TRUE(dict.Term(static_cast<uint32_t>(ord), &term).ok());
  return term;
}

std::shared_ptr<const SegmentReader> OpenOrDie(std::string bytes) {
  auto r = SegmentReader::FromBytes("test", std::move(bytes));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : nullptr;
}

TEST(SegmentTest, RoundTrip) {
  auto seg = OpenOrDie(BuildSmall());
  ASSERT_NE(seg, nullptr);
  EXPECT_EQ(seg->num_docs(), 3u);
  EXPECT_EQ(seg->min_seq(), 5u);
  EXPECT_EQ(seg->max_seq(), 9u);

  int type = seg->FindField("type");
  ASSERT_GE(type, 0);
  auto dict = seg->Terms(type);
  ASSERT_TRUE(dict.ok());
  ASSERT_EQ(dict->size(), 2u);
  EXPECT_EQ(TermOf(*dict, 0), "Recon:EC2/PortProbeUnprotectedPort");
  auto postings = seg->GetPostings(type);
  ASSERT_TRUE(postings.ok());
  std::vector<uint32_t> docs;
  ASSERT_TRUE(postings->Decode(0, &docs).ok());
  EXPECT_EQ(docs, (std::vector<uint32_t>{0, 2}));

  int country = seg->FindField("country");
  ASSERT_GE(country, 0);
  EXPECT_TRUE(seg->fields()[country].multi_valued);
  EXPECT_EQ(seg->fields()[country].docs_with_value, 2u);
  EXPECT_EQ(seg->fields()[country].values, 3u);
  auto column = seg->GetColumn(country);
  ASSERT_TRUE(column.ok());
  auto cdict = seg->Terms(country);
  std::vector<std::string> got;
  column->ForEach(0, [&](uint32_t ord) { got.push_back(TermOf(*cdict, ord)); });
  EXPECT_EQ(got, (std::vector<std::string>{"Brazil", "France"}));
  EXPECT_EQ(column->Count(1), 0u);
  EXPECT_EQ(column->Ord(1), -1);

  int count = seg->FindField("count");
  auto ccol = seg->GetColumn(count);
  auto ldict = seg->Terms(count);
  ASSERT_TRUE(ccol.ok());
  EXPECT_FALSE(ccol->multi_valued());
  EXPECT_EQ(DecodeSortableLong(TermOf(*ldict, ccol->Ord(0))), 7);
  EXPECT_EQ(DecodeSortableLong(TermOf(*ldict, ccol->Ord(1))), -3);
  EXPECT_EQ(ccol->Ord(2), -1);

  EXPECT_EQ(*seg->Id(1), "id-a");
  EXPECT_EQ(*seg->GetVersion(2), (Version{30, 3}));
  EXPECT_EQ(*seg->Source(1), R"({"id":"id-a"})");
  ASSERT_TRUE(seg->FindId("id-c", &docs).ok());
  EXPECT_EQ(docs, (std::vector<uint32_t>{2}));
  ASSERT_TRUE(seg->FindId("nope", &docs).ok());
  EXPECT_TRUE(docs.empty());
  EXPECT_EQ(seg->FindField("missing"), -1);
}

TEST(SegmentTest, ManyDocumentsSpanSourceBlocksAndRoaringPostings) {
  SegmentBuilder b;
  uint32_t severity = b.FieldHandle("severity", FieldType::kLong);
  std::string t;
  const uint32_t n = 20000;
  std::vector<std::string> sources;
  for (uint32_t i = 0; i < n; ++i) {
    sources.push_back(std::string(50 + i % 200, static_cast<char>('a' + i % 26)));
    uint32_t d = b.StartDoc("doc-" + std::to_string(i), {i, 0}, sources.back());
    t.clear();
    EncodeSortableLong(i % 3, &t);
    b.AddTerm(severity, d, t);
  }
  auto seg = OpenOrDie(*b.Finish(1, n));
  ASSERT_NE(seg, nullptr);
  uint32_t checked = 0;
  ASSERT_TRUE(seg->ForEachSource(0, n,
                                 [&](uint32_t doc, std::string_view src) {
                                   EXPECT_EQ(src, sources[doc]);
                                   ++checked;
                                 })
                  .ok());
  EXPECT_EQ(checked, n);
  EXPECT_EQ(*seg->Source(12345), sources[12345]);
  auto postings = seg->GetPostings(seg->FindField("severity"));
  Bitmap r;
  ASSERT_TRUE(postings->AddTo(1, &r).ok());
  EXPECT_EQ(r.cardinality(), (n - 1) / 3 + 1);  // i % 3 == 1
  EXPECT_TRUE(r.contains(4));
  std::vector<uint32_t> docs;
  ASSERT_TRUE(seg->FindId("doc-19999", &docs).ok());
  EXPECT_EQ(docs, (std::vector<uint32_t>{19999}));
}

// A merge copies a source block whole when none of its documents is deleted, and recompresses
// only the live sources of a block that lost some; either way every live source survives, in
// order, and the deleted ones are gone.
namespace {

// Two segments of 3000 documents with sources of 300 to 370 bytes: several source blocks each.
struct TwoSourceSegments {
  std::vector<std::string> sources[2];
  std::shared_ptr<const SegmentReader> segs[2];
};

TwoSourceSegments MakeTwoSourceSegments() {
  TwoSourceSegments t;
  for (int s = 0; s < 2; ++s) {
    SegmentBuilder b;
    for (uint32_t i = 0; i < 3000; ++i) {
      t.sources[s].push_back(fmt::format("{{\"seg\":{},\"doc\":{},\"pad\":\"{}\"}}", s, i,
                                         std::string(300 + i % 70, 'x')));
      b.StartDoc(fmt::format("s{}-{}", s, i), {i, 0}, t.sources[s].back());
    }
    t.segs[s] = OpenOrDie(*b.Finish(1, 3000));
  }
  return t;
}

std::set<std::string_view> CompressedBlocks(const SegmentReader& seg) {
  std::set<std::string_view> blocks;
  SegmentReader::SourceBlockInfo info;
  for (uint32_t b = 0; b < *seg.SourceBlockCount(); ++b) {
    EXPECT_TRUE(seg.GetSourceBlock(b, &info).ok());
    blocks.insert(info.compressed);
  }
  return blocks;
}

// Merges `inputs` in memory and opens the result (null, with a test failure, when it cannot).
std::shared_ptr<const SegmentReader> MergeOrDie(const std::vector<MergeSource>& inputs) {
  SegmentWriter writer;
  Result<MergeResult> merged = MergeSegments(inputs, 1, &writer);
  EXPECT_TRUE(merged.ok()) << merged.status().ToString();
  if (!merged.ok()) return nullptr;
  return OpenOrDie(std::move(merged->bytes));
}

std::vector<std::string> AllSources(const SegmentReader& seg) {
  std::vector<std::string> got;
  EXPECT_TRUE(seg.ForEachSource(0, seg.num_docs(),
                                [&](uint32_t, std::string_view src) { got.emplace_back(src); })
                  .ok());
  return got;
}

}  // namespace

TEST(SegmentTest, MergeCopiesSourceBlocksWithFewDeletionsAsTheyAre) {
  TwoSourceSegments t = MakeTwoSourceSegments();
  ASSERT_GT(*t.segs[0]->SourceBlockCount(), 2u);
  // Segment 0 loses documents 5 and 2999 (in its first and last blocks); segment 1 nothing.
  auto deleted0 = std::make_shared<Bitmap>();
  deleted0->add(5);
  deleted0->add(2999);
  auto out = MergeOrDie({{t.segs[0], deleted0}, {t.segs[1], std::make_shared<Bitmap>()}});
  ASSERT_NE(out, nullptr);
  std::vector<std::string> expected;
  for (uint32_t i = 0; i < 3000; ++i) {
    if (i != 5 && i != 2999) expected.push_back(t.sources[0][i]);
  }
  for (const std::string& src : t.sources[1]) expected.push_back(src);
  ASSERT_EQ(out->num_docs(), expected.size());
  EXPECT_EQ(AllSources(*out), expected);
  EXPECT_EQ(*out->Source(5), t.sources[0][6]);
  // Every full block is a byte-identical copy, the one with a deleted document with a bitmap;
  // the small last block of each input is compressed again, into the next.
  std::set<std::string_view> input_blocks = CompressedBlocks(*t.segs[0]);
  input_blocks.merge(CompressedBlocks(*t.segs[1]));
  size_t full_inputs = 0;
  for (std::string_view block : input_blocks) {
    full_inputs += ZstdContentSize(block) >= kSourceBlockSize / 2 ? 1 : 0;
  }
  ASSERT_GE(full_inputs, 4u);
  uint32_t copied = 0;
  uint32_t with_holes = 0;
  SegmentReader::SourceBlockInfo info;
  for (uint32_t b = 0; b < *out->SourceBlockCount(); ++b) {
    ASSERT_TRUE(out->GetSourceBlock(b, &info).ok());
    copied += input_blocks.count(info.compressed);
    with_holes += info.live.empty() ? 0 : 1;
    EXPECT_EQ(info.entries, info.docs + (info.live.empty() ? 0 : 1));
  }
  // (A small block compressed again on its own, as the last of the output, can come out byte for
  // byte as it went in.)
  EXPECT_GE(copied, full_inputs);
  EXPECT_EQ(with_holes, 1u);

  // Merged again with more deletions, the holes add up; the sources stay right.
  auto deleted = std::make_shared<Bitmap>();
  for (uint32_t d = 0; d < out->num_docs(); d += 97) deleted->add(d);
  auto out2 = MergeOrDie({{out, deleted}});
  ASSERT_NE(out2, nullptr);
  std::vector<std::string> expected2;
  for (uint32_t d = 0; d < expected.size(); ++d) {
    if (d % 97 != 0) expected2.push_back(expected[d]);
  }
  EXPECT_EQ(AllSources(*out2), expected2);
  std::set<std::string_view> again_blocks = CompressedBlocks(*out);
  uint32_t copied_again = 0;
  for (std::string_view block : CompressedBlocks(*out2)) copied_again += again_blocks.count(block);
  EXPECT_GE(copied_again, full_inputs);
}

TEST(SegmentTest, MergeCompressesAgainTheSourcesOfMostlyDeletedBlocks) {
  TwoSourceSegments t = MakeTwoSourceSegments();
  // Every document of segment 0 but one in four: below the reuse threshold in every block.
  auto deleted0 = std::make_shared<Bitmap>();
  for (uint32_t d = 0; d < 3000; ++d) {
    if (d % 4 != 0) deleted0->add(d);
  }
  auto out = MergeOrDie({{t.segs[0], deleted0}});
  ASSERT_NE(out, nullptr);
  std::vector<std::string> expected;
  for (uint32_t d = 0; d < 3000; d += 4) expected.push_back(t.sources[0][d]);
  EXPECT_EQ(AllSources(*out), expected);
  std::set<std::string_view> input_blocks = CompressedBlocks(*t.segs[0]);
  SegmentReader::SourceBlockInfo info;
  for (uint32_t b = 0; b < *out->SourceBlockCount(); ++b) {
    ASSERT_TRUE(out->GetSourceBlock(b, &info).ok());
    EXPECT_EQ(input_blocks.count(info.compressed), 0u) << "block " << b;
    EXPECT_TRUE(info.live.empty());
  }
}

TEST(SegmentTest, RareFieldHasASparseColumn) {
  SegmentBuilder b;
  uint32_t rare = b.FieldHandle("rare", FieldType::kKeyword);
  for (uint32_t i = 0; i < 1000; ++i) {
    uint32_t d = b.StartDoc("d" + std::to_string(i), {}, "{}");
    if (i % 100 == 7) b.AddTerm(rare, d, i % 200 == 7 ? "x" : "y");
    if (i == 507) b.AddTerm(rare, d, "z");
  }
  auto seg = OpenOrDie(*b.Finish(1, 1));
  ASSERT_NE(seg, nullptr);
  int field = seg->FindField("rare");
  auto column = seg->GetColumn(field);
  ASSERT_TRUE(column.ok()) << column.status().ToString();
  EXPECT_TRUE(column->sparse());
  EXPECT_EQ(column->entries(), 10u);
  EXPECT_EQ(column->entry_doc(3), 307u);
  auto dict = seg->Terms(field);
  EXPECT_EQ(TermOf(*dict, column->Ord(7)), "x");
  EXPECT_EQ(TermOf(*dict, column->Ord(107)), "y");
  EXPECT_EQ(column->Ord(8), -1);
  EXPECT_EQ(column->Count(507), 2u);
  EXPECT_EQ(column->Count(999), 0u);
  std::vector<uint32_t> docs;
  ASSERT_TRUE(seg->GetPostings(field)->Decode(**dict->Find("z"), &docs).ok());
  EXPECT_EQ(docs, std::vector<uint32_t>{507});
}

TEST(SegmentTest, EmptySegment) {
  SegmentBuilder b;
  auto seg = OpenOrDie(*b.Finish(0, 0));
  ASSERT_NE(seg, nullptr);
  EXPECT_EQ(seg->num_docs(), 0u);
  EXPECT_TRUE(seg->ForEachSource(0, 0, [](uint32_t, std::string_view) {}).ok());
}

// Every truncation of the file is refused at open.
TEST(SegmentTest, TruncatedFileIsCorruption) {
  std::string bytes = BuildSmall();
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    auto r = SegmentReader::FromBytes("seg-1.vseg", bytes.substr(0, cut));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
    EXPECT_NE(r.status().message().find("seg-1.vseg"), std::string::npos);
  }
}

// A flipped byte anywhere is either refused at open or reported by the section it is in; the
// other sections stay readable and nothing crashes.
TEST(SegmentTest, FlippedByteIsReportedWithItsSection) {
  const std::string bytes = BuildSmall();
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x20);
    auto r = SegmentReader::FromBytes("seg-2.vseg", damaged);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
      continue;
    }
    const SegmentReader& seg = **r;
    int failures = 0;
    for (size_t f = 0; f < seg.fields().size(); ++f) {
      auto dict = seg.Terms(static_cast<int>(f));
      auto postings = seg.GetPostings(static_cast<int>(f));
      auto column = seg.GetColumn(static_cast<int>(f));
      for (const Status* s : {&dict.status(), &postings.status(), &column.status()}) {
        if (!s->ok()) {
          ++failures;
          EXPECT_EQ(s->code(), StatusCode::kCorruption);
          EXPECT_NE(s->message().find("seg-2.vseg"), std::string::npos);
        }
      }
    }
    std::vector<uint32_t> found;
    for (uint32_t d = 0; d < seg.num_docs(); ++d) {
      if (!seg.Source(d).ok()) ++failures;
      if (!seg.GetVersion(d).ok()) ++failures;
      Result<std::string> id = seg.Id(d);
      if (!id.ok() || !seg.FindId(*id, &found).ok()) ++failures;
    }
    EXPECT_GT(failures, 0) << "flipping byte " << i << " went unnoticed";
  }
}

}  // namespace
}  // namespace vigil::storage

namespace vigil::storage {
namespace {

// Findings-like sources: shared keys and values, varying ids and times.
std::vector<std::string> FindingLikeSources(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  const char* types[] = {"Recon:EC2/PortProbeUnprotectedPort",
                         "UnauthorizedAccess:EC2/SSHBruteForce", "Trojan:EC2/DNSDataExfiltration"};
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(fmt::format(
        R"({{"schemaVersion":"2.0","accountId":"{:012d}","region":"us-east-1","id":"{:032x}","type":"{}",)"
        R"("severity":{},"service":{{"count":{},"eventLastSeen":"2025-12-{:02d}T{:02d}:00:00.000Z",)"
        R"("action":{{"actionType":"NETWORK_CONNECTION","remoteIpDetails":{{"ipAddressV4":"198.51.100.{}"}}}}}}}})",
        rng() % 20, (uint64_t{rng()} << 32) | rng(), types[rng() % 3], rng() % 9 + 1, rng() % 50,
        rng() % 28 + 1, rng() % 24, rng() % 250));
  }
  return out;
}

std::shared_ptr<const SegmentReader> SegmentOf(const std::vector<std::string>& sources,
                                               const std::string& prefix) {
  SegmentBuilder b;
  for (size_t i = 0; i < sources.size(); ++i) {
    b.StartDoc(fmt::format("{}{}", prefix, i), {static_cast<int64_t>(i), 0}, sources[i]);
  }
  return OpenOrDie(*b.Finish(1, sources.size()));
}

std::shared_ptr<const SegmentReader> MergeWithDict(const std::vector<MergeSource>& inputs,
                                                   std::shared_ptr<const ZstdDictionary> dict) {
  SegmentWriter writer;
  Result<MergeResult> merged = MergeSegments(inputs, 1, &writer, std::move(dict));
  EXPECT_TRUE(merged.ok()) << merged.status().ToString();
  return merged.ok() ? OpenOrDie(std::move(merged->bytes)) : nullptr;
}

std::shared_ptr<const ZstdDictionary> TrainOn(const std::vector<std::string>& sources) {
  std::vector<std::string_view> views(sources.begin(), sources.end());
  Result<std::shared_ptr<const ZstdDictionary>> dict = ZstdDictionary::Train(views, 16 << 10);
  EXPECT_TRUE(dict.ok());
  EXPECT_NE(*dict, nullptr);
  return dict.ok() ? *dict : nullptr;
}

TEST(SourceDictionaryTest, TrainsOnlyOnEnoughSamplesAndRoundTrips) {
  std::vector<std::string> few = FindingLikeSources(10, 1);
  std::vector<std::string_view> views(few.begin(), few.end());
  Result<std::shared_ptr<const ZstdDictionary>> none = ZstdDictionary::Train(views, 16 << 10);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, nullptr);  // too little to learn from: no dictionary, no error

  std::vector<std::string> many = FindingLikeSources(2000, 2);
  auto dict = TrainOn(many);
  ASSERT_NE(dict, nullptr);
  std::string frame;
  ASSERT_TRUE(dict->CompressAppend(many[0], &frame).ok());
  EXPECT_LT(frame.size(), many[0].size() / 2);  // a single document compresses well with it
  std::string back;
  ASSERT_TRUE(dict->Decompress(frame, 1 << 20, &back).ok());
  EXPECT_EQ(back, many[0]);
  // The same bytes make the same dictionary (id); garbage makes none.
  auto again = ZstdDictionary::FromBytes(dict->bytes());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->id(), dict->id());
  EXPECT_FALSE(dict->Decompress("not a frame", 1 << 20, &back).ok());
}

TEST(SourceDictionaryTest, SegmentFilesStoreSmallDictionaryBlocks) {
  std::vector<std::string> a = FindingLikeSources(3000, 3);
  std::vector<std::string> b = FindingLikeSources(3000, 4);
  auto dict = TrainOn(a);
  auto seg_a = SegmentOf(a, "a");
  auto seg_b = SegmentOf(b, "b");
  auto deleted_a = std::make_shared<Bitmap>();
  deleted_a->add(7);
  auto out = MergeWithDict({{seg_a, deleted_a}, {seg_b, std::make_shared<Bitmap>()}}, dict);
  ASSERT_NE(out, nullptr);
  Result<std::shared_ptr<const ZstdDictionary>> stored = out->SourceDictionary();
  ASSERT_TRUE(stored.ok());
  ASSERT_NE(*stored, nullptr);
  EXPECT_EQ((*stored)->id(), dict->id());
  std::vector<std::string> expected;
  for (size_t i = 0; i < a.size(); ++i) {
    if (i != 7) expected.push_back(a[i]);
  }
  expected.insert(expected.end(), b.begin(), b.end());
  EXPECT_EQ(AllSources(*out), expected);
  EXPECT_EQ(*out->Source(4000), expected[4000]);
  // Blocks hold a few documents each (8 KiB before compression). (That this is smaller than
  // 256 KiB plain blocks holds for real findings, not for these made-up ones: bench ingest.)
  EXPECT_GT(*out->SourceBlockCount(), 100u);
  SegmentReader::SourceBlockInfo info;
  ASSERT_TRUE(out->GetSourceBlock(1, &info).ok());
  EXPECT_LT(info.docs, 40u);

  // Merged again with the same dictionary, its blocks are copied as they are; with another, its
  // sources are compressed again; the sources are the same either way.
  auto deleted_out = std::make_shared<Bitmap>();
  auto same = MergeWithDict({{out, deleted_out}}, dict);
  ASSERT_NE(same, nullptr);
  EXPECT_EQ(CompressedBlocks(*same), CompressedBlocks(*out));
  auto other = MergeWithDict({{out, deleted_out}}, TrainOn(b));
  ASSERT_NE(other, nullptr);
  EXPECT_NE((*other->SourceDictionary())->id(), dict->id());
  EXPECT_EQ(AllSources(*other), expected);
  auto plain_again = MergeWithDict({{out, deleted_out}}, nullptr);
  ASSERT_NE(plain_again, nullptr);
  EXPECT_EQ(*plain_again->SourceDictionary(), nullptr);
  EXPECT_EQ(AllSources(*plain_again), expected);
}

// A frame of sources as a derived write batch makes it (the layout of a source block),
// compressed with `dict` (null: plain zstd).
std::string FrameOf(const std::vector<std::string>& sources, size_t begin, size_t end,
                    const ZstdDictionary* dict) {
  std::string raw;
  PutFixed32(&raw, static_cast<uint32_t>(end - begin));
  for (size_t i = begin; i < end; ++i) PutFixed32(&raw, static_cast<uint32_t>(sources[i].size()));
  for (size_t i = begin; i < end; ++i) raw.append(sources[i]);
  std::string frame;
  EXPECT_TRUE(
      (dict != nullptr ? dict->CompressAppend(raw, &frame) : ZstdCompressAppend(raw, 1, &frame))
          .ok());
  return frame;
}

// An in-memory segment built with the index's dictionary keeps the frames compressed with it as
// they are (each source compressed once: by the write batch), compresses again those made
// otherwise (before the dictionary, or with another), and a flush with the same dictionary
// copies its blocks.
TEST(SourceDictionaryTest, FramesWithTheSegmentsDictionaryAreKeptAsTheyAre) {
  std::vector<std::string> sources = FindingLikeSources(60, 6);
  auto dict = TrainOn(FindingLikeSources(2000, 7));
  auto other = TrainOn(FindingLikeSources(2000, 8));
  ASSERT_NE(dict, nullptr);
  ASSERT_NE(other, nullptr);
  const std::string same_frame = FrameOf(sources, 0, 20, dict.get());
  const std::string plain_frame = FrameOf(sources, 20, 40, nullptr);
  const std::string other_frame = FrameOf(sources, 40, 60, other.get());

  SegmentBuilder b(SegmentBuilderOptions{.dict = dict});
  // Of the plain frame, entry 3 is not a document (a stale update in the batch).
  std::vector<std::string> expected;
  for (size_t i = 0; i < 60; ++i) {
    if (i == 23) continue;
    b.StartDocWithoutSource(fmt::format("f{}", i), {static_cast<int64_t>(i), 0});
    expected.push_back(sources[i]);
  }
  std::string live(3, '\xff');
  live[0] = static_cast<char>(0xff & ~(1 << 3));
  ASSERT_TRUE(b.AddSourceFrame(same_frame, 20, {}, dict.get()).ok());
  ASSERT_TRUE(b.AddSourceFrame(plain_frame, 20, live, nullptr).ok());
  ASSERT_TRUE(b.AddSourceFrame(other_frame, 20, {}, other.get()).ok());
  Result<std::string> bytes = b.Finish(1, 60);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto seg = SegmentReader::FromBytes("memory-1", std::move(*bytes), dict);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  Result<std::shared_ptr<const ZstdDictionary>> held = (*seg)->SourceDictionary();
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(*held, dict);  // the dictionary handed over, not one made again from its bytes
  EXPECT_EQ(AllSources(**seg), expected);
  std::set<std::string_view> blocks = CompressedBlocks(**seg);
  EXPECT_EQ(blocks.count(same_frame), 1u);
  EXPECT_EQ(blocks.count(plain_frame), 0u);
  EXPECT_EQ(blocks.count(other_frame), 0u);

  // Flushed with the same dictionary: the full blocks are copied, not compressed again.
  auto flushed = MergeWithDict({{*seg, std::make_shared<Bitmap>()}}, dict);
  ASSERT_NE(flushed, nullptr);
  EXPECT_EQ(AllSources(*flushed), expected);
  EXPECT_EQ(CompressedBlocks(*flushed).count(same_frame), 1u);

  // With one of that block's documents replaced (deleted), a file merge keeps the block with a
  // live-entry bitmap; a flush of an in-memory segment (reuse_blocks_with_holes false) compresses
  // its live sources again instead.
  auto one_deleted = std::make_shared<Bitmap>();
  one_deleted->add(2);
  std::vector<std::string> rest = expected;
  rest.erase(rest.begin() + 2);
  auto merged = MergeWithDict({{*seg, one_deleted}}, dict);
  ASSERT_NE(merged, nullptr);
  EXPECT_EQ(AllSources(*merged), rest);
  EXPECT_EQ(CompressedBlocks(*merged).count(same_frame), 1u);
  auto dropped = MergeWithDict({{*seg, one_deleted, false}}, dict);
  ASSERT_NE(dropped, nullptr);
  EXPECT_EQ(AllSources(*dropped), rest);
  EXPECT_EQ(CompressedBlocks(*dropped).count(same_frame), 0u);
}

// A frame's content split into its sources; anything that does not add up is Corruption.
TEST(SourceFrameTest, SplitsExactlyTheEntriesItSays) {
  std::string raw;
  PutFixed32(&raw, 2);
  PutFixed32(&raw, 3);
  PutFixed32(&raw, 2);
  raw.append("abcde");
  std::vector<std::string_view> sources;
  ASSERT_TRUE(SplitSourceFrame(raw, 2, &sources).ok());
  EXPECT_EQ(sources, (std::vector<std::string_view>{"abc", "de"}));
  EXPECT_FALSE(SplitSourceFrame(raw, 3, &sources).ok());                // other entry count
  EXPECT_FALSE(SplitSourceFrame(raw.substr(0, 12), 2, &sources).ok());  // sources cut short
  EXPECT_FALSE(SplitSourceFrame(raw + "x", 2, &sources).ok());          // trailing bytes
  EXPECT_FALSE(SplitSourceFrame(std::string_view(raw).substr(0, 6), 2, &sources).ok());
}

TEST(SourceDictionaryTest, ADamagedDictionaryIsReportedNotFollowed) {
  std::vector<std::string> a = FindingLikeSources(2000, 5);
  auto out = MergeWithDict({{SegmentOf(a, "a"), std::make_shared<Bitmap>()}}, TrainOn(a));
  ASSERT_NE(out, nullptr);
  // Find the dictionary's bytes in the segment and flip one.
  std::string bytes(out->data());
  const std::string& dict_bytes = (*out->SourceDictionary())->bytes();
  size_t at = bytes.find(dict_bytes.substr(dict_bytes.size() / 2, 64));
  ASSERT_NE(at, std::string::npos);
  bytes[at + 10] = static_cast<char>(bytes[at + 10] ^ 0x55);
  auto damaged = SegmentReader::FromBytes("damaged", std::move(bytes));
  ASSERT_TRUE(damaged.ok());  // the dictionary is checked on first use, like other sections
  Result<std::string> source = (*damaged)->Source(0);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), StatusCode::kCorruption);
  EXPECT_NE(source.status().message().find("damaged"), std::string::npos)
      << source.status().ToString();
  // The rest of the segment stays readable.
  Result<std::string> id = (*damaged)->Id(0);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "a0");
}

}  // namespace
}  // namespace vigil::storage
