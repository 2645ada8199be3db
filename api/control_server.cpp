#include "api/control_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "api/detail/event_access.hpp"
#include "api/detail/json.hpp"
#include "api/detail/socket_io.hpp"

namespace baton::api {

namespace {

using nlohmann::json;

std::string reply_error(ec code, const std::string& message) {
  return json{{"ok", false}, {"error", message}, {"code", to_string(code)}}
           .dump()
         + "\n";
}

std::string reply_ok(json body = json::object()) {
  body["ok"] = true;
  return body.dump() + "\n";
}

/// A request that cannot be served as asked: its reply.
struct bad_request {
  std::string message;
};

std::string text(const json& req, const char* name, bool required = true) {
  auto i = req.find(name);
  if (i == req.end() || i->is_null()) {
    if (required)
      throw bad_request{"\"" + std::string{name} + "\" is missing"};
    return {};
  }
  if (!i->is_string())
    throw bad_request{"\"" + std::string{name} + "\" must be a string"};
  return i->get<std::string>();
}

std::string by_of(const json& req) {
  auto by = text(req, "by", false);
  return by.empty() ? std::string{"operator"} : by;
}

std::string id_reply(const result<std::string>& r) {
  return r ? reply_ok({{"id", *r}}) : reply_error(r.err().code(), r.err().message());
}

/// True once the peer closed its end (or the connection failed).
bool peer_gone(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0)
    return false;
  if ((p.revents & (POLLHUP | POLLERR)) != 0)
    return true;
  char c;
  return ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

} // namespace

result<std::unique_ptr<control_server>>
control_server::start(const std::string& log_dir, controls& target,
                      cursor_fn events) {
  std::unique_ptr<control_server> s{new control_server};
  s->path_ = detail::control_path(log_dir);
  s->target_ = &target;
  s->events_ = std::move(events);
  sockaddr_un addr;
  int dir_fd = -1;
  if (!detail::address_of(s->path_, addr, dir_fd)) {
    if (dir_fd >= 0)
      ::close(dir_fd);
    return error{ec::io_error, "cannot name the control socket " + s->path_};
  }
  s->listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s->listen_fd_ < 0) {
    auto why = std::strerror(errno);
    if (dir_fd >= 0)
      ::close(dir_fd);
    return error{ec::io_error, "cannot make the control socket " + s->path_
                                 + ": " + why};
  }
  ::unlink(addr.sun_path); // a socket left by an engine that was killed
  // Owner-only from the start, so that no other user ever connects: Linux
  // gives the bound file the mode of the socket's inode (less the umask).
  // The process's umask is left alone (other threads create files).
  int bound = ::fchmod(s->listen_fd_, 0600) == 0
                  && ::bind(s->listen_fd_, reinterpret_cast<sockaddr*>(&addr),
                            sizeof addr)
                       == 0
                  && ::listen(s->listen_fd_, 32) == 0
                ? 0
                : errno;
  if (dir_fd >= 0)
    ::close(dir_fd);
  if (bound != 0) {
    ::close(s->listen_fd_);
    return error{ec::io_error, "cannot listen on the control socket "
                                 + s->path_ + ": " + std::strerror(bound)};
  }
  if (::pipe2(s->wake_, O_CLOEXEC) != 0) {
    ::close(s->listen_fd_);
    return error{ec::io_error, std::string{"cannot make a pipe: "}
                                 + std::strerror(errno)};
  }
  s->acceptor_ = std::thread{[p = s.get()] { p->accept_loop(); }};
  return s;
}

control_server::~control_server() {
  stopping_.store(true);
  if (wake_[1] >= 0) {
    char c = 0;
    [[maybe_unused]] auto n = ::write(wake_[1], &c, 1);
  }
  if (acceptor_.joinable())
    acceptor_.join();
  {
    // Unblock every connection (reads return, writes fail).
    std::lock_guard lock{mu_};
    for (auto& c : connections_)
      if (c.fd >= 0)
        ::shutdown(c.fd, SHUT_RDWR);
  }
  for (auto& c : connections_)
    if (c.thread.joinable())
      c.thread.join();
  for (int fd : {listen_fd_, wake_[0], wake_[1]})
    if (fd >= 0)
      ::close(fd);
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

void control_server::accept_loop() {
  while (!stopping_.load()) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      return;
    }
    if (fds[1].revents != 0)
      return;
    if ((fds[0].revents & POLLIN) == 0)
      continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0)
      continue;
    std::lock_guard lock{mu_};
    // Reap the connections that ended.
    for (auto i = connections_.begin(); i != connections_.end();) {
      if (i->done.load()) {
        i->thread.join();
        i = connections_.erase(i);
      } else {
        ++i;
      }
    }
    if (connections_.size() >= max_connections) {
      detail::write_all(fd, reply_error(ec::io_error,
                                        "busy: "
                                          + std::to_string(max_connections)
                                          + " connections are open"));
      ::close(fd);
      continue;
    }
    auto& c = connections_.emplace_back();
    c.fd = fd;
    c.thread = std::thread{[this, &c] {
      serve(c.fd);
      // Closed at once: a client still writing (an oversized request) or
      // reading to the end learns that this is all.
      std::lock_guard lock{mu_};
      ::close(c.fd);
      c.fd = -1;
      c.done.store(true);
    }};
  }
}

void control_server::serve(int fd) {
  std::string line;
  auto got = detail::read_line(fd, line, std::chrono::seconds{10}, max_request);
  if (!got) {
    if (got.err().code() != ec::closed)
      detail::write_all(fd, reply_error(got.err().code(),
                                        "no request: " + got.err().message()));
    return;
  }
  json req;
  try {
    req = json::parse(line);
  } catch (const json::exception& e) {
    detail::write_all(fd, reply_error(ec::invalid_argument,
                                      std::string{"the request is not JSON ("}
                                        + e.what() + ")"));
    return;
  }
  std::string reply;
  try {
    if (!req.is_object())
      throw bad_request{"the request must be a JSON object with an \"op\""};
    auto op = text(req, "op");
    auto& t = *target_;
    if (op == "status") {
      auto s = t.status();
      reply = s ? reply_ok({{"status", detail::to_json(*s)}})
                : reply_error(s.err().code(), s.err().message());
    } else if (op == "screen") {
      auto s = t.screen(text(req, "agent"));
      reply = s ? reply_ok({{"screen", detail::to_json(*s)}})
                : reply_error(s.err().code(), s.err().message());
    } else if (op == "send") {
      reply = id_reply(t.send(text(req, "agent"), text(req, "text"), by_of(req)));
    } else if (op == "keys") {
      reply = id_reply(
        t.send_keys(text(req, "agent"), text(req, "keys"), by_of(req)));
    } else if (op == "delivery") {
      auto id = text(req, "id");
      uint64_t ms = 0;
      if (req.contains("timeout_ms")) {
        if (!req["timeout_ms"].is_number_unsigned())
          throw bad_request{"\"timeout_ms\" must be a non-negative integer"};
        ms = std::min<uint64_t>(req["timeout_ms"].get<uint64_t>(), 30'000);
      }
      // In slices, so that a server shutting down is not held for long.
      auto deadline = std::chrono::steady_clock::now()
                      + std::chrono::milliseconds{ms};
      while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
        auto d = t.await_delivery(
          id, std::clamp(left, std::chrono::milliseconds{0},
                         std::chrono::milliseconds{500}));
        if (d) {
          reply = reply_ok({{"delivery", detail::to_json(*d)}});
          break;
        }
        if (d.err().code() != ec::timeout || left.count() <= 0
            || stopping_.load()) {
          reply = reply_error(d.err().code(), d.err().message());
          break;
        }
      }
    } else if (op == "add_task") {
      if (!req.contains("task"))
        throw bad_request{"\"task\" is missing"};
      auto task = detail::task_from_json(req["task"]);
      if (!task)
        throw bad_request{"task: " + task.err().message()};
      reply = id_reply(t.add_task(*task, by_of(req)));
    } else if (op == "cancel_task") {
      reply = id_reply(t.cancel_task(text(req, "task"),
                                     text(req, "reason", false), by_of(req)));
    } else if (op == "rerun_task") {
      reply = id_reply(t.rerun_task(text(req, "task"),
                                    text(req, "reason", false), by_of(req)));
    } else if (op == "decide") {
      reply = id_reply(t.decide_approval(text(req, "id"), text(req, "answer"),
                                         text(req, "reason", false),
                                         by_of(req)));
    } else if (op == "stop") {
      bool immediate = false;
      if (req.contains("immediate")) {
        if (!req["immediate"].is_boolean())
          throw bad_request{"\"immediate\" must be true or false"};
        immediate = req["immediate"].get<bool>();
      }
      reply = id_reply(t.stop(immediate, text(req, "reason", false), by_of(req)));
    } else if (op == "attach") {
      attach(fd, text(req, "agent"));
      return;
    } else {
      throw bad_request{"unknown op \"" + op
                        + "\" (status, screen, send, keys, delivery, add_task, "
                          "cancel_task, rerun_task, decide, stop, attach)"};
    }
  } catch (const bad_request& e) {
    reply = reply_error(ec::invalid_argument, e.message);
  } catch (const json::exception& e) {
    reply = reply_error(ec::invalid_argument, e.what());
  }
  detail::write_all(fd, reply);
}

void control_server::attach(int fd, const std::string& agent) {
  auto s = target_->screen(agent);
  if (!s) {
    detail::write_all(fd, reply_error(s.err().code(), s.err().message()));
    return;
  }
  if (!detail::write_all(fd, reply_ok({{"screen", detail::to_json(*s)}})))
    return;
  auto cursor = events_(s->position + 1);
  auto stream = "worker/" + agent;
  while (!stopping_.load() && !peer_gone(fd)) {
    auto* e = cursor->next(std::chrono::milliseconds{100});
    if (e == nullptr) {
      if (cursor->at_end() || !cursor->error())
        return;
      continue;
    }
    if (e->stream() != stream)
      continue;
    auto ev = event_access::of(*e).event();
    if (!ev.isPtyOutput())
      continue;
    auto bytes = ev.getPtyOutput().getBytes();
    if (!detail::write_all(
          fd, std::string_view{reinterpret_cast<const char*>(bytes.begin()),
                               bytes.size()}))
      return;
  }
}

} // namespace baton::api
