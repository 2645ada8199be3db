// shared_state: the files the engine keeps in a run's workspace for agents
// to read, and the names of those agents write for the engine — as text,
// from the orchestrator's state. Pure; actors/shared_folder does the IO.
//
//   state/tasks.json            swarm: the task board
//   state/status.json           mesh: one entry per agent
//   state/contracts/<agent>--<title>.md
//                               mesh: a CONTRACT line becomes a file; a file
//                               an agent writes there becomes a CONTRACT
//   state/locks/<name>.lock     mesh: a held lock: its path, owner, lease end
//   state/locks/<name>.want.<agent>, <name>.release.<agent>
//                               mesh: an agent asks for a lock, or gives it
//                               back (the engine records, then deletes them)
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/orchestration/orchestrator.hpp"

namespace baton::engine {

/// The swarm board: every task with its title, status, requirements, who
/// took it and who added it, in board order.
std::string board_json(const orchestrator& o);

/// One entry per agent: state, task, progress, build, last line.
std::string status_json(const orchestrator& o);

/// The file name of a contract: "<agent>--<title as a slug>.md".
std::string contract_file_name(std::string_view agent, std::string_view title);

/// "# <title>\n\n<body>\n".
std::string contract_file_text(std::string_view title, std::string_view body);

/// A contract file an agent wrote, read back: CONTRACT from `agent` with
/// `title` (the first `# ` heading, else the file's name) and `body` (the
/// rest). nullopt when the name is not "<agent>--<name>.md".
std::optional<protocol_seen> parse_contract_file(std::string_view file_name,
                                                 std::string_view text);

/// A lock's file name stem: the path with '/' as "__" ("api/openapi.json"
/// -> "api__openapi.json"), and back.
std::string lock_name(std::string_view path);
std::string lock_path(std::string_view name);

/// The content of a held lock's file.
std::string lock_file_text(std::string_view path, std::string_view owner,
                           uint64_t expires_us);

/// A request file's name read: "<name>.want.<agent>" or
/// "<name>.release.<agent>"; nullopt for anything else.
std::optional<lock_requested> parse_lock_request(std::string_view file_name);

} // namespace baton::engine
