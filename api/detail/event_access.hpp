// Internal: the stored event behind a baton::event (the API's own code reads
// the Cap'n Proto envelope directly).
#pragma once

#include "baton/event_cursor.hpp"
#include "storage/recorded_event.hpp"

namespace baton {

struct event_access {
  static const storage::recorded_event& of(const event& e) {
    return *static_cast<const storage::recorded_event*>(e.rec_);
  }
};

} // namespace baton
