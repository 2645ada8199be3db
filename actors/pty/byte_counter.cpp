#include "actors/pty/byte_counter.hpp"

namespace baton::actors::pty {

sink byte_counter::make_sink(reactor& r) {
  sink out;
  out.on_output = [this, &r](agent_id id, std::string bytes) {
    bytes_.fetch_add(bytes.size(), std::memory_order_relaxed);
    r.consumed(id, bytes.size());
  };
  out.on_exit = [this](agent_id, exit_status status) {
    std::lock_guard guard{mu_}; // notify under the lock: once the waiter
    exit_ = status;             // sees the exit, this call touches nothing
    cv_.notify_all();
  };
  return out;
}

std::optional<exit_status>
byte_counter::wait_exit(std::chrono::milliseconds timeout) {
  std::unique_lock lock{mu_};
  cv_.wait_for(lock, timeout, [this] { return exit_.has_value(); });
  return exit_;
}

} // namespace baton::actors::pty
