// The high half of an incarnation's event ids: random, so that ids of two
// incarnations of one stream (a restarted actor, a resumed run) never meet.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>

namespace baton::actors::detail {

/// Thread-safe. The process's generator is seeded once from the system's
/// entropy (opening it for each of 10 000 workers was about 1 % of a large
/// run's start).
inline uint64_t random_high() {
  static std::mutex mu;
  static std::mt19937_64 gen = [] {
    std::random_device rd;
    std::seed_seq seed{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    return std::mt19937_64{seed};
  }();
  std::lock_guard lock{mu};
  return gen();
}

} // namespace baton::actors::detail
