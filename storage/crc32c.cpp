#include "storage/crc32c.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace baton::storage::detail {

namespace {

constexpr uint32_t poly = 0x82f63b78; // CRC-32C, reflected

constexpr std::array<uint32_t, 256> make_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k)
      c = (c & 1) ? (c >> 1) ^ poly : c >> 1;
    table[i] = c;
  }
  return table;
}

constexpr auto table = make_table();

uint32_t crc32c_portable(const char* data, size_t size) {
  uint32_t c = 0xffffffff;
  for (size_t i = 0; i < size; ++i)
    c = table[(c ^ static_cast<uint8_t>(data[i])) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffff;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t crc32c_sse42(const char* data,
                                                         size_t size) {
  uint64_t c = 0xffffffff;
  while (size >= 8) {
    uint64_t word;
    std::memcpy(&word, data, 8);
    c = _mm_crc32_u64(c, word);
    data += 8;
    size -= 8;
  }
  auto c32 = static_cast<uint32_t>(c);
  while (size-- > 0)
    c32 = _mm_crc32_u8(c32, static_cast<uint8_t>(*data++));
  return c32 ^ 0xffffffff;
}
#endif

} // namespace

uint32_t crc32c(const char* data, size_t size) {
#if defined(__x86_64__)
  static const bool hardware = __builtin_cpu_supports("sse4.2");
  if (hardware)
    return crc32c_sse42(data, size);
#endif
  return crc32c_portable(data, size);
}

} // namespace baton::storage::detail
