#include "actors/pty/reactor.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "actors/pty/detail/reactor_state.hpp"

namespace baton::actors::pty {

result<std::unique_ptr<reactor>> reactor::make(reactor_options opts) {
  if (opts.chunk_size == 0 || opts.budget == 0)
    return error{ec::invalid_argument,
                 "reactor: chunk_size and budget must not be 0"};
  detail::unique_fd epoll{::epoll_create1(EPOLL_CLOEXEC)};
  detail::unique_fd wake{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
  if (!epoll || !wake)
    return error{ec::io_error, std::string{"reactor: "} + std::strerror(errno)};
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = 0;
  if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, wake.get(), &ev) != 0)
    return error{ec::io_error,
                 std::string{"reactor: epoll_ctl: "} + std::strerror(errno)};
  auto state = std::make_unique<detail::reactor_state>(opts, std::move(epoll),
                                                       std::move(wake));
  try {
    state->start();
  } catch (const std::system_error& e) {
    return error{ec::io_error, std::string{"reactor: thread: "} + e.what()};
  }
  std::unique_ptr<reactor> out{new reactor(std::move(state))};
  out->opts_ = opts;
  return out;
}

reactor::reactor(std::unique_ptr<detail::reactor_state> state)
  : state_(std::move(state)) {
}

reactor::~reactor() = default;

result<agent_id> reactor::add(pty_process proc, sink out) {
  return state_->add(std::move(proc), std::move(out));
}

result<agent_id> reactor::spawn(const spawn_options& opts, sink out) {
  auto proc = pty_process::spawn(opts);
  if (!proc)
    return proc.err();
  return add(std::move(*proc), std::move(out));
}

result<void> reactor::write(agent_id id, std::string_view bytes) {
  return state_->write(id, bytes);
}

result<void> reactor::resize(agent_id id, term_size size) {
  return state_->resize(id, size);
}

result<void> reactor::stop(agent_id id, std::chrono::milliseconds grace) {
  return state_->stop(id, grace);
}

result<void> reactor::remove(agent_id id) {
  return state_->remove(id);
}

void reactor::consumed(agent_id id, size_t n) {
  state_->consumed(id, n);
}

result<agent_stats> reactor::stats(agent_id id) const {
  return state_->stats(id);
}

reactor_stats reactor::stats() const {
  return state_->stats();
}

} // namespace baton::actors::pty
