// A purpose in recorded events: the schema::Purpose field of AgentTold and
// PromptRequested, written and read (engine/purpose.hpp has the value).
#pragma once

#include "engine/purpose.hpp"
#include "schema/events.capnp.h"

namespace baton::engine {

/// Writes `p` into a Purpose field; a caller leaves the field null for an
/// unset purpose, so the event's bytes are those of version 0.
void write_purpose(schema::Purpose::Builder b, const purpose& p);

/// The purpose as recorded (unset when the field is null).
purpose read_purpose(schema::Purpose::Reader r);

/// purpose_of() of a recorded AgentTold or PromptRequested.
purpose purpose_of(schema::AgentTold::Reader r);
purpose purpose_of(schema::PromptRequested::Reader r);

} // namespace baton::engine
