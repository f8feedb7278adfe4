// DocumentWriter: Elasticsearch-style writes (`_bulk`, `_doc`, `_create`, `_update`, DELETE) to
// the indices of an engine, with Elasticsearch's semantics item by item:
//
//   index   replaces the document (creates it when absent); without an id, one is generated
//   create  creates it, or fails with a conflict when the id exists
//   update  merges a partial document into the current one (objects merged key by key, other
//           values replaced); a merge that changes nothing is a no-op; an absent id fails unless
//           an upsert document (or doc_as_upsert) says what to create
//   delete  removes it; an absent id is reported, not an error
//
// Any index but `findings` holds generic documents: flattened like findings (npm `flat` keys and
// array-collapsed fields, DESIGN.md section 2.3), typed by dynamic mapping, no derived fields.
// The `findings` index holds GuardDuty findings only: each document is read, enriched and
// archived exactly like a push (PushIngester::Write), is stored under its own id, and `index`
// is the versioned upsert of every other ingest path (an older version than the stored one is a
// no-op), so that a replayed or reordered write never undoes a newer finding. `update` is refused
// there: a finding changes by GuardDuty sending a newer version of it.
//
// Thread-safe: writes to generic indices are serialised (an update reads, then writes); writes to
// the findings index are serialised by the PushIngester.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "findings/document.h"
#include "findings/flattener.h"
#include "ingest/document_converter.h"
#include "ingest/push_ingester.h"
#include "storage/engine.h"
#include "storage/write_batch.h"

namespace vigil::ingest {

enum class DocOpType : uint8_t { kIndex, kCreate, kUpdate, kDelete };
std::string_view DocOpName(DocOpType type);  // "index", "create", "update", "delete"

struct DocOp {
  DocOpType type = DocOpType::kIndex;
  std::string id;           // may be empty for index and create (an id is generated)
  std::string_view source;  // index, create: the document; update: the partial document
  std::string_view upsert;  // update: the document to create when the id is absent, or empty
  bool doc_as_upsert = false;
};

enum class DocResultKind : uint8_t {
  kCreated,
  kUpdated,
  kDeleted,
  kNoop,      // an update that changed nothing, or an older version of a finding
  kNotFound,  // a delete of an absent id
  kFailed,    // `error` says why (a conflict, a missing document, an invalid document)
};
// Elasticsearch's `result`: "created", "updated", "deleted", "noop", "not_found".
std::string_view DocResultName(DocResultKind kind);

struct DocResult {
  DocResultKind kind = DocResultKind::kFailed;
  std::string id;
  Status error;  // kFailed only; its detail is Elasticsearch's error type
};

struct DocumentWriterOptions {
  size_t max_depth = 64;  // nesting of a document
  size_t max_document_bytes = 10u << 20;
};

class DocumentWriter {
 public:
  // `engine` and `findings` (the ingester of the findings index) must outlive the writer.
  DocumentWriter(storage::Engine* engine, PushIngester* findings,
                 DocumentWriterOptions options = {});

  // Applies `ops` to the index `name` in order, creating the index when it does not exist (as
  // Elasticsearch does on a first write). One result per op; an op that fails fails alone. An
  // error means nothing was acknowledged: the index cannot be opened (an invalid name, a
  // failure) or the write failed. `now` (epoch ms) is the ingest time of findings.
  //
  // `accounts`, when not empty, is the writer's account scope: it may index findings of those
  // accounts only (others fail with security_exception), and may neither delete nor write to any
  // index but findings (a deleted id's account is not known without reading it, and generic
  // documents have no account).
  Result<std::vector<DocResult>> Apply(std::string_view name, std::span<const DocOp> ops,
                                       int64_t now, std::span<const std::string> accounts = {});

  // A new id: 20 characters of URL-safe base64, unique (random, 120 bits).
  static std::string NewId();

 private:
  Result<std::vector<DocResult>> ApplyToFindings(std::span<const DocOp> ops, int64_t now,
                                                 std::span<const std::string> accounts);
  Result<std::vector<DocResult>> ApplyGeneric(std::string_view name, std::span<const DocOp> ops);
  // Adds a generic document to batch_; InvalidArgument (mapper_parsing_exception) when it is
  // not a JSON object or cannot be flattened.
  Status AddGeneric(storage::OpKind kind, const std::string& id, std::string_view source);
  // Checks that `text` is a JSON object within the depth limit; `what` names it in errors.
  Status CheckObject(std::string_view text, std::string_view what);

  storage::Engine* engine_;
  PushIngester* findings_;
  DocumentWriterOptions options_;
  std::mutex mu_;  // generic writes; everything below
  simdjson::dom::parser parser_;
  findings::Flattener flattener_;
  findings::Document doc_;
  DocumentConverter converter_;
  storage::WriteBatch batch_;
};

}  // namespace vigil::ingest
