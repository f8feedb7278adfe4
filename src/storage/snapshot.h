// Snapshot: what one query reads. A fixed list of segments, each with the set of its documents
// deleted at the moment the snapshot was taken, and the mapping of that moment. A snapshot never
// changes: writes that come later make new snapshots, so a reader never sees half a batch.
// Holding a snapshot keeps its segments (and their memory or files) alive. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "storage/mapping.h"
#include "storage/postings.h"
#include "storage/segment_reader.h"

namespace vigil::storage {

struct SegmentView {
  std::shared_ptr<const SegmentReader> segment;
  std::shared_ptr<const Bitmap> deleted;  // never null
  uint32_t live_docs = 0;

  bool IsLive(uint32_t doc) const { return !deleted->contains(doc); }
  // The live documents as a bitmap (all documents minus the deleted ones).
  Bitmap LiveDocs() const {
    Bitmap live;
    live.addRange(0, segment->num_docs());
    live -= *deleted;
    return live;
  }
};

struct Snapshot {
  std::vector<SegmentView> segments;
  std::shared_ptr<const Mapping> mapping;
  uint64_t last_seq = 0;  // every operation up to this sequence number is visible

  uint64_t live_docs() const {
    uint64_t n = 0;
    for (const SegmentView& s : segments) n += s.live_docs;
    return n;
  }
};

}  // namespace vigil::storage
