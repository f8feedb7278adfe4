// The segment file format (docs/format/segment.md has the full grammar).
//
//   segment   := header section* directory footer
//   header    := "VIGILSEG" u32 format_version u32 reserved(0)
//   directory := u32 count, entry[count]
//   entry     := u8 kind, u32 field, u64 offset, u64 length, u32 crc32(section bytes)
//   footer    := u64 directory_offset, u64 directory_length, u32 crc32(directory),
//                u32 format_version, "VSEGEND\0"
//
// Sections hold one structure each: the segment's metadata and field table, and per field its
// term dictionary, postings and column; the ids' versions; the stored sources (zstd blocks, each
// with its own checksum in the source index). Every section has a CRC-32 in the directory; the
// metadata is checked when the segment is opened, the others on first use, so opening a large
// segment costs little and a damaged section spoils only what is in it.
#pragma once

#include <cstdint>
#include <string_view>

namespace vigil::storage {

inline constexpr std::string_view kSegmentMagic = "VIGILSEG";
inline constexpr std::string_view kSegmentFooterMagic{"VSEGEND\0", 8};
inline constexpr uint32_t kSegmentFormatVersion = 3;
// The oldest version a reader takes: version 2 has no kSourceDict (its sources are plain blocks).
inline constexpr uint32_t kOldestSegmentFormatVersion = 2;
inline constexpr size_t kSegmentHeaderSize = 16;
inline constexpr size_t kSegmentFooterSize = 32;
inline constexpr size_t kDirectoryEntrySize = 1 + 4 + 8 + 8 + 4;
// `field` of an entry that belongs to the segment as a whole.
inline constexpr uint32_t kNoField = 0xFFFFFFFF;

enum class SectionKind : uint8_t {
  kMeta = 1,         // document count, sequence range, field table
  kTerms = 2,        // a field's term dictionary (term_dict.h)
  kPostings = 3,     // a field's postings (see below)
  kColumn = 4,       // a field's per-document ordinals (see below)
  kVersions = 5,     // per-document versions: two frame-of-reference packed int64 arrays
  kSourceIndex = 6,  // per source block: u32 first_doc, u64 offset, u32 length, u32 crc32,
                     // u32 live (0, or 1 + the offset of the block's entry in kSourceLive)
  kSourceData = 7,   // zstd frames; each holds u32 entries, u32 lengths[entries], the sources
  kIdFilter = 8,     // a Bloom filter of the `_id` terms (id_filter.h); optional
  kSourceLive = 9,   // for blocks copied with deleted entries: u32 entries, bitmap of the live
                     // ones (bit i of byte i / 8 is entry i); optional
  kSourceDict = 10,  // the zstd dictionary every source block is compressed with; optional
                     // (absent: plain zstd frames)
};
inline constexpr uint8_t kMaxSectionKind = 10;

// Field flags in the field table.
inline constexpr uint8_t kFieldMultiValued = 1;  // some document has several values
inline constexpr uint8_t kFieldConflicts = 2;    // the keyword entry of values that did not fit

// Postings layouts.
//   lists      := u8 0, u8 offset_bits, packed offsets[terms + 1], the lists (postings.h)
//   singletons := u8 1, u8 doc_bits, packed docs[terms]   (every term has exactly one document)
inline constexpr uint8_t kPostingsLists = 0;
inline constexpr uint8_t kPostingsSingletons = 1;

// Column layouts. A field that few documents have is sparse: it lists those documents.
//   single := u8 0, u8 bits, packed (ordinal + 1, 0 = no value)[docs]
//   multi  := u8 1, u8 offset_bits, packed offsets[docs + 1], u32 values, u8 bits,
//             packed ordinals[values]
//   sparse := u8 2, u32 count, u8 doc_bits, packed docs[count] (increasing), u8 offset_bits,
//             packed offsets[count + 1], u32 values, u8 bits, packed ordinals[values]
// A document's ordinals are sorted and distinct.
inline constexpr uint8_t kColumnSingle = 0;
inline constexpr uint8_t kColumnMulti = 1;
inline constexpr uint8_t kColumnSparse = 2;
// A field that fewer than one document in kSparseRatio has gets the sparse layout.
inline constexpr uint32_t kSparseRatio = 16;

// Uncompressed bytes of sources gathered into one zstd block: findings compress about 6x in
// blocks of 256 KiB and 4.5x in blocks of 64 KiB (docs/format/segment.md).
inline constexpr size_t kSourceBlockSize = size_t{256} * 1024;
// With a dictionary (kSourceDict: segment files), blocks of this many uncompressed bytes: a
// document is an 8 KiB decompression away, and findings compress better than in 256 KiB plain
// blocks (about 7.2 x at zstd level 3 against 6.1 x).
inline constexpr size_t kDictSourceBlockSize = size_t{8} * 1024;
// The dictionary an index trains for its segment files: at most this many bytes, learnt from
// about this many bytes of its first sources.
inline constexpr size_t kSourceDictBytes = size_t{112} * 1024;
inline constexpr size_t kSourceDictSampleBytes = size_t{4} << 20;
// An index learns its source dictionary once its in-memory segments hold this many documents.
inline constexpr uint64_t kSourceDictMinDocs = 2000;
inline constexpr size_t kSourceIndexEntrySize = 4 + 8 + 4 + 4 + 4;
// A merge copies a compressed source block whose deleted entries are marked in kSourceLive as
// long as at least kSourceReuseNumerator / kSourceReuseDenominator of its entries are live;
// below that it compresses the live sources again.
inline constexpr uint32_t kSourceReuseNumerator = 3;
inline constexpr uint32_t kSourceReuseDenominator = 4;

}  // namespace vigil::storage
