// batch_writer: the log actor's writer thread. Appends are blocking (they
// wait for fsync), and actors must not block, so the log actor hands each
// request to this thread. The thread takes everything queued at once and
// commits it with event_log::append_many — one write and one sync for all —
// then reports each outcome through `done`, from the writer thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "engine/frame.hpp"
#include "storage/event_log.hpp"

namespace baton::actors::detail {

/// How many snapshots of each stream a run keeps: a rebuild starts from
/// the latest, and the one before it costs little and is there should the
/// latest be unreadable to a later build.
inline constexpr size_t kept_snapshots = 2;

/// Saves `snap` of `stream` in `log`, then deletes the stream's snapshots
/// older than the last kept_snapshots. A failure is said on stderr, naming
/// the stream and sequence: a snapshot only spares a rebuild work, and the
/// run goes on without it.
void save_snapshot(storage::event_log& log, const std::string& stream,
                   const storage::snapshot& snap);

class batch_writer {
public:
  /// Called on the writer thread with a request's ticket and its AppendReply.
  using done_fn = std::function<void(uint64_t ticket, frame reply)>;

  /// `log` must outlive the writer.
  batch_writer(storage::event_log& log, done_fn done);
  batch_writer(const batch_writer&) = delete;
  batch_writer& operator=(const batch_writer&) = delete;

  /// Finishes what is queued, then joins the thread.
  ~batch_writer();

  /// Queues a request. Thread-safe.
  void submit(uint64_t ticket, storage::append_request request);

  /// Queues a mark: `done` is called with its ticket and an empty frame
  /// once what was queued before it is written. Thread-safe.
  void submit_mark(uint64_t ticket);

  /// Queues a snapshot of `stream`, saved after the requests queued before
  /// it. Thread-safe.
  void submit_snapshot(std::string stream, storage::snapshot snap);

private:
  void run();
  void save(
    const std::deque<std::pair<std::string, storage::snapshot>>& snapshots);

  storage::event_log& log_;
  done_fn done_;
  std::mutex mu_;
  std::condition_variable cv_;
  /// Requests, and marks (nullopt).
  std::deque<std::pair<uint64_t, std::optional<storage::append_request>>>
    queue_;
  std::deque<std::pair<std::string, storage::snapshot>> snapshots_;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace baton::actors::detail
