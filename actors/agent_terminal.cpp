#include "actors/agent_terminal.hpp"

#include <atomic>

#include "actors/pty/pty_process.hpp"

namespace baton::actors {

agent_terminal::~agent_terminal() = default;

namespace {

class pty_terminal final : public agent_terminal {
public:
  pty_terminal(pty::reactor& r, pty::spawn_options opts)
    : reactor_(r), opts_(std::move(opts)) {
  }

  ~pty_terminal() override {
    if (running_)
      static_cast<void>(reactor_.remove(id_));
  }

  result<terminal_started> start(terminal_callbacks cb) override {
    auto proc = pty::pty_process::spawn(opts_);
    if (!proc)
      return proc.err();
    terminal_started out;
    out.argv = opts_.argv;
    out.pid = proc->pid();
    out.columns = opts_.size.cols;
    out.rows = opts_.size.rows;
    pty::sink s;
    s.on_output = [f = cb.on_output](pty::agent_id, std::string bytes) {
      f(std::move(bytes));
    };
    s.on_exit = [this, f = cb.on_exit](pty::agent_id, pty::exit_status st) {
      running_ = false;
      f(st);
    };
    running_ = true;
    auto id = reactor_.add(std::move(*proc), std::move(s));
    if (!id) {
      running_ = false;
      return id.err();
    }
    id_ = *id;
    return out;
  }

  result<void> write(std::string_view bytes) override {
    return reactor_.write(id_, bytes);
  }

  void consumed(size_t n) override {
    reactor_.consumed(id_, n);
  }

  result<void> stop(std::chrono::milliseconds grace) override {
    if (grace.count() == 0)
      return reactor_.stop(id_, std::chrono::milliseconds{1});
    return reactor_.stop(id_, grace);
  }

private:
  pty::reactor& reactor_;
  pty::spawn_options opts_;
  pty::agent_id id_ = 0;
  std::atomic<bool> running_{false};
};

} // namespace

std::unique_ptr<agent_terminal> make_pty_terminal(pty::reactor& r,
                                                  pty::spawn_options opts) {
  return std::make_unique<pty_terminal>(r, std::move(opts));
}

} // namespace baton::actors
