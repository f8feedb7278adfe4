#include "alert/definitions.h"

#include <gtest/gtest.h>

namespace vigil::alert {
namespace {

template <typename T>
std::string Error(const Result<T>& r) {
  return r.ok() ? "OK" : r.status().message();
}

TEST(AlertChannels, EachTypeWithItsSettings) {
  Result<Channel> w = ParseChannel(
      R"({"name":"sec-webhook","type":"webhook","url":"https://hooks.example/x","secret":"s3",)"
      R"("headers":{"X-Team":"soc"}})");
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_EQ(w->type, ChannelType::kWebhook);
  EXPECT_EQ(w->secret, "s3");
  ASSERT_EQ(w->headers.size(), 1u);
  EXPECT_EQ(w->headers[0].second, "soc");
  // Written back, it reads the same; redacted, the secret is gone.
  EXPECT_EQ(ChannelToJson(*ParseChannel(ChannelToJson(*w, false)), false),
            ChannelToJson(*w, false));
  EXPECT_EQ(ChannelToJson(*w, true).find("s3"), std::string::npos);

  Result<Channel> mail = ParseChannel(
      R"({"name":"soc-mail","type":"email","smtp_url":"smtp://127.0.0.1:2525","from":"vigil@x.org",)"
      R"("to":["soc@x.org"],"username":"u","password":"p","starttls":false,)"
      R"("ca_file":"/etc/vigil/relay-ca.pem"})");
  ASSERT_TRUE(mail.ok()) << mail.status().message();
  EXPECT_FALSE(mail->starttls);
  EXPECT_EQ(mail->ca_file, "/etc/vigil/relay-ca.pem");
  EXPECT_EQ(ParseChannel(ChannelToJson(*mail, false))->ca_file, "/etc/vigil/relay-ca.pem");
  EXPECT_EQ(ChannelToJson(*mail, true).find("\"p\""), std::string::npos);
  EXPECT_TRUE(
      ParseChannel(R"({"name":"s","type":"slack","url":"https://hooks.slack.com/x"})").ok());
  EXPECT_TRUE(
      ParseChannel(R"({"name":"t","type":"teams","url":"https://x.webhook.office.com/y"})").ok());
  EXPECT_TRUE(
      ParseChannel(
          R"({"name":"n","type":"sns","topic_arn":"arn:aws:sns:eu-west-1:123456789012:sec"})")
          .ok());
}

TEST(AlertChannels, MistakesAreNamed) {
  EXPECT_EQ(Error(ParseChannel(R"({"type":"webhook","url":"https://x"})")), "[name] is missing");
  EXPECT_EQ(Error(ParseChannel(R"({"name":"Sec Hook","type":"webhook","url":"https://x"})")),
            "invalid channel name [Sec Hook]: use 1 to 64 lower-case letters, digits, '-' and '_'");
  EXPECT_EQ(Error(ParseChannel(R"({"name":"a","type":"pager","url":"https://x"})")),
            "[type] must be one of webhook, slack, teams, email, sns; got \"pager\"");
  EXPECT_EQ(Error(ParseChannel(R"({"name":"a","type":"webhook","url":"ftp://x"})")),
            "[url] must be an https:// or http:// URL, got ftp://x");
  EXPECT_EQ(Error(ParseChannel(R"({"name":"a","type":"webhook","url":"https://x","uri":"y"})")),
            "unknown field [uri] in a channel");
  EXPECT_EQ(Error(ParseChannel(R"({"name":"a","type":"slack","url":"https://x","secret":"y"})")),
            "unknown field [secret] in a channel");
  EXPECT_EQ(Error(ParseChannel(R"({"name":"a","type":"email","smtp_url":"smtp://h","from":"x@y",)"
                               R"("to":["nobody"]})")),
            "[to[0]] must be an e-mail address, got \"nobody\"");
  EXPECT_EQ(
      Error(ParseChannel(R"({"name":"a","type":"webhook","url":"https://x","ca_file":"ca.pem"})")),
      "[ca_file] must be an absolute path, got \"ca.pem\"");
  EXPECT_EQ(Error(ParseChannel(R"({"name":"a","type":"sns","topic_arn":"sec"})")),
            "[topic_arn] must be an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME), got \"sec\"");
  EXPECT_EQ(Error(ParseChannel(R"([1])")), "a channel must be a JSON object, got an array");
  EXPECT_EQ(
      Error(ParseChannel(R"({"name":"a","type":"webhook","url":"https://x","headers":{"a":1}})")),
      "[headers.a] must be a string, got a number");
}

TEST(AlertRules, EachKindWithItsSettings) {
  Result<Rule> f =
      ParseRule(R"({"name":"high-severity","kind":"finding","query":{"kql":"severity >= 7"},)"
                R"("channels":["sec-webhook"],"throttle":"5m","count_increase":10})");
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->kind, RuleKind::kFinding);
  EXPECT_EQ(f->throttle_ms, 300'000);
  EXPECT_EQ(f->count_increase, 10);
  EXPECT_TRUE(f->enabled);
  EXPECT_FALSE(f->include_samples);
  EXPECT_EQ(RuleToJson(*ParseRule(RuleToJson(*f))), RuleToJson(*f));

  Result<Rule> t = ParseRule(
      R"({"name":"ssh-burst","kind":"threshold","query":{"lucene":"type:*SSHBruteForce"},)"
      R"("channels":["a","b"],"window":"5m","threshold":20,"group_by":"resource.instanceDetails.instanceId"})");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->window_ms, 300'000);
  EXPECT_EQ(t->threshold, 20);
  EXPECT_EQ(RuleToJson(*ParseRule(RuleToJson(*t))), RuleToJson(*t));

  Result<Rule> s =
      ParseRule(R"({"name":"new-type","kind":"first_seen","query":{"dsl":{"match_all":{}}},)"
                R"("channels":["a"],"field":"type","group_by":"accountId","lookback":"30d"})");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->lookback_ms, 30LL * 86'400'000);
  EXPECT_EQ(s->query.language, RuleQuery::Language::kDsl);
  EXPECT_EQ(RuleToJson(*ParseRule(RuleToJson(*s))), RuleToJson(*s));
}

TEST(AlertRules, MistakesAreNamed) {
  auto rule = [](std::string_view extra) {
    return Error(
        ParseRule(std::string(R"({"name":"r","channels":["c"],)") + std::string(extra) + "}"));
  };
  EXPECT_EQ(rule(R"("query":{"kql":"severity >= "})").substr(0, 12), "[query.kql] ");
  EXPECT_EQ(
      rule(R"("query":{"sql":"x"})"),
      "[query] must be one of {\"kql\": TEXT}, {\"lucene\": TEXT}, {\"dsl\": {...}}; got [sql]");
  EXPECT_EQ(rule(R"("query":{"dsl":{"nope":{}}})").substr(0, 12), "[query.dsl] ");
  EXPECT_EQ(rule(R"("kind":"sometimes","query":{"kql":"a"})"),
            "[kind] must be one of finding, threshold, first_seen; got \"sometimes\"");
  EXPECT_EQ(rule(R"("kind":"threshold","query":{"kql":"a"},"threshold":3)"), "[window] is missing");
  EXPECT_EQ(
      rule(R"("kind":"threshold","query":{"kql":"a"},"window":"5 minutes","threshold":3)"),
      "[window] must be a duration such as \"30s\", \"5m\", \"2h\" or \"7d\", got \"5 minutes\"");
  EXPECT_EQ(rule(R"("kind":"threshold","query":{"kql":"a"},"window":"5m","threshold":-1)"),
            "[threshold] must be an integer of at least 0, got -1");
  EXPECT_EQ(rule(R"("kind":"first_seen","query":{"kql":"a"},"lookback":"1d")"),
            "[field] is missing");
  EXPECT_EQ(rule(R"("query":{"kql":"a"},"window":"5m")"), "unknown field [window] in a rule");
  EXPECT_EQ(Error(ParseRule(R"({"name":"r","query":{"kql":"a"},"channels":[]})")),
            "[channels] must name at least one channel");
  EXPECT_EQ(Error(ParseRule(R"({"name":"r","query":{"kql":"a"}})")), "[channels] is missing");
}

TEST(AlertDurations, Units) {
  EXPECT_EQ(*ParseDuration("250"), 250);
  EXPECT_EQ(*ParseDuration("250ms"), 250);
  EXPECT_EQ(*ParseDuration("30s"), 30'000);
  EXPECT_EQ(*ParseDuration("2h"), 7'200'000);
  EXPECT_FALSE(ParseDuration("2w").ok());
  EXPECT_FALSE(ParseDuration("-1s").ok());
  EXPECT_FALSE(ParseDuration("99999999999999999d").ok());
}

}  // namespace
}  // namespace vigil::alert
