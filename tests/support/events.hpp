// Helpers that build storage::new_event values carrying a schema::Event
// payload (a Note with text), and read the text back from a recorded event.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/event_id.hpp"
#include "engine/frame.hpp"
#include "storage/new_event.hpp"
#include "storage/recorded_event.hpp"

namespace baton::test {

/// A frame whose root is a schema::Event holding a Note with `text`.
frame note_payload(std::string_view text);

/// An event with id `id`, a Note payload with `text` and `logical_time`.
storage::new_event note_event(event_id id, std::string_view text,
                              uint64_t logical_time = 0);

/// `count` Note events with ids from_parts(`high`, first .. first+count-1),
/// texts "<prefix><n>" and logical time n.
std::vector<storage::new_event> note_events(uint64_t high, uint64_t first,
                                            size_t count,
                                            std::string_view prefix = "event ");

/// The Note text of `ev`; "" when the event is not a Note.
std::string note_text(const storage::recorded_event& ev);

/// The Note text of a frame built by note_payload(); "" otherwise.
std::string note_text(const frame& payload);

/// A small frame usable as snapshot state: a Note with `text`.
inline frame state_frame(std::string_view text) {
  return note_payload(text);
}

} // namespace baton::test
