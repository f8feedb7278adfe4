#include "alert/alert_store.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

namespace vigil::alert {

namespace {

using json = nlohmann::ordered_json;

constexpr uint64_t kMaxFileBytes = 64 << 20;

Status Conflict(std::string message) { return Status::Conflict(std::move(message)); }

Status NotFound(std::string_view kind, std::string_view name) {
  return Status::NotFound(fmt::format("no alert {} named [{}]", kind, name));
}

template <typename T>
void SortByName(std::vector<T>* v) {
  std::sort(v->begin(), v->end(), [](const T& a, const T& b) { return a.name < b.name; });
}

template <typename T>
const T* FindByName(const std::vector<T>& v, std::string_view name) {
  for (const T& x : v) {
    if (x.name == name) return &x;
  }
  return nullptr;
}

// Every definition, the configuration's first.
Definitions Merge(const Definitions& configured, const Definitions& api) {
  Definitions all = configured;
  all.channels.insert(all.channels.end(), api.channels.begin(), api.channels.end());
  all.rules.insert(all.rules.end(), api.rules.begin(), api.rules.end());
  SortByName(&all.channels);
  SortByName(&all.rules);
  all.version = api.version;
  return all;
}

}  // namespace

AlertStore::AlertStore(Env* env, std::string path, Definitions configured, AlertStoreLimits limits)
    : env_(env), path_(std::move(path)), configured_(std::move(configured)), limits_(limits) {}

Result<std::unique_ptr<AlertStore>> AlertStore::Open(Env* env, const std::string& path,
                                                     Definitions configured,
                                                     AlertStoreLimits limits) {
  VIGIL_RETURN_IF_ERROR(Check(configured));
  std::unique_ptr<AlertStore> store(new AlertStore(env, path, std::move(configured), limits));
  VIGIL_RETURN_IF_ERROR(store->Load());
  return store;
}

Status AlertStore::Check(const Definitions& d) {
  std::set<std::string_view> channels;
  for (const Channel& c : d.channels) {
    if (!channels.insert(c.name).second) {
      return Status::InvalidArgument(fmt::format("two alert channels are named [{}]", c.name));
    }
  }
  std::set<std::string_view> rules;
  for (const Rule& r : d.rules) {
    if (!rules.insert(r.name).second) {
      return Status::InvalidArgument(fmt::format("two alert rules are named [{}]", r.name));
    }
    for (const std::string& c : r.channels) {
      if (channels.count(c) == 0) {
        return Status::InvalidArgument(
            fmt::format("alert rule [{}]: no channel is named [{}]", r.name, c));
      }
    }
  }
  return Status::Ok();
}

Status AlertStore::Load() {
  Result<FileInfo> info = env_->Stat(path_);
  if (!info.ok()) return info.status();
  if (!info->exists) return Status::Ok();
  Result<std::string> text = env_->ReadFile(path_, kMaxFileBytes);
  if (!text.ok()) return text.status();
  json j = json::parse(*text, nullptr, false);
  if (!j.is_object() || !j.contains("channels") || !j["channels"].is_array() ||
      !j.contains("rules") || !j["rules"].is_array()) {
    return Status::Corruption(
        fmt::format("{}: not the alert definitions Vigil writes (an object of "
                    "\"channels\" and \"rules\" arrays)",
                    path_));
  }
  Definitions api;
  for (const json& c : j["channels"]) {
    Result<Channel> channel = ParseChannel(c.dump());
    if (!channel.ok()) {
      return Status::Corruption(fmt::format("{}: {}", path_, channel.status().message()));
    }
    api.channels.push_back(std::move(*channel));
  }
  for (const json& r : j["rules"]) {
    Result<Rule> rule = ParseRule(r.dump());
    if (!rule.ok())
      return Status::Corruption(fmt::format("{}: {}", path_, rule.status().message()));
    api.rules.push_back(std::move(*rule));
  }
  api.version = j.value("version", uint64_t{0});
  SortByName(&api.channels);
  SortByName(&api.rules);
  if (Status s = Check(Merge(configured_, api)); !s.ok()) {
    return Status::Corruption(
        fmt::format("{}: {} (a name also defined in the configuration "
                    "file?)",
                    path_, s.message()));
  }
  std::lock_guard<std::mutex> lock(mu_);
  api_ = std::move(api);
  return Status::Ok();
}

Status AlertStore::Save(const Definitions& api) {
  json j = json::object();
  j["version"] = api.version;
  j["channels"] = json::array();
  for (const Channel& c : api.channels)
    j["channels"].push_back(json::parse(ChannelToJson(c, false)));
  j["rules"] = json::array();
  for (const Rule& r : api.rules) j["rules"].push_back(json::parse(RuleToJson(r)));
  const std::string temp = path_ + ".tmp";
  VIGIL_RETURN_IF_ERROR(env_->CreateDirs(DirName(path_)));
  {
    Result<std::unique_ptr<WritableFile>> file = env_->NewWritableFile(temp);
    if (!file.ok()) return file.status();
    VIGIL_RETURN_IF_ERROR((*file)->Append(j.dump(2) + "\n"));
    VIGIL_RETURN_IF_ERROR((*file)->Sync());
    VIGIL_RETURN_IF_ERROR((*file)->Close());
  }
  VIGIL_RETURN_IF_ERROR(env_->RenameFile(temp, path_));
  return env_->SyncDir(DirName(path_));
}

Definitions AlertStore::Get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return Merge(configured_, api_);
}

uint64_t AlertStore::version() const {
  std::lock_guard<std::mutex> lock(mu_);
  return api_.version;
}

bool AlertStore::IsConfigured(std::string_view kind, std::string_view name) const {
  return kind == "channel" ? FindByName(configured_.channels, name) != nullptr
                           : FindByName(configured_.rules, name) != nullptr;
}

Status AlertStore::Refuse(std::string_view kind, std::string_view name) const {
  return Conflict(
      fmt::format("alert {} [{}] is defined in the configuration file: change it there and restart",
                  kind, name));
}

Status AlertStore::PutChannel(Channel channel, bool create) {
  std::lock_guard<std::mutex> lock(mu_);
  if (IsConfigured("channel", channel.name)) return Refuse("channel", channel.name);
  Definitions next = api_;
  auto it = std::find_if(next.channels.begin(), next.channels.end(),
                         [&](const Channel& c) { return c.name == channel.name; });
  if (it != next.channels.end()) {
    if (create) {
      return Conflict(fmt::format("alert channel [{}] already exists", channel.name));
    }
    *it = std::move(channel);
  } else {
    if (configured_.channels.size() + next.channels.size() >= limits_.max_channels) {
      return Status::InvalidArgument(fmt::format(
          "there are {} alert channels already, the most a server keeps", limits_.max_channels));
    }
    next.channels.push_back(std::move(channel));
    SortByName(&next.channels);
  }
  ++next.version;
  VIGIL_RETURN_IF_ERROR(Save(next));
  api_ = std::move(next);
  return Status::Ok();
}

Status AlertStore::PutRule(Rule rule, bool create) {
  std::lock_guard<std::mutex> lock(mu_);
  if (IsConfigured("rule", rule.name)) return Refuse("rule", rule.name);
  for (const std::string& c : rule.channels) {
    if (FindByName(configured_.channels, c) == nullptr && FindByName(api_.channels, c) == nullptr) {
      return Status::InvalidArgument(
          fmt::format("[channels]: no alert channel is named [{}] (create it first: POST "
                      "/api/alerts/channels)",
                      c));
    }
  }
  Definitions next = api_;
  auto it = std::find_if(next.rules.begin(), next.rules.end(),
                         [&](const Rule& r) { return r.name == rule.name; });
  if (it != next.rules.end()) {
    if (create) {
      return Conflict(fmt::format("alert rule [{}] already exists", rule.name));
    }
    *it = std::move(rule);
  } else {
    if (configured_.rules.size() + next.rules.size() >= limits_.max_rules) {
      return Status::InvalidArgument(fmt::format(
          "there are {} alert rules already, the most a server keeps", limits_.max_rules));
    }
    next.rules.push_back(std::move(rule));
    SortByName(&next.rules);
  }
  ++next.version;
  VIGIL_RETURN_IF_ERROR(Save(next));
  api_ = std::move(next);
  return Status::Ok();
}

Status AlertStore::DeleteChannel(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (IsConfigured("channel", name)) return Refuse("channel", name);
  if (FindByName(api_.channels, name) == nullptr) return NotFound("channel", name);
  std::vector<std::string> users;
  for (const std::vector<Rule>* rules :
       std::initializer_list<const std::vector<Rule>*>{&configured_.rules, &api_.rules}) {
    for (const Rule& r : *rules) {
      if (std::find(r.channels.begin(), r.channels.end(), name) != r.channels.end()) {
        users.push_back(r.name);
      }
    }
  }
  if (!users.empty()) {
    return Conflict(fmt::format("alert channel [{}] is used by rule(s) [{}]: change them first",
                                name, fmt::join(users, ", ")));
  }
  Definitions next = api_;
  std::erase_if(next.channels, [&](const Channel& c) { return c.name == name; });
  ++next.version;
  VIGIL_RETURN_IF_ERROR(Save(next));
  api_ = std::move(next);
  return Status::Ok();
}

Status AlertStore::DeleteRule(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (IsConfigured("rule", name)) return Refuse("rule", name);
  if (FindByName(api_.rules, name) == nullptr) return NotFound("rule", name);
  Definitions next = api_;
  std::erase_if(next.rules, [&](const Rule& r) { return r.name == name; });
  ++next.version;
  VIGIL_RETURN_IF_ERROR(Save(next));
  api_ = std::move(next);
  return Status::Ok();
}

}  // namespace vigil::alert
