// Stored value layout (FROZEN FORMAT):
//
//   event value    := crc:u32le envelope
//   snapshot value := crc:u32le sequence:u64le logical_time:u64le state
//
// `crc` is the CRC-32C (Castagnoli) of everything after it. `envelope` is a flat-array
// Cap'n Proto message (segment table included) whose root is schema::Envelope;
// `state` is the snapshot writer's own frame. The 4-byte header leaves the
// message unaligned inside RocksDB's buffers, and RocksDB never promised
// alignment anyway: readers copy it into word-aligned memory first.
#include "storage/event_codec.hpp"

#include <cstring>
#include <vector>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include "schema/envelope.capnp.h"
#include "storage/crc32c.hpp"

namespace baton::storage::detail {

namespace {

uint32_t checksum(const char* data, size_t size) {
  return crc32c(data, size);
}

void put_u32le(char* p, uint32_t x) {
  for (int i = 0; i < 4; ++i)
    p[i] = static_cast<char>(x >> (8 * i));
}

uint32_t get_u32le(const char* p) {
  uint32_t x = 0;
  for (int i = 3; i >= 0; --i)
    x = x << 8 | static_cast<uint8_t>(p[i]);
  return x;
}

void put_u64le(std::string& out, uint64_t x) {
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>(x >> (8 * i)));
}

uint64_t get_u64le(const char* p) {
  uint64_t x = 0;
  for (int i = 7; i >= 0; --i)
    x = x << 8 | static_cast<uint8_t>(p[i]);
  return x;
}

void set_id(capnp::Data::Builder (schema::Envelope::Builder::*init)(unsigned),
            schema::Envelope::Builder& env, const event_id& id) {
  if (id.empty())
    return;
  auto data = (env.*init)(16);
  std::memcpy(data.begin(), id.bytes.data(), 16);
}

/// Cap'n Proto's flat-array form (what messageToFlatArray produces), written
/// into `out`: segment count - 1, each segment's size in words, padding to a
/// word, then the segments.
void append_flat(kj::ArrayPtr<const kj::ArrayPtr<const capnp::word>> segments,
                 std::string& out) {
  auto table_words = segments.size() / 2 + 1;
  auto at = out.size();
  out.append(table_words * 8, '\0');
  put_u32le(out.data() + at, static_cast<uint32_t>(segments.size() - 1));
  for (size_t i = 0; i < segments.size(); ++i)
    put_u32le(out.data() + at + 4 + 4 * i,
              static_cast<uint32_t>(segments[i].size()));
  for (auto segment : segments) {
    auto bytes = segment.asBytes();
    out.append(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
  }
}

void seal(std::string& out, size_t header_at) {
  auto sum = checksum(out.data() + header_at + 4, out.size() - header_at - 4);
  put_u32le(out.data() + header_at, sum);
}

} // namespace

result<void> encode_event(std::string_view stream, uint64_t sequence,
                          uint64_t position, const new_event& event,
                          std::string& out) {
  try {
    capnp::FlatArrayMessageReader payload{event.payload.words(),
                                          frame_reader_options()};
    auto root = payload.getRoot<schema::Event>();
    // Build in a reused, zeroed scratch segment and write the flat form
    // straight into `out`: no allocation for an envelope that fits. The
    // builder's destructor re-zeroes what it used, keeping the scratch
    // ready for the next event.
    thread_local std::vector<capnp::word> scratch(1024); // zeroed
    auto need = event.payload.words().size() + 24 + stream.size() / 8;
    if (scratch.size() < need)
      scratch.assign(need * 2, capnp::word{});
    capnp::MallocMessageBuilder builder{
      kj::ArrayPtr<capnp::word>{scratch.data(), scratch.size()}};
    auto env = builder.initRoot<schema::Envelope>();
    env.setStream({stream.data(), stream.size()});
    env.setSequence(sequence);
    env.setPosition(position);
    env.setLogicalTime(event.logical_time);
    env.setSchemaVersion(schema::CURRENT_SCHEMA_VERSION);
    env.setWallTime(event.wall_time);
    set_id(&schema::Envelope::Builder::initEventId, env, event.id);
    set_id(&schema::Envelope::Builder::initCausationId, env, event.causation);
    set_id(&schema::Envelope::Builder::initCorrelationId, env,
           event.correlation);
    env.setEvent(root);
    auto header_at = out.size();
    out.append(4, '\0');
    append_flat(builder.getSegmentsForOutput(), out);
    seal(out, header_at);
    return {};
  } catch (const kj::Exception& e) {
    return error{ec::invalid_argument,
                 "event for stream " + std::string{stream}
                   + " has a payload that is not a valid Event message: "
                   + e.getDescription().cStr()};
  }
}

result<std::span<const std::byte>> check_value(std::string_view value,
                                               std::string_view where) {
  if (value.size() < 4 + 8)
    return error{ec::corruption, std::string{where} + ": stored value of "
                                   + std::to_string(value.size())
                                   + " bytes is truncated"};
  auto stored = get_u32le(value.data());
  auto actual = checksum(value.data() + 4, value.size() - 4);
  if (stored != actual)
    return error{ec::corruption,
                 std::string{where} + ": checksum mismatch (stored value of "
                   + std::to_string(value.size())
                   + " bytes is damaged or truncated)"};
  return std::span<const std::byte>{
    reinterpret_cast<const std::byte*>(value.data() + 4), value.size() - 4};
}

std::string encode_snapshot(const snapshot& snap) {
  std::string out(4, '\0');
  put_u64le(out, snap.sequence);
  put_u64le(out, snap.logical_time);
  auto bytes = snap.state.bytes();
  out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  seal(out, 0);
  return out;
}

result<snapshot> decode_snapshot(std::string_view value,
                                 std::string_view where) {
  if (value.size() < 4 + 16)
    return error{ec::corruption, std::string{where} + ": snapshot of "
                                   + std::to_string(value.size())
                                   + " bytes is truncated"};
  auto checked = check_value(value, where);
  if (!checked)
    return checked.err();
  snapshot snap;
  snap.sequence = get_u64le(value.data() + 4);
  snap.logical_time = get_u64le(value.data() + 12);
  auto state = checked->subspan(16);
  auto f = frame::from_bytes(state);
  if (!f)
    return error{ec::corruption, std::string{where} + ": " + f.err().message()};
  snap.state = std::move(*f);
  return snap;
}

} // namespace baton::storage::detail
