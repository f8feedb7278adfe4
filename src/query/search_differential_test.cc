// The differential test of the query engine: random documents (multi-valued keywords, longs,
// doubles, dates, booleans, IPs, text, missing values) written to a real index in many small
// batches with updates and deletes (so the index has many segments, in memory and on disk, with
// deletions), and thousands of random queries and aggregations run both by the engine and by a
// reference evaluator written for obviousness: it scans every document with a direct reading of
// each query's meaning. The results must be identical.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>

#include "base/time.h"
#include "env/env.h"
#include "query/analyzer.h"
#include "query/dsl_parser.h"
#include "query/search.h"
#include "storage/index.h"
#include "storage/term_encoding.h"
#include "testing/test_util.h"

namespace vigil::query {
namespace {

using json = nlohmann::ordered_json;
using storage::FieldValue;

const std::vector<std::string> kWords = {"alpha", "beta",  "gamma", "delta", "probe", "ssh",
                                         "brute", "force", "EC2",   "Recon", "port",  "scan"};
const std::vector<std::string> kKeys = {
    "Recon:EC2/PortProbeUnprotectedPort",        "Recon:EC2/Portscan",
    "UnauthorizedAccess:EC2/SSHBruteForce",      "Trojan:EC2/DNSDataExfiltration",
    "CryptoCurrency:EC2/BitcoinTool.B!DNS",      "Backdoor:EC2/C&CActivity.B",
    "Policy:S3/BucketBlockPublicAccessDisabled", "recon:ec2/portscan"};
const std::vector<std::string> kIps = {"10.0.0.1",     "10.0.3.7",    "192.168.1.20",
                                       "198.51.100.7", "203.0.113.9", "::1"};
constexpr int64_t kT0 = 1'700'000'000'000;  // 2023-11-14T22:13:20Z

struct RefDoc {
  std::string id;
  int64_t seq = 0;  // unique: the sort key that makes hit order exact
  std::vector<std::string> k;
  std::optional<int64_t> n;
  std::optional<double> d;
  std::optional<int64_t> t;
  std::optional<bool> b;
  std::optional<std::string> ip;
  std::optional<std::string> title;
};

std::string SourceOf(const RefDoc& r) {
  json j;
  j["id"] = r.id;
  j["seq"] = r.seq;
  if (!r.k.empty()) j["k"] = r.k;
  if (r.n) j["n"] = *r.n;
  if (r.d) j["d"] = *r.d;
  if (r.t) j["t"] = FormatTimestamp(*r.t);
  if (r.b) j["b"] = *r.b;
  if (r.ip) j["ip"] = *r.ip;
  if (r.title) j["title"] = *r.title;
  return j.dump();
}

class Differential : public ::testing::Test {
 protected:
  Differential() : env_(NewPosixEnv()), rng_(20261202) {}

  // The shape of the index: small flushes make many segments; large ones make segments big
  // enough for the aggregations' whole-segment paths (over 4,096 live documents, with deletions).
  virtual size_t FlushBytes() const { return 48 << 10; }
  virtual int Rounds() const { return 24; }
  virtual int OpsPerRound() const { return 40 + static_cast<int>(rng_() % 80); }
  virtual size_t MinSegments() const { return 3; }

  void SetUp() override {
    storage::IndexOptions options;
    options.background = false;
    options.flush_bytes = FlushBytes();
    options.max_memory_segments = 3;
    options.merge_factor = 3;
    options.log = [](std::string_view) {};
    auto index = storage::Index::Open(env_.get(), dir_.Join("idx"), options);
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    index_ = std::move(*index);
    Populate();
  }

  RefDoc RandomDoc(const std::string& id) {
    RefDoc r;
    r.id = id;
    r.seq = next_seq_++;
    const int nk = static_cast<int>(rng_() % 4);  // 0..3 values
    for (int i = 0; i < nk; ++i) r.k.push_back(kKeys[rng_() % kKeys.size()]);
    if (rng_() % 10 != 0) r.n = static_cast<int64_t>(rng_() % 200) - 50;
    if (rng_() % 10 != 0) r.d = static_cast<double>(rng_() % 1000) / 10.0;
    if (rng_() % 8 != 0) r.t = kT0 + static_cast<int64_t>(rng_() % (6 * 86'400)) * 1000;
    if (rng_() % 3 != 0) r.b = rng_() % 2 == 0;
    if (rng_() % 4 != 0) r.ip = kIps[rng_() % kIps.size()];
    if (rng_() % 5 != 0) {
      std::string title;
      const int words = 1 + static_cast<int>(rng_() % 5);
      for (int i = 0; i < words; ++i) {
        if (i > 0) title += rng_() % 4 == 0 ? "/" : " ";
        title += kWords[rng_() % kWords.size()];
      }
      r.title = title;
    }
    return r;
  }

  void AddToBatch(const RefDoc& r, storage::WriteBatch* batch) {
    std::vector<FieldValue> kv;
    for (const std::string& s : r.k) kv.push_back(FieldValue::String(s));
    FieldValue seq = FieldValue::Long(r.seq);
    FieldValue n = r.n ? FieldValue::Long(*r.n) : FieldValue::Null();
    FieldValue d = r.d ? FieldValue::Double(*r.d) : FieldValue::Null();
    FieldValue t = r.t ? FieldValue::Long(*r.t) : FieldValue::Null();
    FieldValue b = r.b ? FieldValue::Bool(*r.b) : FieldValue::Null();
    FieldValue ip = r.ip ? FieldValue::String(*r.ip) : FieldValue::Null();
    FieldValue title = r.title ? FieldValue::String(*r.title) : FieldValue::Null();
    std::vector<storage::IndexField> fields = {
        {"seq", storage::FieldType::kLong, {&seq, 1}},
        {"k", storage::FieldType::kKeyword, kv},
        {"n", storage::FieldType::kLong, {&n, 1}},
        {"d", storage::FieldType::kDouble, {&d, 1}},
        {"t", storage::FieldType::kDate, {&t, 1}},
        {"b", storage::FieldType::kBoolean, {&b, 1}},
        {"ip", storage::FieldType::kIp, {&ip, 1}},
        {"title", storage::FieldType::kText, {&title, 1}},
    };
    const std::string source = SourceOf(r);
    batch->Index(storage::IndexDoc{r.id, {}, source, fields});
  }

  void Populate() { Write(Rounds()); }

  // `rounds` batches of random new documents, replacements and deletions.
  void Write(int rounds) {
    for (int round = 0; round < rounds; ++round) {
      storage::WriteBatch batch;
      const int ops = OpsPerRound();
      for (int i = 0; i < ops; ++i) {
        const int what = static_cast<int>(rng_() % 10);
        if (what < 6 || ref_.empty()) {
          RefDoc r = RandomDoc(fmt::format("doc-{:05d}", next_id_++));
          AddToBatch(r, &batch);
          ref_[r.id] = r;
        } else if (what < 9) {
          auto it = ref_.begin();
          std::advance(it, static_cast<long>(rng_() % ref_.size()));
          RefDoc r = RandomDoc(it->first);
          AddToBatch(r, &batch);
          ref_[r.id] = r;
        } else {
          auto it = ref_.begin();
          std::advance(it, static_cast<long>(rng_() % ref_.size()));
          batch.Delete(it->first);
          ref_.erase(it);
        }
      }
      Status s = index_->Write(&batch, nullptr);
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
    snapshot_ = index_->GetSnapshot();
    ASSERT_GE(snapshot_->segments.size(), MinSegments()) << "the test needs several segments";
  }

  // --- Random queries, as JSON, and the reference meaning of each. ---

  json RandomLeaf() {
    switch (rng_() % 14) {
      case 0:
        return {{"term", {{"k", kKeys[rng_() % kKeys.size()]}}}};
      case 1: {
        json values = json::array();
        for (int i = 0; i < 3; ++i) values.push_back(kKeys[rng_() % kKeys.size()]);
        return {{"terms", {{"k", values}}}};
      }
      case 2:
      case 3: {
        const char* field = rng_() % 2 == 0 ? "n" : "d";
        json bounds = json::object();
        const double lo = static_cast<double>(rng_() % 150) - 50;
        const double hi = lo + static_cast<double>(rng_() % 80);
        const char* lower_ops[] = {"gte", "gt"};
        const char* upper_ops[] = {"lte", "lt"};
        if (rng_() % 4 != 0) bounds[lower_ops[rng_() % 2]] = field[0] == 'd' ? lo / 2 : lo;
        if (rng_() % 4 != 0) bounds[upper_ops[rng_() % 2]] = field[0] == 'd' ? hi / 2 : hi;
        return {{"range", {{field, bounds}}}};
      }
      case 4: {
        json bounds = json::object();
        const int64_t lo = kT0 + static_cast<int64_t>(rng_() % (5 * 86'400)) * 1000;
        bounds[rng_() % 2 ? "gte" : "gt"] = FormatTimestamp(lo);
        if (rng_() % 2)
          bounds[rng_() % 2 ? "lte" : "lt"] = lo + static_cast<int64_t>(rng_() % (86'400'000));
        return {{"range", {{"t", bounds}}}};
      }
      case 5: {
        const char* fields[] = {"k", "n", "d", "t", "b", "ip", "title", "nothing"};
        return {{"exists", {{"field", fields[rng_() % 8]}}}};
      }
      case 6:
        return {{"prefix", {{"k", kKeys[rng_() % kKeys.size()].substr(0, 1 + rng_() % 12)}}}};
      case 7: {
        std::string p = kKeys[rng_() % kKeys.size()];
        p = p.substr(0, rng_() % p.size()) + "*" + (rng_() % 2 ? "EC2*" : "");
        return {{"wildcard", {{"k", {{"value", p}, {"case_insensitive", rng_() % 3 == 0}}}}}};
      }
      case 8:
        return {{"regexp", {{"k", rng_() % 2 ? "Recon.*" : ".*EC2/[A-Z][a-z]+.*"}}}};
      case 9: {
        std::string text = kWords[rng_() % kWords.size()];
        if (rng_() % 2) text += " " + kWords[rng_() % kWords.size()];
        return {{"match", {{"title", {{"query", text}, {"operator", rng_() % 2 ? "and" : "or"}}}}}};
      }
      case 10:
        return {
            {"match_phrase",
             {{"title", kWords[rng_() % kWords.size()] + " " + kWords[rng_() % kWords.size()]}}}};
      case 11:
        return {{"term", {{"b", rng_() % 2 == 0}}}};
      case 12:
        return {{"term", {{"ip", rng_() % 2 ? "10.0.0.0/16" : kIps[rng_() % kIps.size()]}}}};
      default: {
        json ids = json::array();
        for (int i = 0; i < 4; ++i) ids.push_back(fmt::format("doc-{:05d}", rng_() % 1200));
        return {{"ids", {{"values", ids}}}};
      }
    }
  }

  json RandomQuery(int depth) {
    if (depth >= 3 || rng_() % 3 != 0) return RandomLeaf();
    json b = json::object();
    const char* kinds[] = {"must", "filter", "should", "must_not"};
    for (const char* kind : kinds) {
      const int n = static_cast<int>(rng_() % 3);
      if (n == 0) continue;
      json list = json::array();
      for (int i = 0; i < n; ++i) list.push_back(RandomQuery(depth + 1));
      b[kind] = list;
    }
    if (b.contains("should") && rng_() % 3 == 0) {
      b["minimum_should_match"] = 1 + static_cast<int>(rng_() % b["should"].size());
    }
    return {{"bool", b}};
  }

  static std::vector<std::string> Tokens(const std::string& s) {
    std::vector<std::string> out;
    Tokenize(s, &out);
    return out;
  }

  static bool WildcardMatch(const std::string& p, const std::string& s, bool ci) {
    auto low = [&](char c) {
      return ci ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
    };
    // Plain recursive glob: * any run, ? one character (ASCII here).
    std::function<bool(size_t, size_t)> m = [&](size_t i, size_t j) -> bool {
      if (i == p.size()) return j == s.size();
      if (p[i] == '*') return m(i + 1, j) || (j < s.size() && m(i, j + 1));
      if (j == s.size()) return false;
      return (p[i] == '?' || low(p[i]) == low(s[j])) && m(i + 1, j + 1);
    };
    return m(0, 0);
  }

  // The reference: does `r` match query `q`?
  bool Matches(const RefDoc& r, const json& q) {
    const std::string kind = q.begin().key();
    const json& body = q.begin().value();
    if (kind == "match_all") return true;
    if (kind == "bool") {
      auto all = [&](const char* k) {
        if (!body.contains(k)) return true;
        for (const json& c : body[k]) {
          if (!Matches(r, c)) return false;
        }
        return true;
      };
      if (!all("must") || !all("filter")) return false;
      if (body.contains("must_not")) {
        for (const json& c : body["must_not"]) {
          if (Matches(r, c)) return false;
        }
      }
      if (body.contains("should")) {
        int hits = 0;
        for (const json& c : body["should"]) hits += Matches(r, c) ? 1 : 0;
        int needed = body.contains("minimum_should_match")
                         ? body["minimum_should_match"].get<int>()
                         : (body.contains("must") || body.contains("filter") ? 0 : 1);
        if (hits < needed) return false;
      }
      return true;
    }
    if (kind == "ids") {
      for (const json& v : body["values"]) {
        if (v == r.id) return true;
      }
      return false;
    }
    if (kind == "exists") {
      const std::string f = body["field"];
      if (f == "k") return !r.k.empty();
      if (f == "n") return r.n.has_value();
      if (f == "d") return r.d.has_value();
      if (f == "t") return r.t.has_value();
      if (f == "b") return r.b.has_value();
      if (f == "ip") return r.ip.has_value();
      if (f == "title") return r.title.has_value();
      return false;
    }
    const std::string field = body.begin().key();
    const json& v = body.begin().value();
    if (kind == "term" && field == "k") {
      return std::find(r.k.begin(), r.k.end(), v.get<std::string>()) != r.k.end();
    }
    if (kind == "terms") {
      for (const json& x : v) {
        if (std::find(r.k.begin(), r.k.end(), x.get<std::string>()) != r.k.end()) return true;
      }
      return false;
    }
    if (kind == "term" && field == "b") return r.b && *r.b == v.get<bool>();
    if (kind == "term" && field == "ip") {
      if (!r.ip) return false;
      const std::string want = v.get<std::string>();
      if (want == "10.0.0.0/16") return r.ip->starts_with("10.0.");
      return *r.ip == want;
    }
    if (kind == "range") {
      std::optional<double> value;
      if (field == "n" && r.n) value = static_cast<double>(*r.n);
      if (field == "d" && r.d) value = *r.d;
      if (field == "t" && r.t) value = static_cast<double>(*r.t);
      if (!value) return false;
      for (auto it = v.begin(); it != v.end(); ++it) {
        double bound = it.value().is_string()
                           ? static_cast<double>(*ParseTimestamp(it.value().get<std::string>()))
                           : it.value().get<double>();
        if (field == "n") {
          // A long field: a fractional bound means the whole numbers inside it.
          if (it.key() == "gte" || it.key() == "gt") {
            if (std::floor(bound) != bound) bound = std::ceil(bound) - (it.key() == "gt" ? 1 : 0);
          } else if (std::floor(bound) != bound) {
            bound = std::floor(bound) + (it.key() == "lt" ? 1 : 0);
          }
        }
        if (it.key() == "gte" && !(*value >= bound)) return false;
        if (it.key() == "gt" && !(*value > bound)) return false;
        if (it.key() == "lte" && !(*value <= bound)) return false;
        if (it.key() == "lt" && !(*value < bound)) return false;
      }
      return true;
    }
    if (kind == "prefix") {
      for (const std::string& s : r.k) {
        if (s.starts_with(v.get<std::string>())) return true;
      }
      return false;
    }
    if (kind == "wildcard") {
      for (const std::string& s : r.k) {
        if (WildcardMatch(v["value"], s, v["case_insensitive"])) return true;
      }
      return false;
    }
    if (kind == "regexp") {
      // The two patterns the generator makes, spelled out.
      for (const std::string& s : r.k) {
        if (v == "Recon.*" && s.starts_with("Recon")) return true;
        if (v != "Recon.*") {
          size_t at = s.find("EC2/");
          if (at != std::string::npos && at + 5 < s.size() + 1 && at + 4 < s.size() &&
              std::isupper(static_cast<unsigned char>(s[at + 4])) && at + 5 < s.size() &&
              std::islower(static_cast<unsigned char>(s[at + 5]))) {
            return true;
          }
        }
      }
      return false;
    }
    if (kind == "match") {
      if (!r.title) return false;
      std::vector<std::string> have = Tokens(*r.title);
      std::vector<std::string> want = Tokens(v["query"]);
      size_t found = 0;
      for (const std::string& w : want)
        found += std::count(have.begin(), have.end(), w) > 0 ? 1 : 0;
      return v["operator"] == "and" ? found == want.size() : found > 0;
    }
    if (kind == "match_phrase") {
      if (!r.title) return false;
      std::vector<std::string> have = Tokens(*r.title);
      std::vector<std::string> want = Tokens(v.get<std::string>());
      for (size_t i = 0; i + want.size() <= have.size(); ++i) {
        if (std::equal(want.begin(), want.end(), have.begin() + static_cast<long>(i))) return true;
      }
      return false;
    }
    ADD_FAILURE() << "the reference does not know " << q.dump();
    return false;
  }

  json Run(const json& body) {
    Result<SearchRequest> req = ParseSearchRequest(body.dump());
    EXPECT_TRUE(req.ok()) << req.status().ToString() << " for " << body.dump();
    if (!req.ok()) return json();
    IndexSnapshot ix{"test", snapshot_};
    Result<std::string> out = Search(std::span<const IndexSnapshot>(&ix, 1), *req);
    EXPECT_TRUE(out.ok()) << out.status().ToString() << " for " << body.dump();
    if (!out.ok()) return json();
    return json::parse(*out);
  }

  void CheckAggregations(int iterations, int match_all_one_in);
  void CheckHits(int iterations);

  std::vector<const RefDoc*> RefMatches(const json& q) {
    std::vector<const RefDoc*> out;
    for (const auto& [id, r] : ref_) {
      if (Matches(r, q)) out.push_back(&r);
    }
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Env> env_;
  mutable std::mt19937 rng_;
  std::unique_ptr<storage::Index> index_;
  std::shared_ptr<const storage::Snapshot> snapshot_;
  std::map<std::string, RefDoc> ref_;
  int64_t next_seq_ = 1;
  int next_id_ = 0;
};

TEST_F(Differential, QueriesHitsAndPaging) { CheckHits(1500); }

void Differential::CheckHits(int iterations) {
  for (int i = 0; i < iterations; ++i) {
    json q = RandomQuery(0);
    std::vector<const RefDoc*> want = RefMatches(q);
    const bool desc = rng_() % 2 == 0;
    std::sort(want.begin(), want.end(), [&](const RefDoc* a, const RefDoc* b) {
      return desc ? a->seq > b->seq : a->seq < b->seq;
    });
    const int from = static_cast<int>(rng_() % 5);
    const int size = static_cast<int>(rng_() % 12);
    json body = {{"query", q},
                 {"track_total_hits", true},
                 {"from", from},
                 {"size", size},
                 {"sort", json::array({{{"seq", desc ? "desc" : "asc"}}})}};
    json r = Run(body);
    if (r.is_null()) return;
    ASSERT_EQ(r["hits"]["total"]["value"].get<size_t>(), want.size()) << body.dump();
    std::vector<std::string> got_ids;
    for (const json& h : r["hits"]["hits"]) got_ids.push_back(h["_id"]);
    std::vector<std::string> want_ids;
    for (size_t k = static_cast<size_t>(from);
         k < want.size() && want_ids.size() < static_cast<size_t>(size); ++k) {
      want_ids.push_back(want[k]->id);
    }
    ASSERT_EQ(got_ids, want_ids) << body.dump();
    // The hits carry their newest source.
    for (const json& h : r["hits"]["hits"]) {
      ASSERT_EQ(h["_source"].dump(), json::parse(SourceOf(ref_.at(h["_id"]))).dump());
    }
  }
}

TEST_F(Differential, SearchAfterWalksEveryHitOnce) {
  for (int i = 0; i < 60; ++i) {
    json q = RandomQuery(1);
    std::vector<const RefDoc*> want = RefMatches(q);
    // Sorted by n (missing last), then seq: search_after across equal n values too.
    std::sort(want.begin(), want.end(), [](const RefDoc* a, const RefDoc* b) {
      if (a->n.has_value() != b->n.has_value()) return a->n.has_value();
      if (a->n && *a->n != *b->n) return *a->n < *b->n;
      return a->seq < b->seq;
    });
    std::vector<std::string> walked;
    json after;
    for (int page = 0; page < 1000; ++page) {
      json body = {
          {"query", q}, {"size", 7}, {"sort", json::array({{{"n", "asc"}}, {{"seq", "asc"}}})}};
      if (!after.is_null()) body["search_after"] = after;
      json r = Run(body);
      if (r.is_null()) return;
      if (r["hits"]["hits"].empty()) break;
      for (const json& h : r["hits"]["hits"]) walked.push_back(h["_id"]);
      after = r["hits"]["hits"].back()["sort"];
    }
    std::vector<std::string> want_ids;
    for (const RefDoc* d : want) want_ids.push_back(d->id);
    ASSERT_EQ(walked, want_ids) << q.dump();
  }
}

class DifferentialLarge : public Differential {
 protected:
  size_t FlushBytes() const override { return 16 << 20; }
  int Rounds() const override { return 40; }
  int OpsPerRound() const override { return 400; }
  size_t MinSegments() const override { return 1; }

  void SetUp() override {
    Differential::SetUp();
    // The big segment to a file, then replacements and deletions that hit it.
    ASSERT_TRUE(index_->Flush().ok());
    Write(3);
    snapshot_ = index_->GetSnapshot();
  }
};

TEST_F(Differential, Aggregations) { CheckAggregations(400, 4); }

// Segments of thousands of documents with deletions, queried with match_all: the aggregations
// count from the postings' sizes less the deleted documents.
TEST_F(DifferentialLarge, AggregationsOverWholeSegments) {
  size_t big = 0;
  for (const storage::SegmentView& v : snapshot_->segments) {
    if (v.live_docs > 4096 && v.live_docs < v.segment->num_docs()) ++big;
  }
  ASSERT_GT(big, 0u) << "no segment over 4,096 live documents with deletions";
  CheckAggregations(20, 1);
}

// Large segments: a sorted page of a large result walks the sort field's ordinals.
TEST_F(DifferentialLarge, HitsAndPaging) { CheckHits(150); }

void Differential::CheckAggregations(int iterations, int match_all_one_in) {
  for (int i = 0; i < iterations; ++i) {
    json q = rng_() % match_all_one_in == 0 ? json{{"match_all", json::object()}} : RandomQuery(1);
    std::vector<const RefDoc*> docs = RefMatches(q);
    json aggs = {
        {"keys", {{"terms", {{"field", "k"}, {"size", 3}}}}},
        {"n_stats", {{"stats", {{"field", "n"}}}}},
        {"d_min", {{"min", {{"field", "d"}}}}},
        {"k_count", {{"value_count", {{"field", "k"}}}}},
        {"k_distinct", {{"cardinality", {{"field", "k"}}}}},
        {"hours", {{"date_histogram", {{"field", "t"}, {"fixed_interval", "6h"}}}}},
        // The same with a sub-aggregation: documents one by one, by runs of ordinals.
        {"hours_n",
         {{"date_histogram", {{"field", "t"}, {"fixed_interval", "6h"}}},
          {"aggs", {{"n_count", {{"value_count", {{"field", "n"}}}}}}}}},
        {"d_hist", {{"histogram", {{"field", "d"}, {"interval", 25}}}}},
        {"n_ranges",
         {{"range",
           {{"field", "n"},
            {"ranges", json::array({{{"to", 0}}, {{"from", 0}, {"to", 50}}, {{"from", 50}}})}}}}},
        {"no_b", {{"missing", {{"field", "b"}}}}},
        {"true_b",
         {{"filter", {{"term", {{"b", true}}}}},
          {"aggs", {{"keys", {{"terms", {{"field", "k"}, {"size", 20}}}}}}}}},
        // Top-level terms with sub-aggregations: collected breadth first (terms.cc).
        {"keys_n",
         {{"terms", {{"field", "k"}, {"size", 3}, {"missing", "(none)"}}},
          {"aggs",
           {{"n_sum", {{"sum", {{"field", "n"}}}}},
            {"by_b", {{"terms", {{"field", "b"}, {"size", 2}}}}}}}}},
    };
    json r = Run({{"query", q}, {"size", 0}, {"aggs", aggs}});
    if (r.is_null()) return;
    const json& a = r["aggregations"];

    // terms: counts per distinct value (a document once per value), top 3 by count then key.
    std::map<std::string, uint64_t> counts;
    uint64_t values = 0;
    std::map<std::string, uint64_t> true_counts;
    uint64_t no_b = 0;
    for (const RefDoc* d : docs) {
      std::set<std::string> distinct(d->k.begin(), d->k.end());
      for (const std::string& k : distinct) {
        ++counts[k];
        if (d->b && *d->b) ++true_counts[k];
      }
      values += distinct.size();  // keyword doc values hold each value of a document once
      if (!d->b) ++no_b;
    }
    std::vector<std::pair<std::string, uint64_t>> sorted(counts.begin(), counts.end());
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& x, const auto& y) { return x.second > y.second; });
    json want_buckets = json::array();
    uint64_t other = 0;
    for (size_t k = 0; k < sorted.size(); ++k) {
      if (k < 3) {
        want_buckets.push_back({{"key", sorted[k].first}, {"doc_count", sorted[k].second}});
      } else {
        other += sorted[k].second;
      }
    }
    ASSERT_EQ(a["keys"]["buckets"], want_buckets) << q.dump();
    ASSERT_EQ(a["keys"]["sum_other_doc_count"], other);
    ASSERT_EQ(a["k_count"]["value"], values);
    ASSERT_EQ(a["k_distinct"]["value"], counts.size());
    ASSERT_EQ(a["no_b"]["doc_count"], no_b);
    std::vector<std::pair<std::string, uint64_t>> tsorted(true_counts.begin(), true_counts.end());
    std::stable_sort(tsorted.begin(), tsorted.end(),
                     [](const auto& x, const auto& y) { return x.second > y.second; });
    json want_true = json::array();
    for (const auto& [k, c] : tsorted) want_true.push_back({{"key", k}, {"doc_count", c}});
    ASSERT_EQ(a["true_b"]["keys"]["buckets"], want_true) << q.dump();

    // keys_n: the same buckets (documents without k under "(none)"), each with the sum of n and
    // the counts by b of its own documents.
    std::map<std::string, uint64_t> with_none = counts;
    std::map<std::string, double> n_sums;
    std::map<std::string, std::map<bool, uint64_t>> b_counts;
    for (const RefDoc* d : docs) {
      std::set<std::string> distinct(d->k.begin(), d->k.end());
      if (distinct.empty()) {
        distinct.insert("(none)");
        ++with_none["(none)"];
      }
      for (const std::string& k : distinct) {
        if (d->n) n_sums[k] += static_cast<double>(*d->n);
        if (d->b) ++b_counts[k][*d->b];
      }
    }
    std::vector<std::pair<std::string, uint64_t>> nsorted(with_none.begin(), with_none.end());
    std::stable_sort(nsorted.begin(), nsorted.end(),
                     [](const auto& x, const auto& y) { return x.second > y.second; });
    const json& kn = a["keys_n"]["buckets"];
    ASSERT_EQ(kn.size(), std::min<size_t>(3, nsorted.size())) << q.dump();
    for (size_t k = 0; k < kn.size(); ++k) {
      const std::string& key = nsorted[k].first;
      ASSERT_EQ(kn[k]["key"], key) << q.dump();
      ASSERT_EQ(kn[k]["doc_count"], nsorted[k].second);
      ASSERT_EQ(kn[k]["n_sum"]["value"].get<double>(), n_sums[key]) << key << " " << q.dump();
      uint64_t by_b = 0;
      for (const json& bb : kn[k]["by_b"]["buckets"]) {
        ASSERT_EQ(bb["doc_count"], b_counts[key][bb["key"].get<int>() == 1]) << key;
        by_b += bb["doc_count"].get<uint64_t>();
      }
      ASSERT_EQ(by_b, b_counts[key][true] + b_counts[key][false]) << key;
    }

    // stats of n, min of d.
    uint64_t n_count = 0;
    double n_sum = 0;
    double n_min = INFINITY;
    double n_max = -INFINITY;
    double d_min = INFINITY;
    std::map<int64_t, uint64_t> hours;
    std::map<double, uint64_t> d_hist;
    uint64_t ranges[3] = {0, 0, 0};
    for (const RefDoc* d : docs) {
      if (d->n) {
        ++n_count;
        n_sum += static_cast<double>(*d->n);
        n_min = std::min(n_min, static_cast<double>(*d->n));
        n_max = std::max(n_max, static_cast<double>(*d->n));
        ranges[0] += *d->n < 0 ? 1 : 0;
        ranges[1] += *d->n >= 0 && *d->n < 50 ? 1 : 0;
        ranges[2] += *d->n >= 50 ? 1 : 0;
      }
      if (d->d) {
        d_min = std::min(d_min, *d->d);
        ++d_hist[std::floor(*d->d / 25) * 25];
      }
      if (d->t) ++hours[*d->t - ((*d->t % 21'600'000) + 21'600'000) % 21'600'000];
    }
    ASSERT_EQ(a["n_stats"]["count"], n_count);
    if (n_count > 0) {
      ASSERT_EQ(a["n_stats"]["sum"].get<double>(), n_sum);
      ASSERT_EQ(a["n_stats"]["min"].get<double>(), n_min);
      ASSERT_EQ(a["n_stats"]["max"].get<double>(), n_max);
      ASSERT_DOUBLE_EQ(a["n_stats"]["avg"].get<double>(), n_sum / static_cast<double>(n_count));
    } else {
      ASSERT_TRUE(a["n_stats"]["min"].is_null());
    }
    if (std::isinf(d_min)) {
      ASSERT_TRUE(a["d_min"]["value"].is_null());
    } else {
      ASSERT_EQ(a["d_min"]["value"].get<double>(), d_min);
    }
    // Histograms list every interval from the first to the last, empty ones with 0.
    json want_hours = json::array();
    if (!hours.empty()) {
      for (int64_t k = hours.begin()->first; k <= hours.rbegin()->first; k += 21'600'000) {
        want_hours.push_back({{"key_as_string", FormatTimestamp(k)},
                              {"key", k},
                              {"doc_count", hours.count(k) ? hours[k] : 0}});
      }
    }
    ASSERT_EQ(a["hours"]["buckets"], want_hours) << q.dump();
    std::map<int64_t, uint64_t> hours_n;
    for (const RefDoc* d : docs) {
      if (d->t && d->n) ++hours_n[*d->t - ((*d->t % 21'600'000) + 21'600'000) % 21'600'000];
    }
    const json& hn = a["hours_n"]["buckets"];
    ASSERT_EQ(hn.size(), want_hours.size()) << q.dump();
    for (size_t h = 0; h < hn.size(); ++h) {
      ASSERT_EQ(hn[h]["key"], want_hours[h]["key"]);
      ASSERT_EQ(hn[h]["doc_count"], want_hours[h]["doc_count"]) << q.dump();
      const int64_t key = hn[h]["key"].get<int64_t>();
      ASSERT_EQ(hn[h]["n_count"]["value"], hours_n.count(key) ? hours_n[key] : 0) << q.dump();
    }
    json want_d = json::array();
    if (!d_hist.empty()) {
      for (double k = d_hist.begin()->first; k <= d_hist.rbegin()->first; k += 25) {
        want_d.push_back({{"key", k}, {"doc_count", d_hist.count(k) ? d_hist[k] : 0}});
      }
    }
    ASSERT_EQ(a["d_hist"]["buckets"], want_d) << q.dump();
    ASSERT_EQ(a["n_ranges"]["buckets"][0]["doc_count"], ranges[0]);
    ASSERT_EQ(a["n_ranges"]["buckets"][1]["doc_count"], ranges[1]);
    ASSERT_EQ(a["n_ranges"]["buckets"][2]["doc_count"], ranges[2]);
    ASSERT_EQ(a["n_ranges"]["buckets"][0]["key"], "*-0.0");
  }
}

}  // namespace
}  // namespace vigil::query
