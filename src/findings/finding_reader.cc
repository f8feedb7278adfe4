#include "findings/finding_reader.h"

#include <fmt/format.h>

#include "base/gzip.h"
#include "base/time.h"
#include "findings/derived_fields.h"
#include "findings/json_error.h"

namespace vigil::findings {

namespace dom = simdjson::dom;

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kAccepted:
      return "accepted";
    case Outcome::kSkipped:
      return "skipped";
    case Outcome::kRejected:
      break;
  }
  return "rejected";
}

std::string ReadIssue::ToString() const {
  return fmt::format("{}: {}: {}", location.ToString(source), OutcomeName(outcome), reason);
}

FindingReader::FindingReader(ReaderOptions options)
    : options_(options), parser_(options.max_event_bytes) {
  // The parser grows its buffers to the largest event seen, up to max_event_bytes; the depth
  // limit is fixed here. A failure to allocate shows up as an error on the first parse.
  simdjson::error_code err = parser_.allocate(
      std::min<size_t>(options_.max_event_bytes, size_t{64} * 1024), options_.max_depth);
  (void)err;
}

Outcome FindingReader::Issue(std::string_view source, Outcome outcome, const Location& location,
                             std::string reason, FindingSink* sink, bool whole_input) {
  ReadIssue issue;
  issue.whole_input = whole_input;
  issue.source = source;
  issue.outcome = outcome;
  issue.location = location;
  issue.reason = std::move(reason);
  sink->OnIssue(issue);
  return outcome;
}

void FindingReader::Read(std::string_view source, std::string_view data, int64_t ingested_at,
                         FindingSink* sink) {
  GunzipResult unzipped;
  if (IsGzip(data)) {
    unzipped = Gunzip(data, options_.max_input_bytes);
    data = unzipped.data;
    if (!unzipped.error.ok()) {
      Issue(source, Outcome::kRejected, Location{}, unzipped.error.message(), sink, true);
      // What came out before a cut is still good, apart from the partial last line.
      if (unzipped.truncated) {
        size_t nl = data.rfind('\n');
        data = nl == std::string_view::npos ? std::string_view() : data.substr(0, nl + 1);
      }
    }
  } else if (data.size() > options_.max_input_bytes) {
    Issue(source, Outcome::kRejected, Location{},
          fmt::format("input is {} bytes, over the limit of {}", data.size(),
                      options_.max_input_bytes),
          sink, true);
    return;
  }
  // Records that have SIMDJSON_PADDING readable bytes after them inside `data` are parsed in
  // place, without the copy into a padded buffer that simdjson otherwise makes.
  padded_until_ = data.data() + data.size();
  FramingError framing;
  bool complete = SplitInput(
      source, data, [&](const RawRecord& record) { ReadRecord(source, record, ingested_at, sink); },
      &framing);
  padded_until_ = nullptr;
  if (!complete) Issue(source, Outcome::kRejected, framing.location, framing.message, sink, true);
}

Outcome FindingReader::ReadRecord(std::string_view source, const RawRecord& record,
                                  int64_t ingested_at, FindingSink* sink) {
  std::string_view text = record.text;
  if (text.size() > options_.max_event_bytes) {
    return Issue(source, Outcome::kRejected, record.location,
                 fmt::format("event is {} bytes, over the limit of {} bytes per event", text.size(),
                             options_.max_event_bytes),
                 sink);
  }
  dom::element root;
  bool padded = padded_until_ != nullptr &&
                text.data() + text.size() + simdjson::SIMDJSON_PADDING <= padded_until_;
  simdjson::error_code err = parser_.parse(text.data(), text.size(), !padded).get(root);
  if (err != simdjson::SUCCESS) {
    JsonErrorDetail detail = DescribeJsonError(text, err, options_.max_depth);
    return Issue(source, Outcome::kRejected, LocateInText(text, detail.offset, record.location),
                 "invalid JSON: " + detail.message, sink);
  }
  dom::object object;
  if (root.get(object) != simdjson::SUCCESS) {
    return Issue(source, Outcome::kRejected, record.location,
                 fmt::format("expected a JSON object (a GuardDuty finding or an EventBridge "
                             "event), got {}",
                             DescribeJson(root)),
                 sink);
  }

  dom::object finding = object;
  bool envelope = false;
  dom::element detail_type;
  if (object["detail-type"].get(detail_type) == simdjson::SUCCESS) {
    envelope = true;
    std::string_view source_name;
    if (object["source"].get(source_name) != simdjson::SUCCESS) source_name = "";
    std::string_view type;
    if (detail_type.get(type) != simdjson::SUCCESS) {
      return Issue(
          source, Outcome::kRejected, record.location,
          fmt::format("EventBridge event: field \"detail-type\": expected a string, got {}",
                      DescribeJson(detail_type)),
          sink);
    }
    if (source_name != "aws.guardduty") {
      return Issue(source, Outcome::kSkipped, record.location,
                   fmt::format("EventBridge event from source \"{}\" (detail-type \"{}\") is not "
                               "a GuardDuty event",
                               source_name, type),
                   sink);
    }
    if (type != "GuardDuty Finding") {
      return Issue(source, Outcome::kSkipped, record.location,
                   fmt::format("GuardDuty event of detail-type \"{}\" is not a finding", type),
                   sink);
    }
    dom::element detail;
    if (object["detail"].get(detail) != simdjson::SUCCESS) {
      return Issue(source, Outcome::kRejected, record.location,
                   "EventBridge event: field \"detail\" (the finding) is missing", sink);
    }
    if (detail.get(finding) != simdjson::SUCCESS) {
      return Issue(source, Outcome::kRejected, record.location,
                   fmt::format("EventBridge event: field \"detail\": expected an object (the "
                               "finding), got {}",
                               DescribeJson(detail)),
                   sink);
    }
  }

  ReadFinding out;
  Status s = ValidateFinding(finding, &out.meta);
  if (!s.ok()) {
    return Issue(source, Outcome::kRejected, record.location,
                 envelope ? "in \"detail\": " + s.message() : s.message(), sink);
  }
  doc_.Clear();
  s = flattener_.Flatten(finding, &doc_);
  if (!s.ok()) {
    return Issue(source, Outcome::kRejected, record.location,
                 envelope ? "in \"detail\": " + s.message() : s.message(), sink);
  }
  if (ingested_at != ingested_at_) {
    ingested_at_ = ingested_at;
    ingested_text_ = FormatTimestamp(ingested_at);
  }
  AddDerivedFields(finding, out.meta, ingested_text_, &doc_);
  doc_.Finish();

  if (options_.keep_raw) {
    if (!ExtractRaw(text, envelope)) {
      return Issue(source, Outcome::kRejected, record.location,
                   "cannot extract the finding's JSON text", sink);
    }
    out.raw = raw_;
  }
  out.source = source;
  out.location = record.location;
  out.document = &doc_;
  sink->OnFinding(out);
  return Outcome::kAccepted;
}

bool FindingReader::ExtractRaw(std::string_view text, bool envelope) {
  std::string_view finding = text;
  simdjson::padded_string padded;
  if (envelope) {
    padded = simdjson::padded_string(text);
    simdjson::ondemand::document doc;
    if (raw_parser_.iterate(padded).get(doc) != simdjson::SUCCESS) return false;
    simdjson::ondemand::object detail;
    if (doc["detail"].get_object().get(detail) != simdjson::SUCCESS) return false;
    if (detail.raw_json().get(finding) != simdjson::SUCCESS) return false;
  }
  raw_.resize(finding.size());
  size_t len = 0;
  if (simdjson::minify(finding.data(), finding.size(), raw_.data(), len) != simdjson::SUCCESS) {
    return false;
  }
  raw_.resize(len);
  return true;
}

}  // namespace vigil::findings
