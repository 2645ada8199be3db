#include <sys/syscall.h>
#include <poll.h>
// baton watch with its input from a pipe (not a terminal): the program's
// states and protocol lines go to --log, --record writes a cast, and the
// program's exit code is baton's.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/cli/run_baton.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in{p, std::ios::binary};
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// `baton watch ARGS...` with stdin a pipe the test writes to and stdout
/// discarded.
class watch_process {
public:
  explicit watch_process(std::vector<std::string> args) {
    int in[2];
    REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
    auto baton = baton::test::baton_path();
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(in[0], 0);
      int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      std::vector<char*> argv;
      argv.push_back(baton.data());
      for (auto& a : args)
        argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(baton.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(in[0]);
    input_ = in[1];
  }

  ~watch_process() {
    if (input_ >= 0)
      ::close(input_);
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      int status;
      ::waitpid(pid_, &status, 0);
    }
  }

  void write(std::string_view bytes) {
    REQUIRE(::write(input_, bytes.data(), bytes.size())
            == static_cast<ssize_t>(bytes.size()));
  }

  void close_input() {
    ::close(input_);
    input_ = -1;
  }

  /// The exit code, waiting up to `timeout`; -1 on a timeout or a signal.
  int wait(std::chrono::milliseconds timeout) {
    // A pidfd becomes readable when the child exits: wait on it with the
    // deadline instead of polling waitpid.
    int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    if (fd >= 0) {
      pollfd p{fd, POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(timeout.count()));
      ::close(fd);
    }
    int status;
    if (::waitpid(pid_, &status, WNOHANG) != pid_)
      return -1;
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

private:
  pid_t pid_ = -1;
  int input_ = -1;
  bool reaped_ = false;
};

/// Waits up to 30 s for `done(text of file)`.
bool wait_for_file(const fs::path& p,
                   const std::function<bool(const std::string&)>& done) {
  auto until = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < until) {
    if (done(read_file(p)))
      return true;
    std::this_thread::sleep_for(10ms); // polling a file, not a delay
  }
  return false;
}

bool has(const std::string& text, std::string_view needle) {
  return text.find(needle) != std::string::npos;
}

} // namespace

TEST_CASE("watch logs the states and protocol lines of a program fed from a "
          "pipe and passes its exit code through",
          "[cli][watch]") {
  baton::test::temp_dir dir;
  auto log = fs::path{dir.path()} / "watch.log";
  auto cast = fs::path{dir.path()} / "watch.cast";
  auto baton = baton::test::baton_path();
  watch_process w{{"watch", "--pack", "sim", "--log", log.string(),
                   "--record", cast.string(), "--", baton, "sim",
                   "--scenario", "normal", "--speed", "0"}};
  REQUIRE(wait_for_file(log, [](auto& t) { return has(t, "state idle"); }));
  w.write("Do the task.\r");
  REQUIRE(wait_for_file(log, [](auto& t) {
    return has(t, "protocol STATUS: DONE");
  }));
  w.write("\x04"); // Ctrl-D at the prompt: the sim exits with 0
  w.close_input();
  CHECK(w.wait(30s) == 0);
  auto text = read_file(log);
  INFO(text);
  CHECK(has(text, "state idle (rule 'prompt box'"));
  CHECK(has(text, "protocol PROGRESS: 1/3"));
  CHECK(has(text, "protocol BUILD: PASS"));
  CHECK(has(text, "exited exit code 0"));
  auto recording = read_file(cast);
  CHECK(has(recording, "\"version\": 2"));
  CHECK(has(recording, ", \"o\", "));
  CHECK(has(recording, ", \"i\", \"Do the task.\\r\"]"));
}

TEST_CASE("watch exits with the exit code of a program that crashes",
          "[cli][watch]") {
  baton::test::temp_dir dir;
  auto log = fs::path{dir.path()} / "watch.log";
  auto baton = baton::test::baton_path();
  watch_process w{{"watch", "--pack", "sim", "--log", log.string(), "--",
                   baton, "sim", "--scenario", "crash", "--crash-code", "3",
                   "--speed", "0"}};
  REQUIRE(wait_for_file(log, [](auto& t) { return has(t, "state idle"); }));
  w.write("Do the task.\r");
  CHECK(w.wait(30s) == 3);
  CHECK(has(read_file(log), "exited exit code 3"));
}

TEST_CASE("watch refuses a missing program and an unknown pack",
          "[cli][watch]") {
  auto missing = baton::test::run_baton(
    "watch -- baton-no-such-program-here </dev/null");
  CHECK(missing.exit_code == 2);
  CHECK(has(missing.out, "baton-no-such-program-here"));
  auto pack = baton::test::run_baton(
    "watch --pack no-such-pack -- true </dev/null");
  CHECK(pack.exit_code == 2);
  CHECK(has(pack.out, "no-such-pack"));
}
