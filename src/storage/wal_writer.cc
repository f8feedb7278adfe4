#include "storage/wal_writer.h"

#include <fmt/format.h>

#include <string>

#include "base/crc32.h"
#include "storage/coding.h"
#include "storage/wal_format.h"

namespace vigil::storage {

WalWriter::WalWriter(std::unique_ptr<WritableFile> file, bool write_header)
    : file_(std::move(file)) {
  if (!write_header) return;
  std::string header(kWalMagic);
  PutFixed32(&header, kWalFormatVersion);
  PutFixed32(&header, 0);  // reserved
  status_ = file_->Append(header);
  if (status_.ok()) size_ = header.size();
}

Status WalWriter::AddRecord(uint64_t first_seq, std::string_view payload) {
  VIGIL_RETURN_IF_ERROR(status_);
  if (closed_) return Status::InvalidArgument("WAL writer is closed");
  if (payload.size() > kMaxRecordPayload) {
    return Status::InvalidArgument(fmt::format("WAL record of {} bytes exceeds the limit of {}",
                                               payload.size(), kMaxRecordPayload));
  }
  if (has_last_seq_ && first_seq <= last_seq_) {
    return Status::InvalidArgument(
        fmt::format("WAL record sequence number {} does not follow {}", first_seq, last_seq_));
  }
  std::string fields;  // the header after the checksum, which the checksum covers
  PutFixed32(&fields, static_cast<uint32_t>(payload.size()));
  fields.push_back(static_cast<char>(kWalRecordVersion));
  PutFixed64(&fields, first_seq);
  std::string header;
  PutFixed32(&header, Crc32(payload, Crc32(fields)));
  header.append(fields);

  // Two appends rather than one, so a large payload is not copied into a temporary string.
  status_ = file_->Append(header);
  if (status_.ok() && !payload.empty()) status_ = file_->Append(payload);
  VIGIL_RETURN_IF_ERROR(status_);
  size_ += header.size() + payload.size();
  has_last_seq_ = true;
  last_seq_ = first_seq;
  return Status::Ok();
}

Status WalWriter::Sync() {
  VIGIL_RETURN_IF_ERROR(status_);
  if (closed_) return Status::InvalidArgument("WAL writer is closed");
  status_ = file_->Sync();
  return status_;
}

Status WalWriter::Close() {
  if (closed_) return status_;
  closed_ = true;
  // Closed even after a failure, to release the descriptor; the failure is what is reported.
  Status s = file_->Close();
  if (status_.ok()) status_ = s;
  return status_;
}

}  // namespace vigil::storage
