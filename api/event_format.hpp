// How `baton log` prints an event: one line of text for people, or one JSON
// object (Cap'n Proto's own JSON codec over the stored envelope) for tools.
#pragma once

#include <string>

#include "storage/recorded_event.hpp"

namespace baton::api {

/// "#<position> <stream>@<sequence> t=<logical seconds> <kind> <details>".
std::string format_text(const storage::recorded_event& ev);

/// The whole envelope as one line of JSON. 64-bit integers are strings, ids
/// are hex and terminal bytes base64, as the codec and schema annotations say.
std::string format_json(const storage::recorded_event& ev);

} // namespace baton::api
