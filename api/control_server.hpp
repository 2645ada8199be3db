// control_server: a running engine's API on a Unix socket, `control.sock` in
// the run's log directory (DESIGN.md §7). `baton send`, `approve`, `stop`,
// `attach` and baton::remote use it from other processes.
//
// The contract:
//   - The socket is created owner-only (0600). A path too long for a socket
//     address is reached through the directory's /proc/self/fd/<fd> entry,
//     by the server and the client alike. A socket file left by a killed
//     engine is replaced; a client that finds nothing listening (ENOENT,
//     ECONNREFUSED) reports ec::not_found "no engine runs <dir>". A second
//     engine on the same log never gets this far (the log's lock refuses
//     it).
//   - One request per connection: one JSON object on one line, at most
//     1 MiB, sent within 10 s of connecting. The reply is one JSON line:
//     {"ok":true,...} or {"ok":false,"error":"<message>","code":"<ec
//     name>"} (ec names: invalid_argument, not_found, timeout, closed,
//     io_error, ...); then the server closes the connection. Bad input (not
//     JSON, not an object, an unknown op, a missing or ill-typed field, a
//     line longer than 1 MiB: refused without reading the rest) gets an
//     error naming what is wrong, and changes nothing.
//   - ops (each maps to one baton::controls method, so the socket can do
//     nothing the library cannot; `by` is optional, default "operator"):
//       status                                  -> {"status":{...}}
//       screen      {agent}                     -> {"screen":{...}}
//       send        {agent,text,by}             -> {"id":"o3"}
//       keys        {agent,keys,by}             -> {"id"}
//       delivery    {id,timeout_ms<=30000}      -> {"delivery":{...}}
//                                                  (code "timeout" while
//                                                  it has not ended)
//       add_task    {task:{id,prompt,agent,title,requires,after,verify,
//                    artifacts,retries},by}     -> {"id"}
//       cancel_task {task,reason,by}            -> {"id"}
//       rerun_task  {task,reason,by}            -> {"id"}
//       decide      {id,answer,reason,by}       -> {"id"}
//       stop        {immediate,reason,by}       -> {"id"}
//       attach      {agent}                     -> {"screen":{...}}, then the
//                    agent's raw terminal output as it is recorded, until
//                    the client closes or the run ends.
//   - Connections are served concurrently (a thread each, at most 64 at
//     once; beyond that the reply is an error saying "busy" and the
//     connection closes), so a long delivery wait or an attach does not
//     hold up a send. No code but the controls methods runs on the
//     server's threads.
#pragma once

#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "baton/event_cursor.hpp"
#include "baton/result.hpp"
#include "baton/run.hpp"

namespace baton::api {

class control_server {
public:
  using cursor_fn = std::function<std::unique_ptr<event_cursor>(uint64_t)>;

  /// Serves `target` on `control.sock` in `log_dir`; `events` gives cursors
  /// for attach. Both must outlive the server. Errors: ec::io_error naming
  /// the socket.
  static result<std::unique_ptr<control_server>>
  start(const std::string& log_dir, controls& target, cursor_fn events);

  control_server(const control_server&) = delete;
  control_server& operator=(const control_server&) = delete;
  /// Stops accepting, ends every connection (attached ones included),
  /// waits for their threads and removes the socket.
  ~control_server();

  /// Requests are at most this long.
  static constexpr size_t max_request = 1 << 20;
  static constexpr size_t max_connections = 64;

private:
  control_server() = default;
  void accept_loop();
  void serve(int fd);
  void attach(int fd, const std::string& agent);

  struct connection {
    int fd = -1;
    std::thread thread;
    std::atomic<bool> done{false};
  };

  std::string path_;
  controls* target_ = nullptr;
  cursor_fn events_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::thread acceptor_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::list<connection> connections_;
};

} // namespace baton::api
