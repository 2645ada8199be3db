// Helpers shared by the RocksDB implementation of the event log: error
// translation, column family options, and the shapes of a log directory.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <rocksdb/db.h>

#include "engine/result.hpp"
#include "storage/event_log.hpp"

namespace baton::storage::detail {

/// A stream's row in the stream table.
struct stream_state {
  uint32_t id = 0;
  uint64_t highest = 0;
  uint64_t lowest = 1;
};

/// An append waiting in the writer queue.
struct writer {
  std::string_view stream;
  expected_version expected;
  std::span<const new_event> events;
  /// Appends of one append_many() call share a batch number.
  uint64_t batch;
  /// durability::async for this append (append_request::relaxed).
  bool relaxed = false;
  std::optional<result<append_result>> out;
  bool done = false;
  std::condition_variable cv;

  writer(std::string_view s, expected_version e, std::span<const new_event> ev,
         uint64_t b)
    : stream(s), expected(e), events(ev), batch(b) {
  }
};

/// Where a stored event id lives.
struct id_location {
  uint32_t stream_id;
  uint64_t sequence;
  uint64_t position;
};

/// "stream <name> sequence <n>", for error messages.
std::string where(std::string_view stream, uint64_t sequence);

/// Translates a RocksDB status into Baton's vocabulary, with `context`.
error from_status(const rocksdb::Status& st, const std::string& context);

inline std::string_view as_view(const rocksdb::Slice& s) {
  return {s.data(), s.size()};
}

/// Every column family of a log, in handle order: default (metadata),
/// events, positions, ids, snapshots.
std::vector<rocksdb::ColumnFamilyDescriptor> descriptors();

/// True when every entry of `dir` is a file RocksDB creates: what a creation
/// interrupted before CURRENT was written leaves behind.
bool only_rocksdb_leftovers(const std::string& dir);

/// True when `names` is a subset of the log's column families.
bool subset_of_ours(const std::vector<std::string>& names);

/// The format marker this build writes: "baton-log/<schema version>".
std::string format_value();

} // namespace baton::storage::detail
