// libFuzzer target for the engine's parsers: segment files, write batches and WAL payloads
// (plain and derived), term dictionaries, manifests and deletion files. Any bytes must give a
// result or a Corruption status, never a crash, a hang or a sanitizer report. The first byte picks
// the parser. For segments the fuzzer also repairs the checksums (directory and sections) so that
// mutations reach the structure checks behind them, not only the checksum test.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/crc32.h"
#include "storage/coding.h"
#include "storage/compression.h"
#include "storage/deletion_file.h"
#include "storage/manifest.h"
#include "storage/segment_format.h"
#include "storage/segment_reader.h"
#include "storage/term_dict.h"
#include "storage/write_batch.h"

namespace {

using namespace vigil::storage;  // NOLINT(google-build-using-namespace): a fuzz target
using vigil::Result;
using vigil::Status;

void PutFixed32At(std::string* s, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) (*s)[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// Recomputes every checksum the segment's footer and directory let us find.
void RepairChecksums(std::string* s) {
  if (s->size() < kSegmentHeaderSize + kSegmentFooterSize) return;
  size_t footer = s->size() - kSegmentFooterSize;
  uint64_t dir_offset = DecodeFixed64(s->data() + footer);
  uint64_t dir_length = DecodeFixed64(s->data() + footer + 8);
  if (dir_offset > footer || dir_length != footer - dir_offset || dir_length < 4) return;
  uint32_t count = DecodeFixed32(s->data() + dir_offset);
  if (4 + static_cast<uint64_t>(count) * kDirectoryEntrySize != dir_length) return;
  for (uint32_t i = 0; i < count; ++i) {
    size_t e = dir_offset + 4 + i * kDirectoryEntrySize;
    uint64_t offset = DecodeFixed64(s->data() + e + 5);
    uint64_t length = DecodeFixed64(s->data() + e + 13);
    if (offset > dir_offset || length > dir_offset - offset) continue;
    PutFixed32At(s, e + 21, vigil::Crc32(std::string_view(*s).substr(offset, length)));
  }
  PutFixed32At(s, footer + 16, vigil::Crc32(std::string_view(*s).substr(dir_offset, dir_length)));
}

void ExerciseSegment(std::string bytes) {
  auto opened = SegmentReader::FromBytes("fuzz", std::move(bytes));
  if (!opened.ok()) return;
  const SegmentReader& seg = **opened;
  std::vector<uint32_t> docs;
  for (size_t f = 0; f < seg.fields().size() && f < 64; ++f) {
    int field = static_cast<int>(f);
    auto dict = seg.Terms(field);
    auto postings = seg.GetPostings(field);
    if (dict.ok() && postings.ok()) {
      std::string term;
      for (uint32_t ord = 0; ord < dict->size() && ord < 64; ++ord) {
        (void)dict->Term(ord, &term);
        (void)postings->Decode(ord, &docs);
      }
      TermDict::Iterator it(*dict);
      for (Status s = it.Seek(0); s.ok() && it.Valid() && it.ord() < 256; s = it.Next()) {
        term.assign(it.term());
      }
      (void)dict->Find("a");
      (void)dict->PrefixRange("x");
      (void)dict->UpperBound("m");
    }
    auto column = seg.GetColumn(field);
    if (column.ok()) {
      uint64_t sum = 0;
      for (uint32_t d = 0; d < seg.num_docs() && d < 256; ++d) {
        column->ForEach(d, [&](uint32_t ord) { sum += ord; });
        sum += static_cast<uint64_t>(column->Ord(d) + 1) + column->Count(d);
      }
      for (uint32_t i = 0; i < column->entries() && i < 256; ++i) sum += column->entry_doc(i);
      (void)sum;
    }
  }
  for (uint32_t d = 0; d < seg.num_docs() && d < 32; ++d) {
    (void)seg.Source(d);
    (void)seg.GetVersion(d);
    (void)seg.Id(d);
  }
  (void)seg.FindId("id", &docs);
}

void ExerciseBatch(std::string_view rep) {
  std::vector<BatchOp> ops;
  std::vector<std::string_view> names;
  if (!DecodeBatch(rep, &ops, &names).ok()) return;
  std::vector<FieldValue> scratch;
  size_t values = 0;
  for (const BatchOp& op : ops) {
    ForEachField(op, &scratch, [&](const IndexField& f, uint32_t) { values += f.values.size(); });
  }
  (void)values;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0:
      ExerciseSegment(std::string(input));
      break;
    case 1: {
      std::string repaired(input);
      RepairChecksums(&repaired);
      ExerciseSegment(std::move(repaired));
      break;
    }
    case 2: {
      ExerciseBatch(input);
      WalPayload payload;
      if (DecodeWalPayload(input, &payload).ok()) {
        if (payload.derived) {
          std::string raw;
          for (const SourceFrame& f : payload.frames) (void)ZstdDecompress(f.bytes, 1 << 24, &raw);
        } else {
          ExerciseBatch(payload.rep);
        }
      }
      break;
    }
    case 5: {
      Result<TermDict> dict = TermDict::Open(input);
      if (!dict.ok()) break;
      std::string term;
      TermDict::Iterator it(*dict);
      for (Status st = it.Seek(0); st.ok() && it.Valid() && it.ord() < 512; st = it.Next()) {
        term.assign(it.term());
      }
      for (uint32_t ord = 0; ord < dict->size() && ord < 64; ord += 7) {
        (void)dict->Term(ord, &term);
        (void)dict->Find(term);
      }
      (void)dict->PrefixRange("ab");
      (void)dict->LowerBound("m");
      break;
    }
    case 3:
      (void)DecodeManifest(input);
      break;
    case 4:
      (void)DecodeDeletions("fuzz", input, 1 << 20);
      break;
  }
  return 0;
}
