#include "ingest/document_writer.h"

#include <fmt/format.h>

#include <array>
#include <nlohmann/json.hpp>
#include <random>

#include "findings/json_error.h"

namespace vigil::ingest {

namespace {

constexpr size_t kMaxIdBytes = 512;  // Elasticsearch's limit

Status MapperError(std::string reason) {
  return Status::InvalidArgument(std::move(reason)).WithDetail("mapper_parsing_exception");
}

// A write outside the writer's account scope (403 over HTTP).
Status ScopeError(std::string reason) {
  return Status::InvalidArgument(std::move(reason)).WithDetail("security_exception");
}

// Merges `patch` into `target` as Elasticsearch's partial update does: objects key by key,
// everything else replaced. True when `target` changed.
bool MergeInto(nlohmann::ordered_json& target, const nlohmann::ordered_json& patch) {
  bool changed = false;
  for (const auto& [key, value] : patch.items()) {
    auto it = target.find(key);
    if (it != target.end() && it->is_object() && value.is_object()) {
      changed |= MergeInto(*it, value);
    } else if (it == target.end() || *it != value) {
      target[key] = value;
      changed = true;
    }
  }
  return changed;
}

DocResultKind KindOf(storage::WriteOutcome outcome) {
  switch (outcome) {
    case storage::WriteOutcome::kCreated:
      return DocResultKind::kCreated;
    case storage::WriteOutcome::kUpdated:
      return DocResultKind::kUpdated;
    case storage::WriteOutcome::kDeleted:
      return DocResultKind::kDeleted;
    case storage::WriteOutcome::kNotFound:
      return DocResultKind::kNotFound;
    case storage::WriteOutcome::kStale:
      return DocResultKind::kNoop;
    case storage::WriteOutcome::kExists:
      break;
  }
  return DocResultKind::kFailed;
}

Status ConflictError(std::string_view id) {
  return Status::Conflict(
             fmt::format("[{}]: version conflict, document already exists (current version [1])",
                         id))
      .WithDetail("version_conflict_engine_exception");
}

}  // namespace

std::string_view DocOpName(DocOpType type) {
  switch (type) {
    case DocOpType::kIndex:
      return "index";
    case DocOpType::kCreate:
      return "create";
    case DocOpType::kUpdate:
      return "update";
    case DocOpType::kDelete:
      break;
  }
  return "delete";
}

std::string_view DocResultName(DocResultKind kind) {
  switch (kind) {
    case DocResultKind::kCreated:
      return "created";
    case DocResultKind::kUpdated:
      return "updated";
    case DocResultKind::kDeleted:
      return "deleted";
    case DocResultKind::kNoop:
      return "noop";
    case DocResultKind::kNotFound:
      return "not_found";
    case DocResultKind::kFailed:
      break;
  }
  return "failed";
}

DocumentWriter::DocumentWriter(storage::Engine* engine, PushIngester* findings,
                               DocumentWriterOptions options)
    : engine_(engine), findings_(findings), options_(options) {
  simdjson::error_code err = parser_.allocate(size_t{64} * 1024, options_.max_depth);
  (void)err;  // a failure to allocate shows up as an error on the first parse
}

std::string DocumentWriter::NewId() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  thread_local std::mt19937_64 rng = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  std::string id(20, ' ');
  uint64_t bits = 0;
  for (size_t i = 0; i < id.size(); ++i) {
    if (i % 10 == 0) bits = rng();  // 10 characters of 6 bits per draw
    id[i] = kAlphabet[bits & 63];
    bits >>= 6;
  }
  return id;
}

Result<std::vector<DocResult>> DocumentWriter::Apply(std::string_view name,
                                                     std::span<const DocOp> ops, int64_t now,
                                                     std::span<const std::string> accounts) {
  if (name == storage::kDefaultIndex && findings_ != nullptr) {
    return ApplyToFindings(ops, now, accounts);
  }
  if (!accounts.empty()) {
    std::vector<DocResult> results(ops.size());
    for (size_t i = 0; i < ops.size(); ++i) {
      results[i].id = ops[i].id;
      results[i].error = ScopeError(fmt::format(
          "an account-scoped API key may write findings only, not to index [{}]", name));
    }
    return results;
  }
  return ApplyGeneric(name, ops);
}

Result<std::vector<DocResult>> DocumentWriter::ApplyToFindings(
    std::span<const DocOp> ops, int64_t now, std::span<const std::string> accounts) {
  std::vector<DocResult> results(ops.size());
  // Runs of writes go through the ingester, runs of deletes straight to the index, in order.
  size_t i = 0;
  while (i < ops.size()) {
    size_t end = i;
    const bool deletes = ops[i].type == DocOpType::kDelete;
    while (end < ops.size() && (ops[end].type == DocOpType::kDelete) == deletes) ++end;
    if (deletes) {
      Result<std::shared_ptr<storage::Index>> index =
          engine_->GetIndex(storage::kDefaultIndex, true);
      if (!index.ok()) return index.status();
      storage::WriteBatch batch;
      std::vector<size_t> at;
      for (size_t k = i; k < end; ++k) {
        results[k].id = ops[k].id;
        if (!accounts.empty()) {
          results[k].error =
              ScopeError("an account-scoped API key may not delete findings (ask an unscoped key)");
          continue;
        }
        if (ops[k].id.empty()) {
          results[k].error = Status::InvalidArgument("[delete] needs an _id")
                                 .WithDetail("action_request_validation_exception");
          continue;
        }
        batch.Delete(ops[k].id);
        at.push_back(k);
      }
      std::vector<storage::WriteOutcome> outcomes;
      if (!at.empty()) VIGIL_RETURN_IF_ERROR((*index)->Write(&batch, &outcomes));
      for (size_t j = 0; j < at.size() && j < outcomes.size(); ++j) {
        results[at[j]].kind = KindOf(outcomes[j]);
      }
    } else {
      std::vector<FindingWrite> writes;
      std::vector<size_t> at;  // results index of each write
      for (size_t k = i; k < end; ++k) {
        results[k].id = ops[k].id;
        if (ops[k].type == DocOpType::kUpdate) {
          results[k].error =
              Status::InvalidArgument(
                  "[update] is not supported in the findings index: a finding changes when "
                  "GuardDuty sends a newer version of it (index it, and the newest version wins)")
                  .WithDetail("illegal_argument_exception");
          continue;
        }
        FindingWrite w;
        w.kind =
            ops[k].type == DocOpType::kCreate ? storage::OpKind::kCreate : storage::OpKind::kUpsert;
        w.id = ops[k].id;
        w.json = ops[k].source;
        writes.push_back(w);
        at.push_back(k);
      }
      if (!writes.empty()) {
        Result<std::vector<FindingWriteResult>> written = findings_->Write(writes, now, accounts);
        if (!written.ok()) return written.status();
        for (size_t j = 0; j < at.size(); ++j) {
          const FindingWriteResult& w = (*written)[j];
          DocResult& r = results[at[j]];
          if (!w.id.empty()) r.id = w.id;
          if (w.out_of_scope) {
            r.error = ScopeError(w.reason);
          } else if (!w.accepted) {
            r.error = MapperError("failed to parse: " + w.reason);
          } else if (w.outcome == storage::WriteOutcome::kExists) {
            r.error = ConflictError(r.id);
          } else {
            r.kind = KindOf(w.outcome);
          }
        }
      }
    }
    i = end;
  }
  return results;
}

Status DocumentWriter::CheckObject(std::string_view text, std::string_view what) {
  if (text.size() > options_.max_document_bytes) {
    return MapperError(fmt::format("the {} is {} bytes, over the limit of {} bytes", what,
                                   text.size(), options_.max_document_bytes));
  }
  simdjson::dom::element root;
  simdjson::error_code err = parser_.parse(text.data(), text.size()).get(root);
  if (err != simdjson::SUCCESS) {
    findings::JsonErrorDetail detail = findings::DescribeJsonError(text, err, options_.max_depth);
    return MapperError(
        fmt::format("failed to parse the {}: {} at byte {}", what, detail.message, detail.offset));
  }
  if (!root.is_object()) {
    return MapperError(fmt::format("failed to parse the {}: expected a JSON object", what));
  }
  return Status::Ok();
}

Status DocumentWriter::AddGeneric(storage::OpKind kind, const std::string& id,
                                  std::string_view source) {
  VIGIL_RETURN_IF_ERROR(CheckObject(source, "document"));
  simdjson::dom::object object;
  if (parser_.parse(source.data(), source.size()).get(object) != simdjson::SUCCESS) {
    return MapperError("failed to parse the document");
  }
  doc_.Clear();
  Status s = flattener_.Flatten(object, &doc_);
  if (!s.ok()) return MapperError("failed to parse the document: " + s.message());
  doc_.Finish();
  converter_.AddDocument(kind, id, source, doc_, &batch_);
  return Status::Ok();
}

Result<std::vector<DocResult>> DocumentWriter::ApplyGeneric(std::string_view name,
                                                            std::span<const DocOp> ops) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<std::shared_ptr<storage::Index>> index = engine_->GetIndex(name, true);
  if (!index.ok()) return index.status();
  std::shared_ptr<const storage::Snapshot> snapshot = (*index)->GetSnapshot();
  // What this batch's earlier operations leave under an id (nullopt: nothing), for updates.
  std::map<std::string, std::optional<std::string>, std::less<>> pending;
  auto current = [&](const std::string& id) -> Result<std::optional<std::string>> {
    auto it = pending.find(id);
    if (it != pending.end()) return it->second;
    return snapshot->GetSource(id);
  };
  std::vector<DocResult> results(ops.size());
  std::vector<size_t> in_batch;     // results index of each operation of batch_
  std::vector<std::string> merged;  // sources made by updates, alive until the write
  merged.reserve(ops.size());
  batch_.Clear();
  for (size_t i = 0; i < ops.size(); ++i) {
    const DocOp& op = ops[i];
    DocResult& r = results[i];
    r.id = op.id.empty() && op.type != DocOpType::kUpdate && op.type != DocOpType::kDelete ? NewId()
                                                                                           : op.id;
    if (r.id.empty()) {
      r.error = Status::InvalidArgument(fmt::format("[{}] needs an _id", DocOpName(op.type)))
                    .WithDetail("action_request_validation_exception");
      continue;
    }
    if (r.id.size() > kMaxIdBytes) {
      r.error = Status::InvalidArgument(
                    fmt::format("id is too long, must be no longer than {} bytes but was: {}",
                                kMaxIdBytes, r.id.size()))
                    .WithDetail("action_request_validation_exception");
      continue;
    }
    Status s;
    switch (op.type) {
      case DocOpType::kIndex:
      case DocOpType::kCreate: {
        const bool create = op.type == DocOpType::kCreate;
        s = AddGeneric(create ? storage::OpKind::kCreate : storage::OpKind::kIndex, r.id,
                       op.source);
        if (!s.ok()) break;
        Result<std::optional<std::string>> before = current(r.id);
        if (!before.ok()) return before.status();
        if (!create || !before->has_value()) pending[r.id] = std::string(op.source);
        in_batch.push_back(i);
        break;
      }
      case DocOpType::kDelete:
        batch_.Delete(r.id);
        pending[r.id] = std::nullopt;
        in_batch.push_back(i);
        break;
      case DocOpType::kUpdate: {
        Result<std::optional<std::string>> before = current(r.id);
        if (!before.ok()) return before.status();
        std::string_view created;  // the document an absent id gets
        if (!before->has_value()) {
          created = op.doc_as_upsert ? op.source : op.upsert;
          if (created.empty()) {
            s = Status::NotFound(fmt::format("[{}]: document missing", r.id))
                    .WithDetail("document_missing_exception");
            break;
          }
          s = AddGeneric(storage::OpKind::kCreate, r.id, created);
          if (!s.ok()) break;
          pending[r.id] = std::string(created);
          in_batch.push_back(i);
          break;
        }
        s = CheckObject(op.source, "partial document [doc]");
        if (!s.ok()) break;
        nlohmann::ordered_json target = nlohmann::ordered_json::parse(**before, nullptr, false);
        nlohmann::ordered_json patch = nlohmann::ordered_json::parse(op.source, nullptr, false);
        if (target.is_discarded() || !target.is_object()) {
          s = Status::Corruption(
              fmt::format("[{}]: the stored document is not a JSON object", r.id));
          break;
        }
        if (!MergeInto(target, patch)) {
          r.kind = DocResultKind::kNoop;
          break;
        }
        merged.push_back(target.dump());
        s = AddGeneric(storage::OpKind::kIndex, r.id, merged.back());
        if (!s.ok()) break;
        pending[r.id] = merged.back();
        in_batch.push_back(i);
        break;
      }
    }
    if (!s.ok()) r.error = std::move(s);
  }
  if (in_batch.empty()) return results;
  std::vector<storage::WriteOutcome> outcomes;
  VIGIL_RETURN_IF_ERROR((*index)->Write(&batch_, &outcomes));
  for (size_t j = 0; j < in_batch.size() && j < outcomes.size(); ++j) {
    DocResult& r = results[in_batch[j]];
    r.kind = KindOf(outcomes[j]);
    if (outcomes[j] == storage::WriteOutcome::kExists) r.error = ConflictError(r.id);
    // An update that created its document reports it as created, one that merged as updated.
  }
  return results;
}

}  // namespace vigil::ingest
