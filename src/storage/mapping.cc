#include "storage/mapping.h"

#include "base/json_writer.h"

namespace vigil::storage {

FieldMapping& Mapping::Add(std::string_view name, FieldType type) {
  auto it = fields_.find(name);
  if (it != fields_.end()) return it->second;
  return fields_.emplace(std::string(name), FieldMapping{type, 0}).first->second;
}

void Mapping::AppendJson(std::string* out) const {
  out->push_back('{');
  bool first = true;
  for (const auto& [name, m] : fields_) {
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(out, name);
    out->append(":{\"type\":");
    AppendJsonString(out, FieldTypeName(m.type));
    out->append(",\"conflicts\":");
    out->append(std::to_string(m.conflicts));
    out->push_back('}');
  }
  out->push_back('}');
}

Status Mapping::AddFromJson(std::string_view name, std::string_view type, uint64_t conflicts) {
  std::optional<FieldType> t = ParseFieldTypeName(type);
  if (!t) return Status::Corruption("mapping: unknown type \"" + std::string(type) + "\"");
  FieldMapping& m = Add(name, *t);
  m.type = *t;
  m.conflicts = conflicts;
  return Status::Ok();
}

}  // namespace vigil::storage
