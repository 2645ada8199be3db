// End to end: the built `baton sim` in a pseudo-terminal, typed into as
// Baton types into an agent (a bracketed paste, then Enter). Every wait is
// on output, with a deadline; nothing sleeps to synchronise.
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/cli/run_baton.hpp"
#include "tests/sim/screen_text.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using baton::test::strip_escapes;

/// `baton sim ARGS` on a 100x30 pseudo-terminal in directory `cwd`.
class sim_process {
public:
  sim_process(std::vector<std::string> args, const std::string& cwd) {
    winsize ws{};
    ws.ws_row = 30;
    ws.ws_col = 100;
    auto path = baton::test::baton_path();
    pid_ = ::forkpty(&master_, nullptr, nullptr, &ws);
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      if (::chdir(cwd.c_str()) != 0)
        ::_exit(126);
      std::vector<char*> argv{const_cast<char*>(path.c_str()),
                              const_cast<char*>("sim")};
      for (auto& a : args)
        argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(path.c_str(), argv.data());
      ::_exit(127);
    }
  }

  ~sim_process() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(master_);
  }

  void type(std::string_view bytes) {
    REQUIRE(::write(master_, bytes.data(), bytes.size())
            == static_cast<ssize_t>(bytes.size()));
  }

  /// Reads until `text` appears in the output (escape sequences stripped)
  /// after position `from`, or the deadline passes. True when it appeared.
  bool wait_for(std::string_view text, size_t from = 0,
                std::chrono::milliseconds limit = 20s) {
    auto deadline = clock_type::now() + limit;
    for (;;) {
      if (strip_escapes(out).find(text, from) != std::string::npos)
        return true;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - clock_type::now());
      if (left.count() <= 0 || !read_some(left))
        return strip_escapes(out).find(text, from) != std::string::npos;
    }
  }

  /// Waits for `bytes` as written (escapes included) at or after `from` in
  /// the raw output.
  bool wait_for_raw(std::string_view bytes, size_t from = 0,
                    std::chrono::milliseconds limit = 20s) {
    auto deadline = clock_type::now() + limit;
    for (;;) {
      if (out.find(bytes, from) != std::string::npos)
        return true;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - clock_type::now());
      if (left.count() <= 0 || !read_some(left))
        return out.find(bytes, from) != std::string::npos;
    }
  }

  /// Bytes that arrive within `window` (0 when the sim stays silent).
  size_t bytes_within(std::chrono::milliseconds window) {
    auto before = out.size();
    auto deadline = clock_type::now() + window;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - clock_type::now());
      if (left.count() <= 0 || !read_some(left))
        break;
    }
    return out.size() - before;
  }

  /// Waits for the process to exit (reading its output meanwhile); its
  /// exit status, or -1 if it is still running at the deadline.
  int wait_exit(std::chrono::milliseconds limit = 20s) {
    auto deadline = clock_type::now() + limit;
    for (;;) {
      int status = 0;
      auto r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        reaped_ = true;
        // What it wrote before exiting is still in the terminal: drain it.
        while (read_some(std::chrono::milliseconds(1000))) {
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - clock_type::now());
      if (left.count() <= 0)
        return -1;
      if (!read_some(std::min(left, std::chrono::milliseconds(50))))
        ::poll(nullptr, 0, 10); // output closed: poll waitpid
    }
  }

  std::string out;

private:
  /// One read within `limit`; false on timeout or when the terminal closed.
  bool read_some(std::chrono::milliseconds limit) {
    pollfd p{master_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(limit.count())) <= 0)
      return false;
    char buf[65536];
    auto n = ::read(master_, buf, sizeof buf);
    if (n <= 0)
      return false;
    out.append(buf, static_cast<size_t>(n));
    return true;
  }

  int master_ = -1;
  pid_t pid_ = -1;
  bool reaped_ = false;
};

const std::string paste = "\x1b[200~Add the todo endpoints\x1b[201~";

} // namespace

TEST_CASE("baton sim in a terminal: prompt, permission, STATUS: DONE, exit",
          "[sim][pty]") {
  baton::test::temp_dir dir;
  sim_process sim{{"--scenario", "permission", "--speed", "0"}, dir.path()};
  REQUIRE(sim.wait_for("? for shortcuts"));
  REQUIRE(sim.wait_for("│ >"));
  sim.type(paste);
  REQUIRE(sim.wait_for("│ > Add the todo endpoints"));
  sim.type("\r");
  REQUIRE(sim.wait_for("Allow Bash(rm -rf build)? [y/n]"));
  CHECK(sim.out.find("\x1b]0;sim: waiting for approval\a")
        != std::string::npos);
  sim.type("y");
  REQUIRE(sim.wait_for("STATUS: DONE"));
  // Written contiguously: found in the raw bytes too.
  CHECK(sim.out.find("STATUS: DONE — the requested change is in place + ")
        != std::string::npos);
  CHECK(sim.out.find("BUILD: PASS") != std::string::npos);
  auto done = strip_escapes(sim.out).find("STATUS: DONE");
  REQUIRE(sim.wait_for("? for shortcuts", done));
  sim.type("\x04");
  CHECK(sim.wait_exit() == 0);
}

TEST_CASE("baton sim in a terminal: BLOCKED on a NEED, answered, then DONE",
          "[sim][pty]") {
  baton::test::temp_dir dir;
  sim_process sim{{"--role", "frontend", "--speed", "0"}, dir.path()};
  REQUIRE(sim.wait_for("? for shortcuts"));
  sim.type(paste + "\r");
  REQUIRE(sim.wait_for("STATUS: BLOCKED — waiting for the todo API contract"));
  CHECK(strip_escapes(sim.out).find("NEED: api/openapi.json — ")
        != std::string::npos);
  auto blocked = strip_escapes(sim.out).find("STATUS: BLOCKED");
  REQUIRE(sim.wait_for("? for shortcuts", blocked));
  sim.type("\x1b[200~CONTRACT: todo API v1\nGET /api/todos\x1b[201~\r");
  REQUIRE(sim.wait_for("STATUS: DONE — todo page built"));
  sim.type("\x03");
  CHECK(sim.wait_exit() == 0);
  CHECK(baton::test::run_baton("sim --role wizard").exit_code == 2);
}

TEST_CASE("baton sim in a terminal: a crash exits non-zero mid-task",
          "[sim][pty]") {
  baton::test::temp_dir dir;
  sim_process sim{{"--scenario", "crash", "--crash-code", "7", "--speed", "0"},
                  dir.path()};
  REQUIRE(sim.wait_for("? for shortcuts"));
  sim.type(paste + "\r");
  CHECK(sim.wait_exit() == 7);
  CHECK(sim.out.find("PROGRESS: 1/3") != std::string::npos);
  CHECK(sim.out.find("STATUS:") == std::string::npos);
}

TEST_CASE("baton sim in a terminal: a stall is silent", "[sim][pty]") {
  baton::test::temp_dir dir;
  sim_process sim{
    {"--scenario", "stall", "--stall-seconds", "600", "--speed", "0"},
    dir.path()};
  REQUIRE(sim.wait_for("? for shortcuts"));
  sim.type(paste + "\r");
  REQUIRE(sim.wait_for("PROGRESS: 1/3"));
  // The stall starts once the live region under PROGRESS is drawn; its
  // footer is the last thing written before it.
  auto progress = strip_escapes(sim.out).find("PROGRESS: 1/3");
  REQUIRE(sim.wait_for("\n  ctrl+c to interrupt", progress));
  // ... up to its last byte: the colour reset after the text, which may
  // come in a later read than the text.
  REQUIRE(sim.wait_for_raw("ctrl+c to interrupt\x1b[0m",
                           sim.out.rfind("PROGRESS: 1/3")));
  CHECK(sim.bytes_within(1500ms) == 0);
  CHECK(sim.out.find("STATUS:") == std::string::npos);
}

TEST_CASE("baton sim writes a role's files in its working directory",
          "[sim][pty]") {
  baton::test::temp_dir dir;
  sim_process sim{{"--role", "backend", "--speed", "0"}, dir.path()};
  REQUIRE(sim.wait_for("? for shortcuts"));
  sim.type(paste + "\r");
  REQUIRE(sim.wait_for("STATUS: DONE — todo API added"));
  CHECK(strip_escapes(sim.out).find("CONTRACT: todo API v1")
        != std::string::npos);
  FILE* f = std::fopen((dir / "api/openapi.json").c_str(), "r");
  REQUIRE(f != nullptr);
  std::fclose(f);
}

TEST_CASE("baton sim's builder leaves a draft, then the whole file on the "
          "retry, each on disk before its STATUS: DONE",
          "[sim][pty]") {
  baton::test::temp_dir dir;
  auto app = [&] {
    std::ifstream in{dir / "build/app.json"};
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  sim_process sim{{"--role", "builder", "--speed", "0"}, dir.path()};
  REQUIRE(sim.wait_for("? for shortcuts"));
  sim.type("\x1b[200~Task build: Build the app\x1b[201~\r");
  REQUIRE(sim.wait_for("STATUS: DONE — app built"));
  CHECK(app().find("\"version\"") != std::string::npos);
  CHECK(app().find("steps_done") == std::string::npos);
  auto done = strip_escapes(sim.out).find("STATUS: DONE");
  REQUIRE(sim.wait_for("? for shortcuts", done));
  sim.type("\x1b[200~Attempt 2 of 3 for task build: the gate failed: "
           "build/app.json does not contain \"steps_done\". Fix it, then "
           "report STATUS again.\x1b[201~\r");
  REQUIRE(sim.wait_for("STATUS: DONE — app built", done + 1));
  CHECK(app().find("\"steps_done\"") != std::string::npos);
  sim.type("\x04");
  CHECK(sim.wait_exit() == 0);
}
