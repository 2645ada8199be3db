// event_cursor: a run's events, pulled from a global position onwards —
// RocksDB's GetUpdatesSince idiom. The caller pulls at its own pace on its
// own thread; no callback of the caller ever runs on an engine thread, and
// a slow reader slows nobody (the log keeps everything).
//
//   auto cursor = run->events(1);
//   while (auto* e = cursor->next(std::chrono::seconds{1}))
//     std::cout << e->position() << ' ' << e->kind() << '\n';
//
// Every event of every stream comes, in the order the log recorded them
// (global positions 1, 2, 3, ... without gaps). An event's payload is the
// schema's Cap'n Proto message (schema/events.capnp, root Event), for
// programs that read it with Cap'n Proto; json() gives the same for those
// that do not.
//
// Not thread-safe: one cursor per reading thread (make as many as needed).
// A cursor keeps the run's log open: it may outlive the run object.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "baton/result.hpp"

namespace baton {

struct event_access; // internal

/// One recorded event, as a view into the cursor's buffer: valid until the
/// cursor's next call to next() or its destruction.
class event {
public:
  /// Global position in the run's log (from 1).
  uint64_t position() const;
  /// The stream it belongs to: "orchestrator", "operator", "worker/<agent>".
  std::string_view stream() const;
  /// Its sequence in that stream (from 1).
  uint64_t sequence() const;
  /// The run's logical time when it was recorded, µs since the run began.
  uint64_t logical_time() const;
  /// What it is: the schema's name for it ("taskSettled", "ptyOutput",
  /// "operatorCommand", ...).
  std::string_view kind() const;
  /// The event as one line of JSON (the envelope: stream, sequence,
  /// times, event), as `baton log --json` prints it.
  std::string json() const;
  /// The event alone as a Cap'n Proto message (flat array of words, root
  /// schema Event).
  std::string_view payload() const;

private:
  friend class event_cursor;
  friend struct event_access;
  event() = default;
  const void* rec_ = nullptr;
  mutable std::string payload_;
};

class event_cursor {
public:
  ~event_cursor();
  event_cursor(const event_cursor&) = delete;
  event_cursor& operator=(const event_cursor&) = delete;

  /// The next event, waiting up to `wait` for one to be recorded. Null when
  /// none came within `wait`, when the run is over and every event was
  /// given (see at_end()), or after an error (see error()).
  const event* next(std::chrono::milliseconds wait
                    = std::chrono::milliseconds{0});

  /// The position the next event will have.
  uint64_t position() const;

  /// True when the run has finished (or is a stored one) and every event
  /// has been given: next() will never return another.
  bool at_end() const;

  /// The read error that stopped the cursor (a corrupted record, names its
  /// stream and sequence); ok() while none.
  const result<void>& error() const;

  struct impl;

private:
  friend class run;
  friend result<std::unique_ptr<event_cursor>>
  open_events(const std::string& log_dir, uint64_t from_position);
  explicit event_cursor(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
  event current_;
};

/// A cursor over a stored run's log (finished, stopped, or written by
/// another process: opened read-only, and it follows what that process
/// adds). Errors: ec::not_found / ec::not_a_log naming the directory.
result<std::unique_ptr<event_cursor>> open_events(const std::string& log_dir,
                                                  uint64_t from_position = 1);

} // namespace baton
