#include "storage/write_batch.h"

#include <gtest/gtest.h>

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
  std::string payload(EncodeWalPayload(rep, &buffer));
  EXPECT_EQ(payload[0], '\1');
  EXPECT_LT(payload.size(), rep.size() / 10);
  std::string back;
  ASSERT_TRUE(DecodeWalPayload(payload, &back).ok());
  EXPECT_EQ(back, rep);
  payload[payload.size() / 2] ^= 1;
  std::string damaged;
  EXPECT_FALSE(DecodeWalPayload(payload, &damaged).ok() && damaged == rep);
}

}  // namespace
}  // namespace vigil::storage
