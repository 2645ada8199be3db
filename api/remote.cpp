// baton::remote: a run served by another process, one request per
// connection on its control socket (api/control_server.hpp has the
// protocol), and read_status for a run that may or may not be served.
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "api/detail/event_access.hpp"
#include "api/detail/json.hpp"
#include "api/detail/socket_io.hpp"
#include "api/detail/status_of.hpp"
#include "baton/run.hpp"
#include "engine/orchestration/run_view.hpp"

namespace baton {

namespace {

using nlohmann::json;

ec code_of(const std::string& name) {
  for (int i = 0; i <= static_cast<int>(ec::timeout); ++i)
    if (to_string(static_cast<ec>(i)) == name)
      return static_cast<ec>(i);
  return ec::io_error;
}

std::string no_engine(const std::string& dir) {
  return "no engine runs " + dir
         + " (no control socket, or nothing listens on it: the run "
           "finished, or its engine was killed)";
}

/// Closes a file descriptor when it goes.
struct fd_guard {
  int fd;
  ~fd_guard() {
    ::close(fd);
  }
};

} // namespace

struct remote::impl {
  std::string log_dir;
  std::string path;

  /// One request, its reply; the reply's error as an error.
  result<json> request(const json& req, std::chrono::milliseconds timeout,
                       int* keep = nullptr) {
    auto fd = api::detail::connect_to(path);
    if (!fd)
      return fd.err().code() == ec::not_found
               ? error{ec::not_found, no_engine(log_dir)}
               : fd.err();
    fd_guard guard{*fd};
    if (!api::detail::write_all(*fd, req.dump() + "\n"))
      return error{ec::io_error, "the engine closed the connection"};
    std::string line;
    if (auto r = api::detail::read_line(*fd, line, timeout, 64 << 20); !r)
      return error{r.err().code() == ec::closed ? ec::closed : r.err().code(),
                   "no reply from the engine of " + log_dir + ": "
                     + r.err().message()};
    json reply;
    try {
      reply = json::parse(line);
    } catch (const json::exception& e) {
      return error{ec::corruption,
                   std::string{"the engine's reply is not JSON: "} + e.what()};
    }
    if (!reply.is_object() || !reply.value("ok", false))
      return error{code_of(reply.value("code", "io_error")),
                   reply.value("error", std::string{"the engine refused"})};
    if (keep != nullptr) {
      // The caller reads on (attach): the connection is handed over.
      *keep = ::dup(*fd);
    }
    return reply;
  }

  result<std::string> id_of(const json& req) {
    auto r = request(req, std::chrono::seconds{30});
    if (!r)
      return r.err();
    return r->value("id", std::string{});
  }
};

remote::remote(std::unique_ptr<impl> p) : impl_(std::move(p)) {
}

remote::~remote() = default;

result<std::unique_ptr<remote>> connect(const std::string& log_dir) {
  auto p = std::make_unique<remote::impl>();
  p->log_dir = log_dir;
  p->path = api::detail::control_path(log_dir);
  auto fd = api::detail::connect_to(p->path);
  if (!fd)
    return fd.err().code() == ec::not_found
             ? error{ec::not_found, no_engine(log_dir)}
             : fd.err();
  ::close(*fd);
  return std::unique_ptr<remote>{new remote{std::move(p)}};
}

const std::string& remote::log_dir() const {
  return impl_->log_dir;
}

result<run_status> remote::status() {
  auto r = impl_->request({{"op", "status"}}, std::chrono::seconds{30});
  if (!r)
    return r.err();
  return api::detail::status_from_json((*r)["status"]);
}

result<baton::screen> remote::screen(const std::string& agent) {
  auto r = impl_->request({{"op", "screen"}, {"agent", agent}},
                          std::chrono::seconds{30});
  if (!r)
    return r.err();
  return api::detail::screen_from_json((*r)["screen"]);
}

result<std::string> remote::send(const std::string& agent,
                                 const std::string& text,
                                 const std::string& by) {
  return impl_->id_of(
    {{"op", "send"}, {"agent", agent}, {"text", text}, {"by", by}});
}

result<std::string> remote::send_keys(const std::string& agent,
                                      const std::string& keys,
                                      const std::string& by) {
  return impl_->id_of(
    {{"op", "keys"}, {"agent", agent}, {"keys", keys}, {"by", by}});
}

result<delivery> remote::await_delivery(const std::string& id,
                                        std::chrono::milliseconds timeout) {
  // The server waits at most 30 s per request: longer waits take several.
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    auto slice = std::clamp(left, std::chrono::milliseconds{0},
                            std::chrono::milliseconds{30'000});
    auto r = impl_->request({{"op", "delivery"},
                             {"id", id},
                             {"timeout_ms", static_cast<uint64_t>(slice.count())}},
                            slice + std::chrono::seconds{5});
    if (r)
      return api::detail::delivery_from_json((*r)["delivery"]);
    if (r.err().code() != ec::timeout || left <= slice)
      return r.err();
  }
}

result<std::string> remote::add_task(const task_spec& task,
                                     const std::string& by) {
  return impl_->id_of(
    {{"op", "add_task"}, {"task", api::detail::to_json(task)}, {"by", by}});
}

result<std::string> remote::cancel_task(const std::string& task,
                                        const std::string& reason,
                                        const std::string& by) {
  return impl_->id_of(
    {{"op", "cancel_task"}, {"task", task}, {"reason", reason}, {"by", by}});
}

result<std::string> remote::rerun_task(const std::string& task,
                                       const std::string& reason,
                                       const std::string& by) {
  return impl_->id_of(
    {{"op", "rerun_task"}, {"task", task}, {"reason", reason}, {"by", by}});
}

result<std::string> remote::decide_approval(const std::string& id,
                                            const std::string& answer,
                                            const std::string& reason,
                                            const std::string& by) {
  return impl_->id_of({{"op", "decide"},
                       {"id", id},
                       {"answer", answer},
                       {"reason", reason},
                       {"by", by}});
}

result<std::string> remote::stop(bool immediate, const std::string& reason,
                                 const std::string& by) {
  return impl_->id_of({{"op", "stop"},
                       {"immediate", immediate},
                       {"reason", reason},
                       {"by", by}});
}

result<void> remote::attach(const std::string& agent,
                            const std::function<bool(std::string_view)>& on_bytes) {
  int fd = -1;
  auto r = impl_->request({{"op", "attach"}, {"agent", agent}},
                          std::chrono::seconds{30}, &fd);
  if (!r)
    return r.err();
  fd_guard guard{fd};
  // The screen as it stands, drawn first (rows joined, then the cursor home
  // of what follows is the agent's own).
  auto s = api::detail::screen_from_json((*r)["screen"]);
  if (!s)
    return s.err();
  std::string first = "\x1b[2J\x1b[H";
  for (size_t i = 0; i < s->lines.size(); ++i)
    first += s->lines[i] + (i + 1 < s->lines.size() ? "\r\n" : "");
  if (!on_bytes(first))
    return {};
  char buf[8192];
  while (true) {
    // A quiet agent must not hold a caller that wants to leave: while
    // nothing comes, on_bytes is asked with no bytes every 100 ms.
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, 100);
    if (ready < 0 && errno != EINTR)
      return error{ec::io_error, std::string{"attach: "} + std::strerror(errno)};
    if (ready <= 0) {
      if (!on_bytes({}))
        return {};
      continue;
    }
    auto n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return {};
    if (!on_bytes(std::string_view{buf, static_cast<size_t>(n)}))
      return {};
  }
}

result<run_status> read_status(const std::string& log_dir) {
  if (auto r = connect(log_dir); r)
    if (auto s = (*r)->status(); s || s.err().code() != ec::not_found)
      return s;
  // Nothing serves it: fold its log.
  auto cursor = open_events(log_dir, 1);
  if (!cursor)
    return cursor.err();
  engine::run_view v;
  uint64_t last = 0;
  while (auto* e = (*cursor)->next()) {
    auto& ev = event_access::of(*e);
    v.apply(ev.stream(), ev.logical_time(), ev.event());
    last = ev.position();
  }
  if (!(*cursor)->error())
    return (*cursor)->error().err();
  if (!v.started)
    return error{ec::not_found, log_dir + " holds no run (no runStarted)"};
  return api::detail::status_of(v, last);
}

} // namespace baton
