// The operator's commands from another process while `baton run` shows its
// table (cli/live_commands.cpp, through the run's control socket): send and
// await the delivery, add a task, refusals for unknown agents and tasks,
// attach (the agent's output in the attached terminal, detached by a
// signal or by the run's end), stop; then `baton replay` of the steered run
// is identical, and every command says clearly that no engine runs there.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/cli/run_baton.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/plans.hpp"
#include "tests/support/temp_dir.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

using baton::test::contains;
using baton::test::slurp;

/// `baton <args...>` with stdin from /dev/null and its output in `out`.
pid_t spawn_detached(const std::vector<std::string>& args,
                     const std::string& out) {
  std::vector<std::string> argv{baton::test::baton_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv)
    cargv.push_back(a.data());
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, cargv[0], &fa, nullptr, cargv.data(), environ)
          == 0);
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

} // namespace

TEST_CASE("send, add-task, attach and stop from another process while "
          "baton run goes — the steered run replays identically",
          "[cli][run][e2e][live]") {
  baton::test::temp_dir dir;
  auto log = dir / "log";
  {
    std::ofstream out{dir / "plan.toml"};
    out << baton::test::waiting_plan();
  }
  auto run = baton::test::spawn_baton(
    {"run", dir / "plan.toml", "--db", log, "--workspace", dir / "work"},
    dir / "run.txt");
  // Up once a's request waits for the operator.
  bool up = baton::test::eventually([&] {
    auto r = baton::test::run_baton("approvals " + log);
    return r.exit_code == 0 && contains(r.out, "a1  a  task t1")
           && contains(r.out, "  waiting");
  });
  if (!up)
    ::kill(run, SIGKILL);
  INFO(slurp(dir / "run.txt"));
  REQUIRE(up);

  // The socket is the owner's alone.
  struct stat st {};
  REQUIRE(::lstat((log + "/control.sock").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  // Two terminals attached to b: one detached by a signal, one by the
  // run's end.
  auto by_signal = spawn_detached({"attach", log, "b"}, dir / "attach1.txt");
  auto to_end = spawn_detached({"attach", log, "b"}, dir / "attach2.txt");
  REQUIRE(baton::test::eventually([&] {
    return contains(slurp(dir / "attach1.txt"), "Ctrl-] t")
           && contains(slurp(dir / "attach2.txt"), "Ctrl-] t");
  }));

  // Usage errors and refusals.
  CHECK(baton::test::run_baton("send " + log + " b").exit_code == 2);
  auto nobody = baton::test::run_baton("send " + log + " nobody hello");
  CHECK(nobody.exit_code == 1);
  CHECK(contains(nobody.out, "baton send: "));
  CHECK(contains(nobody.out, "nobody"));
  auto no_task = baton::test::run_baton("cancel-task " + log + " nope");
  CHECK(no_task.exit_code == 1);
  CHECK(contains(no_task.out, "nope"));
  auto dup = baton::test::run_baton("add-task " + log
                                    + " --id t1 --prompt again --agent a");
  CHECK(dup.exit_code == 1);
  CHECK(contains(dup.out, "t1"));

  // A note to b, delivered, and seen in the attached terminals.
  auto sent = baton::test::run_baton(
    "send " + log + " b 'Note: live-marker-5 from the operator.' --wait "
    "--by tester");
  INFO(sent.out);
  CHECK(sent.exit_code == 0);
  CHECK(contains(sent.out, "o1: sent to b"));
  CHECK(contains(sent.out, "delivered to b"));
  CHECK(baton::test::eventually([&] {
    return contains(slurp(dir / "attach1.txt"), "live-marker-5")
           && contains(slurp(dir / "attach2.txt"), "live-marker-5");
  }));
  ::kill(by_signal, SIGTERM);
  CHECK(baton::test::wait_exit(by_signal) == 0);
  CHECK(contains(slurp(dir / "attach1.txt"), "detached from b"));

  auto added = baton::test::run_baton(
    "add-task " + log
    + " --id t3 --prompt 'Summarise the check.' --agent b --after t2");
  INFO(added.out);
  CHECK(added.exit_code == 0);
  CHECK(contains(added.out, "o2: added task t3"));

  auto stopped
    = baton::test::run_baton("stop " + log + " --reason 'enough for today'");
  INFO(stopped.out);
  CHECK(stopped.exit_code == 0);
  CHECK(contains(stopped.out, "o3: stopping"));
  int code = baton::test::wait_exit(run);
  INFO(slurp(dir / "run.txt"));
  CHECK(code == 1); // tasks left unsettled failed
  CHECK(baton::test::wait_exit(to_end) == 0);
  CHECK_FALSE(fs::exists(log + "/control.sock"));

  // No engine runs there any more: every command says so.
  for (std::string cmd : {"send " + log + " b hello", "stop " + log,
                          "approve " + log + " a1", "cancel-task " + log + " t1",
                          "attach " + log + " b"}) {
    auto r = baton::test::run_baton(cmd + " < /dev/null");
    INFO(cmd << ": " << r.out);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.out, "no engine runs " + log));
  }
  // The status is read from the log.
  auto listed = baton::test::run_baton("approvals " + log + " --all");
  INFO(listed.out);
  CHECK(listed.exit_code == 0);
  CHECK(contains(listed.out, "a1  a  task t1"));
  auto as_json = baton::test::run_baton("approvals " + log + " --all --json");
  INFO(as_json.out);
  CHECK(contains(as_json.out, R"({"id":"a1","agent":"a","task":"t1",)"));
  CHECK(contains(as_json.out, R"("logicalTimeUs":)"));

  auto replay = baton::test::run_baton("replay " + log);
  INFO(replay.out);
  CHECK(replay.exit_code == 0);
  CHECK(contains(replay.out, "identical"));
  auto why = baton::test::run_baton("why " + log + " t1");
  INFO(why.out);
  CHECK(why.exit_code == 0);
}

TEST_CASE("a socket left by a killed engine: baton send says no engine runs "
          "there",
          "[cli][live]") {
  baton::test::temp_dir dir;
  auto log = dir / "log";
  fs::create_directories(log);
  {
    // Bound, never unlinked: what a killed engine leaves.
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    auto path = log + "/control.sock";
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    ::close(fd);
  }
  auto r = baton::test::run_baton("send " + log + " b hello");
  CHECK(r.exit_code == 1);
  CHECK(contains(r.out, "baton send: no engine runs " + log));
  auto nothing = baton::test::run_baton("stop " + dir / "elsewhere");
  CHECK(nothing.exit_code == 1);
  CHECK(contains(nothing.out, "baton stop: no engine runs"));
}
