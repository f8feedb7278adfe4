// The documents of a segment that have some ordinals of a field: from the postings when the
// ordinals are few, from the column when they are many (the executor's leaves).
#pragma once

#include <cstdint>
#include <vector>

#include "base/status.h"
#include "storage/postings.h"
#include "storage/segment_reader.h"

namespace vigil::query {

// Adds the documents of ordinals [lo, hi) of a field to *out.
Status AddOrdRange(const storage::SegmentReader& r, int field, uint32_t lo, uint32_t hi,
                   storage::Bitmap* out);

// Adds the documents of a set of ordinals (sorted) of a field to *out.
Status AddOrds(const storage::SegmentReader& r, int field, const std::vector<uint32_t>& ords,
               storage::Bitmap* out);

}  // namespace vigil::query
