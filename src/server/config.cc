#include "server/config.h"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <exception>
#include <functional>
#include <initializer_list>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "alert/alert_store.h"
#include "server/server.h"

namespace vigil::server {
namespace {

constexpr int kMaxThreads = 256;  // as the --threads flag
constexpr std::string_view kRoles = "ingest, read, admin";

// A value in the document: where it is (its key path and mark) and what it is.
struct Field {
  std::string path;  // "auth.api_keys[2].role"
  YAML::Node node;
  // The value's position, or its key's when the value is empty (an empty value's own mark is
  // wherever the parser went next, often the following line).
  YAML::Mark mark;
};

std::string_view TypeName(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return "a string";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

// A scalar quoted for a message: escaped, and cut to stay a one-liner.
std::string Quote(std::string_view s) {
  constexpr size_t kMax = 40;
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < kMax; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  out += s.size() > kMax ? "...\"" : "\"";
  return out;
}

// What a value was, for "expected X, got Y".
std::string Got(const YAML::Node& node) {
  return node.IsScalar() ? Quote(node.Scalar()) : std::string(TypeName(node));
}

bool HasControlCharacter(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) == 0x7f;
  });
}

// RFC 9110 token characters: what a header name may contain.
bool IsTokenCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

class Parser {
 public:
  explicit Parser(std::string_view name) : name_(name) {}

  Status Parse(const YAML::Node& root, ServerConfig* config) {
    Field top{"", root, root.Mark()};
    return ForEachKey(
        top, {"data", "listen", "threads", "limits", "tls", "auth", "sns", "web", "alerts"},
        [&](std::string_view key, const Field& f) -> Status {
          if (key == "alerts") return Alerts(f, config);
          if (key == "data") return String(f, &config->data_dir);
          if (key == "listen") return Listen(f, &config->listen);
          if (key == "threads") return Threads(f, &config->threads);
          if (key == "limits") return Limits(f, config);
          if (key == "tls") return Tls(f, config);
          if (key == "sns") return Sns(f, config);
          if (key == "web") return Web(f, config);
          return Auth(f, config);
        });
  }

 private:
  using KeyFn = std::function<Status(std::string_view key, const Field& value)>;

  Status Error(const YAML::Mark& mark, std::string_view path, std::string_view what) const {
    std::string where(name_);
    if (!mark.is_null()) where += fmt::format(":{}:{}", mark.line + 1, mark.column + 1);
    if (path.empty()) return Status::InvalidArgument(fmt::format("{}: {}", where, what));
    return Status::InvalidArgument(fmt::format("{}: {}: {}", where, path, what));
  }
  Status Error(const Field& f, std::string_view what) const { return Error(f.mark, f.path, what); }

  // Calls `fn` for each key of the mapping `f` in document order. Null (an empty section, or one
  // whose entries are all commented out) is an empty mapping. Unknown and repeated keys are
  // errors: yaml-cpp keeps both of two equal keys, and a lookup would silently see only one.
  Status ForEachKey(const Field& f, std::initializer_list<std::string_view> known,
                    const KeyFn& fn) const {
    if (f.node.IsNull()) return Status::Ok();
    if (!f.node.IsMap()) return Error(f, fmt::format("expected a mapping, got {}", Got(f.node)));
    std::map<std::string, int, std::less<>> seen;  // key -> its line
    // By value: yaml-cpp's iterators yield temporaries (`it->first` would dangle).
    for (const auto& entry : f.node) {
      const YAML::Node key = entry.first;
      if (!key.IsScalar()) {
        return Error(key.Mark(), f.path, fmt::format("expected a key, got {}", TypeName(key)));
      }
      const std::string& k = key.Scalar();
      const std::string path = f.path.empty() ? k : f.path + "." + k;
      if (std::find(known.begin(), known.end(), k) == known.end()) {
        std::string expected;
        for (std::string_view n : known)
          expected += (expected.empty() ? "" : ", ") + std::string(n);
        return Error(key.Mark(), path, fmt::format("unknown key; expected one of {}", expected));
      }
      if (auto [prev, inserted] = seen.emplace(k, key.Mark().line + 1); !inserted) {
        return Error(key.Mark(), path, fmt::format("repeats the key of line {}", prev->second));
      }
      const YAML::Node value = entry.second;
      const YAML::Mark mark = value.IsNull() ? key.Mark() : value.Mark();
      VIGIL_RETURN_IF_ERROR(fn(k, Field{path, value, mark}));
    }
    return Status::Ok();
  }

  // A non-empty scalar without control characters.
  Status String(const Field& f, std::optional<std::string>* out) const {
    std::string s;
    VIGIL_RETURN_IF_ERROR(String(f, &s));
    *out = std::move(s);
    return Status::Ok();
  }
  Status String(const Field& f, std::string* out) const {
    if (!f.node.IsScalar()) return Error(f, fmt::format("expected a string, got {}", Got(f.node)));
    const std::string& s = f.node.Scalar();
    if (s.empty()) return Error(f, "must not be empty");
    if (HasControlCharacter(s)) return Error(f, "must not contain control characters");
    *out = s;
    return Status::Ok();
  }

  // A positive integer no larger than `max`. A quoted number is accepted too.
  Status Positive(const Field& f, uint64_t max, uint64_t* out) const {
    if (!f.node.IsScalar()) {
      return Error(f, fmt::format("expected a positive integer, got {}", Got(f.node)));
    }
    const std::string& s = f.node.Scalar();
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc::result_out_of_range || (ec == std::errc() && v > max)) {
      return Error(f, fmt::format("must be at most {}, got {}", max, s));
    }
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) {
      return Error(f, fmt::format("expected a positive integer, got {}", Quote(s)));
    }
    if (v == 0) return Error(f, "must be positive, got 0");
    *out = v;
    return Status::Ok();
  }
  Status Positive(const Field& f, std::optional<uint64_t>* out) const {
    uint64_t v = 0;
    VIGIL_RETURN_IF_ERROR(Positive(f, std::numeric_limits<uint64_t>::max(), &v));
    *out = v;
    return Status::Ok();
  }

  Status Threads(const Field& f, std::optional<int>* out) const {
    uint64_t v = 0;
    VIGIL_RETURN_IF_ERROR(Positive(f, kMaxThreads, &v));
    *out = static_cast<int>(v);
    return Status::Ok();
  }

  Status Listen(const Field& f, std::optional<std::string>* out) const {
    if (f.node.IsSequence()) {  // [::1]:9750 unquoted is a YAML list
      return Error(f, "expected HOST:PORT, got a list (quote an IPv6 address: \"[::1]:9750\")");
    }
    std::string s;
    VIGIL_RETURN_IF_ERROR(String(f, &s));
    std::string host;
    uint16_t port = 0;
    if (Status st = ParseListen(s, &host, &port); !st.ok()) {
      // ParseListen names the --listen flag; the key path names the option here.
      std::string why = st.message();
      const std::string flag_prefix = fmt::format("--listen [{}]: ", s);
      if (why.starts_with(flag_prefix)) why.erase(0, flag_prefix.size());
      return Error(f, fmt::format("{}, got {}", why, Quote(s)));
    }
    *out = std::move(s);
    return Status::Ok();
  }

  Status Limits(const Field& f, ServerConfig* c) const {
    return ForEachKey(f,
                      {"max_body_bytes", "max_header_bytes", "max_json_depth", "max_bulk_items",
                       "max_concurrent_requests", "request_timeout_seconds"},
                      [&](std::string_view key, const Field& v) -> Status {
                        if (key == "max_body_bytes") return Positive(v, &c->max_body_bytes);
                        if (key == "max_header_bytes") return Positive(v, &c->max_header_bytes);
                        if (key == "max_json_depth") return Positive(v, &c->max_json_depth);
                        if (key == "max_bulk_items") return Positive(v, &c->max_bulk_items);
                        if (key == "max_concurrent_requests") {
                          return Positive(v, &c->max_concurrent_requests);
                        }
                        return Positive(v, &c->request_timeout_seconds);
                      });
  }

  Status Tls(const Field& f, ServerConfig* c) const {
    VIGIL_RETURN_IF_ERROR(ForEachKey(f, {"cert_file", "key_file"},
                                     [&](std::string_view key, const Field& v) -> Status {
                                       if (key == "cert_file") return String(v, &c->tls_cert_file);
                                       return String(v, &c->tls_key_file);
                                     }));
    if (c->tls_cert_file.has_value() != c->tls_key_file.has_value()) {
      return Error(f, fmt::format("cert_file and key_file go together; {} is missing",
                                  c->tls_cert_file ? "key_file" : "cert_file"));
    }
    return Status::Ok();
  }

  Status Web(const Field& f, ServerConfig* c) const {
    return ForEachKey(f, {"root"}, [&](std::string_view, const Field& v) -> Status {
      return String(v, &c->web_root);
    });
  }

  // alerts: base_url, channels and rules in the shapes of the API (docs/alerting.md); each
  // entry is read by the alert module, and its error placed at the entry.
  Status Alerts(const Field& f, ServerConfig* c) const {
    Status read = ForEachKey(
        f, {"base_url", "channels", "rules"}, [&](std::string_view key, const Field& v) -> Status {
          if (key == "base_url") {
            VIGIL_RETURN_IF_ERROR(String(v, &c->alerts_base_url));
            if (!IsUrlPrefix(*c->alerts_base_url + "/")) {
              return Error(v,
                           fmt::format("expected an http:// or https:// URL, got {}", Got(v.node)));
            }
            if (c->alerts_base_url->ends_with("/")) c->alerts_base_url->pop_back();
            return Status::Ok();
          }
          return AlertEntries(v, key == "channels", c);
        });
    if (!read.ok()) return read;
    alert::Definitions d{c->alert_channels, c->alert_rules, 0};
    if (Status s = alert::AlertStore::Check(d); !s.ok()) return Error(f, s.message());
    return Status::Ok();
  }

  Status AlertEntries(const Field& f, bool channels, ServerConfig* c) const {
    if (f.node.IsNull()) return Status::Ok();
    if (!f.node.IsSequence()) return Error(f, fmt::format("expected a list, got {}", Got(f.node)));
    for (size_t i = 0; i < f.node.size(); ++i) {
      const YAML::Node n = f.node[i];
      Field e{fmt::format("{}[{}]", f.path, i), n, n.IsNull() ? f.mark : n.Mark()};
      if (!n.IsMap()) return Error(e, fmt::format("expected a mapping, got {}", Got(n)));
      const std::string text = ToJson(n).dump();
      if (channels) {
        Result<alert::Channel> ch = alert::ParseChannel(text);
        if (!ch.ok()) return Error(e, ch.status().message());
        c->alert_channels.push_back(std::move(*ch));
      } else {
        Result<alert::Rule> r = alert::ParseRule(text);
        if (!r.ok()) return Error(e, r.status().message());
        c->alert_rules.push_back(std::move(*r));
      }
    }
    return Status::Ok();
  }

  // A YAML value as JSON: a plain scalar that reads as a boolean or a number is one; a quoted
  // scalar is a string.
  static nlohmann::json ToJson(const YAML::Node& n) {
    switch (n.Type()) {
      case YAML::NodeType::Map: {
        nlohmann::json o = nlohmann::json::object();
        for (const auto& entry : n) o[entry.first.Scalar()] = ToJson(entry.second);
        return o;
      }
      case YAML::NodeType::Sequence: {
        nlohmann::json a = nlohmann::json::array();
        for (const auto& entry : n) a.push_back(ToJson(entry));
        return a;
      }
      case YAML::NodeType::Scalar: {
        const std::string& s = n.Scalar();
        if (n.Tag() == "!") return s;
        if (s == "true") return true;
        if (s == "false") return false;
        int64_t i = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
        if (ec == std::errc() && end == s.data() + s.size()) return i;
        return s;
      }
      default:
        return nullptr;
    }
  }

  Status Auth(const Field& f, ServerConfig* c) const {
    return ForEachKey(f, {"api_keys", "header"},
                      [&](std::string_view key, const Field& v) -> Status {
                        if (key == "header") return Header(v, &c->auth_header);
                        return ApiKeys(v, &c->api_keys);
                      });
  }

  Status Header(const Field& f, std::optional<std::string>* out) const {
    std::string s;
    VIGIL_RETURN_IF_ERROR(String(f, &s));
    if (!std::all_of(s.begin(), s.end(), IsTokenCharacter)) {
      return Error(
          f, fmt::format("expected a header name (letters, digits, '-'...), got {}", Quote(s)));
    }
    std::transform(s.begin(), s.end(), s.begin(), [](char ch) {
      return ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch;
    });
    if (s == "authorization") {
      return Error(f, "Authorization is always read; name a custom header such as x-vigil-key");
    }
    *out = std::move(s);
    return Status::Ok();
  }

  Status ApiKeys(const Field& f, std::vector<ApiKeyConfig>* out) const {
    if (f.node.IsNull()) return Status::Ok();  // every entry commented out
    if (!f.node.IsSequence()) return Error(f, fmt::format("expected a list, got {}", Got(f.node)));
    for (size_t i = 0; i < f.node.size(); ++i) {
      const YAML::Node entry = f.node[i];
      Field e{fmt::format("{}[{}]", f.path, i), entry, entry.IsNull() ? f.mark : entry.Mark()};
      ApiKeyConfig key;
      VIGIL_RETURN_IF_ERROR(ApiKey(e, &key));
      for (size_t j = 0; j < out->size(); ++j) {
        const ApiKeyConfig& other = (*out)[j];
        if (other.sha256 == key.sha256) {
          return Error(entry["sha256"].Mark(), e.path + ".sha256",
                       fmt::format("the same key as {}[{}] ({}); give each client its own key",
                                   f.path, j, Quote(other.name)));
        }
        if (other.name == key.name) {
          return Error(entry["name"].Mark(), e.path + ".name",
                       fmt::format("{} is already the name of {}[{}]; names tell keys apart in "
                                   "logs",
                                   Quote(key.name), f.path, j));
        }
      }
      out->push_back(std::move(key));
    }
    return Status::Ok();
  }

  Status ApiKey(const Field& f, ApiKeyConfig* key) const {
    if (!f.node.IsMap()) {
      return Error(
          f, fmt::format("expected a mapping (name, sha256, role, accounts), got {}", Got(f.node)));
    }
    VIGIL_RETURN_IF_ERROR(ForEachKey(f, {"name", "sha256", "role", "accounts"},
                                     [&](std::string_view k, const Field& v) -> Status {
                                       if (k == "name") return String(v, &key->name);
                                       if (k == "sha256") return Sha256(v, &key->sha256);
                                       if (k == "role") return Role(v, &key->role);
                                       return Accounts(v, &key->accounts);
                                     }));
    for (auto [field, value] : {std::pair<std::string_view, const std::string*>{"name", &key->name},
                                {"sha256", &key->sha256},
                                {"role", &key->role}}) {
      if (value->empty()) return Error(f, fmt::format("missing {}", field));
    }
    return Status::Ok();
  }

  // Never quotes the value: it may be the key itself, pasted in the wrong place.
  Status Sha256(const Field& f, std::string* out) const {
    if (!f.node.IsScalar()) {
      return Error(f, fmt::format("expected 64 hex digits, got {}", TypeName(f.node)));
    }
    std::string s = f.node.Scalar();
    const bool hex = std::all_of(s.begin(), s.end(), [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    });
    if (s.size() != 64 || !hex) {
      return Error(f,
                   fmt::format("expected 64 hex digits (the SHA-256 of the key, as `vigil keygen` "
                               "prints it), got {} characters{}",
                               s.size(), hex ? "" : " that are not all hex digits"));
    }
    std::transform(s.begin(), s.end(), s.begin(), [](char c) {
      return c >= 'A' && c <= 'F' ? static_cast<char>(c - 'A' + 'a') : c;
    });
    *out = std::move(s);
    return Status::Ok();
  }

  Status Role(const Field& f, std::string* out) const {
    if (!f.node.IsScalar()) {
      return Error(f, fmt::format("expected one of {}, got {}", kRoles, Got(f.node)));
    }
    const std::string& s = f.node.Scalar();
    if (s != "ingest" && s != "read" && s != "admin") {
      return Error(f, fmt::format("expected one of {}, got {}", kRoles, Quote(s)));
    }
    *out = s;
    return Status::Ok();
  }

  Status Accounts(const Field& f, std::vector<std::string>* out) const {
    if (f.node.IsNull()) return Status::Ok();
    if (!f.node.IsSequence()) {
      return Error(f, fmt::format("expected a list of account ids, got {}", Got(f.node)));
    }
    for (size_t i = 0; i < f.node.size(); ++i) {
      const YAML::Node n = f.node[i];
      Field a{fmt::format("{}[{}]", f.path, i), n, n.IsNull() ? f.mark : n.Mark()};
      const bool ok = n.IsScalar() && n.Scalar().size() == 12 &&
                      std::all_of(n.Scalar().begin(), n.Scalar().end(),
                                  [](char c) { return c >= '0' && c <= '9'; });
      if (!ok) return Error(a, fmt::format("expected a 12-digit AWS account id, got {}", Got(n)));
      out->push_back(n.Scalar());
    }
    return Status::Ok();
  }

  Status Sns(const Field& f, ServerConfig* c) const {
    return ForEachKey(f, {"topic_arns", "extra_trusted_url_prefixes"},
                      [&](std::string_view key, const Field& v) -> Status {
                        if (key == "topic_arns") {
                          return Strings(v, "an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)",
                                         IsTopicArn, &c->sns_topic_arns);
                        }
                        return Strings(v, "a URL prefix such as http://127.0.0.1:8080/",
                                       IsUrlPrefix, &c->sns_extra_trusted_url_prefixes);
                      });
  }

  static bool IsTopicArn(const std::string& s) {
    // arn:PARTITION:sns:REGION:ACCOUNT:NAME
    std::vector<std::string_view> parts;
    std::string_view rest = s;
    for (size_t colon; (colon = rest.find(':')) != std::string_view::npos;) {
      parts.push_back(rest.substr(0, colon));
      rest.remove_prefix(colon + 1);
    }
    parts.push_back(rest);
    return parts.size() == 6 && parts[0] == "arn" && parts[1].starts_with("aws") &&
           parts[2] == "sns" && !parts[3].empty() && parts[4].size() == 12 &&
           std::all_of(parts[4].begin(), parts[4].end(),
                       [](char ch) { return ch >= '0' && ch <= '9'; }) &&
           !parts[5].empty();
  }

  static bool IsUrlPrefix(const std::string& s) {
    return (s.starts_with("http://") || s.starts_with("https://")) && s.ends_with("/") &&
           s.find_first_of(" @") == std::string::npos && s.size() > 9;
  }

  // A list of non-empty strings that each pass `valid`.
  Status Strings(const Field& f, std::string_view what, bool (*valid)(const std::string&),
                 std::vector<std::string>* out) const {
    if (f.node.IsNull()) return Status::Ok();
    if (!f.node.IsSequence()) return Error(f, fmt::format("expected a list, got {}", Got(f.node)));
    for (size_t i = 0; i < f.node.size(); ++i) {
      const YAML::Node n = f.node[i];
      Field e{fmt::format("{}[{}]", f.path, i), n, n.IsNull() ? f.mark : n.Mark()};
      if (!n.IsScalar() || !valid(n.Scalar())) {
        return Error(e, fmt::format("expected {}, got {}", what, Got(n)));
      }
      out->push_back(n.Scalar());
    }
    return Status::Ok();
  }

  std::string_view name_;
};

// Events of a document looked at only to know that it is there.
class IgnoreEvents : public YAML::EventHandler {
 public:
  YAML::Mark document_start;  // of the last document seen

  void OnDocumentStart(const YAML::Mark& mark) override { document_start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// True when every line is blank, a comment, or a document marker ("---", "...").
bool OnlyCommentsAndBlanks(std::string_view text) {
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    const size_t first = line.find_first_not_of(" \t\r");
    if (first != std::string_view::npos) {
      line.remove_prefix(first);
      if (line[0] != '#' && !line.starts_with("---") && !line.starts_with("...")) return false;
    }
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return true;
}

}  // namespace

Result<ServerConfig> ParseConfig(std::string_view yaml, std::string_view name) {
  // yaml-cpp reports malformed YAML (and a few misuses) by exception; none leaves this function.
  try {
    // Not YAML::LoadAll: yaml-cpp 0.7 loops forever in it on some malformed input (a stray ',':
    // jbeder/yaml-cpp#1040, fixed upstream by #1319, found here by fuzz/config_fuzzer.cc). The
    // first document is loaded, and a second one only looked for, a bounded number of steps.
    const std::string text(yaml);
    YAML::Node root = YAML::Load(text);
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    IgnoreEvents ignore;
    parser.HandleNextDocument(ignore);
    if (parser.HandleNextDocument(ignore)) {
      const YAML::Mark& m = ignore.document_start;
      return Status::InvalidArgument(
          fmt::format("{}:{}:{}: expected one YAML document (a mapping of settings), found another",
                      name, m.line + 1, m.column + 1));
    }
    ServerConfig config;
    if (root.IsNull()) {
      if (!OnlyCommentsAndBlanks(text)) {
        return Status::InvalidArgument(
            fmt::format("{}: expected a mapping of settings, found text that is not one", name));
      }
      return config;
    }
    Status s = Parser(name).Parse(root, &config);
    if (!s.ok()) return s;
    return config;
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) return Status::InvalidArgument(fmt::format("{}: {}", name, e.msg));
    return Status::InvalidArgument(
        fmt::format("{}:{}:{}: {}", name, e.mark.line + 1, e.mark.column + 1, e.msg));
  } catch (const std::exception& e) {
    return Status::InvalidArgument(fmt::format("{}: {}", name, e.what()));
  }
}

Result<ServerConfig> LoadConfig(Env* env, const std::string& path) {
  Result<std::string> text = env->ReadFile(path, kMaxConfigBytes);
  if (!text.ok()) {
    return Status(text.status().code(), "config file: " + text.status().message());
  }
  return ParseConfig(*text, path);
}

}  // namespace vigil::server
