#include "findings/flattener.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <vector>

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

// Checks the keys of one object as they are walked: a key seen twice, a key with a dot in it.
// Objects in findings are small and never repeat a key; a 64-bit filter on the key's length and
// ends keeps the common case to a few instructions, and only a filter hit compares strings.
class KeyChecker {
 public:
  explicit KeyChecker(dom::object object) : object_(object) {}

  // Returns false when `key` repeats an earlier key of the object.
  bool Check(std::string_view key) {
    dotted_ = dotted_ || HasDot(key);
    unsigned bit = key.empty() ? 0
                               : (static_cast<unsigned>(key.size()) * 7 +
                                  static_cast<unsigned char>(key.front()) * 3 +
                                  static_cast<unsigned char>(key.back())) &
                                     63;
    uint64_t mask = uint64_t{1} << bit;
    bool ok = (seen_ & mask) == 0 || !SeenBefore(key);
    seen_ |= mask;
    if (count_ < kRemembered) {
      key_data_[count_] = key.data();
      key_size_[count_] = key.size();
    }
    ++count_;
    return ok;
  }
  bool dotted() const { return dotted_; }

 private:
  static constexpr size_t kRemembered = 32;

  // Eight bytes at a time: keys are short and this runs for every key of every finding.
  static bool HasDot(std::string_view key) {
    constexpr uint64_t kDots = 0x2e2e2e2e2e2e2e2eULL;
    constexpr uint64_t kLow = 0x0101010101010101ULL;
    constexpr uint64_t kHigh = 0x8080808080808080ULL;
    const char* p = key.data();
    size_t n = key.size();
    for (; n >= 8; p += 8, n -= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      w ^= kDots;
      if (((w - kLow) & ~w & kHigh) != 0) return true;
    }
    for (; n > 0; --n, ++p) {
      if (*p == '.') return true;
    }
    return false;
  }

  bool SeenBefore(std::string_view key) const {
    if (count_ <= kRemembered) {
      for (size_t i = 0; i < count_; ++i) {
        if (std::string_view(key_data_[i], key_size_[i]) == key) return true;
      }
      return false;
    }
    size_t i = 0;
    for (dom::key_value_pair kv : object_) {
      if (i++ == count_) break;
      if (kv.key == key) return true;
    }
    return false;
  }

  dom::object object_;
  uint64_t seen_ = 0;
  size_t count_ = 0;
  bool dotted_ = false;
  // The first keys, left uninitialised: only [0, count_) is read.
  const char* key_data_[kRemembered];
  size_t key_size_[kRemembered];
};

Status Flattener::CheckKey(KeyChecker* checker, std::string_view key, Document* doc) {
  if (!checker->Check(key)) {
    return Status::InvalidArgument(
        fmt::format("duplicate key \"{}{}{}\"", flat_key_, flat_key_.empty() ? "" : ".", key));
  }
  // A key with a dot in it can make a flat name equal to a collapsed one; from then on every
  // name is looked up, so that such fields merge instead of appearing twice.
  if (checker->dotted()) doc->IndexAll();
  return Status::Ok();
}

Status Flattener::Flatten(dom::object object, Document* doc) {
  flat_key_.clear();
  collapsed_key_.clear();
  KeyChecker checker(object);
  // A finding with its own top-level "derived" object could collide with derived.* names.
  dom::element own_derived;
  if (object["derived"].get(own_derived) == simdjson::SUCCESS) doc->IndexAll();
  for (dom::key_value_pair kv : object) {
    flat_key_.clear();
    VIGIL_RETURN_IF_ERROR(CheckKey(&checker, kv.key, doc));
    flat_key_.assign(kv.key);
    collapsed_key_.assign(kv.key);
    VIGIL_RETURN_IF_ERROR(Walk(kv.value, 0, doc));
  }
  return Status::Ok();
}

Status Flattener::AddLeaf(const Value& value, size_t array_depth, Document* doc) {
  doc->AddNewFlat(flat_key_, value);
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
      KeyChecker checker(object);
      size_t flat_len = flat_key_.size();
      size_t collapsed_len = collapsed_key_.size();
      for (dom::key_value_pair kv : object) {
        VIGIL_RETURN_IF_ERROR(CheckKey(&checker, kv.key, doc));
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
