#include "storage/manifest.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/crc32.h"
#include "base/json_writer.h"

namespace vigil::storage {

std::string EncodeManifest(const Manifest& m) {
  std::string json =
      fmt::format(R"({{"format":{},"next_file":{},"wal_start_seq":{},"next_seq":{},)",
                  kManifestFormatVersion, m.next_file, m.wal_start_seq, m.next_seq);
  json.append("\"segments\":[");
  for (size_t i = 0; i < m.segments.size(); ++i) {
    const ManifestSegment& s = m.segments[i];
    if (i > 0) json.push_back(',');
    json.append("{\"file\":");
    AppendJsonString(&json, s.file);
    json.append(fmt::format(",\"docs\":{},\"deletes\":", s.docs));
    AppendJsonString(&json, s.deletes);
    json.append(fmt::format(",\"deleted\":{}}}", s.deleted));
  }
  json.append("],\"mapping\":");
  m.mapping.AppendJson(&json);
  json.push_back('}');
  return fmt::format("{}\n{:08x}\n", json, Crc32(json));
}

Result<Manifest> DecodeManifest(std::string_view text) {
  if (text.size() < 10 || text.back() != '\n') return Status::Corruption("MANIFEST: truncated");
  std::string_view body = text.substr(0, text.size() - 10);
  std::string_view crc_text = text.substr(text.size() - 9, 8);
  if (text[text.size() - 10] != '\n' || fmt::format("{:08x}", Crc32(body)) != crc_text) {
    return Status::Corruption("MANIFEST: checksum mismatch");
  }
  Manifest m;
  try {
    nlohmann::json j = nlohmann::json::parse(body);
    if (j.at("format").get<int>() != kManifestFormatVersion) {
      return Status::Corruption("MANIFEST: unsupported format " + j.at("format").dump());
    }
    m.next_file = j.at("next_file").get<uint64_t>();
    m.wal_start_seq = j.at("wal_start_seq").get<uint64_t>();
    m.next_seq = j.at("next_seq").get<uint64_t>();
    for (const auto& s : j.at("segments")) {
      ManifestSegment seg;
      seg.file = s.at("file").get<std::string>();
      seg.docs = s.at("docs").get<uint32_t>();
      seg.deletes = s.at("deletes").get<std::string>();
      seg.deleted = s.at("deleted").get<uint32_t>();
      if (seg.file.find('/') != std::string::npos || seg.deletes.find('/') != std::string::npos) {
        return Status::Corruption("MANIFEST: bad file name " + seg.file);
      }
      m.segments.push_back(std::move(seg));
    }
    for (const auto& [name, f] : j.at("mapping").items()) {
      VIGIL_RETURN_IF_ERROR(m.mapping.AddFromJson(name, f.at("type").get<std::string>(),
                                                  f.at("conflicts").get<uint64_t>()));
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("MANIFEST: ") + e.what());
  }
  return m;
}

Status WriteManifest(Env* env, const std::string& dir, const Manifest& manifest) {
  std::string tmp = JoinPath(dir, "MANIFEST.tmp");
  Result<std::unique_ptr<WritableFile>> file = env->NewWritableFile(tmp);
  if (!file.ok()) return file.status();
  VIGIL_RETURN_IF_ERROR((*file)->Append(EncodeManifest(manifest)));
  VIGIL_RETURN_IF_ERROR((*file)->Sync());
  VIGIL_RETURN_IF_ERROR((*file)->Close());
  VIGIL_RETURN_IF_ERROR(env->RenameFile(tmp, JoinPath(dir, kManifestName)));
  return env->SyncDir(dir);
}

Result<Manifest> ReadManifest(Env* env, const std::string& dir) {
  Result<std::string> text = env->ReadFile(JoinPath(dir, kManifestName), 1ULL << 30);
  if (!text.ok()) return text.status();
  Result<Manifest> m = DecodeManifest(*text);
  if (!m.ok()) {
    return Status::Corruption(JoinPath(dir, kManifestName) + ": " + m.status().message());
  }
  return m;
}

}  // namespace vigil::storage
