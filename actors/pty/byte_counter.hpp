// byte_counter: a sink that only counts. For benchmarks (PTY ingest rate) and
// tests: it acknowledges every chunk at once, so back-pressure never pauses
// the agent, and it lets another thread wait for the exit with a deadline.
//
// Thread safety: the sink runs on the reactor thread; every accessor may be
// called from any thread. The counter must outlive the sinks it made (remove
// the agent, or destroy the reactor, first).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>

#include "actors/pty/reactor.hpp"

namespace baton::actors::pty {

class byte_counter {
public:
  byte_counter() = default;
  byte_counter(const byte_counter&) = delete;
  byte_counter& operator=(const byte_counter&) = delete;

  /// A sink that adds to this counter and calls `r.consumed()` for each chunk.
  sink make_sink(reactor& r);

  /// Output bytes seen so far.
  uint64_t bytes() const noexcept {
    return bytes_.load(std::memory_order_relaxed);
  }

  /// Waits until the agent's exit was reported or `timeout` passed; the exit
  /// status if it was.
  std::optional<exit_status> wait_exit(std::chrono::milliseconds timeout);

private:
  std::atomic<uint64_t> bytes_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<exit_status> exit_;
};

} // namespace baton::actors::pty
