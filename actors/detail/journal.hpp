// journal: an actor's own stream, written through the log actor in order.
//
// Record, then apply, then act (DESIGN.md §2): an actor hands the journal the
// events of one step and a continuation; the continuation runs once the
// events are durable, and continuations run in the order their events were
// recorded. While one append is in flight, later records queue and go to the
// log actor together in the next request, so a busy actor pays one round
// trip per batch, not per event.
//
// Event ids are (high, counter): `high` is chosen once per actor
// incarnation by the composition root, the counter counts the stream's
// events from 1. A failed append is not retried: the journal stops and
// reports the failure once through `on_failure` (the run cannot go on
// without its log).
//
// Not thread-safe: used from its actor only.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/frame.hpp"
#include "engine/result.hpp"
#include "storage/event_log.hpp"

namespace baton::actors::detail {

class journal {
public:
  using done_fn = std::function<void(result<storage::append_result>)>;
  /// Sends an AppendRequest frame to the log actor; `done` gets the reply.
  using append_fn = std::function<void(frame request, done_fn done)>;

  /// One event to record: its payload (root schema::Event) and the logical
  /// time at which its input arrived.
  struct entry {
    frame payload;
    uint64_t logical_time = 0;
  };

  journal(std::string stream, uint64_t id_high, append_fn append);

  /// Records `entries`; runs `then` once they are durable. `relaxed`: raw
  /// output, acknowledged once written to the OS (see
  /// storage::append_request::relaxed). An empty `entries` runs `then` in
  /// order with the others, without writing.
  void record(std::vector<entry> entries, bool relaxed,
              std::function<void()> then);

  /// Shows the observer each recorded event it `wants`, with its sequence
  /// in the stream and its logical time, once durable and before the
  /// continuations of its batch run (a fold of the actor's own stream, kept
  /// as it is written).
  void observe(std::function<bool(const frame&)> wants,
               std::function<void(uint64_t, uint64_t, const frame&)> seen) {
    wants_ = std::move(wants);
    seen_ = std::move(seen);
  }

  /// From now on, every append expects the stream to be at `version` (the
  /// sequence of its last event), then at the last sequence appended: an
  /// actor started from its stream as it read it fails (ec::
  /// wrong_expected_version, on_failure) rather than write after a record
  /// it did not read. Default: appends whatever the stream's version.
  void expect(uint64_t version) {
    version_ = version;
  }

  /// Called once when an append fails; nothing runs after it.
  void on_failure(std::function<void(const error&)> f) {
    failure_ = std::move(f);
  }

  const std::string& stream() const noexcept {
    return stream_;
  }

  bool failed() const noexcept {
    return failed_;
  }

  /// Events recorded and not yet acknowledged, plus queued ones.
  bool idle() const noexcept {
    return !in_flight_ && queue_.empty();
  }

private:
  struct step {
    std::vector<entry> entries;
    bool relaxed = false;
    std::function<void()> then;
  };

  void pump();

  std::string stream_;
  uint64_t id_high_;
  uint64_t counter_ = 0;
  append_fn append_;
  std::function<void(const error&)> failure_;
  std::function<bool(const frame&)> wants_;
  std::function<void(uint64_t, uint64_t, const frame&)> seen_;
  std::deque<step> queue_;
  bool in_flight_ = false;
  bool failed_ = false;
  std::optional<uint64_t> version_;
};

} // namespace baton::actors::detail
