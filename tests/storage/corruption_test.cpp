// Damage to stored bytes is reported, never skipped and never a crash
// (LevelDB's corruption_test): values overwritten through raw RocksDB, bytes
// flipped inside table files, torn WAL tails, missing records.
#include "storage/event_log.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "tests/storage/log_fixture.hpp"
#include "tests/storage/raw_log.hpp"

using namespace baton;
using namespace baton::test;
namespace fs = std::filesystem;

namespace {

constexpr const char* stream_name = "worker/alpha";

/// Writes 50 events to stream "worker/alpha" (the first stream, id 1) and 10
/// to "other", interleaved, and closes the log.
void make_log(const std::string& dir) {
  auto log = open_log(dir);
  for (uint64_t n = 1; n <= 50; ++n) {
    append_note(*log, stream_name, 1, n, "alpha " + std::to_string(n));
    if (n % 5 == 0)
      append_note(*log, "other", 2, n, "other " + std::to_string(n));
  }
}

/// Checks that reading the damaged event fails with ec::corruption naming the
/// stream and the sequence, through read() and read_all().
void require_reported(const storage::event_log& log, uint64_t sequence) {
  auto seq = std::to_string(sequence);
  auto events = log.read(stream_name);
  REQUIRE_FALSE(events.ok());
  INFO(events.err().to_string());
  CHECK(events.err().code() == ec::corruption);
  CHECK_THAT(events.err().message(), Catch::Contains(stream_name));
  CHECK_THAT(events.err().message(), Catch::Contains(seq));
  auto all = log.read_all();
  REQUIRE_FALSE(all.ok());
  INFO(all.err().to_string());
  CHECK(all.err().code() == ec::corruption);
  CHECK_THAT(all.err().message(), Catch::Contains(stream_name));
  CHECK_THAT(all.err().message(), Catch::Contains(seq));
  // The visitor form stops at the damage: it saw only what came before.
  uint64_t seen = 0;
  auto visited = log.read(stream_name, 1, UINT64_MAX, UINT64_MAX,
                          [&seen, sequence](storage::recorded_event&& ev) {
                            CHECK(ev.sequence() < sequence);
                            ++seen;
                            return true;
                          });
  CHECK_FALSE(visited.ok());
  CHECK(seen < sequence);
}

/// CRC-32C (Castagnoli, reflected polynomial 0x82f63b78), bit by bit: the
/// checksum of stored values (storage/event_codec.cpp).
uint32_t crc32c(std::string_view bytes) {
  uint32_t crc = 0xffffffff;
  for (unsigned char byte : bytes) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit)
      crc = crc & 1 ? (crc >> 1) ^ 0x82f63b78 : crc >> 1;
  }
  return ~crc;
}

uint32_t get_u32le(std::string_view bytes) {
  uint32_t x = 0;
  for (int i = 3; i >= 0; --i)
    x = x << 8 | static_cast<uint8_t>(bytes[static_cast<size_t>(i)]);
  return x;
}

/// `body` behind a correct checksum header (storage/event_codec.cpp).
std::string with_checksum(const std::string& body) {
  auto sum = crc32c(body);
  std::string out;
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>(sum >> (8 * i)));
  return out + body;
}

/// Overwrites pointer `index` of the root struct of the flat-array message in
/// `value` (checksum header included) with a struct pointer far out of
/// bounds, and seals the value with a correct checksum again: damage that
/// only a traversal of the message finds.
std::string break_root_pointer(const std::string& value, unsigned index) {
  auto body = value.substr(4);
  auto word = [&](size_t i) {
    uint64_t x = 0;
    for (int b = 7; b >= 0; --b)
      x = x << 8 | static_cast<uint8_t>(body[i * 8 + static_cast<size_t>(b)]);
    return x;
  };
  auto segments = (word(0) & 0xffffffff) + 1;
  REQUIRE(segments == 1);
  const size_t root = 1; // the segment table is one word
  auto pointer = word(root);
  REQUIRE((pointer & 3) == 0); // a struct pointer
  auto offset = static_cast<int32_t>(static_cast<uint32_t>(pointer)) >> 2;
  auto data_words = (pointer >> 32) & 0xffff;
  auto pointers = pointer >> 48;
  REQUIRE(index < pointers);
  auto at = static_cast<size_t>(static_cast<int64_t>(root) + 1 + offset)
            + data_words + index;
  // Offset 0x1fffffff words, one data word: beyond any stored message.
  uint64_t broken = (uint64_t{0x1fffffff} << 2) | (uint64_t{1} << 32);
  for (int b = 0; b < 8; ++b)
    body[at * 8 + static_cast<size_t>(b)]
      = static_cast<char>(broken >> (8 * b));
  return with_checksum(body);
}

} // namespace

TEST_CASE("the first stream's events are keyed by stream id 1 and sequence",
          "[storage][corruption]") {
  // The layout the other cases rely on, checked against what the log wrote.
  temp_dir dir;
  auto path = dir / "log";
  make_log(path);
  raw_log raw{path};
  auto meta = raw.get("default", std::string{"stream/"} + stream_name);
  REQUIRE(meta.size() >= 4);
  CHECK(meta.substr(0, 4) == std::string("\0\0\0\1", 4));
  auto value = raw.get("events", event_key(1, 37));
  REQUIRE(value.size() > 4);
  CHECK(get_u32le(value) == crc32c(std::string_view{value}.substr(4)));
  auto decoded = storage::recorded_event::decode(
    std::as_bytes(std::span{value}).subspan(4), "test");
  REQUIRE(decoded.ok());
  CHECK(decoded->sequence() == 37);
  CHECK(decoded->stream() == stream_name);
  CHECK(note_text(*decoded) == "alpha 37");
}

TEST_CASE("a damaged event value is reported as corruption",
          "[storage][corruption]") {
  temp_dir dir;
  auto path = dir / "log";
  make_log(path);
  {
    raw_log raw{path};
    auto key = event_key(1, 37);
    auto value = raw.get("events", key);
    REQUIRE(value.size() > 16);
    SECTION("one bit flipped in the body") {
      value[value.size() / 2] ^= 0x10;
    }
    SECTION("one bit flipped in the checksum") {
      value[0] ^= 0x01;
    }
    SECTION("truncated to half") {
      value.resize(value.size() / 2);
    }
    SECTION("truncated to three bytes") {
      value.resize(3);
    }
    SECTION("empty") {
      value.clear();
    }
    SECTION("replaced by garbage") {
      for (size_t i = 0; i < value.size(); ++i)
        value[i] = static_cast<char>(i * 131 + 7);
    }
    SECTION("garbage behind a valid checksum") {
      std::string body(64, '\0');
      for (size_t i = 0; i < body.size(); ++i)
        body[i] = static_cast<char>(0xa5 ^ (i * 29));
      value = with_checksum(body);
    }
    SECTION("a valid checksum over a broken stream pointer") {
      value = break_root_pointer(value, 0);
    }
    SECTION("a valid checksum over a broken event pointer") {
      value = break_root_pointer(value, 4);
    }
    SECTION("a valid checksum over a body that is not whole words") {
      value = with_checksum(value.substr(4, value.size() - 4 - 3));
    }
    raw.put("events", key, value);
  }
  auto log = open_log(path);
  require_reported(*log, 37);
  // Undamaged parts stay readable.
  CHECK(sequences(read_ok(*log, stream_name, 1, 36)) == iota(1, 36));
  CHECK(sequences(read_ok(*log, stream_name, 38)) == iota(38, 50));
  CHECK(read_ok(*log, "other").size() == 10);
}

TEST_CASE("an event stored under another event's key is reported",
          "[storage][corruption]") {
  // A value that passes the checksum but describes sequence 3 cannot stand
  // for sequence 37: replay would see the wrong event.
  temp_dir dir;
  auto path = dir / "log";
  make_log(path);
  {
    raw_log raw{path};
    raw.put("events", event_key(1, 37), raw.get("events", event_key(1, 3)));
  }
  auto log = open_log(path);
  require_reported(*log, 37);
}

TEST_CASE("a missing event inside a stream is reported and not skipped",
          "[storage][corruption]") {
  temp_dir dir;
  auto path = dir / "log";
  make_log(path);
  {
    raw_log raw{path};
    raw.remove("events", event_key(1, 37));
  }
  auto log = open_log(path);
  require_reported(*log, 37);
}

TEST_CASE("a damaged table file is reported without a crash",
          "[storage][corruption]") {
  temp_dir dir;
  auto path = dir / "log";
  {
    auto log = open_log(path);
    // Enough data that the middle of the table file is inside data blocks.
    for (uint64_t n = 1; n <= 40; ++n) {
      auto events = note_events(n, 1, 50, std::string(200, 'x'));
      append_ok(*log, stream_name, events);
    }
  }
  {
    raw_log raw{path};
    raw.flush();
  }
  // The largest table file holds the events.
  fs::path largest;
  uintmax_t size = 0;
  for (auto& entry : fs::directory_iterator(path))
    if (entry.path().extension() == ".sst" && entry.file_size() > size) {
      size = entry.file_size();
      largest = entry.path();
    }
  REQUIRE(size > 64 * 1024);
  {
    std::fstream file{largest, std::ios::in | std::ios::out | std::ios::binary};
    REQUIRE(file.good());
    auto middle = static_cast<std::streamoff>(size / 2);
    std::string bytes(64, '\0');
    file.seekg(middle);
    file.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    for (auto& b : bytes)
      b = static_cast<char>(~b);
    file.seekp(middle);
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    REQUIRE(file.good());
  }
  auto log = storage::event_log::open(path);
  if (!log) {
    // Refusing to open a damaged log is a fine way to report it.
    INFO(log.err().to_string());
    CHECK(log.err().code() == ec::corruption);
    return;
  }
  auto events = (*log)->read(stream_name);
  REQUIRE_FALSE(events.ok());
  INFO(events.err().to_string());
  CHECK(events.err().code() == ec::corruption);
  auto all = (*log)->read_all();
  REQUIRE_FALSE(all.ok());
  CHECK(all.err().code() == ec::corruption);
}

TEST_CASE("a torn write-ahead log tail recovers a gap-free prefix",
          "[storage][corruption]") {
  temp_dir dir;
  auto path = dir / "log";
  constexpr uint64_t total = 30;
  {
    storage::options opts;
    opts.mode = storage::durability::sync;
    auto log = open_log(path, opts);
    for (uint64_t n = 1; n <= total; ++n)
      append_note(*log, "s" + std::to_string(n % 3), 1, n,
                  "event " + std::to_string(n));
  }
  // The newest WAL file holds the appends (nothing was flushed).
  fs::path wal;
  for (auto& entry : fs::directory_iterator(path))
    if (entry.path().extension() == ".log"
        && (wal.empty() || entry.path().filename() > wal.filename()))
      wal = entry.path();
  REQUIRE_FALSE(wal.empty());
  auto size = fs::file_size(wal);
  REQUIRE(size > 100);
  // Tear the last record: the last append was not completely written.
  fs::resize_file(wal, size - 7);
  auto log = open_log(path);
  auto all = read_all_ok(*log);
  auto n = all.size();
  INFO("recovered " << n << " of " << total);
  CHECK(n >= total - 1);
  CHECK(log->last_position() == n);
  CHECK(positions(all) == iota(1, n));
  for (auto& info : log->streams())
    CHECK(sequences(read_ok(*log, info.name)) == iota(1, info.highest));
  for (auto& ev : all)
    CHECK(note_text(ev) == "event " + std::to_string(ev.position()));
  // The log goes on from where it recovered.
  auto next = append_note(*log, "s0", 1, 1000, "after");
  CHECK(next.first_position == n + 1);
}
