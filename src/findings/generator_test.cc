#include "findings/generator.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/time.h"
#include "findings/country_codes.h"
#include "findings/finding_type.h"

namespace vigil::findings {
namespace {

constexpr int64_t kEnd = 1735689600000;  // 2025-01-01T00:00:00Z

GeneratorOptions Options(uint64_t count, uint64_t seed = 1) {
  GeneratorOptions options;
  options.count = count;
  options.seed = seed;
  options.end_millis = kEnd;
  return options;
}

std::vector<std::string> Generate(const GeneratorOptions& options) {
  FindingGenerator generator(options);
  std::vector<std::string> lines;
  std::string line;
  while (generator.Next(&line)) {
    lines.push_back(line);
    line.clear();
  }
  EXPECT_FALSE(generator.Next(&line));
  EXPECT_TRUE(line.empty());
  return lines;
}

int CountLeaves(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT: {
      int n = 0;
      for (auto field : e.get_object()) n += CountLeaves(field.value);
      return n;
    }
    case simdjson::dom::element_type::ARRAY: {
      int n = 0;
      for (auto child : e.get_array()) n += CountLeaves(child);
      return n;
    }
    default:
      return 1;
  }
}

int64_t Millis(simdjson::dom::element e, const char* key) {
  std::string_view text = e[key].get_string().value();
  Result<int64_t> parsed = ParseTimestamp(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed.ok() ? *parsed : 0;
}

// Visits every remoteIpDetails object under service.action.
template <typename F>
void ForEachRemote(simdjson::dom::element e, F&& f) {
  if (e.is_object()) {
    for (auto field : e.get_object()) {
      if (field.key == "remoteIpDetails") f(field.value);
      ForEachRemote(field.value, f);
    }
  } else if (e.is_array()) {
    for (auto child : e.get_array()) ForEachRemote(child, f);
  }
}

TEST(FindingGenerator, Deterministic) {
  EXPECT_EQ(Generate(Options(500)), Generate(Options(500)));
  EXPECT_NE(Generate(Options(500, 1)), Generate(Options(500, 2)));
  EXPECT_EQ(Generate(Options(500)).size(), 500u);
}

class GeneratedRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { lines_ = new std::vector<std::string>(Generate(Options(5000))); }
  static void TearDownTestSuite() { delete lines_; }
  static std::vector<std::string>* lines_;
  simdjson::dom::parser parser_;
};
std::vector<std::string>* GeneratedRun::lines_ = nullptr;

TEST_F(GeneratedRun, EveryActiveTypeAppears) {
  std::set<std::string, std::less<>> seen;
  for (const std::string& line : *lines_) {
    seen.insert(std::string(parser_.parse(line)["type"].get_string().value()));
  }
  for (std::string_view type : ActiveFindingTypes()) {
    EXPECT_TRUE(seen.count(type)) << type;
  }
}

TEST_F(GeneratedRun, SizeAndLeaves) {
  for (const std::string& line : *lines_) {
    EXPECT_GE(line.size(), 2000u) << line;
    EXPECT_LE(line.size(), 6144u) << line;
    EXPECT_GE(CountLeaves(parser_.parse(line).value()), 50) << line;
  }
}

TEST_F(GeneratedRun, RequiredFieldsAndTimestamps) {
  const int64_t start = kEnd - 30LL * 86400000;
  for (const std::string& line : *lines_) {
    simdjson::dom::element f = parser_.parse(line).value();
    EXPECT_EQ(f["schemaVersion"].get_string().value(), "2.0");
    EXPECT_EQ(f["id"].get_string().value().size(), 32u);
    EXPECT_EQ(f["accountId"].get_string().value().size(), 12u);
    EXPECT_FALSE(f["region"].get_string().value().empty());
    EXPECT_FALSE(f["type"].get_string().value().empty());
    EXPECT_TRUE(f["severity"].is_number());
    const int64_t updated = Millis(f, "updatedAt");
    const int64_t created = Millis(f, "createdAt");
    const int64_t first = Millis(f["service"], "eventFirstSeen");
    const int64_t last = Millis(f["service"], "eventLastSeen");
    EXPECT_GE(updated, start);
    EXPECT_LE(updated, kEnd);
    EXPECT_LE(created, updated);
    EXPECT_LE(last, updated);
    EXPECT_LE(first, last);
    std::string arn = "arn:aws:guardduty:" + std::string(f["region"].get_string().value()) + ":" +
                      std::string(f["accountId"].get_string().value()) + ":detector/";
    EXPECT_EQ(f["arn"].get_string().value().substr(0, arn.size()), arn);
  }
}

TEST_F(GeneratedRun, SeverityBands) {
  std::set<int> bands;
  for (const std::string& line : *lines_) {
    const double s = parser_.parse(line)["severity"].get_double().value();
    ASSERT_GE(s, 1.0);
    ASSERT_LE(s, 10.0);
    bands.insert(s < 4 ? 0 : s < 7 ? 1 : s < 9 ? 2 : 3);
  }
  EXPECT_EQ(bands.size(), 4u);
}

TEST_F(GeneratedRun, ActionShapes) {
  int multi_probe = 0, inbound = 0, outbound = 0, dns = 0, api = 0, k8s = 0, rds = 0;
  for (const std::string& line : *lines_) {
    simdjson::dom::element action;
    if (parser_.parse(line)["service"]["action"].get(action)) continue;
    std::string_view type;
    if (action["actionType"].get(type)) continue;
    if (type == "PORT_PROBE") {
      if (action["portProbeAction"]["portProbeDetails"].get_array().size() > 1) ++multi_probe;
    } else if (type == "NETWORK_CONNECTION") {
      std::string_view dir =
          action["networkConnectionAction"]["connectionDirection"].get_string().value();
      (dir == "INBOUND" ? inbound : outbound)++;
    } else if (type == "DNS_REQUEST") {
      ++dns;
      EXPECT_FALSE(action["dnsRequestAction"]["domain"].get_string().value().empty());
    } else if (type == "AWS_API_CALL") {
      ++api;
    } else if (type == "KUBERNETES_API_CALL") {
      ++k8s;
    } else if (type == "RDS_LOGIN_ATTEMPT") {
      ++rds;
    }
  }
  EXPECT_GT(multi_probe, 0);
  EXPECT_GT(inbound, 0);
  EXPECT_GT(outbound, 0);
  EXPECT_GT(dns, 0);
  EXPECT_GT(api, 0);
  EXPECT_GT(k8s, 0);
  EXPECT_GT(rds, 0);
}

TEST_F(GeneratedRun, UpdatesOutOfOrderAndDuplicates) {
  struct Seen {
    int64_t count;
    int64_t updated;
    std::string created;
  };
  std::map<std::string, Seen> latest;
  std::set<std::string> lines;
  int updates = 0, out_of_order = 0, duplicates = 0;
  for (const std::string& line : *lines_) {
    if (!lines.insert(line).second) {
      ++duplicates;
      continue;
    }
    simdjson::dom::element f = parser_.parse(line).value();
    std::string id(f["id"].get_string().value());
    const int64_t count = f["service"]["count"].get_int64().value();
    const int64_t updated = Millis(f, "updatedAt");
    std::string created(f["createdAt"].get_string().value());
    auto it = latest.find(id);
    if (it == latest.end()) {
      latest[id] = {count, updated, created};
      continue;
    }
    EXPECT_EQ(it->second.created, created);
    if (count > it->second.count && updated > it->second.updated) {
      ++updates;
      it->second = {count, updated, created};
    } else if (count < it->second.count && updated < it->second.updated) {
      ++out_of_order;
    } else {
      ADD_FAILURE() << "count and updatedAt disagree for " << id;
    }
  }
  EXPECT_GT(updates, 1000);
  EXPECT_GT(out_of_order, 0);
  EXPECT_GT(duplicates, 0);
}

TEST_F(GeneratedRun, CountryCodesAgreeWithNames) {
  int with_code = 0, remotes = 0;
  std::set<std::string> countries;
  for (const std::string& line : *lines_) {
    ForEachRemote(parser_.parse(line)["service"].value(), [&](simdjson::dom::element r) {
      ++remotes;
      std::string_view name = r["country"]["countryName"].get_string().value();
      countries.insert(std::string(name));
      std::string_view code;
      if (!r["country"]["countryCode"].get(code)) {
        ++with_code;
        EXPECT_EQ(CountryCodeForName(name), code) << name;
      }
      EXPECT_FALSE(r["organization"]["asn"].get_string().value().empty());
      EXPECT_TRUE(r["geoLocation"]["lat"].is_number());
    });
  }
  EXPECT_GT(with_code, remotes / 5);
  EXPECT_LT(with_code, remotes / 2);
  EXPECT_GT(countries.size(), 40u);
}

TEST(FindingGenerator, Envelope) {
  GeneratorOptions options = Options(300);
  options.envelope = true;
  simdjson::dom::parser parser;
  std::set<std::string> ids;
  for (const std::string& line : Generate(options)) {
    simdjson::dom::element e = parser.parse(line).value();
    EXPECT_EQ(e["version"].get_string().value(), "0");
    EXPECT_EQ(e["detail-type"].get_string().value(), "GuardDuty Finding");
    EXPECT_EQ(e["source"].get_string().value(), "aws.guardduty");
    EXPECT_EQ(e["account"].get_string().value().size(), 12u);
    EXPECT_EQ(e["id"].get_string().value().size(), 36u);
    ids.insert(std::string(e["id"].get_string().value()));
    EXPECT_TRUE(e["resources"].is_array());
    std::string_view time = e["time"].get_string().value();
    EXPECT_EQ(time.size(), 20u) << time;
    simdjson::dom::element detail = e["detail"].value();
    EXPECT_EQ(detail["region"].get_string().value(), e["region"].get_string().value());
    EXPECT_EQ(std::string(detail["updatedAt"].get_string().value()).substr(0, 19),
              std::string(time.substr(0, 19)));
  }
  EXPECT_GT(ids.size(), 280u);  // exact duplicates repeat an envelope; everything else is new
}

}  // namespace
}  // namespace vigil::findings
