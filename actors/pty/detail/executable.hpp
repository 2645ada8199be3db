// Finds the file execvp() would run, before forking, so that a missing
// program is an error the caller sees rather than a child exiting with 127.
#pragma once

#include <string>
#include <string_view>

#include "engine/result.hpp"

namespace baton::actors::pty::detail {

/// The path of the executable `program` names. Without a '/', `program` is
/// looked up in the ':'-separated `search_path` (empty entries and relative
/// directories are taken from `working_dir`); with one, it is a path, relative
/// to `working_dir` when it does not start with '/'. An empty `working_dir`
/// means the current directory.
///
/// Fails with ec::not_found naming `program` when no such file exists, and
/// with ec::invalid_argument when the only candidates are not executable
/// regular files.
result<std::string> find_executable(std::string_view program,
                                    std::string_view search_path,
                                    std::string_view working_dir);

} // namespace baton::actors::pty::detail
