// event_log: the run's embedded, append-only event log on RocksDB.
//
// One directory per run. Events live in named streams ("orchestrator",
// "worker/a", ...), each numbered from 1 without gaps, and in one global order
// (positions from 1, gap-free) over all streams. Reading one stream costs in
// proportion to that stream, not to the log: a stream's events are stored
// contiguously, keyed by (stream id, sequence); the global order is a small
// index from position to (stream id, sequence).
//
// Guarantees:
// - An append is atomic: all of its events are stored, or none.
// - Nothing is acknowledged that is not durable under the log's durability
//   mode (see storage/options.hpp).
// - Sequences and positions never go down and are never reused, even after
//   deletion or truncation. What survives a crash is a prefix of what was
//   written: no holes.
// - Stored bytes are checked on read (checksum + full Cap'n Proto traversal);
//   damage is reported as ec::corruption naming the stream and sequence,
//   never skipped.
//
// The class is an interface (LevelDB's DB/DBImpl shape); open() returns the
// RocksDB implementation, storage/detail/rocks_log.hpp.
//
// Thread safety: every member function may be called concurrently from any
// thread. A log directory is opened for writing by one event_log in one
// process at a time; a second writer gets ec::locked. Any number of read-only
// instances may open it meanwhile.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.hpp"
#include "storage/new_event.hpp"
#include "storage/options.hpp"
#include "storage/recorded_event.hpp"
#include "storage/snapshot.hpp"

namespace baton::storage {

/// What an append stored.
struct append_result {
  /// Sequence of the first and last event appended to the stream.
  uint64_t first_sequence = 0;
  uint64_t last_sequence = 0;
  /// Global position of the first and last event appended.
  uint64_t first_position = 0;
  uint64_t last_position = 0;
  /// True when every event id was already in the stream, in the same order:
  /// nothing was written and the fields above describe the original events.
  bool duplicate = false;
};

/// One append of an append_many() call.
struct append_request {
  std::string stream;
  expected_version expected = expected_version::any();
  std::vector<new_event> events;
  /// Acknowledge once written to the operating system (durability::async)
  /// whatever the log's mode: for bulky inputs that are cheap to lose in a
  /// power cut (raw PTY output). A relaxed append committed in one group with
  /// a strict one is synced with it; a later synced append makes every
  /// earlier one durable too, so what survives is still a prefix.
  bool relaxed = false;
};

/// Visitor for reads. Return false to stop early. The event (and readers taken
/// from it) is valid only during the call unless moved out.
using event_visitor = std::function<bool(recorded_event&&)>;

/// A stream's bookkeeping.
struct stream_info {
  std::string name;
  /// Sequence of the last event ever appended (the stream's version).
  uint64_t highest = 0;
  /// Lowest sequence still stored; events below it were deleted or truncated.
  uint64_t lowest = 1;
};

class event_log {
public:
  event_log(const event_log&) = delete;
  event_log& operator=(const event_log&) = delete;
  virtual ~event_log();

  /// Opens (or creates) the log in `dir`.
  /// Errors: ec::not_a_log when `dir` holds something else; ec::newer_schema
  /// when it was written by a newer Baton; ec::locked when another process has
  /// it open for writing; ec::not_found when it is missing and
  /// !create_if_missing or read_only; ec::io_error, ec::corruption otherwise.
  static result<std::unique_ptr<event_log>> open(const std::string& dir,
                                                 const options& opts = {});

  /// Appends `events` to `stream` if the stream's version satisfies
  /// `expected`, assigning consecutive sequences and global positions.
  /// Blocks until the events are durable under the log's mode.
  ///
  /// Idempotency: if every event id is already stored, consecutively and in
  /// this order, in `stream`, nothing is written and the original positions
  /// are returned with duplicate = true, whatever `expected` says.
  ///
  /// Errors: ec::wrong_expected_version (nothing written); ec::invalid_argument
  /// for an empty stream name or batch, an empty id or payload, or a batch
  /// whose ids are partly stored already; ec::closed for a read-only or failed
  /// log; ec::io_error when the write failed (nothing acknowledged; the log
  /// then refuses further appends: reopen to recover).
  virtual result<append_result> append(std::string_view stream,
                                       expected_version expected,
                                       std::span<const new_event> events)
    = 0;

  /// Several appends, each atomic and checked on its own exactly as append()
  /// does, committed together: one write and, unless the mode is async, one
  /// sync for all of them. This is how one writer (the log actor) batches
  /// what many actors sent it. Returns one result per request, in order.
  virtual std::vector<result<append_result>>
  append_many(std::span<const append_request> requests) = 0;

  /// Visits `stream`'s events with from <= sequence <= to, in order, at most
  /// `max` of them. from > to, or a stream never written, visits nothing.
  /// Cost is proportional to the events visited.
  /// Returns the number visited. Errors: ec::corruption naming the sequence.
  virtual result<uint64_t> read(std::string_view stream, uint64_t from,
                                uint64_t to, uint64_t max,
                                const event_visitor& visit) const
    = 0;

  /// The same as a vector.
  result<std::vector<recorded_event>>
  read(std::string_view stream, uint64_t from = 1,
       uint64_t to = UINT64_MAX, uint64_t max = UINT64_MAX) const;

  /// The stream's version: the sequence of its last event ever appended, 0 for
  /// a stream never written. Deletion never lowers it.
  virtual uint64_t highest(std::string_view stream) const = 0;

  /// Every stream, in name order.
  virtual std::vector<stream_info> streams() const = 0;

  /// Visits events of all streams in global order from `from_position`, at
  /// most `max`. Events deleted by delete_upto() or truncate() are passed
  /// over (they are gone by request); any other missing event is an error.
  /// Returns the number visited.
  virtual result<uint64_t> read_all(uint64_t from_position, uint64_t max,
                                    const event_visitor& visit) const
    = 0;

  /// The same as a vector.
  result<std::vector<recorded_event>> read_all(uint64_t from_position = 1,
                                               uint64_t max = UINT64_MAX) const;

  /// The global position of the last event appended; 0 for an empty log.
  virtual uint64_t last_position() const = 0;

  /// Tail: blocks until last_position() > `position` or `timeout` passes, and
  /// returns last_position(). For a read-only log this polls refresh().
  virtual uint64_t wait_beyond(uint64_t position,
                               std::chrono::milliseconds timeout)
    = 0;

  /// Read-only logs: catches up with what the writing process added.
  /// A writable log has nothing to do and succeeds.
  virtual result<void> refresh() = 0;

  /// Deletes `stream`'s events with sequence <= `to_sequence` (Akka's
  /// deleteMessages). The stream's version is unchanged.
  virtual result<void> delete_upto(std::string_view stream,
                                   uint64_t to_sequence)
    = 0;

  /// Deletes, in every stream whose name starts with `prefix`, the events
  /// whose global position is below `before_position`: the way to bound the
  /// disk used by raw terminal output. Versions are unchanged.
  /// Returns the number of events deleted.
  virtual result<uint64_t> truncate(std::string_view prefix,
                                    uint64_t before_position)
    = 0;

  /// Saves a snapshot of `stream` at `snap.sequence` (replacing one already
  /// there). Durable under the log's mode.
  /// Errors: ec::invalid_argument when the sequence is 0 or above highest().
  virtual result<void> save_snapshot(std::string_view stream,
                                     const snapshot& snap)
    = 0;

  /// The snapshot of `stream` with the highest sequence that matches
  /// `criteria`, or nullopt. Errors: ec::corruption.
  virtual result<std::optional<snapshot>>
  load_snapshot(std::string_view stream,
                const snapshot_criteria& criteria = {}) const
    = 0;

  /// Deletes the snapshot of `stream` at `sequence`, if any.
  virtual result<void> delete_snapshot(std::string_view stream,
                                       uint64_t sequence)
    = 0;

  /// Deletes every snapshot of `stream` that matches `criteria`.
  virtual result<void> delete_snapshots(std::string_view stream,
                                        const snapshot_criteria& criteria)
    = 0;

  /// Deletes every snapshot of `stream` but its `keep` latest (by
  /// sequence), reading only their keys; the number deleted. A rebuild
  /// starts from the latest, so older ones only take room: a run keeps two
  /// (the latest and the one before it).
  virtual result<uint64_t> keep_snapshots(std::string_view stream, size_t keep)
    = 0;

  /// The directory this log lives in.
  virtual const std::string& dir() const = 0;

  /// The durability mode appends use.
  virtual durability mode() const = 0;

protected:
  event_log() = default;
};

} // namespace baton::storage
