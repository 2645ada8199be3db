// Internal: the Unix socket plumbing of the control socket, shared by its
// server and its client. Blocking calls with timeouts; no state.
#pragma once

#include <sys/un.h>

#include <chrono>
#include <string>
#include <string_view>

#include "baton/result.hpp"

namespace baton::api::detail {

/// The control socket's path in a run's log directory.
std::string control_path(const std::string& log_dir);

/// An address for `path`; a path longer than sun_path is reached through
/// its directory's /proc/self/fd entry (`dir_fd` keeps the directory open:
/// close it once bound or connected).
bool address_of(const std::string& path, sockaddr_un& addr, int& dir_fd);

/// Reads up to a newline into `line` (without it). Errors: ec::timeout when
/// no full line came within `timeout`; ec::invalid_argument when more than
/// `limit` bytes came without one; ec::closed on end of file.
result<void> read_line(int fd, std::string& line,
                       std::chrono::milliseconds timeout, size_t limit);

/// Writes all of `bytes`; false when the peer is gone.
bool write_all(int fd, std::string_view bytes);

/// Connects to the control socket at `path`. Errors: ec::not_found when no
/// engine listens there (no socket, or one a killed engine left);
/// ec::io_error otherwise.
result<int> connect_to(const std::string& path);

} // namespace baton::api::detail
