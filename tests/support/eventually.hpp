// eventually: waits for state nobody signals — the reactor's counters, the
// kernel's process table, a file another process writes, a socket that
// starts answering — by re-checking it every millisecond until a deadline.
// The outcome never depends on how long it takes. A condition on a run's log
// waits on its events instead (tests/api/api_support.hpp: on_events).
#pragma once

#include <chrono>
#include <thread>

namespace baton::test {

/// True as soon as `pred()` holds; false when it still does not at the
/// deadline.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout
                           = std::chrono::seconds{60}) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= until)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{1});
  }
  return true;
}

} // namespace baton::test
