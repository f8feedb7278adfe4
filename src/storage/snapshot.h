// Snapshot: what one query reads. A fixed list of segments, each with the set of its documents
// deleted at the moment the snapshot was taken, and the mapping of that moment. A snapshot never
// changes: writes that come later make new snapshots, so a reader never sees half a batch.
// Holding a snapshot keeps its segments (and their memory or files) alive. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
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

  // The source of the live document `id`, or nullopt when there is none.
  Result<std::optional<std::string>> GetSource(std::string_view id) const {
    std::vector<uint32_t> docs;
    for (size_t i = segments.size(); i-- > 0;) {  // the newest segment first
      const SegmentView& view = segments[i];
      VIGIL_RETURN_IF_ERROR(view.segment->FindId(id, &docs));
      for (uint32_t d : docs) {
        if (!view.IsLive(d)) continue;
        Result<std::string> source = view.segment->Source(d);
        if (!source.ok()) return source.status();
        return std::optional<std::string>(std::move(*source));
      }
    }
    return std::optional<std::string>();
  }
};

}  // namespace vigil::storage
