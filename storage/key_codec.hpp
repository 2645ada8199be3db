// Encoding of RocksDB keys. The layout is a frozen format: see the grammar at
// the top of key_codec.cpp. Integers in keys are big-endian so the default
// bytewise comparator orders them numerically.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace baton::storage::detail {

/// Column family names, in the order the log creates them.
inline constexpr const char* cf_events = "events";
inline constexpr const char* cf_positions = "positions";
inline constexpr const char* cf_ids = "ids";
inline constexpr const char* cf_snapshots = "snapshots";

/// Key of the format marker in the default column family.
inline constexpr std::string_view format_key = "format";
/// Prefix of stream metadata keys in the default column family.
inline constexpr std::string_view stream_key_prefix = "stream/";

void put_u32(std::string& out, uint32_t x);
void put_u64(std::string& out, uint64_t x);
uint32_t get_u32(const char* p);
uint64_t get_u64(const char* p);

/// events: stream id ++ sequence.
std::string event_key(uint32_t stream_id, uint64_t sequence);
/// positions: position.
std::string position_key(uint64_t position);

/// A decoded (stream id, sequence) pair: the value of a positions entry and
/// the key of an events entry.
struct stream_seq {
  uint32_t stream_id = 0;
  uint64_t sequence = 0;
};

/// @pre key.size() == 12
stream_seq decode_stream_seq(std::string_view key);

/// ids value: stream id ++ sequence ++ position.
std::string id_value(uint32_t stream_id, uint64_t sequence, uint64_t position);

/// Stream metadata value: stream id ++ highest ++ lowest.
std::string stream_meta_value(uint32_t stream_id, uint64_t highest,
                              uint64_t lowest);

} // namespace baton::storage::detail
