// eventually: waits for a condition outside any run's log — a file's
// content, a socket that answers, another process's output — by checking it
// every 20 ms until a deadline. A condition on a run's log waits on its
// events instead (tests/api/api_support.hpp).
#pragma once

#include <chrono>
#include <thread>

namespace baton::test {

/// True as soon as `f()` holds; false when it still does not after `limit`.
template <class F>
bool eventually(F f, std::chrono::seconds limit = std::chrono::seconds{60}) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (f())
      return true;
    // Nothing to wait on but the condition itself.
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  return f();
}

} // namespace baton::test
