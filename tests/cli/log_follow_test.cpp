// `baton log --follow` tails a log that another process is writing.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

#include "storage/event_log.hpp"
#include "tests/support/events.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace std::chrono_literals;

struct follower {
  pid_t pid = -1;
  int out = -1;
  std::string text;

  explicit follower(const std::string& dir) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const char* build = std::getenv("BATON_BINARY_DIR");
    REQUIRE(build != nullptr); // set by ctest
    std::string bin = std::string{build} + "/cli/baton";
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      execl(bin.c_str(), bin.c_str(), "log", dir.c_str(), "--follow",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    out = fds[0];
  }

  ~follower() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    if (out >= 0)
      close(out);
  }

  size_t lines() const {
    size_t n = 0;
    for (char c : text)
      n += c == '\n';
    return n;
  }

  /// Reads until `n` lines arrived or 60 s passed (a guard against a hang,
  /// not a speed test); returns the line count.
  size_t wait_for_lines(size_t n) {
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (lines() < n && std::chrono::steady_clock::now() < deadline) {
      pollfd p{out, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0)
        continue;
      char buf[4096];
      auto got = read(out, buf, sizeof buf);
      if (got <= 0)
        break;
      text.append(buf, static_cast<size_t>(got));
    }
    return lines();
  }

  int interrupt() {
    kill(pid, SIGINT);
    int status = 0;
    waitpid(pid, &status, 0);
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
};

void append(baton::storage::event_log& log, uint64_t first, size_t n) {
  auto events = baton::test::note_events(7, first, n);
  auto r = log.append("worker/a", baton::storage::expected_version::any(),
                      events);
  REQUIRE(r.ok());
}

} // namespace

TEST_CASE("baton log --follow prints events as a writer appends them",
          "[cli][log]") {
  baton::test::temp_dir tmp;
  auto dir = tmp / "run.log";
  auto log = baton::storage::event_log::open(dir);
  REQUIRE(log.ok());
  append(**log, 1, 2);
  follower f{dir};
  REQUIRE(f.wait_for_lines(2) == 2);
  append(**log, 3, 3);
  REQUIRE(f.wait_for_lines(5) == 5);
  CHECK(f.text.find("worker/a@5 ") != std::string::npos);
  CHECK(f.text.find("event 5") != std::string::npos);
  CHECK(f.interrupt() == 0);
}
