// The high half of an incarnation's event ids: random, so that ids of two
// incarnations of one stream (a restarted actor, a resumed run) never meet.
#pragma once

#include <cstdint>
#include <random>

namespace baton::actors::detail {

inline uint64_t random_high() {
  std::random_device rd;
  return (uint64_t{rd()} << 32) ^ rd();
}

} // namespace baton::actors::detail
