// Options of the event log: how appends become durable and how the log is
// opened. Small on purpose; every field has a Default line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/result.hpp"

namespace rocksdb {
class Env;
} // namespace rocksdb

namespace baton::storage {

/// When an append is acknowledged, relative to the disk.
///
/// DO NOT CHANGE THESE ENUM VALUES: they are written into run metadata.
enum class durability : uint8_t {
  /// Every append is written and fsync'd on its own before append() returns.
  /// Survives power loss. Slowest: one fsync (about 150 µs here) per append.
  sync = 0,
  /// Appends that arrive while a sync is in flight wait and share the next
  /// one: a leader writes all of them as one batch and fsyncs once. Nothing is
  /// acknowledged before its batch is synced, so it survives power loss like
  /// `sync`, at a fraction of the cost under concurrency.
  group = 1,
  /// Appends are written to the operating system (RocksDB's WAL, no fsync)
  /// before append() returns. Survives a crash of this process, not a power
  /// loss or kernel crash: the last moments of writes may then be lost, but
  /// what survives is still a prefix of what was written.
  async = 2,
};

/// "sync", "group" or "async".
std::string_view to_string(durability mode);

/// Parses "sync", "group" or "async".
result<durability> parse_durability(std::string_view text);

struct options {
  /// How appends become durable. Default: durability::group.
  durability mode = durability::group;

  /// Create an empty log when the directory is missing or empty.
  /// Default: true.
  bool create_if_missing = true;

  /// Open without taking the writer's lock, for reading while another process
  /// may be writing (`baton log --follow`). Appends then fail with ec::closed;
  /// call event_log::refresh() to see what the writer added since.
  /// Default: false.
  bool read_only = false;

  /// Most events one group commit carries; bounds a commit's latency.
  /// Default: 8192.
  size_t max_group_events = 8192;

  /// The RocksDB environment to run on. Tests pass one whose file system
  /// injects faults. Not owned; must outlive the log. Default: nullptr, the
  /// process's default environment.
  rocksdb::Env* env = nullptr;
};

/// The version a stream must be at for an append to proceed (optimistic
/// concurrency). Versions are sequence numbers: a stream's version is the
/// sequence of its last event, 0 for a stream never written to. Deleting
/// events never lowers a version.
class expected_version {
public:
  /// Append whatever the stream's version.
  static expected_version any() noexcept {
    return expected_version{kind::any, 0};
  }

  /// The stream must never have been written to (version 0).
  static expected_version no_stream() noexcept {
    return expected_version{kind::exact, 0};
  }

  /// The stream's version must be exactly `n`.
  static expected_version exact(uint64_t n) noexcept {
    return expected_version{kind::exact, n};
  }

  bool is_any() const noexcept {
    return kind_ == kind::any;
  }

  /// @pre !is_any()
  uint64_t version() const noexcept {
    return version_;
  }

  /// True when a stream at `current` satisfies this expectation.
  bool admits(uint64_t current) const noexcept {
    return kind_ == kind::any || version_ == current;
  }

private:
  enum class kind : uint8_t { any, exact };
  expected_version(kind k, uint64_t v) : kind_(k), version_(v) {
  }
  kind kind_;
  uint64_t version_;
};

} // namespace baton::storage
