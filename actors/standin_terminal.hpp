// standin_terminal: an agent that lives in Baton's own process instead of a
// pseudo-terminal — for benchmarks of the engine itself (thousands of
// workers without thousands of processes) and for actor tests that must not
// depend on process scheduling.
//
// The stand-in shows a one-line prompt ("> "), takes a prompt the way a CLI
// does (a bracketed paste, then the submit key), prints "working", then the
// lines its `respond` function returns for the prompt text and the prompt
// again. It speaks to the worker through the same agent_terminal interface
// as a PTY, and standin_pack() is its detector pack, so the worker actor
// runs exactly the code it runs for a real agent. Give its workers a
// coalescing window of 0 (session_core_options::coalesce_us), so each chunk
// is judged on its own: the stand-in answers at machine speed.
//
// Output is delivered synchronously from start() and write() (the worker's
// callbacks only post messages). Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "actors/agent_terminal.hpp"
#include "engine/detect/pack.hpp"

namespace baton::actors {

/// Lines the stand-in prints for a submitted prompt, e.g.
/// {"PROGRESS: 1/1 — did it", "STATUS: DONE — did it + 1 passed"}. A line
/// "@exit N" ends the agent there, with exit code N.
using standin_respond
  = std::function<std::vector<std::string>(std::string_view prompt)>;

std::unique_ptr<agent_terminal> make_standin_terminal(standin_respond respond);

/// The detector pack for the stand-in: idle on a bare "> " prompt, working
/// while "working" is the last line.
std::shared_ptr<const engine::detect::pack> standin_pack();

} // namespace baton::actors
