// Opening a log: refusing what is not a log, or is from a newer Baton, or is
// held by another writer; read-only access beside a writer.
#include "storage/event_log.hpp"

#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <sstream>

#include <catch2/catch.hpp>
#include <rocksdb/db.h>

#include "schema/envelope.capnp.h"
#include "tests/storage/child_process.hpp"
#include "tests/storage/log_fixture.hpp"

using namespace baton;
using namespace baton::test;
namespace fs = std::filesystem;

namespace {

constexpr auto reply_timeout = std::chrono::seconds{30};

/// Every file under `dir` with its content.
std::map<std::string, std::string> contents(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (auto& entry : fs::recursive_directory_iterator(dir)) {
    std::ifstream in{entry.path(), std::ios::binary};
    std::ostringstream text;
    text << in.rdbuf();
    out[entry.path().string()] = text.str();
  }
  return out;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out{path, std::ios::binary};
  out << text;
}

/// Creates a RocksDB database in `dir` with the column families of a Baton
/// log, and `marker` under "format" in the default one unless it is empty.
void make_raw_log(const std::string& dir, const std::string& marker) {
  rocksdb::DBOptions opts;
  opts.create_if_missing = true;
  opts.create_missing_column_families = true;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (auto name : {"default", "events", "positions", "ids", "snapshots"})
    cfs.emplace_back(name, rocksdb::ColumnFamilyOptions{});
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto st = rocksdb::DB::Open(opts, dir, cfs, &handles, &raw);
  REQUIRE(st.ok());
  std::unique_ptr<rocksdb::DB> db{raw};
  if (!marker.empty())
    REQUIRE(db->Put(rocksdb::WriteOptions{}, "format", marker).ok());
  for (auto* h : handles)
    REQUIRE(db->DestroyColumnFamilyHandle(h).ok());
  REQUIRE(db->Close().ok());
}

void require_error(const std::string& dir, const storage::options& opts,
                   ec expected) {
  auto log = storage::event_log::open(dir, opts);
  REQUIRE_FALSE(log.ok());
  INFO(log.err().to_string());
  CHECK(log.err().code() == expected);
  CHECK_FALSE(log.err().message().empty());
}

/// A child process holding the log in `dir` open for writing.
struct holder {
  child_process child;

  explicit holder(const std::string& dir)
    : child({BATON_LOG_CHILD, "hold", dir}) {
    auto line = child.receive(reply_timeout);
    REQUIRE(line.has_value());
    REQUIRE(*line == "ready");
  }

  /// Has the child append `count` events to `stream`; returns its last
  /// position afterwards.
  uint64_t append(const std::string& stream, int count) {
    REQUIRE(child.send("append " + stream + " " + std::to_string(count)));
    auto line = child.receive(reply_timeout);
    REQUIRE(line.has_value());
    REQUIRE(line->rfind("ok ", 0) == 0);
    return std::stoull(line->substr(3));
  }

  void quit() {
    REQUIRE(child.send("quit"));
    auto status = child.wait_for(reply_timeout);
    REQUIRE(status.has_value());
    CHECK(describe_wait_status(*status) == "exit 0");
  }
};

} // namespace

TEST_CASE("a directory of ordinary files is not a log and is left untouched",
          "[storage][open]") {
  temp_dir dir;
  auto path = dir / "project";
  fs::create_directories(path + "/sub");
  write_file(path + "/notes.txt", "not a log\n");
  write_file(path + "/CURRENT.txt", "also not a log\n");
  write_file(path + "/sub/data.bin", std::string("\0\1\2\3", 4));
  auto before = contents(path);
  require_error(path, {}, ec::not_a_log);
  storage::options ro;
  ro.read_only = true;
  require_error(path, ro, ec::not_a_log);
  CHECK(contents(path) == before);
}

TEST_CASE("a plain file is not a log and is left untouched",
          "[storage][open]") {
  temp_dir dir;
  write_file(dir / "file", "plain");
  auto log = storage::event_log::open(dir / "file");
  REQUIRE_FALSE(log.ok());
  CHECK(log.err().code() == ec::not_a_log);
  CHECK(contents(dir.path()).at(dir / "file") == "plain");
}

TEST_CASE("a RocksDB database without the format marker is not a log",
          "[storage][open]") {
  temp_dir dir;
  auto path = dir / "db";
  {
    rocksdb::Options opts;
    opts.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(opts, path, &raw).ok());
    std::unique_ptr<rocksdb::DB> db{raw};
    REQUIRE(db->Put(rocksdb::WriteOptions{}, "key", "value").ok());
    REQUIRE(db->Close().ok());
  }
  require_error(path, {}, ec::not_a_log);
  storage::options ro;
  ro.read_only = true;
  require_error(path, ro, ec::not_a_log);
  // The database is still the user's, unchanged.
  rocksdb::DB* raw = nullptr;
  REQUIRE(rocksdb::DB::OpenForReadOnly(rocksdb::Options{}, path, &raw).ok());
  std::unique_ptr<rocksdb::DB> db{raw};
  std::string value;
  REQUIRE(db->Get(rocksdb::ReadOptions{}, "key", &value).ok());
  CHECK(value == "value");
  std::vector<std::string> families;
  REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions{}, path, &families)
            .ok());
  CHECK(families == std::vector<std::string>{"default"});
}

TEST_CASE("a log written by a newer schema version is refused",
          "[storage][open]") {
  temp_dir dir;
  auto path = dir / "log";
  auto newer = schema::CURRENT_SCHEMA_VERSION + 1;
  auto marker = GENERATE_COPY(std::string{"baton-log/"} + std::to_string(newer),
                              std::string{"baton-log/65535"});
  INFO("marker " << marker);
  make_raw_log(path, marker);
  require_error(path, {}, ec::newer_schema);
  storage::options ro;
  ro.read_only = true;
  require_error(path, ro, ec::newer_schema);
}

TEST_CASE("a log with the current format marker written by hand opens",
          "[storage][open]") {
  // The counterpart of the test above: the marker layout the tests assume is
  // the one the log writes.
  temp_dir dir;
  auto path = dir / "log";
  make_raw_log(path,
               "baton-log/" + std::to_string(schema::CURRENT_SCHEMA_VERSION));
  auto log = open_log(path);
  CHECK(log->last_position() == 0);
  append_note(*log, "s", 1, 1, "hello");
  CHECK(read_ok(*log, "s").size() == 1);
}

TEST_CASE("a log's format marker names the current schema version",
          "[storage][open]") {
  temp_dir dir;
  auto path = dir / "log";
  open_log(path).reset();
  std::vector<std::string> families;
  REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions{}, path, &families)
            .ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (auto& name : families)
    cfs.emplace_back(name, rocksdb::ColumnFamilyOptions{});
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  REQUIRE(rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions{}, path, cfs,
                                       &handles, &raw)
            .ok());
  std::unique_ptr<rocksdb::DB> db{raw};
  std::string marker;
  REQUIRE(db->Get(rocksdb::ReadOptions{}, "format", &marker).ok());
  CHECK(marker
        == "baton-log/" + std::to_string(schema::CURRENT_SCHEMA_VERSION));
  for (auto* h : handles)
    REQUIRE(db->DestroyColumnFamilyHandle(h).ok());
}

TEST_CASE("a missing directory is created unless told otherwise",
          "[storage][open]") {
  temp_dir dir;
  SECTION("create_if_missing makes a new log") {
    auto log = open_log(dir / "a/b/log");
    CHECK(fs::is_directory(dir / "a/b/log"));
    CHECK(log->last_position() == 0);
  }
  SECTION("an empty directory becomes a log") {
    fs::create_directory(dir / "empty");
    auto log = open_log(dir / "empty");
    append_note(*log, "s", 1, 1, "x");
    CHECK(log->last_position() == 1);
  }
  SECTION("without create_if_missing it is not found and not created") {
    storage::options opts;
    opts.create_if_missing = false;
    require_error(dir / "log", opts, ec::not_found);
    CHECK_FALSE(fs::exists(dir / "log"));
  }
  SECTION("read-only it is not found and not created") {
    storage::options opts;
    opts.read_only = true;
    require_error(dir / "log", opts, ec::not_found);
    CHECK_FALSE(fs::exists(dir / "log"));
  }
}

TEST_CASE("a second writer in the same process is refused", "[storage][open]") {
  temp_dir dir;
  auto first = open_log(dir / "log");
  append_note(*first, "s", 1, 1, "x");
  require_error(dir / "log", {}, ec::locked);
  // The first writer is unaffected.
  append_note(*first, "s", 1, 2, "y");
  CHECK(first->last_position() == 2);
}

TEST_CASE("a log held by another process is refused to a second writer",
          "[storage][open]") {
  temp_dir dir;
  auto path = dir / "log";
  holder h{path};
  h.append("s", 3);
  require_error(path, {}, ec::locked);
  h.quit();
  // Once the holder is gone, the log opens and holds what it wrote.
  auto log = open_log(path);
  CHECK(sequences(read_ok(*log, "s")) == iota(1, 3));
}

TEST_CASE("a log held by a killed process opens again", "[storage][open]") {
  temp_dir dir;
  auto path = dir / "log";
  {
    holder h{path};
    h.append("s", 2);
    h.child.kill();
  }
  auto log = open_log(path);
  CHECK(sequences(read_ok(*log, "s")) == iota(1, 2));
}

TEST_CASE("a read-only log follows a writer in another process",
          "[storage][open]") {
  temp_dir dir;
  auto path = dir / "log";
  holder h{path};
  CHECK(h.append("s", 2) == 2);
  storage::options opts;
  opts.read_only = true;
  auto reader = open_log(path, opts);
  CHECK(sequences(read_ok(*reader, "s")) == iota(1, 2));
  CHECK(reader->last_position() == 2);
  // Appending through a reader is refused.
  auto ev = note_event(event_id::from_parts(7, 7), "no");
  auto r = reader->append("s", storage::expected_version::any(), {&ev, 1});
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code() == ec::closed);
  // What the writer adds shows after refresh().
  CHECK(h.append("s", 3) == 5);
  CHECK(h.append("t", 1) == 6);
  REQUIRE(reader->refresh().ok());
  CHECK(reader->last_position() == 6);
  CHECK(sequences(read_ok(*reader, "s")) == iota(1, 5));
  CHECK(reader->highest("t") == 1);
  CHECK(positions(read_all_ok(*reader)) == iota(1, 6));
  // A tailing reader wakes up for the writer's next append.
  auto waiter = std::async(std::launch::async, [&reader] {
    return reader->wait_beyond(6, std::chrono::seconds{60});
  });
  CHECK(h.append("s", 1) == 7);
  REQUIRE(waiter.wait_for(std::chrono::seconds{30})
          == std::future_status::ready);
  CHECK(waiter.get() == 7);
  CHECK(sequences(read_ok(*reader, "s")) == iota(1, 6));
  h.quit();
}

TEST_CASE("a read-only log refuses every kind of write", "[storage][open]") {
  temp_dir dir;
  auto path = dir / "log";
  {
    auto log = open_log(path);
    append_ok(*log, "s", note_events(1, 1, 3));
    REQUIRE(log->save_snapshot("s", {2, 2, state_frame("st")}).ok());
  }
  storage::options opts;
  opts.read_only = true;
  auto reader = open_log(path, opts);
  CHECK(code_of(reader->delete_upto("s", 1)) == ec::closed);
  CHECK(code_of(reader->truncate("s", 3)) == ec::closed);
  CHECK(code_of(reader->save_snapshot("s", {3, 3, state_frame("st")}))
        == ec::closed);
  CHECK(code_of(reader->delete_snapshot("s", 2)) == ec::closed);
  CHECK(code_of(reader->delete_snapshots("s", {})) == ec::closed);
  CHECK(code_of(reader->keep_snapshots("s", 0)) == ec::closed);
  CHECK(sequences(read_ok(*reader, "s")) == iota(1, 3));
  auto snap = reader->load_snapshot("s");
  REQUIRE(snap.ok());
  REQUIRE(snap->has_value());
  CHECK((*snap)->sequence == 2);
  // A reader does not lock out a writer.
  auto writer = open_log(path);
  append_note(*writer, "s", 1, 4, "four");
}
