// control_socket: how an operator reaches a running run — a Unix socket,
// `control.sock` in the run's log directory, owner-only (0600), one request
// line in, one reply line out.
//
//   approve<TAB>ID<TAB>ANSWER<TAB>BY<TAB>REASON   ->  ok: ... | error: ...
//
// The server is a thread of `baton run` / `resume` / `fork`; each request is
// handed to a handler that returns the reply (blocking the server for as
// long as the handler takes). A path too long for a socket address is
// reached through the directory's /proc/self/fd entry.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "engine/result.hpp"

namespace baton::cli {

/// The control socket's path in a run's log directory.
std::string control_path(const std::string& log_dir);

class control_server {
public:
  using handler = std::function<std::string(const std::string& request)>;

  /// Listens on `path` (a stale socket left by a killed run is replaced).
  /// Errors: ec::io_error naming the path.
  static result<std::unique_ptr<control_server>> start(const std::string& path,
                                                       handler h);

  control_server(const control_server&) = delete;
  control_server& operator=(const control_server&) = delete;
  /// Stops serving (a request in progress is finished) and removes the
  /// socket.
  ~control_server();

private:
  control_server() = default;
  void serve();

  std::string path_;
  handler handler_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::thread thread_;
};

/// Sends `request` to the server at `path` and returns its reply line
/// (without the newline). Errors: ec::not_found when no run listens there;
/// ec::io_error when the connection fails or no reply comes within
/// `timeout`.
result<std::string> control_request(const std::string& path,
                                    const std::string& request,
                                    std::chrono::milliseconds timeout
                                    = std::chrono::seconds{30});

} // namespace baton::cli
