#include "actors/detail/batch_writer.hpp"

#include <cstdio>
#include <vector>

#include "actors/log_codec.hpp"

namespace baton::actors::detail {

batch_writer::batch_writer(storage::event_log& log, done_fn done)
  : log_(log), done_(std::move(done)), thread_([this] { run(); }) {
}

batch_writer::~batch_writer() {
  {
    std::lock_guard guard{mu_};
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void batch_writer::submit(uint64_t ticket, storage::append_request request) {
  {
    std::lock_guard guard{mu_};
    queue_.emplace_back(ticket, std::move(request));
  }
  cv_.notify_one();
}

void batch_writer::submit_mark(uint64_t ticket) {
  {
    std::lock_guard guard{mu_};
    queue_.emplace_back(ticket, std::nullopt);
  }
  cv_.notify_one();
}

void batch_writer::submit_snapshot(std::string stream,
                                   storage::snapshot snap) {
  {
    std::lock_guard guard{mu_};
    snapshots_.emplace_back(std::move(stream), std::move(snap));
  }
  cv_.notify_one();
}

void batch_writer::run() {
  for (;;) {
    std::deque<std::pair<uint64_t, std::optional<storage::append_request>>>
      batch;
    std::deque<std::pair<std::string, storage::snapshot>> snapshots;
    {
      std::unique_lock lock{mu_};
      cv_.wait(lock, [this] {
        return stopping_ || !queue_.empty() || !snapshots_.empty();
      });
      if (queue_.empty() && snapshots_.empty())
        return; // stopping, and nothing left
      batch.swap(queue_);
      snapshots.swap(snapshots_);
    }
    // A snapshot is of events recorded before it was handed over: they
    // are in the log, or in this batch's requests (saved first).
    if (batch.empty()) {
      save(snapshots);
      continue;
    }
    std::vector<storage::append_request> requests;
    requests.reserve(batch.size());
    for (auto& [ticket, req] : batch)
      if (req)
        requests.push_back(std::move(*req));
    std::vector<result<storage::append_result>> results;
    if (!requests.empty())
      results = log_.append_many(requests);
    // (A mark's outcome is an empty frame, after the batch's commit.)
    size_t next = 0;
    for (auto& [ticket, req] : batch)
      done_(ticket, req ? encode_append_reply(results[next++]) : frame{});
    save(snapshots);
  }
}

void save_snapshot(storage::event_log& log, const std::string& stream,
                   const storage::snapshot& snap) {
  auto seq = static_cast<unsigned long long>(snap.sequence);
  if (auto ok = log.save_snapshot(stream, snap); !ok) {
    std::fprintf(stderr, "baton: no snapshot of %s at %llu: %s\n",
                 stream.c_str(), seq, ok.err().to_string().c_str());
    return;
  }
  if (auto pruned = log.keep_snapshots(stream, kept_snapshots); !pruned)
    std::fprintf(stderr,
                 "baton: older snapshots of %s kept (after the one at %llu): "
                 "%s\n",
                 stream.c_str(), seq, pruned.err().to_string().c_str());
}

void batch_writer::save(
  const std::deque<std::pair<std::string, storage::snapshot>>& snapshots) {
  for (auto& [stream, snap] : snapshots)
    save_snapshot(log_, stream, snap);
}

} // namespace baton::actors::detail
