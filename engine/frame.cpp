#include "engine/frame.hpp"

#include <cstring>

#include <capnp/serialize.h>

namespace baton {

frame frame::from(capnp::MessageBuilder& builder) {
  auto flat = capnp::messageToFlatArray(builder);
  frame f;
  f.words_.resize(flat.size());
  std::memcpy(f.words_.data(), flat.begin(), flat.asBytes().size());
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
