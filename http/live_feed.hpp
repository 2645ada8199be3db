// live_feed: one reader of a run's log for every browser viewer of it.
//
// A thread follows the log (baton::open_events) and turns each event into
// the WebSocket message a viewer is sent — PTY bytes as a binary message
// tagged with the agent, the global position and the agent's byte offset;
// every other event as a JSON text message — kept once, shared by every
// viewer (no copy per viewer), in a ring bounded in bytes. It also feeds each
// agent's bytes through the engine's own screen model (engine::screen, the
// one `baton show --at` replays), so it can give any viewer a snapshot: every
// agent's screen as it stands at the feed's position, from which the viewer
// continues live.
//
// A viewer pulls (take) from the global position it has reached; when that
// position has left the ring, or the bytes between it and the head are more
// than a viewer should replay, it is told to start again from a snapshot.
// Nothing a viewer does slows the feed, and nothing the feed does slows an
// agent: the log is the only thing between them.
//
// Thread-safe: take, snapshot and screen may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "baton/event_cursor.hpp"
#include "engine/result.hpp"

namespace baton::http {

struct live_feed_options {
  std::string log_dir;
  /// The run's events from a position, when this process runs it
  /// (baton::run::events: woken as each event is recorded). Default: none,
  /// read the log directory (baton::open_events, which polls).
  std::function<std::unique_ptr<event_cursor>(uint64_t)> events = {};
  /// Bytes of messages kept for viewers to catch up from. Default: 8 MiB.
  size_t ring_bytes = 8 << 20;
  /// A viewer behind by more than this many bytes gets a snapshot rather
  /// than the bytes. Default: 2 MiB.
  size_t catch_up_bytes = 2 << 20;
  /// Scrollback lines a snapshot draws above each screen. Default: 200.
  size_t snapshot_scrollback = 200;
};

class live_feed {
public:
  /// One message for viewers, ready to send.
  struct message {
    /// The global position of the event it carries.
    uint64_t position = 0;
    bool binary = false;
    std::string data;
  };
  using message_ptr = std::shared_ptr<const message>;

  enum class pulled : uint8_t {
    /// Messages were appended.
    some,
    /// Nothing new yet.
    none,
    /// Too far behind: start again from snapshot().
    behind,
    /// The run is over and every message was given.
    ended,
  };

  /// Starts following the run in `opts.log_dir`, once what its log holds
  /// now is folded. Errors: those of baton::open_events (no log there).
  static result<std::unique_ptr<live_feed>> start(live_feed_options opts);
  ~live_feed();
  live_feed(const live_feed&) = delete;
  live_feed& operator=(const live_feed&) = delete;

  /// Appends to `out` the messages from global position `from` on, at most
  /// `budget` bytes of them (at least one).
  pulled take(uint64_t from, size_t budget, std::vector<message_ptr>& out);

  /// Every agent's screen at the feed's position, as the message
  /// {"type":"snapshot","position":P,"agents":[{name, columns, rows,
  /// offset, ansi}]}; a viewer continues from P + 1.
  message_ptr snapshot();

  /// One agent's screen now: {agent, columns, rows, position, lines, cells
  /// (styled runs per row), ansi}; none for an agent not seen.
  std::optional<nlohmann::json> screen(const std::string& agent);

  /// The last position folded.
  uint64_t position();

  /// Calls `wake` (from the feed's thread) whenever messages were added or
  /// the run ended. Returns an id for unsubscribe().
  uint64_t subscribe(std::function<void()> wake);
  void unsubscribe(uint64_t id);

  struct impl;

private:
  explicit live_feed(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace baton::http
