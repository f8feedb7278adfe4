// Search behaviours checked on small hand-made indices: BM25 scores worked out by hand, the
// account scope of a search (hits, totals and every aggregation), point lookups.
#include "query/search.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "env/env.h"
#include "query/dsl_parser.h"
#include "storage/index.h"
#include "testing/test_util.h"

namespace vigil::query {
namespace {

using json = nlohmann::ordered_json;
using storage::FieldValue;

struct Doc {
  std::string id;
  std::string account;
  std::string title;
  double severity;
};

class SearchTest : public ::testing::Test {
 protected:
  SearchTest() : env_(NewPosixEnv()) {}

  void Build(const std::vector<Doc>& docs) {
    storage::IndexOptions options;
    options.background = false;
    options.log = [](std::string_view) {};
    auto index = storage::Index::Open(env_.get(), dir_.Join("idx"), options);
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    index_ = std::move(*index);
    // Two batches: two segments.
    for (size_t half = 0; half < 2; ++half) {
      storage::WriteBatch batch;
      std::vector<std::string> sources;
      for (size_t i = half; i < docs.size(); i += 2) {
        const Doc& d = docs[i];
        json src = {
            {"id", d.id}, {"accountId", d.account}, {"title", d.title}, {"severity", d.severity}};
        sources.push_back(src.dump());
      }
      size_t k = 0;
      for (size_t i = half; i < docs.size(); i += 2, ++k) {
        const Doc& d = docs[i];
        FieldValue account = FieldValue::String(d.account);
        FieldValue title = FieldValue::String(d.title);
        FieldValue severity = FieldValue::Double(d.severity);
        FieldValue id = FieldValue::String(d.id);
        storage::IndexField fields[] = {
            {"id", storage::FieldType::kKeyword, {&id, 1}},
            {"accountId", storage::FieldType::kKeyword, {&account, 1}},
            {"title", storage::FieldType::kText, {&title, 1}},
            {"severity", storage::FieldType::kDouble, {&severity, 1}},
        };
        batch.Index(storage::IndexDoc{d.id, {}, sources[k], fields});
      }
      ASSERT_TRUE(index_->Write(&batch, nullptr).ok());
    }
  }

  json Run(const std::string& body, const std::vector<std::string>& scope = {}) {
    Result<SearchRequest> req = ParseSearchRequest(body);
    EXPECT_TRUE(req.ok()) << req.status().ToString();
    IndexSnapshot ix{"findings", index_->GetSnapshot()};
    SearchOptions options;
    options.exec.account_scope = scope;
    Result<std::string> out = Search(std::span<const IndexSnapshot>(&ix, 1), *req, options);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? json::parse(*out) : json();
  }

  testing::TempDir dir_;
  std::unique_ptr<Env> env_;
  std::unique_ptr<storage::Index> index_;
};

TEST_F(SearchTest, Bm25ScoresAsWorkedOutByHand) {
  Build({{"a", "111111111111", "SSH brute force", 8},
         {"b", "111111111111", "ssh", 5},
         {"c", "222222222222", "port probe", 2}});
  // N = 3 documents with a title, 2 with "ssh": idf = ln(1 + (3 - 2 + 0.5) / (2 + 0.5));
  // average length (3 + 1 + 2) / 3 = 2 words.
  const double idf = std::log(1 + 1.5 / 2.5);
  auto bm25 = [&](double tf, double len) {
    return idf * tf / (tf + 1.2 * (0.25 + 0.75 * len / 2));
  };
  json r = Run(R"({"query":{"match":{"title":"ssh"}}})");
  ASSERT_EQ(r["hits"]["total"]["value"], 2);
  ASSERT_EQ(r["hits"]["hits"].size(), 2u);
  EXPECT_EQ(r["hits"]["hits"][0]["_id"], "b");  // the shorter title ranks first
  EXPECT_NEAR(r["hits"]["hits"][0]["_score"].get<double>(), bm25(1, 1), 1e-6);
  EXPECT_EQ(r["hits"]["hits"][1]["_id"], "a");
  EXPECT_NEAR(r["hits"]["hits"][1]["_score"].get<double>(), bm25(1, 3), 1e-6);
  EXPECT_NEAR(r["hits"]["max_score"].get<double>(), bm25(1, 1), 1e-6);
  // A boost multiplies; a filter adds nothing.
  r = Run(
      R"({"query":{"bool":{"must":{"match":{"title":{"query":"ssh","boost":2}}},"filter":{"range":{"severity":{"gte":6}}}}}})");
  ASSERT_EQ(r["hits"]["hits"].size(), 1u);
  EXPECT_NEAR(r["hits"]["hits"][0]["_score"].get<double>(), 2 * bm25(1, 3), 1e-6);
}

TEST_F(SearchTest, AccountScopeHoldsForHitsTotalsAndEveryAggregation) {
  std::vector<Doc> docs;
  for (int i = 0; i < 40; ++i) {
    docs.push_back({"d" + std::to_string(i), i % 3 == 0 ? "111111111111" : "222222222222",
                    i % 2 ? "ssh probe" : "port scan", static_cast<double>(i % 10)});
  }
  Build(docs);
  const std::string body = R"({"size":100,"track_total_hits":true,"query":{"match_all":{}},
    "aggs":{"accounts":{"terms":{"field":"accountId"}},
            "n":{"cardinality":{"field":"accountId"}},
            "other":{"filter":{"term":{"accountId":"222222222222"}}},
            "by_title":{"terms":{"field":"title"},"aggs":{"acc":{"terms":{"field":"accountId"}}}},
            "sev":{"stats":{"field":"severity"}}}})";
  json all = Run(body);
  ASSERT_EQ(all["hits"]["total"]["value"], 40);
  json scoped = Run(body, {"111111111111"});
  ASSERT_EQ(scoped["hits"]["total"]["value"], 14);  // i % 3 == 0 for i in 0..39
  for (const json& h : scoped["hits"]["hits"]) EXPECT_EQ(h["_source"]["accountId"], "111111111111");
  const json& a = scoped["aggregations"];
  ASSERT_EQ(a["accounts"]["buckets"].size(), 1u);
  EXPECT_EQ(a["accounts"]["buckets"][0]["key"], "111111111111");
  EXPECT_EQ(a["n"]["value"], 1);
  EXPECT_EQ(a["other"]["doc_count"], 0);  // a filter for another account finds nothing
  EXPECT_EQ(a["sev"]["count"], 14);
  for (const json& b : a["by_title"]["buckets"]) {
    ASSERT_EQ(b["acc"]["buckets"].size(), 1u);
    EXPECT_EQ(b["acc"]["buckets"][0]["key"], "111111111111");
  }
  // A scope of several accounts, and one of an account with nothing.
  EXPECT_EQ(Run(body, {"111111111111", "222222222222"})["hits"]["total"]["value"], 40);
  EXPECT_EQ(Run(body, {"999999999999"})["hits"]["total"]["value"], 0);
  // Count honours it too.
  IndexSnapshot ix{"findings", index_->GetSnapshot()};
  SearchOptions options;
  options.exec.account_scope = {"111111111111"};
  Result<uint64_t> n = Count(std::span<const IndexSnapshot>(&ix, 1), *Query::MatchAll(), options);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 14u);
}

TEST_F(SearchTest, GetByIdReturnsTheLiveSource) {
  Build({{"a", "111111111111", "x", 1}, {"b", "111111111111", "y", 2}});
  storage::WriteBatch batch;
  batch.Delete("a");
  ASSERT_TRUE(index_->Write(&batch, nullptr).ok());
  auto snap = index_->GetSnapshot();
  Result<std::optional<std::string>> b = GetById(*snap, "b");
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(b->has_value());
  EXPECT_EQ(json::parse(**b)["title"], "y");
  Result<std::optional<std::string>> a = GetById(*snap, "a");
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->has_value());
}

// The top-terms merge across segments compares the first 16 bytes as integers: terms that share
// them (long ARNs; a term and its extension by a zero byte's worth of padding) still count and
// order as strings.
TEST_F(SearchTest, TermsMergeOrdersTermsSharingTheirFirst16Bytes) {
  const std::vector<std::string> values = {"arn:aws:iam::123456789012:role/B",
                                           "arn:aws:iam::123456789012:role/A",
                                           "arn:aws:iam::123456789012:role/B",
                                           "abcdefghijklmnop",
                                           "abcdefghijklmnopq",
                                           "abcdefghijklmno",
                                           "arn:aws:iam::123456789012:role/A",
                                           "abcdefghijklmnopq",
                                           "arn:aws:iam::123456789012:role/B",
                                           "abcdefghijklmnop",
                                           "abcdefghijklmnopq",
                                           "z"};
  std::vector<Doc> docs;
  std::map<std::string, int> counts;
  for (size_t i = 0; i < values.size(); ++i) {
    docs.push_back({fmt::format("d{}", i), values[i], "t", 1});
    ++counts[values[i]];
  }
  Build(docs);
  json r = Run(R"({"size":0,"aggs":{"a":{"terms":{"field":"accountId","size":4}}}})");
  std::vector<std::pair<std::string, int>> want(counts.begin(), counts.end());
  std::stable_sort(want.begin(), want.end(),
                   [](const auto& x, const auto& y) { return x.second > y.second; });
  const json& buckets = r["aggregations"]["a"]["buckets"];
  ASSERT_EQ(buckets.size(), 4u);
  int other = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    if (i < 4) {
      EXPECT_EQ(buckets[i]["key"], want[i].first) << i;
      EXPECT_EQ(buckets[i]["doc_count"], want[i].second) << i;
    } else {
      other += want[i].second;
    }
  }
  EXPECT_EQ(r["aggregations"]["a"]["sum_other_doc_count"], other);
}

TEST_F(SearchTest, IdIsAKeywordFieldForQueriesSortsAndAggregations) {
  Build({{"c", "111111111111", "x", 1},
         {"a", "111111111111", "y", 2},
         {"d", "222222222222", "z", 3},
         {"b", "222222222222", "w", 4}});
  storage::WriteBatch batch;
  batch.Delete("d");
  ASSERT_TRUE(index_->Write(&batch, nullptr).ok());
  auto ids = [](const json& r) {
    std::vector<std::string> out;
    for (const json& h : r["hits"]["hits"]) out.push_back(h["_id"]);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids(Run(R"({"query":{"term":{"_id":"a"}}})")), V{"a"});
  EXPECT_EQ(ids(Run(R"({"query":{"terms":{"_id":["b","d","zz"]}}})")), V{"b"});
  EXPECT_EQ(ids(Run(R"({"query":{"ids":{"values":["c","d"]}}})")), V{"c"});
  EXPECT_EQ(ids(Run(R"({"query":{"prefix":{"_id":"b"}}})")), V{"b"});
  EXPECT_EQ(ids(Run(R"({"query":{"query_string":{"query":"_id:a OR _id:c"}},"sort":["_id"]})")),
            (V{"a", "c"}));
  EXPECT_EQ(ids(Run(R"({"sort":[{"_id":"desc"}]})")), (V{"c", "b", "a"}));
  json r = Run(R"({"size":0,"aggs":{"ids":{"terms":{"field":"_id","order":{"_key":"asc"}}}}})");
  const json& buckets = r["aggregations"]["ids"]["buckets"];
  ASSERT_EQ(buckets.size(), 3u);  // the deleted "d" is not counted
  EXPECT_EQ(buckets[0]["key"], "a");
  EXPECT_EQ(buckets[2]["key"], "c");
}

// A range after a selective clause is checked on that clause's few documents
// (Evaluator::EvalWithin) rather than collected whole: the answers must be those of the
// range collected whole, at each bound and with a range that has no documents in a segment.
TEST_F(SearchTest, RangeAfterASelectiveClauseMatchesTheWholeRange) {
  std::vector<Doc> docs;
  docs.reserve(400);
  for (int i = 0; i < 400; ++i) {
    docs.push_back({fmt::format("d{:03d}", i), i % 7 == 0 ? "111111111111" : "222222222222", "t",
                    static_cast<double>(i % 50) / 5});
  }
  Build(docs);
  const std::vector<std::string> picked = {"d003", "d010", "d049", "d050", "d123", "d399"};
  std::string ids = "[";
  for (const std::string& id : picked) ids += (ids.size() > 1 ? ",\"" : "\"") + id + "\"";
  ids += "]";
  for (const auto& [op_lo, lo, op_hi, hi] :
       std::vector<std::tuple<std::string, double, std::string, double>>{{"gte", 0.6, "lte", 9.8},
                                                                         {"gt", 0.6, "lt", 9.8},
                                                                         {"gte", 9.9, "lte", 20},
                                                                         {"gte", -5, "lt", 0},
                                                                         {"gte", 2, "lte", 2}}) {
    uint64_t want = 0, want_or_account = 0, want_not = 0;
    for (const std::string& id : picked) {
      const int i = std::stoi(id.substr(1));
      const double v = static_cast<double>(i % 50) / 5;
      const bool above = op_lo == "gte" ? v >= lo : v > lo;
      const bool below = op_hi == "lte" ? v <= hi : v < hi;
      want += above && below ? 1 : 0;
      want_or_account += (above && below) || i % 7 == 0 ? 1 : 0;
      want_not += above && below ? 0 : 1;
    }
    const std::string range =
        fmt::format(R"({{"range":{{"severity":{{"{}":{},"{}":{}}}}}}})", op_lo, lo, op_hi, hi);
    // The ids first (selective), the range second: checked on the candidates.
    json r = Run(fmt::format(R"({{"size":0,"track_total_hits":true,"query":{{"bool":{{"filter":[)"
                             R"({{"ids":{{"values":{}}}}},{}]}}}}}})",
                             ids, range));
    EXPECT_EQ(r["hits"]["total"]["value"], want) << range;
    // The same with the range first (collected whole).
    r = Run(fmt::format(R"({{"size":0,"track_total_hits":true,"query":{{"bool":{{"filter":[{},)"
                        R"({{"ids":{{"values":{}}}}}]}}}}}})",
                        range, ids));
    EXPECT_EQ(r["hits"]["total"]["value"], want) << range;
    // Nested bools after the ids start from the candidates: a should of the range or an
    // account, and a must_not of the range.
    r = Run(fmt::format(R"({{"size":0,"track_total_hits":true,"query":{{"bool":{{"filter":[)"
                        R"({{"ids":{{"values":{}}}}},{{"bool":{{"should":[{},)"
                        R"({{"term":{{"accountId":"111111111111"}}}}]}}}}]}}}}}})",
                        ids, range));
    EXPECT_EQ(r["hits"]["total"]["value"], want_or_account) << range;
    r = Run(fmt::format(R"({{"size":0,"track_total_hits":true,"query":{{"bool":{{"filter":[)"
                        R"({{"ids":{{"values":{}}}}},{{"bool":{{"must_not":[{}]}}}}]}}}}}})",
                        ids, range));
    EXPECT_EQ(r["hits"]["total"]["value"], want_not) << range;
  }
}

TEST(SourceFilter, IncludesExcludesAndKeyOrder) {
  const std::string src = R"({"b":1,"a":{"x":1,"y":{"z":2,"w":3}},"c":[{"k":1,"j":2}],"d":"s"})";
  SourceFilter f;
  f.includes = {"a.y.*", "c.k", "d"};
  EXPECT_EQ(*FilterSource(src, f), R"({"a":{"y":{"z":2,"w":3}},"c":[{"k":1}],"d":"s"})");
  f.includes.clear();
  f.excludes = {"a.y", "c"};
  EXPECT_EQ(*FilterSource(src, f), R"({"b":1,"a":{"x":1},"d":"s"})");
  f.includes = {"a"};
  f.excludes = {"a.x"};
  EXPECT_EQ(*FilterSource(src, f), R"({"a":{"y":{"z":2,"w":3}}})");
}

}  // namespace
}  // namespace vigil::query

namespace vigil::query {
namespace {

// Cardinality: exact under the precision threshold, estimated (HyperLogLog) above it, within the
// documented error.
TEST_F(SearchTest, CardinalityExactThenEstimated) {
  std::vector<Doc> docs;
  for (int i = 0; i < 60000; ++i) {
    docs.push_back({fmt::format("d{}", i), fmt::format("{:012d}", i % 45000), "t", 1});
  }
  Build(docs);
  json r = Run(R"({"size":0,"aggs":{
      "estimated":{"cardinality":{"field":"accountId"}},
      "exact":{"cardinality":{"field":"accountId","precision_threshold":40000}},
      "small":{"filter":{"range":{"severity":{"gte":0}}},"aggs":{"c":{"cardinality":{"field":"title"}}}}}})");
  const double estimated = r["aggregations"]["estimated"]["value"].get<double>();
  EXPECT_NEAR(estimated, 45000, 45000 * 0.03) << "HyperLogLog's error is over 3 %";
  EXPECT_NE(estimated, 45000);  // past 3,000 values it is an estimate
  // 45,000 distinct values are over the largest threshold too: estimated as well, but a
  // threshold of 40,000 keeps 40,000 values exactly before switching.
  EXPECT_NEAR(r["aggregations"]["exact"]["value"].get<double>(), 45000, 45000 * 0.03);
  EXPECT_EQ(r["aggregations"]["small"]["c"]["value"], 1);
}

}  // namespace
}  // namespace vigil::query
