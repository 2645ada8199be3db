// Key layout of a Baton log (FROZEN FORMAT; integers big-endian):
//
//   default column family (metadata):
//     "format"                  -> "baton-log/" decimal-schema-version
//     "stream/" name            -> stream_id:u32 highest:u64 lowest:u64
//   events:
//     stream_id:u32 sequence:u64  -> value (see event_codec.cpp)
//   positions:
//     position:u64                -> stream_id:u32 sequence:u64
//   ids:
//     event_id:16 bytes           -> stream_id:u32 sequence:u64 position:u64
//   snapshots:
//     stream_id:u32 sequence:u64  -> snapshot value (see event_codec.cpp)
//
// Stream ids are assigned from 1 in creation order and never reused. A
// stream's events are contiguous in `events`, so reading one stream is a
// range scan whose cost does not depend on other streams.
#include "storage/key_codec.hpp"

namespace baton::storage::detail {

void put_u32(std::string& out, uint32_t x) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>(x >> shift));
}

void put_u64(std::string& out, uint64_t x) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>(x >> shift));
}

uint32_t get_u32(const char* p) {
  uint32_t x = 0;
  for (int i = 0; i < 4; ++i)
    x = x << 8 | static_cast<uint8_t>(p[i]);
  return x;
}

uint64_t get_u64(const char* p) {
  uint64_t x = 0;
  for (int i = 0; i < 8; ++i)
    x = x << 8 | static_cast<uint8_t>(p[i]);
  return x;
}

std::string event_key(uint32_t stream_id, uint64_t sequence) {
  std::string key;
  key.reserve(12);
  put_u32(key, stream_id);
  put_u64(key, sequence);
  return key;
}

std::string position_key(uint64_t position) {
  std::string key;
  key.reserve(8);
  put_u64(key, position);
  return key;
}

stream_seq decode_stream_seq(std::string_view key) {
  return {get_u32(key.data()), get_u64(key.data() + 4)};
}

std::string id_value(uint32_t stream_id, uint64_t sequence, uint64_t position) {
  std::string out = event_key(stream_id, sequence);
  put_u64(out, position);
  return out;
}

std::string stream_meta_value(uint32_t stream_id, uint64_t highest,
                              uint64_t lowest) {
  std::string out;
  out.reserve(20);
  put_u32(out, stream_id);
  put_u64(out, highest);
  put_u64(out, lowest);
  return out;
}

} // namespace baton::storage::detail
