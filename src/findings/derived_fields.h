// The derived.* fields of a finding (DESIGN.md section 2.3): severity label, type parts, action
// type, direction, sample flag, and the remote party of every action type, split into
// derived.attacker.* (the remote party attacked) and derived.destination.* (the resource reached
// out to it: outbound connections and DNS).
#pragma once

#include <simdjson.h>

#include <string_view>

#include "findings/document.h"
#include "findings/finding_meta.h"

namespace vigil::findings {

// "Low" (below 4.0), "Medium" (4.0-6.9), "High" (7.0-8.9), "Critical" (9.0 and above); the
// bounds are compared as numbers, so 3.95 is Low and 8.95 is High.
std::string_view SeverityLabel(double severity);

// Adds the derived.* fields of `finding` to *doc. `ingested_at` (an ISO-8601 timestamp, see
// FormatTimestamp) becomes derived.ingestedAt. String values borrow `finding`'s and
// `ingested_at`'s memory, like the flattener's. Does not call doc->Finish().
void AddDerivedFields(simdjson::dom::object finding, const FindingMeta& meta,
                      std::string_view ingested_at, Document* doc);

}  // namespace vigil::findings
