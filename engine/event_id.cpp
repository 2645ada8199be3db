#include "engine/event_id.hpp"

namespace baton {

bool event_id::empty() const noexcept {
  for (auto b : bytes)
    if (b != 0)
      return false;
  return true;
}

std::string event_id::to_hex() const {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(32);
  for (auto b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 0xf];
  }
  return out;
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

} // namespace

std::optional<event_id> event_id::from_hex(std::string_view hex) {
  if (hex.size() != 32)
    return std::nullopt;
  event_id id;
  for (size_t i = 0; i < 16; ++i) {
    auto hi = hex_value(hex[2 * i]);
    auto lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return std::nullopt;
    id.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return id;
}

event_id event_id::from_parts(uint64_t high, uint64_t low) noexcept {
  event_id id;
  for (int i = 0; i < 8; ++i) {
    id.bytes[i] = static_cast<uint8_t>(high >> (56 - 8 * i));
    id.bytes[8 + i] = static_cast<uint8_t>(low >> (56 - 8 * i));
  }
  return id;
}

} // namespace baton
