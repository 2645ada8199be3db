#include "tests/support/events.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include "schema/events.capnp.h"

namespace baton::test {

frame note_payload(std::string_view text) {
  capnp::MallocMessageBuilder builder;
  auto note = builder.initRoot<schema::Event>().initNote();
  note.setText(capnp::Text::Reader{text.data(), text.size()});
  return frame::from(builder);
}

storage::new_event note_event(event_id id, std::string_view text,
                              uint64_t logical_time) {
  storage::new_event ev;
  ev.id = id;
  ev.logical_time = logical_time;
  ev.wall_time = static_cast<int64_t>(logical_time) * 1000;
  ev.payload = note_payload(text);
  return ev;
}

std::vector<storage::new_event> note_events(uint64_t high, uint64_t first,
                                            size_t count,
                                            std::string_view prefix) {
  std::vector<storage::new_event> out;
  out.reserve(count);
  for (uint64_t n = first; n < first + count; ++n)
    out.push_back(note_event(event_id::from_parts(high, n),
                             std::string{prefix} + std::to_string(n), n));
  return out;
}

std::string note_text(const storage::recorded_event& ev) {
  auto event = ev.event();
  if (!event.isNote())
    return {};
  auto text = event.getNote().getText();
  return {text.begin(), text.size()};
}

std::string note_text(const frame& payload) {
  capnp::FlatArrayMessageReader reader{payload.words(), frame_reader_options()};
  auto event = reader.getRoot<schema::Event>();
  if (!event.isNote())
    return {};
  auto text = event.getNote().getText();
  return {text.begin(), text.size()};
}

} // namespace baton::test
