// event_id: the 16-byte identity of an event, chosen by whoever records it.
// Value type. The all-zero id means "none" (no causation, no correlation).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace baton {

struct event_id {
  std::array<uint8_t, 16> bytes{};

  /// True for the all-zero id.
  bool empty() const noexcept;

  /// 32 lowercase hex digits.
  std::string to_hex() const;

  /// Parses 32 hex digits; nullopt on anything else.
  static std::optional<event_id> from_hex(std::string_view hex);

  /// An id built from two 64-bit halves (big-endian), for deterministic ids
  /// derived from a stream and a counter, and for tests.
  static event_id from_parts(uint64_t high, uint64_t low) noexcept;

  friend auto operator<=>(const event_id&, const event_id&) = default;
};

} // namespace baton
