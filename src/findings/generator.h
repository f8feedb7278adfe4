// FindingGenerator: synthetic but realistic GuardDuty findings, for demos and benchmarks.
//
// Produces a stream of findings shaped like the real ones (data/guardduty/FORMAT.md): every active
// finding type with a skewed frequency, the resource and service blocks each type carries, remote
// parties drawn from a table of real networks (geo_table.h), update chains (the same finding
// re-emitted with a higher count), a few out-of-order deliveries and exact duplicates, and
// optionally the EventBridge envelope.
//
// The output is a pure function of GeneratorOptions: the same options give byte-identical output
// on every platform (the generator uses its own PRNG, never <random> distributions).
// Not thread-safe; run one generator per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace vigil::findings {

struct GeneratorOptions {
  uint64_t count = 1000;  // events to write, updates and duplicates included
  uint64_t seed = 1;
  int accounts = 20;       // distinct 12-digit member account ids
  int days = 30;           // findings spread over the `days` days before end_millis
  bool envelope = false;   // wrap each finding in an EventBridge event
  int64_t end_millis = 0;  // the latest updatedAt (epoch ms); the caller sets it (e.g. now)
};

class GeneratorState;

class FindingGenerator {
 public:
  explicit FindingGenerator(const GeneratorOptions& options);
  ~FindingGenerator();
  FindingGenerator(const FindingGenerator&) = delete;
  FindingGenerator& operator=(const FindingGenerator&) = delete;

  // Appends the next event as one line of JSON (no trailing newline) to *out.
  // Returns false, appending nothing, once `count` events have been produced.
  bool Next(std::string* out);

 private:
  std::unique_ptr<GeneratorState> state_;
};

}  // namespace vigil::findings
