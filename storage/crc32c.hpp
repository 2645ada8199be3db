// CRC-32C (Castagnoli) of stored values: SSE4.2's crc32 instruction where the
// CPU has it, a table otherwise; both give the same value.
#pragma once

#include <cstddef>
#include <cstdint>

namespace baton::storage::detail {

/// The CRC-32C of `size` bytes at `data`.
uint32_t crc32c(const char* data, size_t size);

} // namespace baton::storage::detail
