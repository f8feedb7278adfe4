#include "query/query_string.h"

#include <gtest/gtest.h>

#include "query/analyzer.h"

namespace vigil::query {
namespace {

std::string Lucene(std::string_view text, QueryStringOptions options = {}) {
  Result<std::unique_ptr<Query>> q = ParseLuceneQuery(text, options);
  if (!q.ok()) return "ERROR " + q.status().message();
  return (*q)->DebugString();
}

std::string Kql(std::string_view text, QueryStringOptions options = {}) {
  Result<std::unique_ptr<Query>> q = ParseKql(text, options);
  if (!q.ok()) return "ERROR " + q.status().message();
  return (*q)->DebugString();
}

std::string Simple(std::string_view text, QueryStringOptions options = {}) {
  Result<std::unique_ptr<Query>> q = ParseSimpleQueryString(text, options);
  if (!q.ok()) return "ERROR " + q.status().message();
  return (*q)->DebugString();
}

TEST(LuceneQuery, FieldsValuesAndEscapes) {
  EXPECT_EQ(Lucene("type:Recon\\:EC2\\/Portscan"), "match(type:Recon:EC2/Portscan)");
  EXPECT_EQ(Lucene("severity:8"), "match(severity:8)");
  EXPECT_EQ(Lucene("Portscan"), "match(*:Portscan)");
  EXPECT_EQ(Lucene("title:\"SSH brute force\""), "match_phrase(title:SSH brute force)");
  EXPECT_EQ(Lucene("type:Recon*"), "wildcard(type:Recon*)");
  EXPECT_EQ(Lucene("type:Rec?n\\*"), "wildcard(type:Rec?n\\*)");
  EXPECT_EQ(Lucene("region:*"), "exists(region)");
  EXPECT_EQ(Lucene("*"), "match_all()");
  EXPECT_EQ(Lucene("_exists_:resource.instanceDetails"), "exists(resource.instanceDetails)");
  EXPECT_EQ(Lucene("type:/Recon:.*/"), "regexp(type:Recon:.*)");
  EXPECT_EQ(Lucene("severity:[5 TO 8]"), "range(severity >=5 <=8)");
  EXPECT_EQ(Lucene("severity:{5 TO *]"), "range(severity >5)");
  EXPECT_EQ(Lucene("severity:>=7"), "range(severity >=7)");
  EXPECT_EQ(Lucene("severity:<2.5"), "range(severity <2.5)");
  EXPECT_EQ(Lucene("updatedAt:[\"2024-01-01\" TO now]"), "range(updatedAt >=2024-01-01 <=now)");
  EXPECT_EQ(Lucene("type:Recon^2"), "match(type:Recon ^2)");
  EXPECT_EQ(Lucene(""), "match_none()");
}

TEST(LuceneQuery, BooleanLogicAsLuceneDoesIt) {
  EXPECT_EQ(Lucene("a:1 AND b:2"), "bool(must=[match(a:1), match(b:2)])");
  EXPECT_EQ(Lucene("a:1 OR b:2"), "bool(should=[match(a:1), match(b:2)] msm=1)");
  EXPECT_EQ(Lucene("a:1 b:2"), "bool(should=[match(a:1), match(b:2)] msm=1)");
  EXPECT_EQ(Lucene("+a:1 -b:2 c:3"),
            "bool(must=[match(a:1)] should=[match(c:3)] must_not=[match(b:2)] msm=0)");
  EXPECT_EQ(Lucene("NOT a:1"), "bool(must_not=[match(a:1)])");
  EXPECT_EQ(Lucene("a:1 && !b:2"), "bool(must=[match(a:1)] must_not=[match(b:2)])");
  // Lucene's quirk: AND binds the clauses beside it, OR leaves them optional.
  EXPECT_EQ(Lucene("a:1 OR b:2 AND c:3"),
            "bool(must=[match(b:2), match(c:3)] should=[match(a:1)] msm=0)");
  EXPECT_EQ(Lucene("(a:1 OR b:2) AND c:3"),
            "bool(must=[bool(should=[match(a:1), match(b:2)] msm=1), match(c:3)])");
  EXPECT_EQ(Lucene("type:(Recon OR Trojan)"),
            "bool(should=[match(type:Recon), match(type:Trojan)] msm=1)");
  QueryStringOptions and_default;
  and_default.default_and = true;
  EXPECT_EQ(Lucene("a:1 b:2", and_default), "bool(must=[match(a:1), match(b:2)])");
  EXPECT_EQ(Lucene("a:1 OR b:2", and_default), "bool(should=[match(a:1), match(b:2)] msm=1)");
}

TEST(LuceneQuery, DefaultFields) {
  QueryStringOptions o;
  o.default_fields = {"title", "description"};
  EXPECT_EQ(Lucene("ssh", o), "bool(should=[match(title:ssh), match(description:ssh)] msm=1)");
  o.default_fields = {"type"};
  EXPECT_EQ(Lucene("Recon*", o), "wildcard(type:Recon*)");
}

TEST(LuceneQuery, SyntaxErrorsSayWhere) {
  EXPECT_EQ(Lucene("type:(Recon"),
            "ERROR Cannot parse 'type:(Recon': expected ')' to close the group opened at column "
            "6, at the end");
  EXPECT_EQ(Lucene("a:1 AND"),
            "ERROR Cannot parse 'a:1 AND': expected a clause after AND, at the end");
  EXPECT_EQ(Lucene("type:Recon:EC2/Portscan"),
            "ERROR Cannot parse 'type:Recon:EC2/Portscan': a ':' inside a value: escape it as \\: "
            "(type:Recon\\:EC2\\/Portscan) or quote the value, at column 11");
  EXPECT_EQ(Lucene("type:Recon\\:EC2/Portscan"),
            "ERROR Cannot parse 'type:Recon\\:EC2/Portscan': a regular expression that is not "
            "closed (escape / as \\/ to search for a slash), at column 16");
  EXPECT_EQ(Lucene("severity:[1 TO"),
            "ERROR Cannot parse 'severity:[1 TO': expected a value in the range, at the end");
  EXPECT_EQ(Lucene("a:1)"), "ERROR Cannot parse 'a:1)': a ')' that closes no group, at column 4");
  EXPECT_EQ(
      Lucene("title:\"open"),
      "ERROR Cannot parse 'title:\"open': the quote opened at column 7 is not closed, at the end");
  EXPECT_EQ(Lucene("foo~2"),
            "ERROR Cannot parse 'foo~2': fuzzy queries (term~) are not supported; use a wildcard "
            "(*, ?), at column 4");
  QueryStringOptions no_leading;
  no_leading.allow_leading_wildcard = false;
  EXPECT_EQ(Lucene("type:*scan", no_leading),
            "ERROR Cannot parse 'type:*scan': a leading wildcard is not allowed "
            "(allow_leading_wildcard is false), at column 6");
  // Columns count characters, not bytes.
  EXPECT_EQ(Lucene("country:Côte)"),
            "ERROR Cannot parse 'country:Côte)': a ')' that closes no group, at column 13");
}

TEST(Kql, Expressions) {
  EXPECT_EQ(Kql("severity >= 7"), "range(severity >=7)");
  EXPECT_EQ(Kql("type : \"Recon:EC2/Portscan\""), "match_phrase(type:Recon:EC2/Portscan)");
  EXPECT_EQ(Kql("type : Recon\\:EC2/Portscan"), "match(type:Recon:EC2/Portscan)");
  EXPECT_EQ(Kql("type : Recon:EC2/Portscan"),
            "ERROR Cannot parse 'type : Recon:EC2/Portscan': a ':' inside a value: quote the value "
            "(type : \"Recon:EC2/Portscan\") or escape the colon (\\:), at column 13");
  EXPECT_EQ(Kql("derived.attacker.countryName : \"United States\""),
            "match_phrase(derived.attacker.countryName:United States)");
  EXPECT_EQ(Kql("title: SSH brute force"), "match(title:SSH brute force)");
  EXPECT_EQ(Kql("type: Recon*"), "wildcard(type:Recon*)");
  EXPECT_EQ(Kql("type: Recon?"), "match(type:Recon?)");  // ? is not a wildcard in KQL
  EXPECT_EQ(Kql("region: *"), "exists(region)");
  EXPECT_EQ(Kql("Portscan"), "match(*:Portscan)");
  EXPECT_EQ(Kql(""), "match_all()");
  EXPECT_EQ(Kql("a: 1 and b: 2"), "bool(filter=[match(a:1), match(b:2)])");
  EXPECT_EQ(Kql("a: 1 or b: 2 and c: 3"),
            "bool(should=[match(a:1), bool(filter=[match(b:2), match(c:3)])] msm=1)");
  EXPECT_EQ(Kql("not a: 1"), "bool(must_not=[match(a:1)])");
  EXPECT_EQ(Kql("NOT a: 1 AND (b: 2 OR c: 3)"),
            "bool(filter=[bool(must_not=[match(a:1)]), bool(should=[match(b:2), match(c:3)] "
            "msm=1)])");
  EXPECT_EQ(Kql("type: (Recon or Trojan)"),
            "bool(should=[match(type:Recon), match(type:Trojan)] msm=1)");
  EXPECT_EQ(Kql("service.action: { actionType: PORT_PROBE and portProbeAction.blocked: false }"),
            "bool(filter=[match(service.action.actionType:PORT_PROBE), "
            "match(service.action.portProbeAction.blocked:false)])");
  EXPECT_EQ(Kql("path: C\\:\\\\Windows"), "match(path:C:\\Windows)");
}

TEST(Kql, SyntaxErrorsSayWhere) {
  EXPECT_EQ(Kql("type: (Recon"),
            "ERROR Cannot parse 'type: (Recon': expected ')' to close the list of values opened "
            "at column 7, at the end");
  EXPECT_EQ(Kql("severity >="),
            "ERROR Cannot parse 'severity >=': expected a value after the comparison, at the end");
  EXPECT_EQ(Kql("a: 1 and"), "ERROR Cannot parse 'a: 1 and': expected a query, at the end");
  EXPECT_EQ(Kql("a: 1)"), "ERROR Cannot parse 'a: 1)': a ')' that closes no group, at column 5");
  EXPECT_EQ(Kql("a: { b: 1"),
            "ERROR Cannot parse 'a: { b: 1': expected '}' to close the nested query opened at "
            "column 4, at the end");
}

TEST(SimpleQueryString, NeverFails) {
  EXPECT_EQ(Simple("ssh brute"), "bool(should=[match(*:ssh), match(*:brute)] msm=1)");
  EXPECT_EQ(Simple("ssh + brute"), "bool(must=[match(*:ssh), match(*:brute)])");
  EXPECT_EQ(Simple("ssh | -brute"),
            "bool(should=[match(*:ssh), bool(must_not=[match(*:brute)])] msm=1)");
  EXPECT_EQ(Simple("\"port probe\" recon*"),
            "bool(should=[match_phrase(*:port probe), wildcard(*:recon*)] msm=1)");
  EXPECT_EQ(Simple("(unclosed \"quote"),
            "bool(should=[match(*:unclosed), match_phrase(*:quote)] msm=1)");
  EXPECT_EQ(Simple(")))"), "match_none()");
}

TEST(LuceneRegex, TranslatesToRe2) {
  EXPECT_EQ(*LuceneRegexToRe2("Recon:.*"), "Recon:.*");
  EXPECT_EQ(*LuceneRegexToRe2("a@b"), "a.*b");
  EXPECT_EQ(*LuceneRegexToRe2("^x$"), "\\^x\\$");
  EXPECT_EQ(*LuceneRegexToRe2("\\d"), "d");
  EXPECT_EQ(*LuceneRegexToRe2("\"a.b\""), "a\\.b");
  EXPECT_EQ(*LuceneRegexToRe2("port<8-10>"), "port(?:0*8|0*9|0*10)");
  EXPECT_FALSE(LuceneRegexToRe2("~abc").ok());
  EXPECT_FALSE(LuceneRegexToRe2("a&b").ok());
}

TEST(Analyzer, StandardTokenizerForAscii) {
  std::vector<std::string> t;
  Tokenize("Recon:EC2/Portscan from 198.51.100.7, it's O'Neil's snake_case 3,000!", &t);
  EXPECT_EQ(t, (std::vector<std::string>{"recon:ec2", "portscan", "from", "198.51.100.7", "it's",
                                         "o'neil's", "snake_case", "3,000"}));
  t.clear();
  Tokenize("  ", &t);
  EXPECT_TRUE(t.empty());
  t.clear();
  Tokenize("EC2 instance i-99999999 is probed", &t);
  EXPECT_EQ(t, (std::vector<std::string>{"ec2", "instance", "i", "99999999", "is", "probed"}));
}

}  // namespace
}  // namespace vigil::query
