// frame and frame_builder: a frame is the flat form capnp writes, and a
// message built with the pooled first segment has the bytes the default
// builder gives it, whatever its size.
#include "engine/frame.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include <capnp/serialize.h>

#include "schema/events.capnp.h"

using namespace baton;

namespace {

/// An output event of `bytes` bytes built with `Builder`.
template<class Builder>
frame output_of(size_t bytes) {
  Builder b;
  auto out = b.template initRoot<schema::Event>().initPtyOutput();
  std::string data(bytes, 'x');
  for (size_t i = 0; i < bytes; ++i)
    data[i] = static_cast<char>('a' + i % 26);
  out.setBytes(kj::arrayPtr(reinterpret_cast<const kj::byte*>(data.data()),
                           data.size()));
  return frame::from(b);
}

std::vector<uint64_t> flat_of(capnp::MessageBuilder& b) {
  auto flat = capnp::messageToFlatArray(b);
  std::vector<uint64_t> out(flat.size());
  std::memcpy(out.data(), flat.begin(), flat.asBytes().size());
  return out;
}

} // namespace

TEST_CASE("a frame is capnp's flat form, and the pooled builder lays a "
          "message out as the default one, from one segment to many",
          "[engine][frame]") {
  // Up to the first segment (8 KiB), just past it, and several growths on.
  for (size_t bytes : {0, 10, 4000, 8100, 8200, 20000, 70000, 300000}) {
    INFO(bytes);
    auto pooled = output_of<frame_builder>(bytes);
    auto plain = output_of<capnp::MallocMessageBuilder>(bytes);
    CHECK(pooled == plain);
    capnp::MallocMessageBuilder b;
    b.initRoot<schema::Event>().initPtyOutput().initBytes(
      static_cast<unsigned>(bytes));
    auto direct = frame::from(b);
    auto flat = flat_of(b);
    REQUIRE(direct.bytes().size() == flat.size() * 8);
    CHECK(std::memcmp(direct.bytes().data(), flat.data(),
                      direct.bytes().size())
          == 0);
    // And it reads back.
    capnp::FlatArrayMessageReader r{pooled.words(), frame_reader_options()};
    CHECK(r.getRoot<schema::Event>().getPtyOutput().getBytes().size()
          == bytes);
  }
}

TEST_CASE("a pooled segment is handed back zeroed: builders one after "
          "another, and nested, make the same bytes as fresh ones",
          "[engine][frame]") {
  auto big = output_of<capnp::MallocMessageBuilder>(6000);
  auto small = output_of<capnp::MallocMessageBuilder>(16);
  for (int round = 0; round < 50; ++round) {
    CHECK(output_of<frame_builder>(6000) == big);
    CHECK(output_of<frame_builder>(16) == small);
    // A builder alive while another builds (an append request around its
    // events) takes a second segment.
    frame_builder outer;
    outer.initRoot<schema::Event>().initPtyOutput();
    CHECK(output_of<frame_builder>(16) == small);
    CHECK(output_of<frame_builder>(6000) == big);
  }
}
