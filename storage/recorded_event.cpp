#include "storage/recorded_event.hpp"

#include <cstring>

#include <kj/exception.h>

namespace baton::storage {

result<recorded_event> recorded_event::decode(std::span<const std::byte> value,
                                              std::string_view where) {
  if (value.size() % sizeof(uint64_t) != 0)
    return error{ec::corruption,
                 std::string{where} + ": stored envelope of "
                   + std::to_string(value.size())
                   + " bytes is not a whole number of words"};
  recorded_event ev;
  ev.words_.resize(value.size() / sizeof(uint64_t));
  std::memcpy(ev.words_.data(), value.data(), value.size());
  try {
    kj::ArrayPtr<const capnp::word> words{
      reinterpret_cast<const capnp::word*>(ev.words_.data()),
      ev.words_.size()};
    ev.reader_ = std::make_unique<capnp::FlatArrayMessageReader>(
      words, frame_reader_options());
    ev.envelope_ = ev.reader_->getRoot<schema::Envelope>();
    // Traverse everything now so malformed data fails here, not in a caller:
    // a correct CRC proves the bytes are what was written, not that whoever
    // wrote them wrote a valid message.
    static_cast<void>(ev.envelope_.totalSize());
  } catch (const kj::Exception& e) {
    return error{ec::corruption, std::string{where}
                                   + ": stored envelope does not decode: "
                                   + e.getDescription().cStr()};
  }
  return ev;
}

std::string_view recorded_event::stream() const {
  auto text = envelope_.getStream();
  return {text.begin(), text.size()};
}

event_id recorded_event::id() const {
  event_id id;
  auto data = envelope_.getEventId();
  if (data.size() == id.bytes.size())
    std::memcpy(id.bytes.data(), data.begin(), data.size());
  return id;
}

frame recorded_event::payload() const {
  baton::frame_builder builder;
  builder.setRoot(envelope_.getEvent());
  return frame::from(builder);
}

std::span<const std::byte> recorded_event::bytes() const {
  return {reinterpret_cast<const std::byte*>(words_.data()),
          words_.size() * sizeof(uint64_t)};
}

} // namespace baton::storage
