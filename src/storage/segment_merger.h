// MergeSegments: writes the live documents of several segments, in order, as one segment. Used
// to flush the in-memory segments to a file and for the tiered merges of files. It streams: the
// memory it needs is one field's column at a time, not the whole result.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "storage/postings.h"
#include "storage/segment_reader.h"
#include "storage/segment_writer.h"

namespace vigil::storage {

struct MergeSource {
  std::shared_ptr<const SegmentReader> segment;
  std::shared_ptr<const Bitmap> deleted;  // as of the start of the merge; never null
  // Whether a source block with deleted entries may be copied with a live-entry bitmap (while
  // three quarters of it lives). False for in-memory segments being flushed: their blocks' dead
  // entries (stale or replaced versions from one write batch) are dropped while that is cheap.
  bool reuse_blocks_with_holes = true;
};

struct MergeResult {
  uint32_t docs = 0;
  uint64_t min_seq = 0;
  uint64_t max_seq = 0;
  std::string bytes;  // the segment, when `writer` writes to memory
};

// Writes the merged segment through `writer` (and calls its Finish). The document numbers of the
// result follow the sources in order, skipping deleted documents. With `dict`, the sources are
// stored in small blocks compressed with it (and the dictionary in the segment): blocks of
// inputs that have the same dictionary are copied as they are, the others' sources compressed
// again. Without, plain blocks at `zstd_level`.
Result<MergeResult> MergeSegments(std::span<const MergeSource> sources, int zstd_level,
                                  SegmentWriter* writer,
                                  const std::shared_ptr<const ZstdDictionary>& dict = nullptr);

}  // namespace vigil::storage
