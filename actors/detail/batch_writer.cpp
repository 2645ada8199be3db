#include "actors/detail/batch_writer.hpp"

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

void batch_writer::run() {
  for (;;) {
    std::deque<std::pair<uint64_t, storage::append_request>> batch;
    {
      std::unique_lock lock{mu_};
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty())
        return; // stopping, and nothing left
      batch.swap(queue_);
    }
    std::vector<storage::append_request> requests;
    requests.reserve(batch.size());
    for (auto& [ticket, req] : batch)
      requests.push_back(std::move(req));
    auto results = log_.append_many(requests);
    for (size_t i = 0; i < batch.size(); ++i)
      done_(batch[i].first, encode_append_reply(results[i]));
  }
}

} // namespace baton::actors::detail
