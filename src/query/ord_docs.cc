#include "query/ord_docs.h"

namespace vigil::query {

using storage::Bitmap;

namespace {

// A range of ordinals this wide or wider is read from the column rather than from postings.
constexpr uint32_t kColumnScanOrds = 1024;

}  // namespace

Status AddOrdRange(const storage::SegmentReader& r, int field, uint32_t lo, uint32_t hi,
                   Bitmap* out) {
  if (lo >= hi) return Status::Ok();
  // Every value of a field every document has: every document.
  const storage::SegmentField& info = r.fields()[static_cast<size_t>(field)];
  if (lo == 0 && info.docs_with_value == r.num_docs()) {
    Result<storage::TermDict> dict = r.Terms(field);
    if (!dict.ok()) return dict.status();
    if (hi >= dict->size()) {
      out->addRange(0, r.num_docs());
      return Status::Ok();
    }
  }
  if (hi - lo < kColumnScanOrds) {
    Result<storage::Postings> p = r.GetPostings(field);
    if (!p.ok()) return p.status();
    for (uint32_t o = lo; o < hi; ++o) VIGIL_RETURN_IF_ERROR(p->AddTo(o, out));
    return Status::Ok();
  }
  Result<storage::Column> col = r.GetColumn(field);
  if (!col.ok()) return col.status();
  std::vector<uint32_t> docs;
  for (uint32_t e = 0; e < col->entries(); ++e) {
    bool hit = false;
    col->ForEachInEntry(e, [&](uint32_t o) { hit = hit || (o >= lo && o < hi); });
    if (hit) docs.push_back(col->entry_doc(e));
  }
  out->addMany(docs.size(), docs.data());
  return Status::Ok();
}

Status AddOrds(const storage::SegmentReader& r, int field, const std::vector<uint32_t>& ords,
               Bitmap* out) {
  if (ords.empty()) return Status::Ok();
  if (ords.size() < kColumnScanOrds) {
    Result<storage::Postings> p = r.GetPostings(field);
    if (!p.ok()) return p.status();
    for (uint32_t o : ords) VIGIL_RETURN_IF_ERROR(p->AddTo(o, out));
    return Status::Ok();
  }
  Result<storage::TermDict> dict = r.Terms(field);
  if (!dict.ok()) return dict.status();
  std::vector<uint8_t> wanted(dict->size(), 0);
  for (uint32_t o : ords) wanted[o] = 1;
  Result<storage::Column> col = r.GetColumn(field);
  if (!col.ok()) return col.status();
  std::vector<uint32_t> docs;
  for (uint32_t e = 0; e < col->entries(); ++e) {
    bool hit = false;
    col->ForEachInEntry(e, [&](uint32_t o) { hit = hit || (o < wanted.size() && wanted[o]); });
    if (hit) docs.push_back(col->entry_doc(e));
  }
  out->addMany(docs.size(), docs.data());
  return Status::Ok();
}

}  // namespace vigil::query
