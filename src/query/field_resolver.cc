#include "query/field_resolver.h"

#include <algorithm>

namespace vigil::query {

namespace {

constexpr std::string_view kKeywordSuffix = ".keyword";

bool IsString(storage::FieldType type) {
  return type == storage::FieldType::kKeyword || type == storage::FieldType::kText;
}

}  // namespace

bool MatchesFieldPattern(std::string_view pattern, std::string_view name) {
  // Iterative glob with backtracking to the last `*`.
  size_t p = 0;
  size_t n = 0;
  size_t star = std::string_view::npos;
  size_t mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

ResolvedField FieldResolver::Resolve(std::string_view user_name) const {
  ResolvedField r;
  if (user_name == kIdField) {  // every segment has it; the mapping does not list it
    r.name = std::string(kIdField);
    r.type = storage::FieldType::kKeyword;
    return r;
  }
  if (const storage::FieldMapping* m = mapping_->Find(user_name)) {
    if (m->type != storage::FieldType::kNone && m->type != storage::FieldType::kObject) {
      r.name = std::string(user_name);
      r.type = m->type;
      r.has_conflicts = m->conflicts > 0;
    }
    return r;
  }
  if (user_name.ends_with(kKeywordSuffix)) {
    std::string_view base = user_name.substr(0, user_name.size() - kKeywordSuffix.size());
    if (const storage::FieldMapping* m = mapping_->Find(base); m != nullptr && IsString(m->type)) {
      r.name = std::string(base);
      r.type = storage::FieldType::kKeyword;  // the exact form, even of a text field
      r.has_conflicts = m->conflicts > 0;
    }
  }
  return r;
}

std::vector<ResolvedField> FieldResolver::Expand(std::string_view pattern) const {
  std::vector<ResolvedField> out;
  if (pattern.find('*') == std::string_view::npos) {
    ResolvedField r = Resolve(pattern);
    if (r.known()) out.push_back(std::move(r));
    return out;
  }
  for (const auto& [name, m] : mapping_->fields()) {
    if (m.type == storage::FieldType::kNone || m.type == storage::FieldType::kObject) continue;
    if (!MatchesFieldPattern(pattern, name)) continue;
    out.push_back(ResolvedField{name, m.type, m.conflicts > 0});
  }
  return out;
}

FieldInSegment FindSegmentField(const SegmentContext& segment, const ResolvedField& field) {
  FieldInSegment f;
  f.field = field;
  if (!field.known()) return f;
  f.index = segment.reader->FindField(field.name, false);
  if (field.has_conflicts) f.conflict_index = segment.reader->FindField(field.name, true);
  return f;
}

}  // namespace vigil::query
