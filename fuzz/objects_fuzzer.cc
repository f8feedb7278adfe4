// The saved objects' attribute checks on arbitrary bytes, for each type: whatever they accept is
// compact JSON that they accept again unchanged (fuzz/corpus/objects holds a visualization and a
// dashboard to start from). The store is opened once, on an empty temporary directory; nothing is
// written.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "storage/object_store.h"

namespace {

vigil::storage::ObjectStore* Store() {
  static vigil::Env* env = vigil::NewPosixEnv().release();
  // The store's (empty) directory, removed when the fuzzer exits.
  static char dir[] = "/tmp/vigil-objects-fuzz-XXXXXX";
  static vigil::storage::ObjectStore* store = [] {
    if (mkdtemp(dir) == nullptr) std::abort();
    std::atexit([] { std::filesystem::remove_all(dir); });
    auto opened = vigil::storage::ObjectStore::Open(env, dir);
    if (!opened.ok()) std::abort();
    return opened->release();
  }();
  return store;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (std::string_view type : vigil::storage::ObjectStore::kTypes) {
    vigil::Result<std::string> compact = Store()->ValidateAttributes(type, text);
    if (!compact.ok()) continue;
    vigil::Result<std::string> again = Store()->ValidateAttributes(type, *compact);
    if (!again.ok() || *again != *compact) __builtin_trap();
  }
  return 0;
}
