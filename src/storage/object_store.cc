#include "storage/object_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <random>

namespace vigil::storage {

namespace {

using json = nlohmann::ordered_json;

constexpr size_t kMaxIdBytes = 64;
constexpr size_t kMaxTitleBytes = 256;
constexpr size_t kMaxPanels = 100;
constexpr std::string_view kSuffix = ".json";
constexpr std::string_view kTempSuffix = ".json.tmp";

// The nesting of JSON text (brackets outside strings), checked before parsing.
Status CheckDepth(std::string_view text, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) {
        return Status::InvalidArgument(fmt::format(
            "the attributes are nested deeper than {} levels (at byte {})", max_depth, i));
      }
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return Status::Ok();
}

Result<json> Parse(std::string_view text, size_t max_depth) {
  VIGIL_RETURN_IF_ERROR(CheckDepth(text, max_depth));
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    if (size_t p = what.find(": "); p != std::string::npos) what = what.substr(p + 2);
    return Status::InvalidArgument(fmt::format("the attributes are not valid JSON: {}", what));
  } catch (const json::exception& e) {
    // A number beyond a double's range ("1e999") is out_of_range, not a parse_error.
    std::string what = e.what();
    if (size_t p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    return Status::InvalidArgument(fmt::format("the attributes are not valid JSON: {}", what));
  }
}

std::string_view TypeName(const json& j) {
  switch (j.type()) {
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::null:
      return "null";
    default:
      return "a number";
  }
}

Status Invalid(std::string_view field, std::string_view want, const json& got) {
  return Status::InvalidArgument(
      fmt::format("[{}] must be {}, got {}", field, want, TypeName(got)));
}

// A grid coordinate or size: an integer in [min, max].
Status CheckGridInt(const json& panel, std::string_view key, size_t i, int64_t min, int64_t max) {
  const std::string field = fmt::format("panels[{}].{}", i, key);
  auto it = panel.find(key);
  if (it == panel.end()) {
    return Status::InvalidArgument(fmt::format("[{}] is missing", field));
  }
  if (!it->is_number_integer()) return Invalid(field, "an integer", *it);
  const auto v = it->get<int64_t>();
  if (v < min || v > max) {
    return Status::InvalidArgument(
        fmt::format("[{}] must be between {} and {}, got {}", field, min, max, v));
  }
  return Status::Ok();
}

Status CheckDashboard(const json& a) {
  auto panels = a.find("panels");
  if (panels == a.end()) return Status::InvalidArgument("[panels] is missing");
  if (!panels->is_array()) return Invalid("panels", "an array", *panels);
  if (panels->size() > kMaxPanels) {
    return Status::InvalidArgument(
        fmt::format("a dashboard holds at most {} panels, got {}", kMaxPanels, panels->size()));
  }
  constexpr int64_t kCols = ObjectStore::kGridColumns;
  for (size_t i = 0; i < panels->size(); ++i) {
    const json& p = (*panels)[i];
    if (!p.is_object()) return Invalid(fmt::format("panels[{}]", i), "an object", p);
    auto vis = p.find("visualization");
    if (vis == p.end()) {
      return Status::InvalidArgument(fmt::format("[panels[{}].visualization] is missing", i));
    }
    if (!vis->is_string()) {
      return Invalid(fmt::format("panels[{}].visualization", i), "a string (an id)", *vis);
    }
    VIGIL_RETURN_IF_ERROR(CheckGridInt(p, "x", i, 0, kCols - 1));
    VIGIL_RETURN_IF_ERROR(CheckGridInt(p, "w", i, 1, kCols));
    VIGIL_RETURN_IF_ERROR(CheckGridInt(p, "y", i, 0, 10'000));
    VIGIL_RETURN_IF_ERROR(CheckGridInt(p, "h", i, 1, 100));
    if (p["x"].get<int64_t>() + p["w"].get<int64_t>() > kCols) {
      return Status::InvalidArgument(
          fmt::format("[panels[{}]] goes past the grid's {} columns (x {} + w {})", i, kCols,
                      p["x"].get<int64_t>(), p["w"].get<int64_t>()));
    }
  }
  return Status::Ok();
}

Status CheckVisualization(const json& a) {
  auto kind = a.find("kind");
  if (kind == a.end()) return Status::InvalidArgument("[kind] is missing");
  if (!kind->is_string()) return Invalid("kind", "a string", *kind);
  const auto& kinds = ObjectStore::kVisualizationKinds;
  if (std::find(kinds.begin(), kinds.end(), kind->get<std::string>()) == kinds.end()) {
    return Status::InvalidArgument(
        fmt::format("[kind] must be one of metric, table, pie, bar, line, map; got \"{}\"",
                    kind->get<std::string>()));
  }
  return Status::Ok();
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string Key(std::string_view type, std::string_view id) {
  return fmt::format("{}/{}", type, id);
}

std::string NewId() {
  // 16 hex digits (64 random bits): ids need to be unique, not secret.
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:016x}", rng());
}

// The file's text: {"type":..,"id":..,"version":..,"updated_at":..,"attributes":{..}}.
std::string Serialize(const SavedObject& o) {
  json j;
  j["type"] = o.type;
  j["id"] = o.id;
  j["version"] = o.version;
  j["updated_at"] = o.updated_at;
  j["attributes"] = json::parse(o.attributes);
  return j.dump() + "\n";
}

}  // namespace

ObjectStore::ObjectStore(Env* env, std::string dir, ObjectStoreOptions options)
    : env_(env), dir_(std::move(dir)), options_(std::move(options)) {}

Result<std::unique_ptr<ObjectStore>> ObjectStore::Open(Env* env, std::string dir,
                                                       ObjectStoreOptions options) {
  std::unique_ptr<ObjectStore> store(new ObjectStore(env, std::move(dir), std::move(options)));
  VIGIL_RETURN_IF_ERROR(store->Load());
  return store;
}

Status ObjectStore::ValidateTypeAndId(std::string_view type, std::string_view id) {
  if (std::find(kTypes.begin(), kTypes.end(), type) == kTypes.end()) {
    return Status::InvalidArgument(fmt::format(
        "unknown saved object type [{}]: use dashboard, search or visualization", type));
  }
  bool ok = !id.empty() && id.size() <= kMaxIdBytes;
  for (char c : id) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_');
  }
  if (!ok) {
    return Status::InvalidArgument(fmt::format(
        "invalid saved object id [{}]: use 1 to {} letters, digits, '-' and '_'", id, kMaxIdBytes));
  }
  return Status::Ok();
}

Result<std::string> ObjectStore::ValidateAttributes(std::string_view type,
                                                    std::string_view attributes) const {
  if (attributes.size() > options_.max_object_bytes) {
    return Status::ResourceExhausted(
        fmt::format("the attributes are {} bytes, more than the {} a "
                    "saved object may hold",
                    attributes.size(), options_.max_object_bytes));
  }
  Result<json> parsed = Parse(attributes, options_.max_json_depth);
  if (!parsed.ok()) return parsed.status();
  const json& a = *parsed;
  if (!a.is_object()) return Invalid("attributes", "an object", a);
  auto title = a.find("title");
  if (title == a.end()) return Status::InvalidArgument("[title] is missing");
  if (!title->is_string()) return Invalid("title", "a string", *title);
  const auto& t = title->get_ref<const std::string&>();
  if (t.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::InvalidArgument("[title] must not be empty");
  }
  if (t.size() > kMaxTitleBytes) {
    return Status::InvalidArgument(
        fmt::format("[title] is {} bytes, more than {}", t.size(), kMaxTitleBytes));
  }
  if (type == "dashboard") VIGIL_RETURN_IF_ERROR(CheckDashboard(a));
  if (type == "visualization") VIGIL_RETURN_IF_ERROR(CheckVisualization(a));
  return a.dump();
}

std::string ObjectStore::PathOf(std::string_view type, std::string_view id) const {
  return JoinPath(JoinPath(dir_, type), fmt::format("{}{}", id, kSuffix));
}

int64_t ObjectStore::Now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status ObjectStore::Load() {
  for (std::string_view type : kTypes) {
    VIGIL_RETURN_IF_ERROR(env_->CreateDirs(JoinPath(dir_, type)));
  }
  Result<std::vector<std::string>> files = env_->ListFilesRecursive(dir_);
  if (!files.ok()) return files.status();
  for (const std::string& path : *files) {
    const std::string_view name = BaseName(path);
    if (name.ends_with(kTempSuffix)) {
      // A write that did not finish: the object it was replacing is still in place.
      VIGIL_RETURN_IF_ERROR(env_->RemoveFile(path));
      continue;
    }
    auto skip = [&](std::string_view why) {
      warnings_.push_back(fmt::format("saved object file {} skipped: {}", path, why));
    };
    const std::string type(BaseName(DirName(path)));
    if (!name.ends_with(kSuffix)) {
      skip("not a .json file");
      continue;
    }
    const std::string_view id = name.substr(0, name.size() - kSuffix.size());
    if (DirName(DirName(path)) != dir_ || !ValidateTypeAndId(type, id).ok()) {
      skip("not at objects/<type>/<id>.json");
      continue;
    }
    Result<std::string> text = env_->ReadFile(path, options_.max_object_bytes + 4096);
    if (!text.ok()) {
      skip(text.status().message());
      continue;
    }
    Result<json> j = Parse(*text, options_.max_json_depth + 1);
    if (!j.ok()) {
      skip(j.status().message());
      continue;
    }
    if (!j->is_object() || !j->contains("attributes") || !j->contains("version") ||
        !(*j)["version"].is_number_unsigned() || !j->contains("updated_at") ||
        !(*j)["updated_at"].is_number_integer() || j->value("id", "") != id ||
        j->value("type", "") != type) {
      skip("not a saved object (type, id, version, updated_at and attributes)");
      continue;
    }
    Result<std::string> attributes = ValidateAttributes(type, (*j)["attributes"].dump());
    if (!attributes.ok()) {
      skip(attributes.status().message());
      continue;
    }
    SavedObject o;
    o.type = type;
    o.id = std::string(id);
    o.version = (*j)["version"].get<uint64_t>();
    o.updated_at = (*j)["updated_at"].get<int64_t>();
    o.attributes = std::move(*attributes);
    o.title = (*j)["attributes"]["title"].get<std::string>();
    objects_[Key(o.type, o.id)] = std::move(o);
  }
  return Status::Ok();
}

Result<SavedObject> ObjectStore::Get(std::string_view type, std::string_view id) const {
  VIGIL_RETURN_IF_ERROR(ValidateTypeAndId(type, id));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(Key(type, id));
  if (it == objects_.end()) {
    return Status::NotFound(fmt::format("saved object [{}/{}] not found", type, id));
  }
  return it->second;
}

std::vector<SavedObject> ObjectStore::List(std::string_view type) const {
  std::vector<SavedObject> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, o] : objects_) {
      if (type.empty() || o.type == type) out.push_back(o);
    }
  }
  std::sort(out.begin(), out.end(), [](const SavedObject& a, const SavedObject& b) {
    if (a.type != b.type) return a.type < b.type;
    const std::string la = Lower(a.title);
    const std::string lb = Lower(b.title);
    if (la != lb) return la < lb;
    return a.id < b.id;
  });
  return out;
}

Result<SavedObject> ObjectStore::Put(std::string_view type, std::string_view id,
                                     std::string_view attributes,
                                     std::optional<uint64_t> expected_version, bool* created) {
  const std::string new_id = id.empty() ? NewId() : std::string(id);
  VIGIL_RETURN_IF_ERROR(ValidateTypeAndId(type, new_id));
  Result<std::string> compact = ValidateAttributes(type, attributes);
  if (!compact.ok()) return compact.status();

  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(Key(type, new_id));
  const uint64_t current = it == objects_.end() ? 0 : it->second.version;
  if (expected_version && *expected_version != current) {
    return Status::Conflict(
        current == 0
            ? fmt::format("saved object [{}/{}]: version {} was expected, but it does not exist",
                          type, new_id, *expected_version)
            : fmt::format("saved object [{}/{}]: version conflict, the current version is {} "
                          "and {} was given (somebody else saved it in the meantime)",
                          type, new_id, current, *expected_version));
  }
  if (it == objects_.end() && objects_.size() >= options_.max_objects) {
    return Status::ResourceExhausted(
        fmt::format("there are {} saved objects, the most the server keeps: delete some first",
                    objects_.size()));
  }
  SavedObject o;
  o.type = std::string(type);
  o.id = new_id;
  o.version = current + 1;
  o.updated_at = Now();
  o.attributes = std::move(*compact);
  o.title = json::parse(o.attributes)["title"].get<std::string>();

  const std::string path = PathOf(type, new_id);
  const std::string temp = path + ".tmp";
  {
    Result<std::unique_ptr<WritableFile>> file = env_->NewWritableFile(temp);
    if (!file.ok()) return file.status();
    VIGIL_RETURN_IF_ERROR((*file)->Append(Serialize(o)));
    VIGIL_RETURN_IF_ERROR((*file)->Sync());
    VIGIL_RETURN_IF_ERROR((*file)->Close());
  }
  VIGIL_RETURN_IF_ERROR(env_->RenameFile(temp, path));
  VIGIL_RETURN_IF_ERROR(env_->SyncDir(DirName(path)));
  if (created != nullptr) *created = current == 0;
  objects_[Key(o.type, o.id)] = o;
  return o;
}

Status ObjectStore::Delete(std::string_view type, std::string_view id,
                           std::optional<uint64_t> expected_version) {
  VIGIL_RETURN_IF_ERROR(ValidateTypeAndId(type, id));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(Key(type, id));
  if (it == objects_.end()) {
    return Status::NotFound(fmt::format("saved object [{}/{}] not found", type, id));
  }
  if (expected_version && *expected_version != it->second.version) {
    return Status::Conflict(fmt::format(
        "saved object [{}/{}]: version conflict, the current version is {} and {} was given", type,
        id, it->second.version, *expected_version));
  }
  const std::string path = PathOf(type, id);
  VIGIL_RETURN_IF_ERROR(env_->RemoveFile(path));
  VIGIL_RETURN_IF_ERROR(env_->SyncDir(DirName(path)));
  objects_.erase(it);
  return Status::Ok();
}

size_t ObjectStore::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return objects_.size();
}

}  // namespace vigil::storage
