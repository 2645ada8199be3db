// Encoding of stored values: events and snapshots. See event_codec.cpp for
// the frozen layout.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "engine/result.hpp"
#include "storage/new_event.hpp"
#include "storage/snapshot.hpp"

namespace baton::storage::detail {

/// Encodes `event` as the stored value of stream `stream` at `sequence` and
/// `position`, appending it to `out`.
/// Errors: ec::invalid_argument when the payload is not a valid Event message.
result<void> encode_event(std::string_view stream, uint64_t sequence,
                          uint64_t position, const new_event& event,
                          std::string& out);

/// Checks a stored value's checksum and returns the Cap'n Proto bytes after
/// the header. Errors: ec::corruption naming `where`.
result<std::span<const std::byte>> check_value(std::string_view value,
                                               std::string_view where);

/// Encodes a snapshot value.
std::string encode_snapshot(const snapshot& snap);

/// Decodes a snapshot value. Errors: ec::corruption naming `where`.
result<snapshot> decode_snapshot(std::string_view value,
                                 std::string_view where);

} // namespace baton::storage::detail
