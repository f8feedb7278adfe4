#include "alert/definitions.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "query/dsl_parser.h"
#include "query/json_util.h"
#include "query/query_string.h"

namespace vigil::alert {

namespace {

using json = nlohmann::ordered_json;
using query::TypeName;

constexpr std::string_view kRedacted = "********";

Status Wrong(std::string_view field, std::string_view want, const json& got) {
  return Status::InvalidArgument(
      fmt::format("[{}] must be {}, got {}", field, want, TypeName(got)));
}

// Reads the fields of an object, refusing the ones no reader took (a misspelt setting must not
// be silently ignored).
class Fields {
 public:
  Fields(const json& object, std::string_view what) : object_(object), what_(what) {}

  const json* Get(std::string_view key) {
    auto it = object_.find(key);
    if (it == object_.end()) return nullptr;
    taken_.emplace_back(key);
    return &*it;
  }

  Status String(std::string_view key, std::string* out, bool required) {
    const json* v = Get(key);
    if (v == nullptr) {
      return required ? Status::InvalidArgument(fmt::format("[{}] is missing", key)) : Status::Ok();
    }
    if (!v->is_string()) return Wrong(key, "a string", *v);
    *out = v->get<std::string>();
    return Status::Ok();
  }

  Status Bool(std::string_view key, bool* out) {
    const json* v = Get(key);
    if (v == nullptr) return Status::Ok();
    if (!v->is_boolean()) return Wrong(key, "true or false", *v);
    *out = v->get<bool>();
    return Status::Ok();
  }

  Status Count(std::string_view key, int64_t* out, int64_t min) {
    const json* v = Get(key);
    if (v == nullptr) return Status::Ok();
    if (!v->is_number_integer() || v->get<int64_t>() < min) {
      return Status::InvalidArgument(
          fmt::format("[{}] must be an integer of at least {}, got {}", key, min, v->dump()));
    }
    *out = v->get<int64_t>();
    return Status::Ok();
  }

  Status Duration(std::string_view key, int64_t* out) {
    const json* v = Get(key);
    if (v == nullptr) return Status::Ok();
    Result<int64_t> ms = v->is_string()           ? ParseDuration(v->get<std::string>())
                         : v->is_number_integer() ? Result<int64_t>(v->get<int64_t>())
                                                  : Result<int64_t>(Wrong(key, "a duration", *v));
    if (!ms.ok() || *ms < 0) {
      return Status::InvalidArgument(
          fmt::format("[{}] must be a duration such as \"30s\", \"5m\", \"2h\" or \"7d\", got {}",
                      key, v->dump()));
    }
    *out = *ms;
    return Status::Ok();
  }

  Status StringList(std::string_view key, std::vector<std::string>* out, bool required) {
    const json* v = Get(key);
    if (v == nullptr) {
      return required ? Status::InvalidArgument(fmt::format("[{}] is missing", key)) : Status::Ok();
    }
    if (!v->is_array()) return Wrong(key, "an array of strings", *v);
    out->clear();
    for (size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_string()) return Wrong(fmt::format("{}[{}]", key, i), "a string", (*v)[i]);
      out->push_back((*v)[i].get<std::string>());
    }
    return Status::Ok();
  }

  // Every field was read by somebody.
  Status Done() const {
    for (auto it = object_.begin(); it != object_.end(); ++it) {
      if (std::find(taken_.begin(), taken_.end(), it.key()) == taken_.end()) {
        return Status::InvalidArgument(fmt::format("unknown field [{}] in {}", it.key(), what_));
      }
    }
    return Status::Ok();
  }

 private:
  const json& object_;
  std::string what_;
  std::vector<std::string> taken_;
};

Result<json> ParseObject(std::string_view text, size_t max_depth, std::string_view what) {
  Result<json> j = query::ParseJsonBody(text, max_depth);
  if (!j.ok()) return Status::InvalidArgument(j.status().message());
  if (!j->is_object()) {
    return Status::InvalidArgument(
        fmt::format("{} must be a JSON object, got {}", what, TypeName(*j)));
  }
  return j;
}

Status CheckUrl(std::string_view field, std::string_view url) {
  if (!url.starts_with("https://") && !url.starts_with("http://")) {
    return Status::InvalidArgument(
        fmt::format("[{}] must be an https:// or http:// URL, got {}", field, url));
  }
  if (url.find_first_of(" \t\r\n") != std::string_view::npos) {
    return Status::InvalidArgument(fmt::format("[{}] must not contain spaces", field));
  }
  return Status::Ok();
}

}  // namespace

std::string_view ChannelTypeName(ChannelType t) {
  switch (t) {
    case ChannelType::kWebhook:
      return "webhook";
    case ChannelType::kSlack:
      return "slack";
    case ChannelType::kTeams:
      return "teams";
    case ChannelType::kEmail:
      return "email";
    case ChannelType::kSns:
      return "sns";
  }
  return "webhook";
}

std::string_view RuleKindName(RuleKind k) {
  switch (k) {
    case RuleKind::kFinding:
      return "finding";
    case RuleKind::kThreshold:
      return "threshold";
    case RuleKind::kFirstSeen:
      return "first_seen";
  }
  return "finding";
}

Status ValidateName(std::string_view what, std::string_view name) {
  bool ok = !name.empty() && name.size() <= 64;
  for (char c : name) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_');
  }
  if (ok) return Status::Ok();
  return Status::InvalidArgument(fmt::format(
      "invalid {} name [{}]: use 1 to 64 lower-case letters, digits, '-' and '_'", what, name));
}

Result<int64_t> ParseDuration(std::string_view text) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || n < 0) {
    return Status::InvalidArgument(fmt::format("not a duration: \"{}\"", text));
  }
  const std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
  int64_t scale = 0;
  if (unit.empty() || unit == "ms") {
    scale = 1;
  } else if (unit == "s") {
    scale = 1000;
  } else if (unit == "m") {
    scale = 60'000;
  } else if (unit == "h") {
    scale = 3'600'000;
  } else if (unit == "d") {
    scale = 86'400'000;
  } else {
    return Status::InvalidArgument(
        fmt::format("not a duration: \"{}\" (units: ms, s, m, h, d)", text));
  }
  if (n > INT64_MAX / scale) {
    return Status::InvalidArgument(fmt::format("the duration \"{}\" is too long", text));
  }
  return n * scale;
}

Result<Channel> ParseChannel(std::string_view text, size_t max_depth) {
  Result<json> j = ParseObject(text, max_depth, "a channel");
  if (!j.ok()) return j.status();
  Fields f(*j, "a channel");
  Channel c;
  VIGIL_RETURN_IF_ERROR(f.String("name", &c.name, true));
  VIGIL_RETURN_IF_ERROR(ValidateName("channel", c.name));
  std::string type;
  VIGIL_RETURN_IF_ERROR(f.String("type", &type, true));
  if (type == "webhook") {
    c.type = ChannelType::kWebhook;
  } else if (type == "slack") {
    c.type = ChannelType::kSlack;
  } else if (type == "teams") {
    c.type = ChannelType::kTeams;
  } else if (type == "email") {
    c.type = ChannelType::kEmail;
  } else if (type == "sns") {
    c.type = ChannelType::kSns;
  } else {
    return Status::InvalidArgument(
        fmt::format("[type] must be one of webhook, slack, teams, email, sns; got \"{}\"", type));
  }
  VIGIL_RETURN_IF_ERROR(f.String("title_template", &c.title_template, false));
  VIGIL_RETURN_IF_ERROR(f.String("body_template", &c.body_template, false));
  VIGIL_RETURN_IF_ERROR(f.String("ca_file", &c.ca_file, false));
  if (!c.ca_file.empty() && c.ca_file.front() != '/') {
    return Status::InvalidArgument(
        fmt::format("[ca_file] must be an absolute path, got \"{}\"", c.ca_file));
  }
  switch (c.type) {
    case ChannelType::kWebhook:
    case ChannelType::kSlack:
    case ChannelType::kTeams:
      VIGIL_RETURN_IF_ERROR(f.String("url", &c.url, true));
      VIGIL_RETURN_IF_ERROR(CheckUrl("url", c.url));
      if (c.type == ChannelType::kWebhook) {
        VIGIL_RETURN_IF_ERROR(f.String("secret", &c.secret, false));
        if (const json* h = f.Get("headers")) {
          if (!h->is_object()) return Wrong("headers", "an object of strings", *h);
          for (auto it = h->begin(); it != h->end(); ++it) {
            if (!it.value().is_string()) {
              return Wrong(fmt::format("headers.{}", it.key()), "a string", it.value());
            }
            c.headers.emplace_back(it.key(), it.value().get<std::string>());
          }
        }
      }
      break;
    case ChannelType::kEmail:
      VIGIL_RETURN_IF_ERROR(f.String("smtp_url", &c.smtp_url, true));
      if (!c.smtp_url.starts_with("smtp://") && !c.smtp_url.starts_with("smtps://")) {
        return Status::InvalidArgument(
            fmt::format("[smtp_url] must be an smtp:// or smtps:// URL, got {}", c.smtp_url));
      }
      VIGIL_RETURN_IF_ERROR(f.String("from", &c.from, true));
      VIGIL_RETURN_IF_ERROR(f.StringList("to", &c.to, true));
      if (c.to.empty()) return Status::InvalidArgument("[to] must name at least one recipient");
      for (size_t i = 0; i < c.to.size(); ++i) {
        if (c.to[i].find('@') == std::string::npos) {
          return Status::InvalidArgument(
              fmt::format("[to[{}]] must be an e-mail address, got \"{}\"", i, c.to[i]));
        }
      }
      if (c.from.find('@') == std::string::npos) {
        return Status::InvalidArgument(
            fmt::format("[from] must be an e-mail address, got \"{}\"", c.from));
      }
      VIGIL_RETURN_IF_ERROR(f.String("username", &c.username, false));
      VIGIL_RETURN_IF_ERROR(f.String("password", &c.password, false));
      VIGIL_RETURN_IF_ERROR(f.Bool("starttls", &c.starttls));
      break;
    case ChannelType::kSns:
      VIGIL_RETURN_IF_ERROR(f.String("topic_arn", &c.topic_arn, true));
      if (!c.topic_arn.starts_with("arn:aws") ||
          std::count(c.topic_arn.begin(), c.topic_arn.end(), ':') != 5) {
        return Status::InvalidArgument(fmt::format(
            "[topic_arn] must be an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME), got \"{}\"",
            c.topic_arn));
      }
      VIGIL_RETURN_IF_ERROR(f.String("endpoint", &c.endpoint, false));
      if (!c.endpoint.empty() && !c.endpoint.starts_with("https://") &&
          !c.endpoint.starts_with("http://")) {
        return Status::InvalidArgument(
            fmt::format("[endpoint] must be an https:// or http:// URL, got {}", c.endpoint));
      }
      VIGIL_RETURN_IF_ERROR(f.String("access_key_id", &c.access_key_id, false));
      VIGIL_RETURN_IF_ERROR(f.String("secret_access_key", &c.secret_access_key, false));
      VIGIL_RETURN_IF_ERROR(f.String("session_token", &c.session_token, false));
      if (c.access_key_id.empty() != c.secret_access_key.empty()) {
        return Status::InvalidArgument(
            "[access_key_id] and [secret_access_key] go together: give both or neither (then "
            "the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment variables are used)");
      }
      break;
  }
  VIGIL_RETURN_IF_ERROR(f.Done());
  return c;
}

Result<Rule> ParseRule(std::string_view text, size_t max_depth) {
  Result<json> j = ParseObject(text, max_depth, "a rule");
  if (!j.ok()) return j.status();
  Fields f(*j, "a rule");
  Rule r;
  VIGIL_RETURN_IF_ERROR(f.String("name", &r.name, true));
  VIGIL_RETURN_IF_ERROR(ValidateName("rule", r.name));
  std::string kind = "finding";
  VIGIL_RETURN_IF_ERROR(f.String("kind", &kind, false));
  if (kind == "finding") {
    r.kind = RuleKind::kFinding;
  } else if (kind == "threshold") {
    r.kind = RuleKind::kThreshold;
  } else if (kind == "first_seen") {
    r.kind = RuleKind::kFirstSeen;
  } else {
    return Status::InvalidArgument(
        fmt::format("[kind] must be one of finding, threshold, first_seen; got \"{}\"", kind));
  }
  // The query: {"kql": ..} | {"lucene": ..} | {"dsl": {..}}.
  const json* q = f.Get("query");
  if (q == nullptr) return Status::InvalidArgument("[query] is missing");
  if (!q->is_object() || q->size() != 1) {
    return Status::InvalidArgument(
        "[query] must be one of {\"kql\": TEXT}, {\"lucene\": TEXT}, {\"dsl\": {...}}");
  }
  const std::string& language = q->begin().key();
  const json& body = q->begin().value();
  query::QueryStringOptions qs;
  if (language == "kql" || language == "lucene") {
    if (!body.is_string()) return Wrong(fmt::format("query.{}", language), "a string", body);
    r.query.language = language == "kql" ? RuleQuery::Language::kKql : RuleQuery::Language::kLucene;
    r.query.text = body.get<std::string>();
    Result<std::unique_ptr<query::Query>> parsed = language == "kql"
                                                       ? query::ParseKql(r.query.text, qs)
                                                       : query::ParseLuceneQuery(r.query.text, qs);
    if (!parsed.ok()) {
      return Status::InvalidArgument(
          fmt::format("[query.{}] {}", language, parsed.status().message()));
    }
  } else if (language == "dsl") {
    if (!body.is_object()) return Wrong("query.dsl", "a query DSL object", body);
    r.query.language = RuleQuery::Language::kDsl;
    r.query.text = body.dump();
    Result<std::unique_ptr<query::Query>> parsed = query::ParseQuery(body, "query.dsl");
    if (!parsed.ok()) {
      return Status::InvalidArgument(fmt::format("[query.dsl] {}", parsed.status().message()));
    }
  } else {
    return Status::InvalidArgument(fmt::format(
        "[query] must be one of {{\"kql\": TEXT}}, {{\"lucene\": TEXT}}, {{\"dsl\": {{...}}}}; "
        "got [{}]",
        language));
  }
  VIGIL_RETURN_IF_ERROR(f.StringList("channels", &r.channels, true));
  if (r.channels.empty())
    return Status::InvalidArgument("[channels] must name at least one channel");
  for (const std::string& c : r.channels) VIGIL_RETURN_IF_ERROR(ValidateName("channel", c));
  VIGIL_RETURN_IF_ERROR(f.Bool("enabled", &r.enabled));
  VIGIL_RETURN_IF_ERROR(f.Bool("include_samples", &r.include_samples));
  VIGIL_RETURN_IF_ERROR(f.Duration("throttle", &r.throttle_ms));
  VIGIL_RETURN_IF_ERROR(f.String("group_by", &r.group_by, false));
  switch (r.kind) {
    case RuleKind::kFinding:
      VIGIL_RETURN_IF_ERROR(f.Bool("realert_on_severity_rise", &r.realert_on_severity_rise));
      VIGIL_RETURN_IF_ERROR(f.Count("count_increase", &r.count_increase, 0));
      break;
    case RuleKind::kThreshold:
      if (f.Get("window") == nullptr) return Status::InvalidArgument("[window] is missing");
      VIGIL_RETURN_IF_ERROR(f.Duration("window", &r.window_ms));
      if (r.window_ms <= 0) return Status::InvalidArgument("[window] must be longer than 0");
      if (f.Get("threshold") == nullptr) return Status::InvalidArgument("[threshold] is missing");
      VIGIL_RETURN_IF_ERROR(f.Count("threshold", &r.threshold, 0));
      VIGIL_RETURN_IF_ERROR(f.String("cardinality_field", &r.cardinality_field, false));
      VIGIL_RETURN_IF_ERROR(f.String("time_field", &r.time_field, false));
      break;
    case RuleKind::kFirstSeen:
      VIGIL_RETURN_IF_ERROR(f.String("field", &r.field, true));
      if (r.field.empty()) return Status::InvalidArgument("[field] must name a field");
      if (f.Get("lookback") == nullptr) return Status::InvalidArgument("[lookback] is missing");
      VIGIL_RETURN_IF_ERROR(f.Duration("lookback", &r.lookback_ms));
      if (r.lookback_ms <= 0) return Status::InvalidArgument("[lookback] must be longer than 0");
      VIGIL_RETURN_IF_ERROR(f.String("time_field", &r.time_field, false));
      break;
  }
  VIGIL_RETURN_IF_ERROR(f.Done());
  return r;
}

std::string ChannelToJson(const Channel& c, bool redact) {
  json j;
  j["name"] = c.name;
  j["type"] = std::string(ChannelTypeName(c.type));
  auto secret = [&](const std::string& s) { return redact ? std::string(kRedacted) : s; };
  switch (c.type) {
    case ChannelType::kWebhook:
    case ChannelType::kSlack:
    case ChannelType::kTeams:
      j["url"] = c.url;
      if (c.type == ChannelType::kWebhook) {
        if (!c.secret.empty()) j["secret"] = secret(c.secret);
        if (!c.headers.empty()) {
          json h = json::object();
          for (const auto& [k, v] : c.headers) h[k] = v;
          j["headers"] = h;
        }
      }
      break;
    case ChannelType::kEmail:
      j["smtp_url"] = c.smtp_url;
      j["from"] = c.from;
      j["to"] = c.to;
      if (!c.username.empty()) j["username"] = c.username;
      if (!c.password.empty()) j["password"] = secret(c.password);
      j["starttls"] = c.starttls;
      break;
    case ChannelType::kSns:
      j["topic_arn"] = c.topic_arn;
      if (!c.endpoint.empty()) j["endpoint"] = c.endpoint;
      if (!c.access_key_id.empty()) j["access_key_id"] = c.access_key_id;
      if (!c.secret_access_key.empty()) j["secret_access_key"] = secret(c.secret_access_key);
      if (!c.session_token.empty()) j["session_token"] = secret(c.session_token);
      break;
  }
  if (!c.title_template.empty()) j["title_template"] = c.title_template;
  if (!c.body_template.empty()) j["body_template"] = c.body_template;
  if (!c.ca_file.empty()) j["ca_file"] = c.ca_file;
  return j.dump();
}

std::string RuleToJson(const Rule& r) {
  json j;
  j["name"] = r.name;
  j["kind"] = std::string(RuleKindName(r.kind));
  switch (r.query.language) {
    case RuleQuery::Language::kKql:
      j["query"] = {{"kql", r.query.text}};
      break;
    case RuleQuery::Language::kLucene:
      j["query"] = {{"lucene", r.query.text}};
      break;
    case RuleQuery::Language::kDsl:
      j["query"] = {{"dsl", json::parse(r.query.text)}};
      break;
  }
  j["channels"] = r.channels;
  j["enabled"] = r.enabled;
  j["include_samples"] = r.include_samples;
  j["throttle"] = r.throttle_ms;
  if (!r.group_by.empty()) j["group_by"] = r.group_by;
  switch (r.kind) {
    case RuleKind::kFinding:
      j["realert_on_severity_rise"] = r.realert_on_severity_rise;
      j["count_increase"] = r.count_increase;
      break;
    case RuleKind::kThreshold:
      j["window"] = r.window_ms;
      j["threshold"] = r.threshold;
      if (!r.cardinality_field.empty()) j["cardinality_field"] = r.cardinality_field;
      j["time_field"] = r.time_field;
      break;
    case RuleKind::kFirstSeen:
      j["field"] = r.field;
      j["lookback"] = r.lookback_ms;
      j["time_field"] = r.time_field;
      break;
  }
  return j.dump();
}

}  // namespace vigil::alert
