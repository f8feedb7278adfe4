// Mapping: the type of every field of an index, fixed on first sight (DESIGN.md section 2.3),
// with the number of values that did not fit the type (kept in conflict-safe form, counted).
// There is no limit on the number of fields.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "base/status.h"
#include "storage/field_value.h"

namespace vigil::storage {

struct FieldMapping {
  FieldType type = FieldType::kNone;
  uint64_t conflicts = 0;  // values that did not fit `type`
};

class Mapping {
 public:
  const FieldMapping* Find(std::string_view name) const {
    auto it = fields_.find(name);
    return it == fields_.end() ? nullptr : &it->second;
  }
  // Sets the type of a new field; returns the field's mapping (unchanged when it existed).
  FieldMapping& Add(std::string_view name, FieldType type);
  const std::map<std::string, FieldMapping, std::less<>>& fields() const { return fields_; }
  size_t size() const { return fields_.size(); }

  // {"field": {"type": "keyword", "conflicts": 0}, ...}
  void AppendJson(std::string* out) const;
  // Reads what AppendJson wrote (already parsed by the manifest reader).
  Status AddFromJson(std::string_view name, std::string_view type, uint64_t conflicts);

 private:
  std::map<std::string, FieldMapping, std::less<>> fields_;
};

}  // namespace vigil::storage
