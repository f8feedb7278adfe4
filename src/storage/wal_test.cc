#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "base/crc32.h"
#include "env/env.h"
#include "env/fault_injection_env.h"
#include "storage/coding.h"
#include "storage/wal_format.h"
#include "storage/wal_reader.h"
#include "storage/wal_writer.h"
#include "testing/test_util.h"

namespace vigil::storage {
namespace {

struct Expected {
  uint64_t first_seq;
  std::string payload;
  uint64_t offset;  // of the record header
  uint64_t end;     // of the payload
};

// Writes `records` (first_seq, payload) to a new log at `path`; returns where each one landed.
std::vector<Expected> WriteLog(Env* env, const std::string& path,
                               const std::vector<std::pair<uint64_t, std::string>>& records) {
  auto file = env->NewWritableFile(path);
  EXPECT_TRUE(file.ok()) << file.status().ToString();
  WalWriter writer(std::move(file).value());
  std::vector<Expected> out;
  for (const auto& [seq, payload] : records) {
    uint64_t offset = writer.size();
    Status s = writer.AddRecord(seq, payload);
    EXPECT_TRUE(s.ok()) << s.ToString();
    out.push_back({seq, payload, offset, writer.size()});
  }
  EXPECT_TRUE(writer.Sync().ok());
  EXPECT_TRUE(writer.Close().ok());
  return out;
}

struct ReadResult {
  std::vector<WalRecord> records;
  WalEndState state;
  uint64_t valid_size;
  uint64_t dropped_bytes;
  std::string problem;
};

// The records point into `contents`, which must outlive the result.
ReadResult ReadAll(std::string_view contents) {
  WalReader reader(contents);
  ReadResult r;
  WalRecord record;
  while (reader.Next(&record)) r.records.push_back(record);
  EXPECT_FALSE(reader.Next(&record));  // stays at the end
  r.state = reader.end_state();
  r.valid_size = reader.valid_size();
  r.dropped_bytes = reader.dropped_bytes();
  r.problem = reader.problem();
  EXPECT_EQ(r.valid_size + r.dropped_bytes, contents.size());
  return r;
}

// Every record read must be the expected one at the same position: damage may end the log
// early but never produce a record that was not written.
void ExpectPrefixOf(const ReadResult& r, const std::vector<Expected>& expected) {
  ASSERT_LE(r.records.size(), expected.size());
  for (size_t i = 0; i < r.records.size(); ++i) {
    EXPECT_EQ(r.records[i].first_seq, expected[i].first_seq) << "record " << i;
    EXPECT_EQ(r.records[i].payload, expected[i].payload) << "record " << i;
    EXPECT_EQ(r.records[i].offset, expected[i].offset) << "record " << i;
  }
  uint64_t end = r.records.empty() ? (r.valid_size == 0 ? 0 : kWalHeaderSize)
                                   : expected[r.records.size() - 1].end;
  EXPECT_EQ(r.valid_size, end);
}

// A small log of three records, as the file's bytes.
class WalTest : public ::testing::Test {
 protected:
  std::string WriteSmallLog() {
    expected_ = WriteLog(env_.get(), dir_.Join("wal"),
                         {{1, "first record"}, {5, ""}, {9, std::string(40, 'z')}});
    return testing::ReadFileOrDie(dir_.Join("wal"));
  }

  testing::TempDir dir_;
  std::unique_ptr<Env> env_ = NewPosixEnv();
  std::vector<Expected> expected_;
};

TEST_F(WalTest, RoundTripsManyRecordsIncludingEmptyAndLargeOnes) {
  std::vector<std::pair<uint64_t, std::string>> records;
  uint64_t seq = 0;
  for (int i = 0; i < 500; ++i) {
    seq += 1 + static_cast<uint64_t>(i % 7);
    std::string payload;
    if (i % 10 != 3) payload.assign(static_cast<size_t>(i * 37 % 1000), static_cast<char>(i));
    records.emplace_back(seq, std::move(payload));
  }
  records.emplace_back(seq + 1, std::string(3 << 20, '\xAB'));  // bigger than any write buffer
  records.emplace_back(UINT64_MAX, "last");
  std::vector<Expected> expected = WriteLog(env_.get(), dir_.Join("wal"), records);

  auto contents = env_->ReadFile(dir_.Join("wal"), 1 << 30);
  ASSERT_TRUE(contents.ok()) << contents.status().ToString();
  EXPECT_EQ(contents->size(), expected.back().end);
  EXPECT_EQ(contents->substr(0, 8), "VIGILWAL");
  ReadResult r = ReadAll(*contents);
  EXPECT_EQ(r.state, WalEndState::kClean);
  EXPECT_EQ(r.problem, "");
  EXPECT_EQ(r.dropped_bytes, 0u);
  ASSERT_EQ(r.records.size(), expected.size());
  ExpectPrefixOf(r, expected);
}

TEST_F(WalTest, EmptyLogIsJustTheHeader) {
  WriteLog(env_.get(), dir_.Join("wal"), {});
  std::string contents = testing::ReadFileOrDie(dir_.Join("wal"));
  EXPECT_EQ(contents.size(), kWalHeaderSize);
  ReadResult r = ReadAll(contents);
  EXPECT_EQ(r.state, WalEndState::kClean);
  EXPECT_TRUE(r.records.empty());
  EXPECT_EQ(r.valid_size, kWalHeaderSize);
}

TEST_F(WalTest, RecordLayoutIsAsDocumented) {
  std::string contents = WriteSmallLog();
  std::string header(kWalMagic);
  PutFixed32(&header, 1);
  PutFixed32(&header, 0);
  EXPECT_EQ(contents.substr(0, kWalHeaderSize), header);
  const char* p = contents.data() + kWalHeaderSize;
  EXPECT_EQ(DecodeFixed32(p + 4), 12u);  // "first record"
  EXPECT_EQ(p[8], 1);
  EXPECT_EQ(DecodeFixed64(p + 9), 1u);
  EXPECT_EQ(contents.substr(kWalHeaderSize + kWalRecordHeaderSize, 12), "first record");
  EXPECT_EQ(contents.size(), kWalHeaderSize + 3 * kWalRecordHeaderSize + 12 + 0 + 40);
}

TEST_F(WalTest, TornTailIsTruncatedAtEveryCutPoint) {
  std::string contents = WriteSmallLog();
  for (size_t cut = 0; cut <= contents.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    ReadResult r = ReadAll(std::string_view(contents).substr(0, cut));
    ExpectPrefixOf(r, expected_);
    bool at_boundary = cut == kWalHeaderSize;
    uint64_t want_valid = cut < kWalHeaderSize ? 0 : kWalHeaderSize;
    for (const Expected& e : expected_) {
      if (e.end <= cut) want_valid = e.end;
      at_boundary |= e.end == cut;
    }
    EXPECT_EQ(r.valid_size, want_valid);
    EXPECT_EQ(r.state, at_boundary ? WalEndState::kClean : WalEndState::kTornTail) << r.problem;
    EXPECT_EQ(r.problem.empty(), at_boundary) << r.problem;
  }
}

TEST_F(WalTest, AnyFlippedByteEndsTheLogBeforeTheDamagedRecord) {
  std::string contents = WriteSmallLog();
  for (size_t i = 0; i < contents.size(); ++i) {
    for (int mask : {0x01, 0x80, 0xFF}) {
      SCOPED_TRACE("byte " + std::to_string(i) + " xor " + std::to_string(mask));
      std::string damaged = contents;
      damaged[i] = static_cast<char>(damaged[i] ^ mask);
      ReadResult r = ReadAll(damaged);
      EXPECT_NE(r.state, WalEndState::kClean);
      EXPECT_FALSE(r.problem.empty());
      ExpectPrefixOf(r, expected_);
      // Exactly the records before the damaged one survive.
      size_t intact = 0;
      while (intact < expected_.size() && expected_[intact].end <= i) ++intact;
      EXPECT_EQ(r.records.size(), i < kWalHeaderSize ? 0 : intact);
    }
  }
}

TEST_F(WalTest, ChecksumMismatchIsCorruptAndDropsTheRest) {
  std::string contents = WriteSmallLog();
  contents[expected_[1].offset - 1] ^= 0x20;  // the last payload byte of the first record
  ReadResult r = ReadAll(contents);
  EXPECT_EQ(r.state, WalEndState::kCorrupt);
  EXPECT_TRUE(r.records.empty());
  EXPECT_EQ(r.valid_size, kWalHeaderSize);
  EXPECT_EQ(r.dropped_bytes, contents.size() - kWalHeaderSize);
  EXPECT_EQ(r.problem, "record at offset 16: checksum mismatch");
}

TEST_F(WalTest, ZeroFilledTailIsATornTail) {
  // A crash after the file system extended the file but before the data reached the disk (or
  // after preallocation) leaves zeros.
  std::string contents = WriteSmallLog();
  size_t written = contents.size();
  contents.append(4096, '\0');
  ReadResult r = ReadAll(contents);
  EXPECT_EQ(r.state, WalEndState::kTornTail);
  EXPECT_EQ(r.records.size(), 3u);
  EXPECT_EQ(r.valid_size, written);
  EXPECT_EQ(r.dropped_bytes, 4096u);
  EXPECT_EQ(r.problem, "record at offset " + std::to_string(written) +
                           ": 4096 zero bytes to the end of the file, never written");

  // A few zeros, fewer than a record header: the same.
  r = ReadAll(contents.substr(0, written + 3));
  EXPECT_EQ(r.state, WalEndState::kTornTail);
  EXPECT_EQ(r.valid_size, written);

  // Zeros followed by something else are not a crash's leftovers.
  contents.back() = 'x';
  r = ReadAll(contents);
  EXPECT_EQ(r.state, WalEndState::kCorrupt);
  EXPECT_EQ(r.valid_size, written);

  // A file that is all zeros never got its header.
  r = ReadAll(std::string(64, '\0'));
  EXPECT_EQ(r.state, WalEndState::kTornTail);
  EXPECT_EQ(r.valid_size, 0u);
}

TEST_F(WalTest, ShortOrEmptyFileIsATornTail) {
  for (std::string_view contents :
       {std::string_view(""), std::string_view("VIGILW"), std::string_view("VIGILWAL\x01\0", 10)}) {
    ReadResult r = ReadAll(contents);
    EXPECT_EQ(r.state, WalEndState::kTornTail) << contents.size();
    EXPECT_EQ(r.valid_size, 0u);
    EXPECT_EQ(r.dropped_bytes, contents.size());
  }
  ReadResult r = ReadAll("hello");
  EXPECT_EQ(r.state, WalEndState::kCorrupt);
  EXPECT_EQ(r.valid_size, 0u);
}

TEST_F(WalTest, BadFileHeaderIsCorrupt) {
  std::string contents = WriteSmallLog();
  std::string bad_magic = contents;
  bad_magic[0] = 'X';
  ReadResult r = ReadAll(bad_magic);
  EXPECT_EQ(r.state, WalEndState::kCorrupt);
  EXPECT_EQ(r.valid_size, 0u);
  EXPECT_EQ(r.problem, "file header: bad magic (not a WAL file)");

  std::string bad_version = contents;
  bad_version[8] = 2;
  r = ReadAll(bad_version);
  EXPECT_EQ(r.state, WalEndState::kCorrupt);
  EXPECT_EQ(r.problem, "file header: unsupported format version 2");
}

// Builds a record by hand, with a correct checksum, to test what the writer refuses to make.
std::string Record(uint64_t first_seq, std::string_view payload, uint8_t version = 1,
                   uint32_t length_override = 0) {
  std::string body;
  PutFixed32(&body, length_override != 0 ? length_override : static_cast<uint32_t>(payload.size()));
  body.push_back(static_cast<char>(version));
  PutFixed64(&body, first_seq);
  body.append(payload);
  std::string out;
  PutFixed32(&out, Crc32(body));
  out.append(body);
  return out;
}

std::string FileHeader() {
  std::string out(kWalMagic);
  PutFixed32(&out, kWalFormatVersion);
  PutFixed32(&out, 0);
  return out;
}

TEST_F(WalTest, NonIncreasingSequenceIsCorrupt) {
  std::string contents = FileHeader() + Record(10, "a") + Record(11, "b");
  size_t good = contents.size();
  ReadResult r = ReadAll(contents + Record(11, "c"));
  EXPECT_EQ(r.state, WalEndState::kCorrupt);
  EXPECT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.valid_size, good);
  EXPECT_EQ(r.problem,
            "record at offset " + std::to_string(good) + ": sequence number 11 does not follow 11");
  r = ReadAll(contents + Record(3, "c"));
  EXPECT_EQ(r.state, WalEndState::kCorrupt);
  EXPECT_EQ(r.valid_size, good);
}

TEST_F(WalTest, UnknownVersionAndImpossibleLengthAreCorrupt) {
  std::string header = FileHeader();
  ReadResult r = ReadAll(header + Record(1, "a", /*version=*/2));
  EXPECT_EQ(r.state, WalEndState::kCorrupt);
  EXPECT_EQ(r.problem, "record at offset 16: unknown record version 2");
  r = ReadAll(header + Record(1, "a", 1, kMaxRecordPayload + 1));
  EXPECT_EQ(r.state, WalEndState::kCorrupt);
  EXPECT_NE(r.problem.find("impossible payload length"), std::string::npos);
  // A plausible length past the end of the file is what a crash mid-payload leaves.
  r = ReadAll(header + Record(1, "a", 1, 1000));
  EXPECT_EQ(r.state, WalEndState::kTornTail);
  EXPECT_EQ(r.problem, "record at offset 16: payload cut short (1 of 1000 bytes)");
}

TEST_F(WalTest, WriterRefusesBadRecordsWithoutBreaking) {
  auto file = env_->NewWritableFile(dir_.Join("wal"));
  ASSERT_TRUE(file.ok());
  WalWriter writer(std::move(file).value());
  ASSERT_TRUE(writer.AddRecord(5, "a").ok());
  EXPECT_EQ(writer.AddRecord(5, "b").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(writer.AddRecord(4, "b").code(), StatusCode::kInvalidArgument);
  {
    std::string too_big(kMaxRecordPayload + 1, 'x');
    EXPECT_EQ(writer.AddRecord(6, too_big).code(), StatusCode::kInvalidArgument);
  }
  uint64_t size = writer.size();
  ASSERT_TRUE(writer.AddRecord(6, "c").ok());  // still usable
  EXPECT_EQ(writer.size(), size + kWalRecordHeaderSize + 1);
  ASSERT_TRUE(writer.Close().ok());
  EXPECT_TRUE(writer.Close().ok());  // idempotent
  EXPECT_FALSE(writer.AddRecord(7, "d").ok());
  EXPECT_FALSE(writer.Sync().ok());

  std::string contents = testing::ReadFileOrDie(dir_.Join("wal"));
  ReadResult r = ReadAll(contents);
  EXPECT_EQ(r.state, WalEndState::kClean);
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[1].payload, "c");
}

TEST_F(WalTest, WriterErrorIsSticky) {
  FaultInjectionEnv env(env_.get());
  auto file = env.NewWritableFile(dir_.Join("wal"));
  ASSERT_TRUE(file.ok());
  // Calls: file header, then a header and a payload append per record: the second record's
  // header append is the 4th call.
  env.FailAfter(3);
  WalWriter writer(std::move(file).value());
  ASSERT_TRUE(writer.AddRecord(1, "one").ok());
  uint64_t size = writer.size();
  Status failed = writer.AddRecord(2, "two");
  EXPECT_EQ(failed.code(), StatusCode::kIOError);
  env.FailAfter(-1);  // the file system has recovered; the writer must not trust it again
  int64_t calls = env.mutating_calls();
  for (const Status& s :
       {writer.AddRecord(3, "three"), writer.Sync(), writer.Close(), writer.Close()}) {
    EXPECT_EQ(s.code(), failed.code());
    EXPECT_EQ(s.message(), failed.message());
  }
  EXPECT_EQ(env.mutating_calls(), calls);  // nothing more was attempted
  EXPECT_EQ(writer.size(), size);
}

TEST_F(WalTest, AFailureAtAnyCallLosesNoAcknowledgedRecord) {
  // 13 mutating calls in all: the file header, then per record a header, a payload and a sync.
  // The last round fails none.
  for (int64_t fail_after = 0; fail_after <= 13; ++fail_after) {
    SCOPED_TRACE("fail after " + std::to_string(fail_after));
    FaultInjectionEnv env(env_.get());
    auto file = env.NewWritableFile(dir_.Join("wal"));
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE(env.SyncDir(dir_.path()).ok());
    env.FailAfter(fail_after);
    WalWriter writer(std::move(file).value());
    std::vector<Expected> added;  // AddRecord returned OK
    size_t acknowledged = 0;      // and so did the Sync after it
    Status first_error;
    for (uint64_t seq = 1; seq <= 4; ++seq) {
      std::string payload(seq * 3, static_cast<char>('a' + seq));
      uint64_t offset = writer.size();
      Status s = writer.AddRecord(seq, payload);
      if (s.ok()) added.push_back({seq, payload, offset, writer.size()});
      if (s.ok()) s = writer.Sync();
      if (s.ok()) {
        ASSERT_TRUE(first_error.ok()) << "a call succeeded after a failure";
        acknowledged = added.size();
      } else if (first_error.ok()) {
        first_error = s;
      } else {
        EXPECT_EQ(s.message(), first_error.message());
      }
    }
    (void)writer.Close();

    // Before a crash the file holds every record that was added, and at most part of one more.
    std::string contents = testing::ReadFileOrDie(dir_.Join("wal"));
    ReadResult r = ReadAll(contents);
    EXPECT_NE(r.state, WalEndState::kCorrupt) << r.problem;
    EXPECT_EQ(r.records.size(), added.size());
    ExpectPrefixOf(r, added);
    EXPECT_EQ(r.valid_size, writer.size());

    // After a crash, at least the acknowledged ones.
    ASSERT_TRUE(env.SimulateCrash().ok());
    contents = testing::ReadFileOrDie(dir_.Join("wal"));
    r = ReadAll(contents);
    EXPECT_NE(r.state, WalEndState::kCorrupt) << r.problem;
    EXPECT_GE(r.records.size(), acknowledged);
    ExpectPrefixOf(r, added);
  }
}

}  // namespace
}  // namespace vigil::storage
