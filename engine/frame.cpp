#include "engine/frame.hpp"

#include <bit>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include <capnp/serialize.h>

namespace baton {

namespace detail {

namespace {

/// This thread's zeroed first segments, ready for a builder.
struct segment_pool {
  static constexpr size_t kept = 16;
  std::vector<capnp::word*> free;
  ~segment_pool() {
    for (auto* s : free)
      std::free(s);
  }
};

segment_pool& pool() {
  thread_local segment_pool p;
  return p;
}

} // namespace

pooled_segment::pooled_segment() {
  auto& p = pool();
  capnp::word* s = nullptr;
  if (!p.free.empty()) {
    s = p.free.back();
    p.free.pop_back();
  } else {
    s = static_cast<capnp::word*>(std::calloc(words, sizeof(capnp::word)));
    if (s == nullptr)
      throw std::bad_alloc{};
  }
  segment_ = {s, words};
}

pooled_segment::~pooled_segment() {
  // The builder, destroyed first, zeroed what it used of the segment.
  auto& p = pool();
  if (p.free.size() < segment_pool::kept)
    p.free.push_back(segment_.begin());
  else
    std::free(segment_.begin());
}

} // namespace detail

// The segment table is little-endian on the wire; it is written here as
// native integers.
static_assert(std::endian::native == std::endian::little);

frame frame::from(capnp::MessageBuilder& builder) {
  // The flat form (segment table, then the segments), written straight
  // into the frame: what capnp::messageToFlatArray makes, without its copy.
  auto segments = builder.getSegmentsForOutput();
  size_t table = segments.size() / 2 + 1; // words
  size_t total = table;
  for (auto s : segments)
    total += s.size();
  frame f;
  f.words_.resize(total);
  auto* sizes = reinterpret_cast<uint32_t*>(f.words_.data());
  sizes[0] = static_cast<uint32_t>(segments.size() - 1);
  for (size_t i = 0; i < segments.size(); ++i)
    sizes[i + 1] = static_cast<uint32_t>(segments[i].size());
  // f.words_ was zeroed: the table's padding word, if any, stays zero.
  auto* at = f.words_.data() + table;
  for (auto s : segments) {
    std::memcpy(at, s.begin(), s.size() * sizeof(capnp::word));
    at += s.size();
  }
  return f;
}

result<frame> frame::from_bytes(std::span<const std::byte> bytes) {
  if (bytes.size() % sizeof(uint64_t) != 0)
    return error{ec::corruption,
                 "a Cap'n Proto frame of " + std::to_string(bytes.size())
                   + " bytes is not a whole number of 8-byte words"};
  frame f;
  f.words_.resize(bytes.size() / sizeof(uint64_t));
  if (!bytes.empty())
    std::memcpy(f.words_.data(), bytes.data(), bytes.size());
  return f;
}

kj::ArrayPtr<const capnp::word> frame::words() const {
  return {reinterpret_cast<const capnp::word*>(words_.data()), words_.size()};
}

std::span<const std::byte> frame::bytes() const {
  return {reinterpret_cast<const std::byte*>(words_.data()), size_bytes()};
}

capnp::ReaderOptions frame_reader_options() {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = 8 * 1024 * 1024;
  options.nestingLimit = 64;
  return options;
}

} // namespace baton
