// vigil-ingest-peer: the relational peers of `vigil bench ingest` (docs/benchmarks.md). Loads the
// benchmark's findings.jsonl into PostgreSQL (jsonb + GIN: the "index any field" relational
// answer) or SQLite (JSON1) the way a careful user of each would: durable upserts by finding id
// keeping the newest version, committed every 16384 findings like Vigil's ingest, then prints one
// line of JSON with the rate and the size on disk.
//
//   vigil-ingest-peer sqlite DBFILE INPUT.jsonl
//   vigil-ingest-peer postgres CONNINFO INPUT.jsonl
//
// The version rule is Vigil's: (updatedAt, service.count), compared as a pair; a finding replaces
// the stored one only when its version is strictly greater, so duplicates and late deliveries of
// older versions change nothing. Each engine is compiled in only when its client library was
// found at build time (VIGIL_PEER_POSTGRES, VIGIL_PEER_SQLITE).
#include <simdjson.h>
#include <sys/stat.h>

#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#ifdef VIGIL_PEER_POSTGRES
#include <libpq-fe.h>
#endif
#ifdef VIGIL_PEER_SQLITE
#include <sqlite3.h>
#endif

namespace {

// The findings per transaction: IngestOptions::commit_findings, so that both sides pay for the
// same number of durable commits.
constexpr size_t kCommitFindings = 16384;

struct Finding {
  std::string id;
  std::string updated_at;
  int64_t count = 0;
  std::string_view doc;  // the whole line, inside the input buffer
};

// What a load reports: the JSON line's figures plus the checks the benchmark compares.
struct LoadResult {
  uint64_t findings = 0;
  double seconds = 0;
  uint64_t bytes_on_disk = 0;
  uint64_t rows = 0;      // findings in the table after the load (distinct ids)
  int64_t count_sum = 0;  // sum of the stored service.count: differs if the version rule does
  const char* method = "";
};

// One line on stderr, the line the benchmark shows: libpq's messages span several.
[[noreturn]] void Fail(std::string message) {
  for (char& c : message) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  while (!message.empty() && message.back() == ' ') message.pop_back();
  std::fprintf(stderr, "vigil-ingest-peer: %s\n", message.c_str());
  std::exit(1);
}

// Reads the findings of a JSON Lines buffer one at a time. The buffer is simdjson-padded, so each
// line is parsed in place.
class LineReader {
 public:
  explicit LineReader(const simdjson::padded_string& input)
      : begin_(input.data()), end_(input.data() + input.size()) {}

  // Fills *finding with the next non-empty line; false at the end of the input. Exits on a line
  // that is not a finding: the benchmark's input is generated, so that is a bug, not data.
  bool Next(Finding* finding) {
    while (pos_ < end_) {
      const char* start = pos_;
      const char* nl =
          static_cast<const char*>(std::memchr(start, '\n', static_cast<size_t>(end_ - start)));
      const char* stop = nl == nullptr ? end_ : nl;
      pos_ = nl == nullptr ? end_ : nl + 1;
      ++line_;
      if (stop == start) continue;
      Parse(std::string_view(start, static_cast<size_t>(stop - start)), finding);
      return true;
    }
    return false;
  }

 private:
  void Parse(std::string_view line, Finding* finding) {
    // The capacity runs to the end of the whole buffer, whose padding follows it.
    const size_t capacity = static_cast<size_t>(end_ - line.data()) + simdjson::SIMDJSON_PADDING;
    simdjson::ondemand::document doc;
    std::string_view id;
    std::string_view updated_at;
    simdjson::error_code error = parser_.iterate(line, capacity).get(doc);
    // In the order GuardDuty writes them (id, service, updatedAt), so the lookups go forwards.
    if (!error) error = doc["id"].get_string().get(id);
    if (!error) finding->id.assign(id);
    int64_t count = 0;
    if (!error) {
      error = doc["service"]["count"].get_int64().get(count);
      if (error == simdjson::NO_SUCH_FIELD) {
        count = 0;
        error = simdjson::SUCCESS;
      }
    }
    if (!error) error = doc["updatedAt"].get_string().get(updated_at);
    if (error) {
      Fail("line " + std::to_string(line_) +
           " is not a finding with id and updatedAt: " + simdjson::error_message(error));
    }
    finding->updated_at.assign(updated_at);
    finding->count = count;
    finding->doc = line;
  }

  const char* begin_;
  const char* end_;
  const char* pos_ = begin_;
  uint64_t line_ = 0;
  simdjson::ondemand::parser parser_;
};

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

#ifdef VIGIL_PEER_SQLITE

uint64_t FileBytes(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

void SqliteExec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message != nullptr ? message : sqlite3_errmsg(db);
    sqlite3_free(message);
    Fail(std::string("sqlite: ") + text + " in: " + sql);
  }
}

std::string SqlitePragma(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  std::string value;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    if (text != nullptr) value = reinterpret_cast<const char*>(text);
  }
  sqlite3_finalize(stmt);
  return value;
}

LoadResult LoadSqlite(const std::string& path, const simdjson::padded_string& input) {
  if (FileBytes(path) != 0) Fail("sqlite: " + path + " exists already; the peer loads a new one");
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    Fail("sqlite: cannot open " + path + ": " + sqlite3_errmsg(db));
  }
  // Durable like Vigil: WAL, and FULL syncs the WAL at every commit (NORMAL would not).
  SqliteExec(db, "PRAGMA journal_mode=WAL");
  SqliteExec(db, "PRAGMA synchronous=FULL");
  if (SqlitePragma(db, "PRAGMA journal_mode") != "wal" ||
      SqlitePragma(db, "PRAGMA synchronous") != "2") {
    Fail("sqlite: WAL with synchronous=FULL is not in effect; refusing to measure");
  }
  // JSON1 has no "index every field", so the table indexes what the dashboard filters and sorts
  // on, as expression indexes; the document is stored as checked JSON text.
  SqliteExec(db,
             "CREATE TABLE findings ("
             "  id TEXT PRIMARY KEY,"
             "  updated_at TEXT NOT NULL,"
             "  count INTEGER NOT NULL,"
             "  doc TEXT NOT NULL CHECK (json_valid(doc)));"
             "CREATE INDEX findings_type ON findings (json_extract(doc, '$.type'));"
             "CREATE INDEX findings_severity ON findings (json_extract(doc, '$.severity'));"
             "CREATE INDEX findings_account ON findings (json_extract(doc, '$.accountId'));"
             "CREATE INDEX findings_last_seen"
             "  ON findings (json_extract(doc, '$.service.eventLastSeen'));");
  // updatedAt is always written in one fixed-width UTC form (2025-12-31T23:59:59.000Z), so text
  // order is time order. Row values compare lexicographically, as Vigil's versions do.
  sqlite3_stmt* upsert = nullptr;
  const char* sql =
      "INSERT INTO findings (id, updated_at, count, doc) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (id) DO UPDATE SET "
      "  updated_at = excluded.updated_at, count = excluded.count, doc = excluded.doc "
      "WHERE (excluded.updated_at, excluded.count) > (findings.updated_at, findings.count)";
  if (sqlite3_prepare_v2(db, sql, -1, &upsert, nullptr) != SQLITE_OK) {
    Fail(std::string("sqlite: ") + sqlite3_errmsg(db));
  }

  LoadResult result;
  result.method = "prepared upsert per finding, one transaction per 16384";
  LineReader reader(input);
  Finding f;
  auto start = std::chrono::steady_clock::now();
  bool more = reader.Next(&f);
  while (more) {
    SqliteExec(db, "BEGIN");
    size_t in_batch = 0;
    for (; more && in_batch < kCommitFindings; more = reader.Next(&f)) {
      sqlite3_bind_text(upsert, 1, f.id.data(), static_cast<int>(f.id.size()), SQLITE_STATIC);
      sqlite3_bind_text(upsert, 2, f.updated_at.data(), static_cast<int>(f.updated_at.size()),
                        SQLITE_STATIC);
      sqlite3_bind_int64(upsert, 3, f.count);
      sqlite3_bind_text(upsert, 4, f.doc.data(), static_cast<int>(f.doc.size()), SQLITE_STATIC);
      if (sqlite3_step(upsert) != SQLITE_DONE) Fail(std::string("sqlite: ") + sqlite3_errmsg(db));
      sqlite3_reset(upsert);
      ++in_batch;
    }
    SqliteExec(db, "COMMIT");
    result.findings += in_batch;
  }
  result.seconds = SecondsSince(start);
  sqlite3_finalize(upsert);

  sqlite3_stmt* totals = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT count(*), coalesce(sum(count), 0) FROM findings", -1, &totals,
                         nullptr) != SQLITE_OK ||
      sqlite3_step(totals) != SQLITE_ROW) {
    Fail(std::string("sqlite: ") + sqlite3_errmsg(db));
  }
  result.rows = static_cast<uint64_t>(sqlite3_column_int64(totals, 0));
  result.count_sum = sqlite3_column_int64(totals, 1);
  sqlite3_finalize(totals);
  // Closing checkpoints the WAL into the database file; what is left is the database's size.
  if (sqlite3_close(db) != SQLITE_OK) Fail("sqlite: cannot close the database");
  result.bytes_on_disk = FileBytes(path) + FileBytes(path + "-wal") + FileBytes(path + "-shm");
  return result;
}

#endif  // VIGIL_PEER_SQLITE

#ifdef VIGIL_PEER_POSTGRES

// Runs a statement that returns no rows, or fails.
void PgExec(PGconn* conn, const char* sql) {
  PGresult* res = PQexec(conn, sql);
  if (PQresultStatus(res) != PGRES_COMMAND_OK) {
    std::string message = PQerrorMessage(conn);
    PQclear(res);
    Fail("postgres: " + message + "in: " + sql);
  }
  PQclear(res);
}

// Runs a query and returns the first column of its first row.
std::string PgValue(PGconn* conn, const char* sql) {
  PGresult* res = PQexec(conn, sql);
  if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) < 1) {
    std::string message = PQerrorMessage(conn);
    PQclear(res);
    Fail("postgres: " + message + "in: " + sql);
  }
  std::string value = PQgetvalue(res, 0, 0);
  PQclear(res);
  return value;
}

// COPY's text format: backslash, tab, newline and carriage return are escaped; nothing else is.
void AppendCopyField(std::string_view value, std::string* out) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      default:
        out->push_back(c);
    }
  }
}

void PgPutCopyData(PGconn* conn, std::string* buffer) {
  if (buffer->empty()) return;
  if (PQputCopyData(conn, buffer->data(), static_cast<int>(buffer->size())) != 1) {
    Fail(std::string("postgres: COPY failed: ") + PQerrorMessage(conn));
  }
  buffer->clear();
}

LoadResult LoadPostgres(const std::string& conninfo, const simdjson::padded_string& input) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn) != CONNECTION_OK) Fail(std::string("postgres: ") + PQerrorMessage(conn));
  // The server's defaults are durable; say so rather than assume it.
  if (PgValue(conn, "SHOW fsync") != "on" || PgValue(conn, "SHOW synchronous_commit") != "on") {
    Fail("postgres: the server is not durable (fsync or synchronous_commit off); refusing");
  }
  PgExec(conn, "SET client_min_messages = warning");
  PgExec(conn, "DROP TABLE IF EXISTS findings");
  // The GIN index (default jsonb_ops: every key and value) exists before the load, as it would in
  // service; building it afterwards would be a bulk load, not ingest.
  PgExec(conn,
         "CREATE TABLE findings ("
         "  id text PRIMARY KEY,"
         "  updated_at timestamptz NOT NULL,"
         "  count bigint NOT NULL,"
         "  doc jsonb NOT NULL)");
  PgExec(conn, "CREATE INDEX findings_doc ON findings USING GIN (doc)");
  // The method, the fastest of those tried: each transaction COPYs its findings into a temporary
  // staging table (not WAL-logged; emptied at commit) and moves them with one INSERT ... SELECT
  // ... ON CONFLICT. Per-finding prepared upserts, pipelined (PQsendQueryPrepared in pipeline
  // mode), were no faster and left a quarter more on disk: every update within a transaction
  // leaves a dead row version. ON CONFLICT may touch a row only once per statement, so DISTINCT
  // ON keeps each id's newest version within the batch first; the rows left are the same as
  // upserting the findings one by one. (A larger temp_buffers, to keep a batch of staging rows
  // in memory, made no measurable difference.)
  PgExec(conn,
         "CREATE TEMP TABLE staging (id text, updated_at timestamptz, count bigint, doc text) "
         "ON COMMIT DELETE ROWS");
  const char* move =
      "INSERT INTO findings (id, updated_at, count, doc) "
      "SELECT DISTINCT ON (id) id, updated_at, count, doc::jsonb FROM staging "
      "ORDER BY id, updated_at DESC, count DESC "
      "ON CONFLICT (id) DO UPDATE SET "
      "  updated_at = excluded.updated_at, count = excluded.count, doc = excluded.doc "
      "WHERE (excluded.updated_at, excluded.count) > (findings.updated_at, findings.count)";

  LoadResult result;
  result.method =
      "COPY into a temporary staging table + INSERT ... SELECT ... ON CONFLICT, "
      "one transaction per 16384";
  LineReader reader(input);
  Finding f;
  std::string buffer;
  constexpr size_t kCopyChunk = 1 << 20;
  auto start = std::chrono::steady_clock::now();
  bool more = reader.Next(&f);
  while (more) {
    PgExec(conn, "BEGIN");
    PGresult* res = PQexec(conn, "COPY staging (id, updated_at, count, doc) FROM STDIN");
    if (PQresultStatus(res) != PGRES_COPY_IN) {
      PQclear(res);
      Fail(std::string("postgres: cannot COPY: ") + PQerrorMessage(conn));
    }
    PQclear(res);
    size_t in_batch = 0;
    for (; more && in_batch < kCommitFindings; more = reader.Next(&f)) {
      AppendCopyField(f.id, &buffer);
      buffer.push_back('\t');
      AppendCopyField(f.updated_at, &buffer);
      buffer.push_back('\t');
      buffer.append(std::to_string(f.count));
      buffer.push_back('\t');
      AppendCopyField(f.doc, &buffer);
      buffer.push_back('\n');
      if (buffer.size() >= kCopyChunk) PgPutCopyData(conn, &buffer);
      ++in_batch;
    }
    PgPutCopyData(conn, &buffer);
    if (PQputCopyEnd(conn, nullptr) != 1) {
      Fail(std::string("postgres: COPY failed: ") + PQerrorMessage(conn));
    }
    while ((res = PQgetResult(conn)) != nullptr) {
      if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        std::string message = PQerrorMessage(conn);
        PQclear(res);
        Fail("postgres: COPY failed: " + message);
      }
      PQclear(res);
    }
    PgExec(conn, move);
    PgExec(conn, "COMMIT");
    result.findings += in_batch;
  }
  result.seconds = SecondsSince(start);

  result.rows = std::stoull(PgValue(conn, "SELECT count(*) FROM findings"));
  result.count_sum = std::stoll(PgValue(conn, "SELECT coalesce(sum(count), 0) FROM findings"));
  result.bytes_on_disk = std::stoull(PgValue(conn, "SELECT pg_database_size(current_database())"));
  PQfinish(conn);
  return result;
}

#endif  // VIGIL_PEER_POSTGRES

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr,
                 "usage: vigil-ingest-peer sqlite DBFILE INPUT.jsonl...\n"
                 "       vigil-ingest-peer postgres CONNINFO INPUT.jsonl...\n");
    return 2;
  }
  const std::string engine = argv[1];
  if (engine != "sqlite" && engine != "postgres") Fail("unknown engine '" + engine + "'");
  // The inputs, concatenated in memory (reading them is not part of the measurement).
  std::string all;
  for (int i = 3; i < argc; ++i) {
    simdjson::padded_string part;
    if (simdjson::padded_string::load(argv[i]).get(part)) {
      Fail(std::string("cannot read ") + argv[i]);
    }
    all.append(part.data(), part.size());
    if (!all.empty() && all.back() != '\n') all.push_back('\n');
  }
  simdjson::padded_string input(all);
  std::string().swap(all);

  LoadResult result;
  if (engine == "sqlite") {
#ifdef VIGIL_PEER_SQLITE
    result = LoadSqlite(argv[2], input);
#else
    Fail("built without SQLite (libsqlite3-dev was missing when Vigil was configured)");
#endif
  } else {
#ifdef VIGIL_PEER_POSTGRES
    result = LoadPostgres(argv[2], input);
#else
    Fail("built without PostgreSQL (libpq-dev was missing when Vigil was configured)");
#endif
  }
  std::printf("{\"engine\":\"%s\",\"findings\":%" PRIu64
              ",\"seconds\":%.6f,\"findings_per_second\":%.1f,"
              "\"bytes_on_disk\":%" PRIu64 ",\"rows\":%" PRIu64 ",\"count_sum\":%" PRId64
              ",\"method\":\"%s\"}\n",
              engine.c_str(), result.findings, result.seconds,
              result.seconds > 0 ? static_cast<double>(result.findings) / result.seconds : 0.0,
              result.bytes_on_disk, result.rows, result.count_sum, result.method);
  return 0;
}
