// The agent session's logic is the engine's (engine/session/session_core.hpp:
// pure, so replay runs it too); these are its names in the terminal layer.
#pragma once

#include "engine/session/session_core.hpp"

namespace baton::actors::terminal {

using engine::session_core;
using engine::session_core_options;
using engine::session_effects;
using engine::session_event;
using engine::session_write;

} // namespace baton::actors::terminal
