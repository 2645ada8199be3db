// rng: the sim's seeded random source (SplitMix64). Same seed, same sequence
// on every platform; std distributions are avoided because their output is
// implementation-defined.
#pragma once

#include <cstdint>
#include <span>

namespace baton::sim {

class rng {
public:
  explicit rng(uint64_t seed) : state_(seed) {
  }

  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  /// A value in [lo, hi]. @pre lo <= hi
  uint64_t between(uint64_t lo, uint64_t hi) {
    return lo + next() % (hi - lo + 1);
  }

  /// One element of `items`. @pre !items.empty()
  template<class T>
  const T& pick(std::span<const T> items) {
    return items[next() % items.size()];
  }

private:
  uint64_t state_;
};

} // namespace baton::sim
