#include "findings/flattener.h"

#include <fmt/format.h>

#include <charconv>

namespace vigil::findings {

namespace dom = simdjson::dom;

namespace {

// Appends ".part" to a key buffer and its hash. (Top-level keys are set by Flatten; an empty
// JSON key still gets its dot, as npm flat gives "a..b" for {"a": {"": {"b": 1}}}.)
void PushPart(std::string* key, std::string_view part) {
  key->push_back('.');
  key->append(part);
}

}  // namespace

Status Flattener::Flatten(dom::object object, Document* doc) {
  flat_key_.clear();
  collapsed_key_.clear();
  for (dom::key_value_pair kv : object) {
    flat_key_.assign(kv.key);
    collapsed_key_.assign(kv.key);
    VIGIL_RETURN_IF_ERROR(Walk(kv.value, 0, doc));
  }
  return Status::Ok();
}

Status Flattener::AddLeaf(const Value& value, size_t array_depth, Document* doc) {
  if (!doc->Add(flat_key_, FieldOrigin::kFlat, value)) {
    return Status::InvalidArgument(fmt::format("duplicate key \"{}\"", flat_key_));
  }
  bool is_value = value.kind != ValueKind::kNull && value.kind != ValueKind::kEmptyArray &&
                  value.kind != ValueKind::kEmptyObject;
  if (array_depth > 0 && is_value) {
    doc->Add(collapsed_key_, FieldOrigin::kCollapsed, value);
  }
  return Status::Ok();
}

Status Flattener::Walk(dom::element element, size_t array_depth, Document* doc) {
  switch (element.type()) {
    case dom::element_type::OBJECT: {
      dom::object object = element.get_object().value_unsafe();
      if (object.size() == 0)
        return AddLeaf(Value::Empty(ValueKind::kEmptyObject), array_depth, doc);
      size_t flat_len = flat_key_.size();
      size_t collapsed_len = collapsed_key_.size();
      for (dom::key_value_pair kv : object) {
        PushPart(&flat_key_, kv.key);
        PushPart(&collapsed_key_, kv.key);
        VIGIL_RETURN_IF_ERROR(Walk(kv.value, array_depth, doc));
        flat_key_.resize(flat_len);
        collapsed_key_.resize(collapsed_len);
      }
      return Status::Ok();
    }
    case dom::element_type::ARRAY: {
      dom::array array = element.get_array().value_unsafe();
      if (array.size() == 0) return AddLeaf(Value::Empty(ValueKind::kEmptyArray), array_depth, doc);
      size_t flat_len = flat_key_.size();
      size_t index = 0;
      for (dom::element item : array) {
        char digits[24];
        auto res = std::to_chars(digits, digits + sizeof(digits), index++);
        PushPart(&flat_key_, std::string_view(digits, static_cast<size_t>(res.ptr - digits)));
        VIGIL_RETURN_IF_ERROR(Walk(item, array_depth + 1, doc));
        flat_key_.resize(flat_len);
      }
      return Status::Ok();
    }
    case dom::element_type::STRING: {
      std::string_view s = element.get_string().value_unsafe();
      return AddLeaf(Value::String(s), array_depth, doc);
    }
    case dom::element_type::INT64:
      return AddLeaf(Value::Int(element.get_int64().value_unsafe()), array_depth, doc);
    case dom::element_type::UINT64:
      // Past int64: JavaScript (and so npm flat) holds it as a double too.
      return AddLeaf(Value::Double(static_cast<double>(element.get_uint64().value_unsafe())),
                     array_depth, doc);
    case dom::element_type::DOUBLE:
      return AddLeaf(Value::Double(element.get_double().value_unsafe()), array_depth, doc);
    case dom::element_type::BOOL:
      return AddLeaf(Value::Bool(element.get_bool().value_unsafe()), array_depth, doc);
    case dom::element_type::NULL_VALUE:
      return AddLeaf(Value::Null(), array_depth, doc);
  }
  return Status::Ok();
}

}  // namespace vigil::findings
