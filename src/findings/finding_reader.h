// FindingReader: reads GuardDuty findings in every shape they arrive in and hands each one,
// validated, flattened and enriched, to a sink.
//
// Accepted: an EventBridge event ("detail-type": "GuardDuty Finding", the finding in "detail"),
// a bare finding, a JSON array of either, JSON Lines of either, and any of these gzip-compressed
// (GuardDuty's S3 export is .jsonl.gz, one bare finding per line). EventBridge events of other
// sources or other GuardDuty detail-types are skipped with a reason. Every event that cannot be
// accepted is reported with its location and a precise reason; the others go on.
//
// A FindingReader reuses its parser and buffers: use one per thread. The ReadFinding handed to
// the sink (its Document, views and raw text) is valid only during the OnFinding call.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "findings/document.h"
#include "findings/finding_meta.h"
#include "findings/flattener.h"
#include "findings/input_splitter.h"

namespace vigil::findings {

struct ReaderOptions {
  size_t max_depth = 64;                  // nesting levels of one event
  size_t max_event_bytes = 1 << 20;       // JSON text of one event
  uint64_t max_input_bytes = 1ULL << 30;  // one input after decompression
  bool keep_raw = false;                  // fill ReadFinding::raw (for the archive)
};

enum class Outcome { kAccepted, kSkipped, kRejected };

struct ReadFinding {
  std::string_view source;
  Location location;
  const Document* document = nullptr;
  FindingMeta meta;
  // The bare finding as compact one-line JSON, byte for byte as received apart from whitespace
  // (the `detail` of an event). Empty unless ReaderOptions::keep_raw.
  std::string_view raw;
};

struct ReadIssue {
  std::string_view source;
  Outcome outcome = Outcome::kRejected;  // kSkipped or kRejected
  Location location;
  std::string reason;
  // True when the problem concerns the input as a whole (gzip damage, an unclosed array, a size
  // limit) rather than one event.
  bool whole_input = false;
  // "export.jsonl:7: rejected: field \"severity\": expected a number from 0 to 10, got ..."
  std::string ToString() const;
};

class FindingSink {
 public:
  virtual ~FindingSink() = default;
  virtual void OnFinding(const ReadFinding& finding) = 0;
  virtual void OnIssue(const ReadIssue& issue) = 0;
};

class FindingReader {
 public:
  explicit FindingReader(ReaderOptions options = {});
  FindingReader(const FindingReader&) = delete;
  FindingReader& operator=(const FindingReader&) = delete;

  // Reads every event of one input. `source` names it in locations and, by its extension
  // (.jsonl, .ndjson), selects JSON Lines; gzip is recognised by its magic bytes.
  // `ingested_at` (epoch ms) becomes derived.ingestedAt of every finding.
  void Read(std::string_view source, std::string_view data, int64_t ingested_at, FindingSink* sink);

  // Reads one event's JSON text.
  Outcome ReadRecord(std::string_view source, const RawRecord& record, int64_t ingested_at,
                     FindingSink* sink);

 private:
  Outcome Issue(std::string_view source, Outcome outcome, const Location& location,
                std::string reason, FindingSink* sink, bool whole_input = false);
  bool ExtractRaw(std::string_view text, bool envelope);

  ReaderOptions options_;
  simdjson::dom::parser parser_;
  simdjson::ondemand::parser raw_parser_;
  Flattener flattener_;
  Document doc_;
  std::string raw_;
  const char* padded_until_ = nullptr;  // end of the input Read() is splitting
  int64_t ingested_at_ = INT64_MIN;     // the time ingested_text_ holds
  std::string ingested_text_;
};

std::string_view OutcomeName(Outcome outcome);

}  // namespace vigil::findings
