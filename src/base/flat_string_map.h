// FlatStringMap: a hash map from strings to small values, for the hot name lookups of the write
// path (field names of every document). Open addressing with linear probing over a power-of-two
// table at most half full; each slot holds the key's 64-bit hash (XXH3) beside the value, so a
// probe reads the key's bytes only when the hashes match. Keys are copied into an arena owned by
// the map: views of them stay valid until Clear() or destruction. Not thread-safe.
#pragma once

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil {

template <typename V>
class FlatStringMap {
 public:
  FlatStringMap() { slots_.resize(16); }

  static uint64_t Hash(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

  // The value of `key`, or nullptr.
  V* Find(std::string_view key) { return Find(key, Hash(key)); }
  V* Find(std::string_view key, uint64_t hash) {
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.key.data() == nullptr) return nullptr;
      if (s.hash == hash && s.key == key) return &s.value;
    }
  }

  struct Inserted {
    V* value;
    std::string_view key;  // the map's copy
    bool inserted;         // false: the key was there, *value is its old value
  };
  // The value of `key`, inserted as `value` when absent.
  Inserted Insert(std::string_view key, V value) {
    return Insert(key, Hash(key), std::move(value));
  }
  Inserted Insert(std::string_view key, uint64_t hash, V value) {
    size_t mask = slots_.size() - 1;
    size_t i = hash & mask;
    for (;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.key.data() == nullptr) break;
      if (s.hash == hash && s.key == key) return {&s.value, s.key, false};
    }
    if ((size_ + 1) * 2 > slots_.size()) {
      Grow();
      mask = slots_.size() - 1;
      for (i = hash & mask; slots_[i].key.data() != nullptr; i = (i + 1) & mask) {
      }
    }
    Slot& s = slots_[i];
    s.key = Store(key);
    s.hash = hash;
    s.value = std::move(value);
    ++size_;
    return {&s.value, s.key, true};
  }

  size_t size() const { return size_; }

  void Clear() {
    slots_.assign(16, Slot());
    size_ = 0;
    blocks_.clear();
    left_ = 0;
  }

 private:
  struct Slot {
    std::string_view key;  // data() == nullptr: empty
    uint64_t hash = 0;
    V value{};
  };
  static constexpr size_t kBlock = 16 << 10;

  void Grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    const size_t mask = slots_.size() - 1;
    for (Slot& s : old) {
      if (s.key.data() == nullptr) continue;
      size_t i = s.hash & mask;
      while (slots_[i].key.data() != nullptr) i = (i + 1) & mask;
      slots_[i] = std::move(s);
    }
  }

  std::string_view Store(std::string_view key) {
    // Never a null data(), even for the empty key: null marks an empty slot.
    const size_t n = key.size() == 0 ? 1 : key.size();
    if (n > left_) {
      const size_t size = n > kBlock / 4 ? n : kBlock;
      blocks_.push_back(std::make_unique<char[]>(size));
      cursor_ = blocks_.back().get();
      left_ = size;
    }
    char* dst = cursor_;
    if (!key.empty()) std::memcpy(dst, key.data(), key.size());
    cursor_ += n;
    left_ -= n;
    return {dst, key.size()};
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* cursor_ = nullptr;
  size_t left_ = 0;
};

}  // namespace vigil
