#include "alert/delivery.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <simdjson.h>

#include <cctype>
#include <cstring>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>

#include "alert/notification.h"
#include "aws/sigv4.h"
#include "base/json_writer.h"
#include "base/percent_encode.h"
#include "base/time.h"

namespace vigil::alert {

namespace {

using json = nlohmann::ordered_json;

constexpr size_t kMaxErrorBody = 300;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string Str(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

std::string Truncated(std::string s, size_t n) {
  if (s.size() <= n) return s;
  s.resize(n);
  // Do not cut a UTF-8 sequence in two.
  while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();
  if (!s.empty() && (static_cast<unsigned char>(s.back()) & 0x80) != 0) s.pop_back();
  return s + "...";
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

// Facts of the alert's first finding for the chat cards: (label, value) pairs.
std::vector<std::pair<std::string, std::string>> Facts(const json& alert) {
  std::vector<std::pair<std::string, std::string>> facts;
  facts.emplace_back("Severity", fmt::format("{} ({})", Str(alert, "severity_label"),
                                             alert.value("severity", 0.0)));
  const json first =
      alert.contains("findings") && alert["findings"].is_array() && !alert["findings"].empty()
          ? alert["findings"][0]
          : json::object();
  if (!Str(first, "type").empty()) facts.emplace_back("Type", Str(first, "type"));
  if (!Str(first, "accountId").empty()) {
    facts.emplace_back("Account", Str(first, "accountId") + " / " + Str(first, "region"));
  }
  if (!Str(alert, "resource").empty()) facts.emplace_back("Resource", Str(alert, "resource"));
  if (!Str(first, "attackerIp").empty()) {
    std::string attacker = Str(first, "attackerIp");
    if (!Str(first, "attackerCountryCode").empty()) {
      attacker += " (" + Str(first, "attackerCountryCode") + ")";
    }
    facts.emplace_back("Attacker", attacker);
  }
  facts.emplace_back("Findings", std::to_string(alert.value("finding_ids", json::array()).size()));
  return facts;
}

std::string IdList(const json& alert, size_t max) {
  std::string ids;
  size_t n = 0;
  for (const json& id : alert.value("finding_ids", json::array())) {
    if (n++ == max) {
      ids += fmt::format(" and {} more", alert["finding_ids"].size() - max);
      break;
    }
    if (!ids.empty()) ids += ", ";
    ids += id.is_string() ? id.get<std::string>() : id.dump();
  }
  return ids;
}

std::string SlackBody(const json& alert) {
  json fields = json::array();
  for (const auto& [label, value] : Facts(alert)) {
    fields.push_back({{"type", "mrkdwn"}, {"text", fmt::format("*{}*\n{}", label, value)}});
  }
  json blocks = json::array();
  blocks.push_back(
      {{"type", "header"},
       {"text", {{"type", "plain_text"}, {"text", Truncated(Str(alert, "title"), 140)}}}});
  blocks.push_back({{"type", "section"}, {"fields", fields}});
  blocks.push_back({{"type", "section"},
                    {"text", {{"type", "mrkdwn"}, {"text", Truncated(Str(alert, "body"), 2900)}}}});
  blocks.push_back(
      {{"type", "context"},
       {"elements",
        json::array({{{"type", "mrkdwn"},
                      {"text", Truncated("Finding ids: " + IdList(alert, 20), 2900)}}})}});
  if (!Str(alert, "link").empty()) {
    blocks.push_back(
        {{"type", "actions"},
         {"elements", json::array({{{"type", "button"},
                                    {"text", {{"type", "plain_text"}, {"text", "Open in Vigil"}}},
                                    {"url", Str(alert, "link")}}})}});
  }
  return Dump({{"text", Str(alert, "title")}, {"blocks", blocks}});
}

std::string TeamsBody(const json& alert) {
  json facts = json::array();
  for (const auto& [label, value] : Facts(alert)) {
    facts.push_back({{"title", label}, {"value", value}});
  }
  json body = json::array();
  body.push_back({{"type", "TextBlock"},
                  {"size", "Large"},
                  {"weight", "Bolder"},
                  {"wrap", true},
                  {"text", Str(alert, "title")}});
  body.push_back({{"type", "FactSet"}, {"facts", facts}});
  body.push_back({{"type", "TextBlock"}, {"wrap", true}, {"text", Str(alert, "body")}});
  body.push_back({{"type", "TextBlock"},
                  {"wrap", true},
                  {"isSubtle", true},
                  {"text", "Finding ids: " + IdList(alert, 20)}});
  json card = {{"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
               {"type", "AdaptiveCard"},
               {"version", "1.4"},
               {"body", body}};
  if (!Str(alert, "link").empty()) {
    card["actions"] = json::array(
        {{{"type", "Action.OpenUrl"}, {"title", "Open in Vigil"}, {"url", Str(alert, "link")}}});
  }
  return Dump(
      {{"type", "message"},
       {"attachments", json::array({{{"contentType", "application/vnd.microsoft.card.adaptive"},
                                     {"contentUrl", nullptr},
                                     {"content", card}}})}});
}

// An RFC 2047 encoded word when `s` is not plain ASCII.
std::string HeaderText(std::string_view s) {
  bool ascii = true;
  for (unsigned char c : s) ascii = ascii && c >= 0x20 && c < 0x7F;
  if (ascii) return std::string(s);
  static constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string b64;
  for (size_t i = 0; i < s.size(); i += 3) {
    uint32_t n = static_cast<unsigned char>(s[i]) << 16;
    if (i + 1 < s.size()) n |= static_cast<unsigned char>(s[i + 1]) << 8;
    if (i + 2 < s.size()) n |= static_cast<unsigned char>(s[i + 2]);
    b64 += kB64[(n >> 18) & 63];
    b64 += kB64[(n >> 12) & 63];
    b64 += i + 1 < s.size() ? kB64[(n >> 6) & 63] : '=';
    b64 += i + 2 < s.size() ? kB64[n & 63] : '=';
  }
  return "=?UTF-8?B?" + b64 + "?=";
}

// RFC 5322's date: "Thu, 03 Dec 2026 14:00:00 +0000".
std::string RfcDate(int64_t epoch_ms) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t t = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} +0000", kDays[tm.tm_wday], tm.tm_mday,
                     kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

// Lines of a text part: CRLF endings, a leading dot doubled is the client's (curl does it).
std::string CrLf(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') {
      out += "\r\n";
    } else if (c != '\r') {
      out.push_back(c);
    }
  }
  return out;
}

std::string MailBody(const Channel& c, const Notification& n, const json& alert, int64_t now) {
  const std::string boundary = "vigil-" + n.id;
  std::string to;
  for (const std::string& r : c.to) to += (to.empty() ? "" : ", ") + r;
  std::string html = "<html><body><h2>" + HtmlEscape(Str(alert, "title")) + "</h2><table>";
  for (const auto& [label, value] : Facts(alert)) {
    html += "<tr><th align=\"left\">" + HtmlEscape(label) + "</th><td>" + HtmlEscape(value) +
            "</td></tr>";
  }
  html += "</table><pre>" + HtmlEscape(Str(alert, "body")) + "</pre>";
  if (!Str(alert, "link").empty()) {
    html += "<p><a href=\"" + HtmlEscape(Str(alert, "link")) + "\">Open in Vigil</a></p>";
  }
  html += "<p>Finding ids: " + HtmlEscape(IdList(alert, 100)) + "</p></body></html>";
  std::string text = Str(alert, "body");
  if (!Str(alert, "link").empty()) text += "\nOpen in Vigil: " + Str(alert, "link") + "\n";
  text += "\nFinding ids: " + IdList(alert, 100) + "\n";
  std::string m;
  m += "From: " + c.from + "\r\n";
  m += "To: " + to + "\r\n";
  m += "Subject: " + HeaderText(Truncated(Str(alert, "title"), 200)) + "\r\n";
  m += "Date: " + RfcDate(now) + "\r\n";
  m += "Message-ID: <" + n.id + "@vigil>\r\n";
  m += "X-Vigil-Rule: " + HeaderText(Str(alert, "rule")) + "\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
  m += "--" + boundary + "\r\nContent-Type: text/plain; charset=UTF-8\r\n";
  m += "Content-Transfer-Encoding: 8bit\r\n\r\n" + CrLf(text) + "\r\n";
  m += "--" + boundary + "\r\nContent-Type: text/html; charset=UTF-8\r\n";
  m += "Content-Transfer-Encoding: 8bit\r\n\r\n" + CrLf(html) + "\r\n";
  m += "--" + boundary + "--\r\n";
  return m;
}

Result<OutgoingRequest> SnsRequest(const Channel& c, const Notification& n, const json& alert,
                                   int64_t now) {
  // arn:aws:sns:REGION:ACCOUNT:NAME
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    size_t end = c.topic_arn.find(':', start);
    parts.push_back(c.topic_arn.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (parts.size() != 6) return Status::InvalidArgument("topic_arn is not an SNS topic ARN");
  const std::string& region = parts[3];
  std::optional<aws::Credentials> credentials;
  if (!c.access_key_id.empty()) {
    credentials = aws::Credentials{c.access_key_id, c.secret_access_key, c.session_token};
  } else {
    credentials = aws::CredentialsFromEnvironment();
  }
  if (!credentials) {
    return Status::InvalidArgument(
        "no AWS credentials: give the channel access_key_id and secret_access_key, or set "
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the server");
  }
  OutgoingRequest r;
  r.url = c.endpoint.empty() ? fmt::format("https://sns.{}.amazonaws.com/", region) : c.endpoint;
  // The host (and port) and the path of the URL, as signed.
  std::string rest = r.url.substr(r.url.find("://") + 3);
  const size_t slash = rest.find('/');
  const std::string host = rest.substr(0, slash);
  const std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
  std::string subject;
  for (unsigned char ch : Str(alert, "title")) {
    if (ch >= 0x20 && ch < 0x7F) subject.push_back(static_cast<char>(ch));  // ASCII only
  }
  if (subject.size() > 99) subject.resize(99);
  std::string first_type;
  if (alert.contains("findings") && alert["findings"].is_array() && !alert["findings"].empty()) {
    first_type = Str(alert["findings"][0], "type");
  }
  std::vector<std::pair<std::string, std::string>> form = {{"Action", "Publish"},
                                                           {"Version", "2010-03-31"},
                                                           {"TopicArn", c.topic_arn},
                                                           {"Message", n.alert}};
  if (!subject.empty()) form.emplace_back("Subject", subject);
  int entry = 0;
  auto attribute = [&](const std::string& name, const std::string& type, const std::string& v) {
    if (v.empty()) return;
    ++entry;
    const std::string prefix = fmt::format("MessageAttributes.entry.{}.", entry);
    form.emplace_back(prefix + "Name", name);
    form.emplace_back(prefix + "Value.DataType", type);
    form.emplace_back(prefix + "Value.StringValue", v);
  };
  attribute("severity", "Number", fmt::format("{}", alert.value("severity", 0.0)));
  attribute("severity_label", "String", Str(alert, "severity_label"));
  attribute("type", "String", first_type);
  attribute("rule", "String", Str(alert, "rule"));
  if (c.topic_arn.ends_with(".fifo")) {
    form.emplace_back("MessageDeduplicationId", n.id.substr(0, 128));
    form.emplace_back("MessageGroupId", Str(alert, "rule"));
  }
  for (const auto& [k, v] : form) {
    if (!r.body.empty()) r.body += "&";
    r.body += PercentEncode(k) + "=" + PercentEncode(v);
  }
  aws::SignableRequest s;
  s.host = host;
  s.path = path;
  s.headers = {{"Content-Length", std::to_string(r.body.size())},
               {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  s.body = r.body;
  r.headers = s.headers;
  for (auto& h : aws::SignV4(s, region, "sns", *credentials, aws::AmzDate(now))) {
    r.headers.push_back(std::move(h));
  }
  return r;
}

size_t Collect(char* data, size_t size, size_t n, void* out) {
  auto* s = static_cast<std::string*>(out);
  const size_t bytes = size * n;
  if (s->size() < kMaxErrorBody) s->append(data, std::min(bytes, kMaxErrorBody - s->size()));
  return bytes;
}

struct Upload {
  std::string_view data;
  size_t offset = 0;
};

size_t Feed(char* buffer, size_t size, size_t n, void* in) {
  auto* u = static_cast<Upload*>(in);
  const size_t bytes = std::min(size * n, u->data.size() - u->offset);
  std::memcpy(buffer, u->data.data() + u->offset, bytes);
  u->offset += bytes;
  return bytes;
}

}  // namespace

Result<OutgoingRequest> RenderNotification(const Channel& c, const Notification& n, int64_t now) {
  OutgoingRequest r;
  json alert;
  if (c.type == ChannelType::kWebhook) {
    // The alert as the outbox has it with two members more, spliced in once simdjson has
    // checked it is a JSON object, rather than parsed into a tree and written again.
    std::string_view a = n.alert;
    while (!a.empty() && std::isspace(static_cast<unsigned char>(a.back()))) a.remove_suffix(1);
    thread_local simdjson::dom::parser parser;
    simdjson::dom::object object;
    if (a.empty() || a.back() != '}' ||
        parser.parse(a.data(), a.size()).get(object) != simdjson::SUCCESS) {
      return Status::InvalidArgument("the notification's alert is not a JSON object");
    }
    r.body.reserve(a.size() + n.id.size() + c.name.size() + 40);
    r.body.append(a.substr(0, a.size() - 1));
    if (object.size() != 0) r.body += ',';
    r.body += "\"notification_id\":";
    AppendJsonString(&r.body, n.id);
    r.body += ",\"channel\":";
    AppendJsonString(&r.body, c.name);
    r.body += '}';
  } else {
    alert = json::parse(n.alert, nullptr, false);
    if (!alert.is_object()) return Status::InvalidArgument("the notification's alert is not JSON");
  }
  switch (c.type) {
    case ChannelType::kWebhook: {
      r.url = c.url;
      r.headers.emplace_back("Content-Type", "application/json");
      for (const auto& h : c.headers) r.headers.push_back(h);
      if (!c.secret.empty())
        r.headers.emplace_back("X-Vigil-Signature", WebhookSignature(c.secret, r.body));
      break;
    }
    case ChannelType::kSlack:
      r.url = c.url;
      r.body = SlackBody(alert);
      r.headers.emplace_back("Content-Type", "application/json");
      break;
    case ChannelType::kTeams:
      r.url = c.url;
      r.body = TeamsBody(alert);
      r.headers.emplace_back("Content-Type", "application/json");
      break;
    case ChannelType::kEmail:
      r.smtp = true;
      r.url = c.smtp_url;
      r.body = MailBody(c, n, alert, now);
      r.mail_from = c.from;
      r.recipients = c.to;
      r.username = c.username;
      r.password = c.password;
      r.starttls = c.starttls;
      r.ca_file = c.ca_file;
      return r;
    case ChannelType::kSns: {
      Result<OutgoingRequest> sns = SnsRequest(c, n, alert, now);
      if (!sns.ok()) return sns.status();
      r = std::move(*sns);
      break;
    }
  }
  r.headers.emplace_back("Idempotency-Key", n.id);
  r.headers.emplace_back("User-Agent", "Vigil-Alerts/1");
  r.ca_file = c.ca_file;
  return r;
}

DeliveryResult Send(const OutgoingRequest& request, const TransportOptions& options) {
  DeliveryResult result;
  // One handle per thread, reset for each request: it keeps its connections open, so a channel
  // delivering one notification after another reuses one.
  thread_local std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    result.error = "cannot start a libcurl transfer";
    return result;
  }
  CURL* c = curl.get();
  curl_easy_reset(c);
  char error[CURL_ERROR_SIZE] = {0};
  std::string answer;
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, options.timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, std::min(options.timeout_ms, 5'000L));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, options.verify_tls ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, options.verify_tls ? 2L : 0L);
  if (!request.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, request.ca_file.c_str());
  curl_slist* list = nullptr;
  Upload upload{request.body};
  if (request.smtp) {
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, ("<" + request.mail_from + ">").c_str());
    for (const std::string& r : request.recipients) {
      list = curl_slist_append(list, ("<" + r + ">").c_str());
    }
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, list);
    if (request.url.starts_with("smtp://")) {
      curl_easy_setopt(c, CURLOPT_USE_SSL, request.starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE);
    }
    if (!request.username.empty()) {
      curl_easy_setopt(c, CURLOPT_USERNAME, request.username.c_str());
      curl_easy_setopt(c, CURLOPT_PASSWORD, request.password.c_str());
    }
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, Feed);
    curl_easy_setopt(c, CURLOPT_READDATA, &upload);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else {
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    for (const auto& [k, v] : request.headers) {
      const std::string line = fmt::format("{}: {}", k, v);
      list = curl_slist_append(list, line.c_str());
    }
    list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);
  }
  const CURLcode code = curl_easy_perform(c);
  curl_slist_free_all(list);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &result.code);
  if (code != CURLE_OK) {
    result.error = error[0] != '\0' ? std::string(error) : curl_easy_strerror(code);
    if (result.code != 0) result.error = fmt::format("{} (reply {})", result.error, result.code);
    return result;
  }
  if (request.smtp) {
    result.ok = true;  // libcurl succeeds only once the server accepted the message
    return result;
  }
  if (result.code >= 200 && result.code < 300) {
    result.ok = true;
    return result;
  }
  result.error = fmt::format("HTTP {}: {}", result.code, answer);
  return result;
}

}  // namespace vigil::alert
