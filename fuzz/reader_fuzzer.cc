// libFuzzer target for the findings reader: any bytes, as any kind of input (JSON, JSON Lines,
// gzip), must give findings or issues, never a crash, a hang or a sanitizer report. The first
// byte picks the input name (and so the JSON Lines detection).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "findings/finding_reader.h"

namespace {

class NullSink : public vigil::findings::FindingSink {
 public:
  void OnFinding(const vigil::findings::ReadFinding& f) override {
    // Touch everything the reader hands out.
    out_.clear();
    f.document->WriteJson(&out_);
    f.document->WriteJson(&out_, true);
    out_.append(f.raw);
  }
  void OnIssue(const vigil::findings::ReadIssue& issue) override { out_ = issue.ToString(); }

 private:
  std::string out_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static constexpr std::string_view kNames[] = {"in.json", "in.jsonl", "in.json.gz", "in"};
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view name = kNames[0];
  if (!input.empty()) {
    name = kNames[static_cast<uint8_t>(input[0]) % 4];
    input.remove_prefix(1);
  }
  vigil::findings::ReaderOptions options;
  options.keep_raw = true;
  options.max_event_bytes = 64 * 1024;
  options.max_input_bytes = 1 << 20;
  vigil::findings::FindingReader reader(options);
  NullSink sink;
  reader.Read(name, input, 0, &sink);
  return 0;
}
