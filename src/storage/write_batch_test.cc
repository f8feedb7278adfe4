#include "storage/write_batch.h"

#include <gtest/gtest.h>

#include "storage/segment_format.h"

namespace vigil::storage {
namespace {

TEST(WriteBatchTest, RoundTripEveryKindAndValue) {
  FieldValue values[] = {FieldValue::Null(),           FieldValue::Bool(true),
                         FieldValue::Long(-123456789), FieldValue::Double(8.5),
                         FieldValue::String("Brazil"), FieldValue::GeoPoint(-23.5, -46.6)};
  IndexField fields[] = {{"all", FieldType::kKeyword, values}, {"empty", FieldType::kObject, {}}};
  WriteBatch batch;
  batch.Upsert({"u", {1700000000000, 3}, R"({"id":"u"})", fields});
  batch.Index({"i", {}, "{}", {}});
  batch.Create({"c", {}, "{}", {}});
  batch.Delete("d");
  batch.DeleteIfOlder("r", 42);
  EXPECT_EQ(batch.count(), 5u);

  std::string rep(batch.rep());
  std::vector<BatchOp> ops;
  std::vector<std::string_view> names;
  ASSERT_TRUE(DecodeBatch(rep, &ops, &names).ok());
  ASSERT_EQ(ops.size(), 5u);
  EXPECT_EQ(ops[0].kind, OpKind::kUpsert);
  EXPECT_EQ(ops[0].id, "u");
  EXPECT_EQ(ops[0].version, (Version{1700000000000, 3}));
  EXPECT_EQ(ops[0].source, R"({"id":"u"})");
  std::vector<FieldValue> scratch;
  int seen = 0;
  ForEachField(ops[0], &scratch, [&](const IndexField& f, uint32_t) {
    if (seen++ == 0) {
      EXPECT_EQ(f.name, "all");
      ASSERT_EQ(f.values.size(), 6u);
      EXPECT_EQ(f.values[1].boolean, true);
      EXPECT_EQ(f.values[2].integer, -123456789);
      EXPECT_EQ(f.values[3].number, 8.5);
      EXPECT_EQ(f.values[4].string, "Brazil");
      EXPECT_EQ(f.values[5].number2, -46.6);
    } else {
      EXPECT_EQ(f.name, "empty");
      EXPECT_EQ(f.type_hint, FieldType::kObject);
      EXPECT_TRUE(f.values.empty());
    }
  });
  EXPECT_EQ(seen, 2);
  EXPECT_EQ(ops[3].kind, OpKind::kDelete);
  EXPECT_EQ(ops[3].id, "d");
  EXPECT_EQ(ops[4].version.primary, 42);
}

TEST(WriteBatchTest, TruncatedBatchIsCorruption) {
  FieldValue v = FieldValue::String("x");
  IndexField fields[] = {{"f", FieldType::kKeyword, {&v, 1}}};
  WriteBatch batch;
  batch.Upsert({"a", {1, 2}, "{}", fields});
  batch.Delete("b");
  std::string rep(batch.rep());
  std::vector<BatchOp> ops;
  std::vector<std::string_view> names;
  for (size_t cut = 0; cut < rep.size(); ++cut) {
    EXPECT_EQ(DecodeBatch(rep.substr(0, cut), &ops, &names).code(), StatusCode::kCorruption) << cut;
  }
}

TEST(WriteBatchTest, WalPayloadCompressesLargeBatches) {
  WriteBatch batch;
  std::string source(4000, 'x');
  for (int i = 0; i < 10; ++i) batch.Index({"id" + std::to_string(i), {}, source, {}});
  std::string rep(batch.rep());
  std::string buffer;
  std::string payload(EncodeWalPayload(&batch, &buffer));
  EXPECT_EQ(payload[0], '\1');
  EXPECT_LT(payload.size(), rep.size() / 10);
  WalPayload back;
  ASSERT_TRUE(DecodeWalPayload(payload, &back).ok());
  EXPECT_FALSE(back.derived);
  EXPECT_EQ(back.rep, rep);
  payload[payload.size() / 2] ^= 1;
  WalPayload damaged;
  EXPECT_FALSE(DecodeWalPayload(payload, &damaged).ok() && damaged.rep == rep);
}

// A derived batch: the rep holds contexts instead of sources, the sources are compressed into
// frames (one per 256 KiB), and the log payload holds the operations without their fields.
TEST(WriteBatchTest, DerivedBatchLogsOperationsAndFramesWithoutFields) {
  WriteBatch batch;
  batch.SetDerived(7);
  FieldValue v = FieldValue::String("value");
  IndexField fields[] = {{"f", FieldType::kKeyword, {&v, 1}}};
  std::vector<std::string> sources;
  for (int i = 0; i < 300; ++i) {
    sources.push_back("{\"n\":" + std::to_string(i) + ",\"pad\":\"" + std::string(2000, 'p') +
                      "\"}");
    const std::string id = "d" + std::to_string(i);
    IndexDoc doc{id, {i, 1}, sources.back(), fields};
    doc.context = 1000 + static_cast<uint64_t>(i);
    batch.Upsert(doc);
    if (i == 150) batch.Delete("gone");
  }
  batch.DeleteIfOlder("old", 99);
  std::string rep(batch.rep());
  std::vector<BatchOp> ops;
  std::vector<std::string_view> names;
  uint8_t flags = 0;
  ASSERT_TRUE(DecodeBatch(rep, &ops, &names, &flags).ok());
  EXPECT_EQ(flags, kBatchFramed);
  ASSERT_EQ(ops.size(), 302u);
  EXPECT_TRUE(ops[0].source.empty());
  EXPECT_EQ(ops[0].context, 1000u);
  EXPECT_EQ(ops[0].field_count, 1u);
  ASSERT_EQ(batch.frames().size(), 3u);  // 300 sources of about 2 KiB in 256 KiB frames
  uint32_t entries = 0;
  for (const SourceFrame& f : batch.frames()) entries += f.entries;
  EXPECT_EQ(entries, 300u);

  std::string buffer;
  std::string payload(EncodeWalPayload(&batch, &buffer));
  EXPECT_EQ(payload[0], '\2');
  size_t source_bytes = 0;
  for (const std::string& src : sources) source_bytes += src.size();
  EXPECT_LT(payload.size(), source_bytes / 5);  // no fields, sources compressed
  WalPayload back;
  ASSERT_TRUE(DecodeWalPayload(payload, &back).ok());
  ASSERT_TRUE(back.derived);
  EXPECT_EQ(back.codec, 7);
  ASSERT_EQ(back.ops.size(), 302u);
  EXPECT_EQ(back.ops[0].id, "d0");
  EXPECT_EQ(back.ops[0].version, (Version{0, 1}));
  EXPECT_EQ(back.ops[0].context, 1000u);
  EXPECT_EQ(back.ops[151].kind, OpKind::kDelete);
  EXPECT_EQ(back.ops[151].id, "gone");
  EXPECT_EQ(back.ops[301].kind, OpKind::kDeleteIfOlder);
  EXPECT_EQ(back.ops[301].version.primary, 99);
  ASSERT_EQ(back.frames.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(back.frames[i].entries, batch.frames()[i].entries);
    EXPECT_EQ(back.frames[i].bytes, batch.frames()[i].bytes);
  }
  for (size_t cut = 1; cut < payload.size(); cut += 97) {
    WalPayload partial;
    EXPECT_FALSE(DecodeWalPayload(std::string_view(payload).substr(0, cut), &partial).ok()) << cut;
  }
  // Clear keeps the batch derived.
  batch.Clear();
  EXPECT_TRUE(batch.derived());
  batch.Delete("x");
  std::string rep2(batch.rep());
  ASSERT_TRUE(DecodeBatch(rep2, &ops, &names, &flags).ok());
  EXPECT_EQ(flags, kBatchFramed);
}

// With the index's source dictionary, a derived batch compresses its sources with it in frames of
// about 8 KiB (the blocks segment files keep), and its log record names the dictionary.
TEST(WriteBatchTest, DerivedBatchWithADictionaryNamesItInItsLogRecord) {
  std::vector<std::string> samples;
  for (int i = 0; i < 2000; ++i) {
    samples.push_back("{\"id\":\"" + std::to_string(i * 7919) + "\",\"type\":\"Recon:EC2/Port" +
                      std::to_string(i % 13) + "\",\"severity\":" + std::to_string(i % 9) + "}");
  }
  std::vector<std::string_view> views(samples.begin(), samples.end());
  Result<std::shared_ptr<const ZstdDictionary>> dict = ZstdDictionary::Train(views, 16 << 10);
  ASSERT_TRUE(dict.ok());
  ASSERT_NE(*dict, nullptr);

  WriteBatch batch;
  batch.SetDerived(7);
  batch.SetSourceDictionary(*dict);
  for (int i = 0; i < 1000; ++i) {
    IndexDoc doc{samples[i], {i, 1}, samples[i], {}};
    batch.Upsert(doc);
  }
  // Not changed once the batch holds operations.
  batch.SetSourceDictionary(nullptr);
  EXPECT_EQ(batch.source_dictionary(), *dict);
  (void)batch.rep();
  ASSERT_GT(batch.frames().size(), 3u);
  std::string raw;
  uint32_t entries = 0;
  for (const SourceFrame& f : batch.frames()) {
    ASSERT_TRUE((*dict)->Decompress(f.bytes, 1 << 20, &raw).ok());
    EXPECT_LE(raw.size(), kDictSourceBlockSize + 4 + 4 * f.entries + samples[0].size() + 64);
    entries += f.entries;
  }
  EXPECT_EQ(entries, 1000u);

  std::string buffer;
  std::string payload(EncodeWalPayload(&batch, &buffer));
  EXPECT_EQ(payload[0], '\3');
  WalPayload back;
  ASSERT_TRUE(DecodeWalPayload(payload, &back).ok());
  EXPECT_TRUE(back.derived);
  EXPECT_TRUE(back.has_dict);
  EXPECT_EQ(back.dict_id, (*dict)->id());
  EXPECT_EQ(back.codec, 7);
  EXPECT_EQ(back.ops.size(), 1000u);
  ASSERT_EQ(back.frames.size(), batch.frames().size());
  EXPECT_EQ(back.frames.back().bytes, batch.frames().back().bytes);
  for (size_t cut = 1; cut < 12; ++cut) {
    WalPayload partial;
    EXPECT_FALSE(DecodeWalPayload(std::string_view(payload).substr(0, cut), &partial).ok()) << cut;
  }

  // After Clear, the dictionary can change; without one the record is the plain derived kind.
  batch.Clear();
  batch.SetSourceDictionary(nullptr);
  IndexDoc doc{"x", {1, 1}, samples[0], {}};
  batch.Upsert(doc);
  EXPECT_EQ(EncodeWalPayload(&batch, &buffer)[0], '\2');
}

}  // namespace
}  // namespace vigil::storage
