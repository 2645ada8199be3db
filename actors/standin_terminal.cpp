#include "actors/standin_terminal.hpp"

#include <cstdlib>
#include <mutex>

namespace baton::actors {

namespace {

constexpr std::string_view paste_begin = "\x1b[200~";
constexpr std::string_view paste_end = "\x1b[201~";

class standin final : public agent_terminal {
public:
  explicit standin(standin_respond respond) : respond_(std::move(respond)) {
  }

  result<terminal_started> start(terminal_callbacks cb) override {
    std::lock_guard lock{mu_};
    cb_ = std::move(cb);
    running_ = true;
    typed_.clear();
    cb_.on_output("\x1b[H\x1b[2Jstand-in agent\r\n> ");
    return terminal_started{{"standin"}, 0, 120, 30};
  }

  result<void> write(std::string_view bytes) override {
    std::lock_guard lock{mu_};
    if (!running_)
      return error{ec::closed, "the stand-in agent has exited"};
    typed_ += bytes;
    // A prompt is complete when its paste is closed and the submit key
    // follows; answer each complete one.
    for (;;) {
      auto b = typed_.find(paste_begin);
      auto e = typed_.find(paste_end);
      if (b == std::string::npos || e == std::string::npos || e < b)
        break;
      auto submit = e + paste_end.size();
      if (submit >= typed_.size())
        break;
      auto text
        = typed_.substr(b + paste_begin.size(), e - b - paste_begin.size());
      typed_.erase(0, submit + 1);
      // Two chunks: the working state is seen before the answer.
      cb_.on_output("\r\nworking");
      std::string out;
      for (auto& line : respond_(text)) {
        if (line.starts_with("@exit ")) {
          // The agent dies mid-answer with that exit code.
          if (!out.empty())
            cb_.on_output(std::move(out));
          running_ = false;
          cb_.on_exit(pty::exit_status{std::atoi(line.c_str() + 6), 0});
          return {};
        }
        out += "\r\n" + line;
      }
      out += "\r\n> ";
      cb_.on_output(std::move(out));
    }
    return {};
  }

  void consumed(size_t) override {
  }

  result<void> stop(std::chrono::milliseconds) override {
    std::lock_guard lock{mu_};
    if (running_) {
      running_ = false;
      cb_.on_exit(pty::exit_status{0, 0});
    }
    return {};
  }

private:
  std::mutex mu_;
  standin_respond respond_;
  terminal_callbacks cb_;
  std::string typed_;
  bool running_ = false;
};

constexpr std::string_view pack_text = R"(name = "standin"
version = "1"
description = "the in-process stand-in agent"
input_ready = ["idle"]
submit = "\r"
bracketed_paste = true

[[rule]]
name = "working"
state = "working"
region = "last_line"
pattern = '^working$'

[[rule]]
name = "prompt"
state = "idle"
region = "last_line"
pattern = '^>\s*$'
)";

} // namespace

std::unique_ptr<agent_terminal> make_standin_terminal(standin_respond respond) {
  return std::make_unique<standin>(std::move(respond));
}

std::shared_ptr<const engine::detect::pack> standin_pack() {
  static auto p = [] {
    auto parsed = engine::detect::parse_pack(pack_text, "standin");
    return std::make_shared<const engine::detect::pack>(std::move(*parsed));
  }();
  return p;
}

} // namespace baton::actors
