// exit_status: how an agent's process ended, as waitpid() reported it. The
// value type is the engine's (agent sessions fold it); translating a wait
// status is the operating system's part.
#pragma once

#include "engine/session/exit_status.hpp"

namespace baton::actors::pty {

using engine::exit_status;

/// Translates a waitpid() status word.
exit_status from_wait_status(int status) noexcept;

} // namespace baton::actors::pty
