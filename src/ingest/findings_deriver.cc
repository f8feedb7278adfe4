#include "ingest/findings_deriver.h"

#include <fmt/format.h>

namespace vigil::ingest {

namespace {

findings::ReaderOptions WithRaw(findings::ReaderOptions options) {
  options.keep_raw = true;
  return options;
}

// Takes the one finding (or the one problem) of a record.
class OneFinding : public findings::FindingSink {
 public:
  OneFinding(DocumentConverter* converter, storage::OpKind kind, std::string_view id,
             storage::Version version, int64_t ingested_at, storage::WriteBatch* batch)
      : converter_(converter),
        kind_(kind),
        id_(id),
        version_(version),
        ingested_at_(ingested_at),
        batch_(batch) {}

  void OnFinding(const findings::ReadFinding& finding) override {
    storage::Version version{finding.meta.updated_at, finding.meta.service_count};
    if (finding.meta.id != id_ || !(version == version_)) {
      status_ = Status::Corruption(
          fmt::format("the source is finding {} at version ({}, {}), the log says {} at ({}, {})",
                      finding.meta.id, version.primary, version.secondary, id_, version_.primary,
                      version_.secondary));
      return;
    }
    converter_->Add(kind_, finding, batch_, ingested_at_);
    added_ = true;
  }
  void OnIssue(const findings::ReadIssue& issue) override {
    status_ = Status::Corruption("the source no longer reads as a finding: " + issue.reason);
  }

  Status status() const {
    if (!status_.ok()) return status_;
    if (!added_) return Status::Corruption("the source holds no finding");
    return Status::Ok();
  }

 private:
  DocumentConverter* converter_;
  storage::OpKind kind_;
  std::string_view id_;
  storage::Version version_;
  int64_t ingested_at_;
  storage::WriteBatch* batch_;
  bool added_ = false;
  Status status_;
};

}  // namespace

FindingsDeriver::FindingsDeriver(findings::ReaderOptions options) : reader_(WithRaw(options)) {}

Status FindingsDeriver::Derive(storage::OpKind kind, std::string_view id, storage::Version version,
                               std::string_view source, uint64_t context,
                               storage::WriteBatch* batch) {
  OneFinding sink(&converter_, kind, id, version, static_cast<int64_t>(context), batch);
  findings::RawRecord record;
  record.text = source;
  (void)reader_.ReadRecord("log", record, static_cast<int64_t>(context), &sink);
  return sink.status();
}

std::shared_ptr<storage::FieldDeriver> MakeFindingsDeriver() {
  return std::make_shared<FindingsDeriver>();
}

storage::IndexOptions IngestIndexOptions() {
  storage::IndexOptions options;
  options.deriver = MakeFindingsDeriver();
  return options;
}

}  // namespace vigil::ingest
