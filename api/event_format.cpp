#include "api/event_format.hpp"

#include <cstdio>
#include <memory>

#include <capnp/compat/json.h>
#include <capnp/dynamic.h>

namespace baton::api {

namespace {

/// Terminal bytes as readable text: printable ASCII kept, the rest escaped,
/// cut at `limit` characters.
std::string escape_bytes(capnp::Data::Reader bytes, size_t limit = 96) {
  std::string out;
  for (auto b : bytes) {
    if (out.size() >= limit) {
      out += "...";
      break;
    }
    if (b == '\n')
      out += "\\n";
    else if (b == '\r')
      out += "\\r";
    else if (b == 0x1b)
      out += "\\e";
    else if (b >= 0x20 && b < 0x7f)
      out += static_cast<char>(b);
    else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", b);
      out += buf;
    }
  }
  return out;
}

std::string kind_name(schema::Event::Reader event) {
  auto dynamic = capnp::toDynamic(event);
  KJ_IF_MAYBE (field, dynamic.which()) {
    return field->getProto().getName().cStr();
  }
  return "unknown(" + std::to_string(static_cast<int>(event.which())) + ")";
}

/// A codec set up for T's annotations, once per thread: setting one up
/// walks the whole schema, which costs far more than encoding an event.
template <class T>
capnp::JsonCodec& codec_for() {
  thread_local auto codec = [] {
    auto c = std::make_unique<capnp::JsonCodec>();
    c->handleByAnnotation<T>();
    return c;
  }();
  return *codec;
}

std::string details(schema::Event::Reader event) {
  switch (event.which()) {
    case schema::Event::PTY_OUTPUT:
      return escape_bytes(event.getPtyOutput().getBytes());
    case schema::Event::PTY_INPUT:
      return escape_bytes(event.getPtyInput().getBytes());
    default:
      break;
  }
  auto& codec = codec_for<schema::Event>();
  auto dynamic = capnp::toDynamic(event);
  KJ_IF_MAYBE (field, dynamic.which()) {
    return codec.encode(dynamic.get(*field), field->getType()).cStr();
  }
  return {};
}

} // namespace

std::string format_text(const storage::recorded_event& ev) {
  char time[32];
  std::snprintf(time, sizeof time, "%.6f",
                static_cast<double>(ev.logical_time()) / 1e6);
  std::string out = "#" + std::to_string(ev.position()) + " ";
  out += ev.stream();
  out += "@" + std::to_string(ev.sequence()) + " t=" + time + "s ";
  out += kind_name(ev.event());
  auto more = details(ev.event());
  if (!more.empty())
    out += " " + more;
  return out;
}

std::string format_json(const storage::recorded_event& ev) {
  return codec_for<schema::Envelope>().encode(ev.envelope()).cStr();
}

} // namespace baton::api
