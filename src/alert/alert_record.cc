#include "alert/alert_record.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <random>

#include "alert/notification.h"
#include "base/json_writer.h"
#include "base/percent_encode.h"
#include "base/time.h"
#include "findings/derived_fields.h"
#include "ingest/finding_events.h"

namespace vigil::alert {

namespace {

using json = nlohmann::ordered_json;

constexpr size_t kMaxBodyFindings = 10;

std::string SummaryText(const json& s) {
  auto str = [&s](const char* key) {
    return s.contains(key) && s[key].is_string() ? s[key].get<std::string>() : std::string();
  };
  const double severity =
      s.contains("severity") && s["severity"].is_number() ? s["severity"].get<double>() : 0.0;
  std::string line = fmt::format("- {} {} ({}) in {}/{}", str("severityLabel"), str("type"),
                                 severity, str("accountId"), str("region"));
  if (!str("title").empty()) line += ": " + str("title");
  if (!str("attackerIp").empty()) {
    line += fmt::format(" [attacker {} {}]", str("attackerIp"), str("attackerCountryCode"));
  }
  return line + fmt::format(" (id {})", str("id"));
}

FieldLookup LookupOf(const Alert& alert) {
  return [&alert](std::string_view field) -> std::optional<std::string> {
    // The alert's own values first ({{rule}}, {{reason}}...), then the first finding's.
    if (field == "rule") return alert.rule;
    if (field == "reason") return alert.reason;
    if (field == "group") return alert.group;
    if (field == "kind") return alert.kind;
    if (field == "count") return std::to_string(alert.count);
    if (alert.first == nullptr) return std::nullopt;
    return alert.first->Field(field);
  };
}

}  // namespace

void FindingFacts::AddValue(std::string_view field, std::string_view value) {
  Entry e;
  // A field's values come one after the other: the name is stored once.
  if (!entries_.empty() && At(entries_.back().name, entries_.back().name_size) == field) {
    e.name = entries_.back().name;
  } else {
    e.name = static_cast<uint32_t>(text_.size());
    text_.append(field);
  }
  e.name_size = static_cast<uint32_t>(field.size());
  e.value = static_cast<uint32_t>(text_.size());
  e.value_size = static_cast<uint32_t>(value.size());
  text_.append(value);
  entries_.push_back(e);
}

std::vector<std::string_view> FindingFacts::Values(std::string_view field) const {
  std::vector<std::string_view> out;
  for (const Entry& e : entries_) {
    if (e.name_size == field.size() && At(e.name, e.name_size) == field) {
      out.push_back(At(e.value, e.value_size));
    }
  }
  return out;
}

std::optional<std::string> FindingFacts::Field(std::string_view name) const {
  for (const Entry& e : entries_) {
    if (e.name_size == name.size() && At(e.name, e.name_size) == name) {
      return std::string(At(e.value, e.value_size));
    }
  }
  return std::nullopt;
}

std::string FindingFacts::Summary() const {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Field("id", id);
  w.Field("type", type);
  w.Field("severity", severity);
  w.Field("accountId", account_id);
  w.Field("region", region);
  w.Field("updatedAt", FormatTimestamp(updated_at));
  w.Field("count", count);
  // The fields ingest::SummarizeFinding picks, under its short names. They are text in a
  // finding (the location excepted: "lat,lon" here, an object there); a value of another kind
  // says itself as text.
  for (const auto& pick : ingest::kSummaryPicks) {
    std::string_view field = pick.first;
    auto e = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& x) {
      return x.name_size == field.size() && At(x.name, x.name_size) == field;
    });
    if (e == entries_.end()) continue;
    std::string_view value = At(e->value, e->value_size);
    w.Key(pick.second);
    if (field == "derived.attacker.location") {
      double lat = 0, lon = 0;
      size_t comma = value.find(',');
      const char* end = value.data() + value.size();
      if (comma != std::string_view::npos &&
          std::from_chars(value.data(), value.data() + comma, lat).ptr == value.data() + comma &&
          std::from_chars(value.data() + comma + 1, end, lon).ptr == end) {
        w.BeginObject();
        w.Field("lat", lat);
        w.Field("lon", lon);
        w.EndObject();
        continue;
      }
    }
    w.String(value);
  }
  w.EndObject();
  return out;
}

std::string FindingFacts::Resource() const {
  std::string kind = Field("resource.resourceType").value_or("");
  // The identifying fields among kResourceFields, in order of preference.
  static constexpr std::string_view kIds[] = {
      kResourceFields[1], kResourceFields[2], kResourceFields[4], kResourceFields[5],
      kResourceFields[6], kResourceFields[7], kResourceFields[8], kResourceFields[9],
  };
  for (std::string_view field : kIds) {
    if (std::optional<std::string> value = Field(field)) {
      std::string out = kind.empty() ? *value : kind + " " + *value;
      if (std::optional<std::string> user = Field("resource.accessKeyDetails.userName");
          user && field == kIds[1]) {
        out += " (user " + *user + ")";
      }
      return out;
    }
  }
  return kind;
}

std::string AlertTitle(const Alert& alert, const json& findings, std::string_view tmpl) {
  if (!tmpl.empty()) return RenderTemplate(tmpl, LookupOf(alert));
  std::string what;
  if (findings.is_array() && !findings.empty() && findings.front().is_object()) {
    const json& s = findings.front();
    what = s.value("title", "");
    if (what.empty()) what = s.value("type", "");
  }
  std::string title =
      fmt::format("[{}] {}: {}", findings::SeverityLabel(alert.severity), alert.rule, alert.reason);
  if (!what.empty()) title += " - " + what;
  if (alert.finding_ids.size() > 1) {
    title += fmt::format(" (+{} more)", alert.finding_ids.size() - 1);
  }
  return title;
}

std::string AlertBody(const Alert& alert, const json& findings, std::string_view tmpl) {
  if (!tmpl.empty()) return RenderTemplate(tmpl, LookupOf(alert));
  std::string body = fmt::format("Rule {} ({}): {}", alert.rule, alert.kind, alert.reason);
  if (!alert.group.empty()) body += fmt::format(" [group {}]", alert.group);
  body += fmt::format("\n{} finding(s)", alert.finding_ids.size());
  body += ":\n";
  size_t shown = 0;
  if (findings.is_array()) {
    for (const json& s : findings) {
      if (shown == kMaxBodyFindings) break;
      if (!s.is_object()) continue;
      body += SummaryText(s) + "\n";
      ++shown;
    }
  }
  if (alert.finding_ids.size() > shown) {
    body += fmt::format("... and {} more\n", alert.finding_ids.size() - shown);
  }
  return body;
}

nlohmann::ordered_json AlertJson(const Alert& alert, std::string_view base_url) {
  json j = json::object();
  j["id"] = alert.id;
  j["rule"] = alert.rule;
  j["kind"] = alert.kind;
  j["reason"] = alert.reason;
  j["group"] = alert.group;
  j["resource"] = alert.resource;
  j["created_at"] = FormatTimestamp(alert.created_at);
  j["status"] = alert.suppressed ? "suppressed" : "pending";
  j["title"] = "";  // the caller's
  j["body"] = "";
  j["severity"] = alert.severity;
  j["severity_label"] = std::string(findings::SeverityLabel(alert.severity));
  j["count"] = alert.count;
  j["finding_ids"] = alert.finding_ids;
  j["findings"] = json::array();
  for (const std::string& s : alert.summaries) {
    json parsed = json::parse(s, nullptr, false);
    if (!parsed.is_discarded()) j["findings"].push_back(std::move(parsed));
  }
  if (!alert.finding_state.empty()) {
    json state = json::array();
    for (const Alert::FindingState& f : alert.finding_state) {
      state.push_back(json::array({f.id, f.severity, f.count}));
    }
    j["finding_state"] = std::move(state);
  }
  j["channels"] = alert.channels;
  if (!alert.digest_of.empty()) j["digest_of"] = alert.digest_of;
  if (!base_url.empty() && !alert.finding_ids.empty()) {
    std::string q = "id:(";
    for (size_t i = 0; i < alert.finding_ids.size() && i < 50; ++i) {
      if (i > 0) q += " or ";
      q += "\"" + alert.finding_ids[i] + "\"";
    }
    q += ")";
    // The time range of the findings (their updatedAt), an hour wider on each side.
    int64_t from = alert.created_at, to = alert.created_at;
    for (const json& f : j["findings"]) {
      if (!f.is_object() || !f.contains("updatedAt") || !f["updatedAt"].is_string()) continue;
      Result<int64_t> t = ParseTimestamp(f["updatedAt"].get<std::string>());
      if (!t.ok()) continue;
      from = std::min(from, *t);
      to = std::max(to, *t);
    }
    const int64_t hour = 3'600'000;
    j["link"] = fmt::format("{}/#/discover?q={}&from={}&to={}", base_url, PercentEncode(q),
                            from - hour, to + hour);
  }
  return j;
}

std::string NewAlertId(int64_t now) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:011x}{:016x}", static_cast<uint64_t>(now), rng());
}

}  // namespace vigil::alert
