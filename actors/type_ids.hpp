// The single CAF type-ID block of Baton: every message type, atom and actor
// handle that crosses an actor boundary is registered here, once.
#pragma once

#include <caf/type_id.hpp>

#include "actors/frame_inspect.hpp"
#include "engine/frame.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(baton, caf::first_custom_type_id)

CAF_ADD_TYPE_ID(baton, (baton::frame))

CAF_ADD_ATOM(baton, baton::atom, append, "append")
CAF_ADD_ATOM(baton, baton::atom, appended, "appended")
CAF_ADD_ATOM(baton, baton::atom, command, "command")
CAF_ADD_ATOM(baton, baton::atom, report, "report")
CAF_ADD_ATOM(baton, baton::atom, gate, "gate")
CAF_ADD_ATOM(baton, baton::atom, output, "output")
CAF_ADD_ATOM(baton, baton::atom, exited, "exited")
CAF_ADD_ATOM(baton, baton::atom, tick, "tick")
CAF_ADD_ATOM(baton, baton::atom, stop, "stop")
CAF_ADD_ATOM(baton, baton::atom, start, "start")
CAF_ADD_ATOM(baton, baton::atom, operate, "operate")
CAF_ADD_ATOM(baton, baton::atom, hello, "hello")
CAF_ADD_ATOM(baton, baton::atom, ship, "ship")
CAF_ADD_ATOM(baton, baton::atom, connect, "connect")
CAF_ADD_ATOM(baton, baton::atom, down, "down")
CAF_ADD_ATOM(baton, baton::atom, ask, "ask")
CAF_ADD_ATOM(baton, baton::atom, lead, "lead")
CAF_ADD_ATOM(baton, baton::atom, scanned, "scanned")
CAF_ADD_ATOM(baton, baton::atom, snapshot, "snapshot")
CAF_ADD_ATOM(baton, baton::atom, chain, "chain")
CAF_ADD_ATOM(baton, baton::atom, sync, "sync")

CAF_END_TYPE_ID_BLOCK(baton)
