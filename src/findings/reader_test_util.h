// Test helpers: run the reader over a file or a string and collect what it produced.
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "findings/finding_reader.h"
#include "testing/test_util.h"

namespace vigil::findings::testing {

struct Collected {
  std::vector<std::string> documents;  // each as `vigil flatten` prints it
  std::vector<std::string> raws;       // ReadFinding::raw
  std::vector<FindingMeta> metas;      // views are not valid after the read: only numbers
  std::vector<ReadIssue> issues;
};

class CollectingSink : public FindingSink {
 public:
  explicit CollectingSink(Collected* out) : out_(out) {}
  void OnFinding(const ReadFinding& f) override {
    std::string json;
    f.document->WriteJson(&json);
    out_->documents.push_back(std::move(json));
    out_->raws.emplace_back(f.raw);
    FindingMeta meta = f.meta;
    meta.id = meta.type = meta.account_id = meta.region = {};
    out_->metas.push_back(meta);
  }
  void OnIssue(const ReadIssue& issue) override {
    ReadIssue copy = issue;
    copy.source = "input";
    out_->issues.push_back(std::move(copy));
  }

 private:
  Collected* out_;
};

inline constexpr int64_t kIngestedAt = 1700000000000;  // 2023-11-14T22:13:20.000Z

inline Collected ReadString(const std::string& name, const std::string& data,
                            ReaderOptions options = {}) {
  Collected out;
  options.keep_raw = true;
  FindingReader reader(options);
  CollectingSink sink(&out);
  reader.Read(name, data, kIngestedAt, &sink);
  return out;
}

inline Collected ReadSample(const std::string& name) {
  return ReadString(name, vigil::testing::ReadFileOrDie(vigil::testing::SamplePath(name)));
}

// A parsed document for field lookups; keeps its parser alive.
class ParsedDoc {
 public:
  explicit ParsedDoc(const std::string& json) : json_(json) {
    EXPECT_EQ(parser_.parse(json_).get(object_), simdjson::SUCCESS) << json_;
  }
  bool Has(std::string_view field) {
    simdjson::dom::element e;
    return object_[field].get(e) == simdjson::SUCCESS;
  }
  // The field's value as compact JSON, or "<absent>".
  std::string Get(std::string_view field) {
    simdjson::dom::element e;
    if (object_[field].get(e) != simdjson::SUCCESS) return "<absent>";
    return simdjson::minify(e);
  }

 private:
  std::string json_;
  simdjson::dom::parser parser_;
  simdjson::dom::object object_;
};

}  // namespace vigil::findings::testing
