// Writes the seed inputs of storage_fuzzer (fuzz/corpus/storage) in the current formats: a small
// in-memory segment, a plain and a derived WAL payload, and a plain and a compressed term
// dictionary. Each file's first byte selects the fuzzer's parser. Run it after a format change:
//   build/asan-ubsan/fuzz/make_storage_corpus fuzz/corpus/storage
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "storage/segment_builder.h"
#include "storage/segment_merger.h"
#include "storage/term_dict.h"
#include "storage/term_encoding.h"
#include "storage/write_batch.h"

namespace {

using namespace vigil::storage;  // NOLINT(google-build-using-namespace): a small tool
using vigil::Result;

void Write(const std::string& path, char selector, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out << selector << bytes;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_storage_corpus DIR\n");
    return 2;
  }
  const std::string dir = argv[1];

  SegmentBuilder builder;
  uint32_t type = builder.FieldHandle("type", FieldType::kKeyword);
  uint32_t count = builder.FieldHandle("service.count", FieldType::kLong);
  for (int i = 0; i < 6; ++i) {
    uint32_t doc = builder.StartDoc("id-" + std::to_string(i), {1000 + i, i},
                                    "{\"n\":" + std::to_string(i) + "}");
    builder.AddTerm(
        type, doc,
        i % 2 == 0 ? "Recon:EC2/PortProbeUnprotectedPort" : "Backdoor:EC2/C&CActivity.B");
    std::string term;
    EncodeSortableLong(i, &term);
    builder.AddTerm(count, doc, term);
  }
  Result<std::string> segment = builder.Finish(1, 6);
  if (!segment.ok()) return 1;
  Write(dir + "/segment", 1, *segment);

  // A segment file whose sources are in dictionary blocks (format 3, kSourceDict), small enough
  // for the fuzzer's input size: a tiny dictionary learnt from repetitive documents.
  {
    SegmentBuilder b;
    std::vector<std::string> sources;
    for (int i = 0; i < 80; ++i) {
      sources.push_back(
          "{\"schemaVersion\":\"2.0\",\"region\":\"us-east-1\",\"type\":"
          "\"Recon:EC2/PortProbeUnprotectedPort\",\"n\":" +
          std::to_string(i) + ",\"pad\":\"" + std::string(800, 'a' + i % 3) + "\"}");
      b.StartDoc("d" + std::to_string(i), {i, 0}, sources.back());
    }
    Result<std::string> plain_segment = b.Finish(1, 80);
    if (!plain_segment.ok()) return 1;
    auto reader = SegmentReader::FromBytes("corpus", *plain_segment);
    std::vector<std::string_view> views(sources.begin(), sources.end());
    auto dict = ZstdDictionary::Train(views, 1024);
    if (!reader.ok() || !dict.ok() || *dict == nullptr) return 1;
    SegmentWriter writer;
    MergeSource input{*reader, std::make_shared<Bitmap>()};
    auto merged = MergeSegments(std::span<const MergeSource>(&input, 1), 1, &writer, *dict);
    if (!merged.ok()) return 1;
    Write(dir + "/segment_dict", 1, merged->bytes);
  }

  FieldValue v = FieldValue::String("us-east-1");
  IndexField fields[] = {{"region", FieldType::kKeyword, {&v, 1}}};
  WriteBatch plain;
  plain.Upsert({"a", {1, 2}, "{\"id\":\"a\"}", fields});
  plain.Delete("b");
  std::string buffer;
  Write(dir + "/batch", 2, EncodeWalPayload(&plain, &buffer));
  WriteBatch derived;
  derived.SetDerived(1);
  IndexDoc doc{"a", {1, 2}, "{\"id\":\"a\"}", fields};
  doc.context = 42;
  derived.Upsert(doc);
  derived.DeleteIfOlder("c", 7);
  Write(dir + "/derived_batch", 2, EncodeWalPayload(&derived, &buffer));

  std::vector<std::string> terms;
  for (int i = 0; i < 200; ++i) {
    terms.push_back("arn:aws:guardduty:us-east-1:123456789012:detector/d/finding/" +
                    std::to_string(100000 + i * 37));
  }
  std::vector<std::string_view> views(terms.begin(), terms.end());
  std::string dict;
  TermDictOptions no_zstd;
  no_zstd.allow_compression = false;
  EncodeTermDict(std::span<const std::string_view>(views).subspan(0, 40), &dict, no_zstd);
  Write(dir + "/terms_plain", 5, dict);
  dict.clear();
  EncodeTermDict(views, &dict);
  Write(dir + "/terms_zstd", 5, dict);
  return 0;
}
