#include "findings/finding_reader.h"

#include <gtest/gtest.h>

#include "base/gzip.h"
#include "env/env.h"
#include "findings/reader_test_util.h"

namespace vigil::findings {
namespace {

using testing::Collected;
using testing::ParsedDoc;
using testing::ReadString;

std::string Sample(const std::string& name) {
  return vigil::testing::ReadFileOrDie(vigil::testing::SamplePath(name));
}

// A bare finding on one line (the S3 export form).
std::string BareLine() {
  std::string pretty = Sample("panther__03__UnauthorizedAccess-EC2-SSHBruteForce.json");
  std::string line(pretty.size(), '\0');
  size_t len = 0;
  EXPECT_EQ(simdjson::minify(pretty.data(), pretty.size(), line.data(), len), simdjson::SUCCESS);
  line.resize(len);
  return line;
}

std::string EnvelopeText() {
  return Sample("cloud-custodian__01__Backdoor-EC2-C-CActivity-B-DNS.json");
}

// The bare finding with one top-level field replaced (`value` is raw JSON).
std::string WithField(const std::string& field, const std::string& value) {
  std::string line = BareLine();
  std::string key = "\"" + field + "\":";
  size_t at = line.find(key);
  EXPECT_NE(at, std::string::npos) << field;
  size_t start = at + key.size();
  simdjson::dom::parser p;
  simdjson::dom::element e = p.parse(line).get_object().value()[field].value();
  std::string old = simdjson::minify(e);
  return line.substr(0, start) + value + line.substr(start + old.size());
}

std::string FirstReason(const Collected& c) {
  return c.issues.empty() ? "<no issue>" : c.issues[0].ToString();
}

TEST(FindingReaderTest, EventBridgeEventYieldsItsDetailAsTheRawFinding) {
  Collected c = ReadString("event.json", EnvelopeText());
  ASSERT_EQ(c.documents.size(), 1u) << FirstReason(c);
  EXPECT_TRUE(c.issues.empty());
  EXPECT_EQ(c.raws[0].find("detail-type"), std::string::npos) << "the archive keeps bare findings";
  EXPECT_EQ(c.raws[0].find('\n'), std::string::npos);
  simdjson::dom::parser p;
  simdjson::dom::element raw = p.parse(c.raws[0]).value();
  EXPECT_EQ(std::string_view(raw["type"].get_string().value()), "Backdoor:EC2/C&CActivity.B!DNS");
  ParsedDoc d(c.documents[0]);
  EXPECT_EQ(d.Get("type"), R"("Backdoor:EC2/C&CActivity.B!DNS")");
  EXPECT_FALSE(d.Has("detail.type")) << "fields are the finding's, not the envelope's";
}

TEST(FindingReaderTest, PrettyPrintedBareFindingIsMinifiedForTheArchive) {
  std::string pretty =
      Sample("panther-analysis__03__PrivilegeEscalation-IAMUser-AdministrativePermissions.json");
  ASSERT_NE(pretty.find('\n'), std::string::npos);
  Collected c = ReadString("f.json", pretty);
  ASSERT_EQ(c.documents.size(), 1u) << FirstReason(c);
  EXPECT_EQ(c.raws[0].find('\n'), std::string::npos);
  simdjson::dom::parser p1, p2;
  EXPECT_EQ(simdjson::minify(p1.parse(c.raws[0]).value()),
            simdjson::minify(p2.parse(pretty).value()));
}

TEST(FindingReaderTest, ArrayOfEventsAndFindings) {
  Collected c = ReadString("a.json", "[" + EnvelopeText() + ",\n" + BareLine() + "]");
  EXPECT_EQ(c.documents.size(), 2u) << FirstReason(c);
  EXPECT_TRUE(c.issues.empty());
}

TEST(FindingReaderTest, JsonLinesWithABadLineInTheMiddle) {
  std::string data =
      BareLine() + "\n" + WithField("severity", "\"high\"") + "\n\n" + BareLine() + "\n";
  Collected c = ReadString("export.jsonl", data);
  EXPECT_EQ(c.documents.size(), 2u);
  ASSERT_EQ(c.issues.size(), 1u);
  EXPECT_EQ(c.issues[0].ToString(),
            "input:2: rejected: field \"severity\": expected a number from 0 to 10, got the string "
            "\"high\"");
  EXPECT_FALSE(c.issues[0].whole_input);
}

TEST(FindingReaderTest, JsonLinesAreRecognisedUnderAJsonName) {
  Collected c = ReadString("export.json", BareLine() + "\n" + BareLine() + "\n");
  EXPECT_EQ(c.documents.size(), 2u) << FirstReason(c);
}

TEST(FindingReaderTest, GzipJsonLinesAsGuardDutyExportsThem) {
  std::string gz;
  ASSERT_TRUE(GzipAppend(BareLine() + "\n" + BareLine() + "\n", 6, &gz).ok());
  Collected c = ReadString("9f7b0b8c.jsonl.gz", gz);
  EXPECT_EQ(c.documents.size(), 2u) << FirstReason(c);
}

TEST(FindingReaderTest, GzipFileCutInHalfKeepsTheCompleteLinesAndSaysItIsTruncated) {
  std::string lines;
  for (int i = 0; i < 200; ++i) lines += BareLine() + "\n";
  std::string gz;
  ASSERT_TRUE(GzipAppend(lines, 6, &gz).ok());
  Collected c = ReadString("cut.jsonl.gz", gz.substr(0, gz.size() / 2));
  ASSERT_FALSE(c.issues.empty());
  EXPECT_TRUE(c.issues[0].whole_input);
  EXPECT_NE(c.issues[0].reason.find("unexpected end of compressed data"), std::string::npos)
      << c.issues[0].reason;
  EXPECT_EQ(c.issues.size(), 1u) << "the partial last line is part of the truncation: "
                                 << (c.issues.size() > 1 ? c.issues[1].ToString() : "");
  EXPECT_GT(c.documents.size(), 10u);
  EXPECT_LT(c.documents.size(), 200u);
}

TEST(FindingReaderTest, OtherGuardDutyEventsAreSkippedWithAReason) {
  std::string event =
      R"({"version":"0","id":"x","detail-type":"GuardDuty Malware Protection Object Scan Result","source":"aws.guardduty","account":"1","time":"2024-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail":{}})";
  Collected c = ReadString("e.json", event);
  EXPECT_TRUE(c.documents.empty());
  ASSERT_EQ(c.issues.size(), 1u);
  EXPECT_EQ(c.issues[0].outcome, Outcome::kSkipped);
  EXPECT_EQ(c.issues[0].reason,
            "GuardDuty event of detail-type \"GuardDuty Malware Protection Object Scan Result\" is "
            "not a finding");
}

TEST(FindingReaderTest, EventsFromOtherSourcesAreSkipped) {
  std::string event =
      R"({"detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","detail":{}})";
  Collected c = ReadString("e.json", event);
  ASSERT_EQ(c.issues.size(), 1u);
  EXPECT_EQ(c.issues[0].outcome, Outcome::kSkipped);
  EXPECT_NE(c.issues[0].reason.find("source \"aws.ec2\""), std::string::npos);
}

TEST(FindingReaderTest, TruncatedJsonNamesLineAndColumn) {
  std::string line = BareLine();
  size_t cut = line.find("\"severity\"") + 11;  // just after the key and its colon
  Collected c = ReadString("x.jsonl", BareLine() + "\n" + line.substr(0, cut) + "\n");
  EXPECT_EQ(c.documents.size(), 1u);
  ASSERT_EQ(c.issues.size(), 1u);
  EXPECT_EQ(c.issues[0].location.line, 2u);
  EXPECT_EQ(c.issues[0].location.column, cut + 1) << c.issues[0].ToString();
  EXPECT_EQ(c.issues[0].reason,
            "invalid JSON: unexpected end of input; expected '[', '{', or a literal");
}

TEST(FindingReaderTest, TruncatedInsideAStringPointsAtTheString) {
  std::string line = BareLine();
  size_t quote = line.find("\"70b7e42a");  // the id's value
  Collected c = ReadString("x.jsonl", line.substr(0, quote + 6) + "\n");
  ASSERT_EQ(c.issues.size(), 1u);
  EXPECT_EQ(c.issues[0].location.column, quote + 1) << c.issues[0].ToString();
  EXPECT_NE(c.issues[0].reason.find("missing closing quote"), std::string::npos);
}

TEST(FindingReaderTest, SyntaxErrorInsidePrettyPrintedFileIsLocated) {
  std::string text = "{\n  \"id\": \"a\",\n  \"type\" \"x\"\n}\n";
  Collected c = ReadString("p.json", text);
  ASSERT_EQ(c.issues.size(), 1u);
  EXPECT_EQ(c.issues[0].location.line, 3u) << c.issues[0].ToString();
  EXPECT_EQ(c.issues[0].location.column, 10u) << c.issues[0].ToString();
}

TEST(FindingReaderTest, WrongTypesGetPreciseReasons) {
  struct Case {
    std::string field, value, reason;
  };
  std::vector<Case> cases = {
      {"severity", "11", "field \"severity\": expected a number from 0 to 10, got the number 11"},
      {"severity", "-1", "field \"severity\": expected a number from 0 to 10, got the number -1"},
      {"id", "42", "field \"id\": expected a string, got the number 42"},
      {"id", "\"\"", "field \"id\": expected a non-empty string, got the string \"\""},
      {"type", "null", "field \"type\": expected a string, got null"},
      {"accountId", "\"../../etc\"",
       "field \"accountId\": expected an AWS account id (up to 20 digits), got the string "
       "\"../../etc\""},
      {"region", "\"US East\"",
       "field \"region\": expected an AWS region name like \"us-east-1\", got the string \"US "
       "East\""},
      {"updatedAt", "1535293043000",
       "field \"updatedAt\": expected an ISO-8601 timestamp string, got the number 1535293043000"},
      {"updatedAt", "\"yesterday\"",
       "field \"updatedAt\": not an ISO-8601 timestamp: \"yesterday\": unexpected 'y' at "
       "character 1, expected a 4-digit year"},
  };
  for (const Case& k : cases) {
    Collected c = ReadString("f.json", WithField(k.field, k.value));
    EXPECT_TRUE(c.documents.empty()) << k.field << "=" << k.value;
    ASSERT_EQ(c.issues.size(), 1u) << k.field;
    EXPECT_EQ(c.issues[0].reason, k.reason);
    EXPECT_EQ(c.issues[0].outcome, Outcome::kRejected);
  }
}

TEST(FindingReaderTest, MissingFieldAndFieldErrorsInsideAnEnvelope) {
  std::string event = EnvelopeText();
  size_t at = event.find("\"updatedAt\"");
  ASSERT_NE(at, std::string::npos);
  event.replace(at, 11, "\"updatedOn\"");
  Collected c = ReadString("e.json", event);
  ASSERT_EQ(c.issues.size(), 1u);
  EXPECT_EQ(c.issues[0].reason, "in \"detail\": field \"updatedAt\" is missing");
}

TEST(FindingReaderTest, NotAnObject) {
  Collected c = ReadString("n.json", "[1, \"x\"]");
  ASSERT_EQ(c.issues.size(), 2u);
  EXPECT_EQ(c.issues[0].ToString(),
            "input:1:2 (array element 0): rejected: expected a JSON object (a GuardDuty finding "
            "or an EventBridge event), got the number 1");
}

TEST(FindingReaderTest, DeepNestingIsRefusedAtTheLimit) {
  std::string deep = WithField("resource", std::string(100, '[') + std::string(100, ']'));
  Collected c = ReadString("d.json", deep);
  ASSERT_EQ(c.issues.size(), 1u);
  EXPECT_NE(c.issues[0].reason.find("nesting deeper than the limit of 64 levels"),
            std::string::npos)
      << c.issues[0].reason;
  EXPECT_GT(c.issues[0].location.column, 1u);
}

TEST(FindingReaderTest, InvalidUtf8IsRejectedWithItsPosition) {
  std::string bad = WithField("title", "\"bad \xC3\x28 byte\"");
  Collected c = ReadString("u.jsonl", BareLine() + "\n" + bad + "\n");
  EXPECT_EQ(c.documents.size(), 1u);
  ASSERT_EQ(c.issues.size(), 1u);
  EXPECT_EQ(c.issues[0].reason,
            "invalid JSON: invalid UTF-8: byte 0xC3 does not start a valid sequence");
  EXPECT_EQ(c.issues[0].location.line, 2u);
  EXPECT_EQ(bad.substr(c.issues[0].location.column - 1, 1), "\xC3") << c.issues[0].ToString();
}

TEST(FindingReaderTest, OversizedEventIsRejectedOthersGoOn) {
  ReaderOptions options;
  options.max_event_bytes = 4096;
  std::string big = WithField("title", "\"" + std::string(5000, 'x') + "\"");
  Collected c = ReadString("o.jsonl", big + "\n" + BareLine() + "\n", options);
  EXPECT_EQ(c.documents.size(), 1u);
  ASSERT_EQ(c.issues.size(), 1u);
  EXPECT_NE(c.issues[0].reason.find("over the limit of 4096 bytes per event"), std::string::npos);
}

TEST(FindingReaderTest, TruncatedArrayKeepsCompleteElements) {
  std::string data = "[" + BareLine() + "," + BareLine() + "," + BareLine().substr(0, 50);
  Collected c = ReadString("t.json", data);
  EXPECT_EQ(c.documents.size(), 2u);
  ASSERT_EQ(c.issues.size(), 1u);
  EXPECT_TRUE(c.issues[0].whole_input);
  EXPECT_NE(c.issues[0].reason.find("array element 2: the input ended"), std::string::npos)
      << c.issues[0].reason;
}

TEST(FindingReaderTest, ArrayWithMissingCommaStopsThere) {
  std::string data = "[" + BareLine() + " " + BareLine() + "]";
  Collected c = ReadString("m.json", data);
  EXPECT_EQ(c.documents.size(), 1u);
  ASSERT_EQ(c.issues.size(), 1u);
  EXPECT_NE(c.issues[0].reason.find("expected ',' or ']' after array element 0"),
            std::string::npos);
}

TEST(FindingReaderTest, ConcatenatedPrettyPrintedValuesAndByteOrderMark) {
  std::string one = Sample("panther__03__UnauthorizedAccess-EC2-SSHBruteForce.json");
  Collected c = ReadString("c.json", "\xEF\xBB\xBF" + one + "\n" + EnvelopeText());
  EXPECT_EQ(c.documents.size(), 2u) << FirstReason(c);
}

TEST(FindingReaderTest, EmptyInputsYieldNothing) {
  EXPECT_TRUE(ReadString("e.json", "").documents.empty());
  EXPECT_TRUE(ReadString("e.json", "  \n").issues.empty());
  EXPECT_TRUE(ReadString("e.json", "[]").issues.empty());
}

TEST(FindingReaderTest, MetaCarriesTheVersion) {
  Collected c = ReadString("f.json", BareLine());
  ASSERT_EQ(c.metas.size(), 1u);
  EXPECT_EQ(c.metas[0].updated_at, 1535293043000);  // 2018-08-26T14:17:23.000Z
  EXPECT_EQ(c.metas[0].service_count, 3);
  EXPECT_DOUBLE_EQ(c.metas[0].severity, 2);
}

// Every sample in the corpus is read and flattened without a single issue.
TEST(FindingReaderTest, EverySampleIsAccepted) {
  auto env = NewPosixEnv();
  auto files = env->ListFilesRecursive(std::string(VIGIL_TEST_DATA_DIR) + "/samples");
  ASSERT_TRUE(files.ok());
  EXPECT_GE(files->size(), 45u);
  for (const std::string& path : *files) {
    Collected c = ReadString(path, vigil::testing::ReadFileOrDie(path));
    EXPECT_EQ(c.documents.size(), 1u) << path << ": " << FirstReason(c);
    EXPECT_TRUE(c.issues.empty()) << path << ": " << FirstReason(c);
  }
}

}  // namespace
}  // namespace vigil::findings
