// The control socket (api/control_server.hpp) against real runs of
// simulated agents: bad requests — not JSON, not an object, an unknown op,
// missing or ill-typed fields, a line longer than 1 MiB, unknown agents,
// tasks and approvals — each get a clear error and leave the run's
// operator stream empty; baton::remote does through the socket what the
// run does in-process (status, screen, send and its delivery, attach,
// stop); the socket is owner-only, reached from a directory too deep for a
// socket address, and a socket file left behind confuses nobody.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "baton/baton.hpp"
#include "tests/api/api_support.hpp"
#include "tests/cli/run_baton.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/plans.hpp"
#include "tests/support/temp_dir.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using nlohmann::json;
using namespace baton::test;

namespace {

std::unique_ptr<baton::runtime> open_runtime() {
  use_built_baton();
  auto rt = baton::runtime::open();
  REQUIRE(rt.ok());
  return std::move(*rt);
}

std::unique_ptr<baton::run> start(baton::runtime& rt,
                                  const std::string& log_dir,
                                  const std::string& work) {
  baton::run_options opts;
  opts.plan_text = waiting_plan();
  opts.log_dir = log_dir;
  opts.workspace = work;
  auto r = rt.start(opts);
  INFO((r ? "" : r.err().message()));
  REQUIRE(r.ok());
  return std::move(*r);
}

/// Waits until agent a's request waits for the operator: the run is up
/// and stays up.
void wait_for_request(baton::controls& run, const std::string& log_dir) {
  REQUIRE(on_events(log_dir, [&] {
    auto st = run.status();
    return st && !st->approvals.empty() && st->approvals[0].answer.empty();
  }));
}

/// A connection to `dir`/control.sock (a short path), or -1.
int dial(const std::string& dir) {
  auto path = dir + "/control.sock";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  REQUIRE(path.size() < sizeof addr.sun_path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// Writes what it can of `bytes` (the server may close before reading it
/// all), then reads the reply line.
std::string exchange(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0)
      break;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  timeval tv{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string reply;
  char buf[4096];
  while (reply.find('\n') == std::string::npos) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0)
      break;
    reply.append(buf, static_cast<size_t>(n));
  }
  return reply;
}

/// One raw request line to the run in `dir`; its reply, parsed.
json ask(const std::string& dir, std::string_view line) {
  int fd = dial(dir);
  REQUIRE(fd >= 0);
  auto reply = exchange(fd, line);
  ::close(fd);
  INFO("request: " << line.substr(0, 200) << "\nreply: " << reply);
  REQUIRE(reply.ends_with("\n"));
  auto j = json::parse(reply, nullptr, false);
  REQUIRE(j.is_object());
  REQUIRE(j.contains("ok"));
  return j;
}

/// The reply to `line` is an error of `code` whose message says `what`.
void refused(const std::string& dir, std::string_view line,
             const std::string& code, const std::string& what) {
  auto j = ask(dir, line);
  INFO("request: " << line.substr(0, 200) << "\nreply: " << j.dump());
  CHECK(j["ok"] == false);
  CHECK(j.value("code", "") == code);
  CHECK(j.value("error", "").find(what) != std::string::npos);
}

} // namespace

TEST_CASE("the control socket: bad requests get a clear error and change "
          "nothing") {
  baton::test::temp_dir dir;
  auto log = dir / "log";
  auto rt = open_runtime();
  auto run = start(*rt, log, dir / "work");
  wait_for_request(*run, log);

  // Owner-only.
  struct stat st {};
  REQUIRE(::lstat((log + "/control.sock").c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK((st.st_mode & 0777) == 0600);

  refused(log, "hello\n", "invalid_argument", "not JSON");
  refused(log, "[1,2,3]\n", "invalid_argument", "must be a JSON object");
  refused(log, "\"stop\"\n", "invalid_argument", "must be a JSON object");
  refused(log, "{}\n", "invalid_argument", "\"op\" is missing");
  refused(log, R"({"op":7})" "\n", "invalid_argument",
          "\"op\" must be a string");
  refused(log, R"({"op":"fly"})" "\n", "invalid_argument",
          "unknown op \"fly\"");
  refused(log, R"({"op":"send","agent":"b"})" "\n", "invalid_argument",
          "\"text\" is missing");
  refused(log, R"({"op":"send","agent":7,"text":"x"})" "\n",
          "invalid_argument", "\"agent\" must be a string");
  refused(log, R"({"op":"stop","immediate":"yes"})" "\n", "invalid_argument",
          "\"immediate\" must be true or false");
  refused(log, R"({"op":"delivery","id":"o1","timeout_ms":-5})" "\n",
          "invalid_argument", "\"timeout_ms\" must be a non-negative");
  refused(log, R"({"op":"add_task","task":"t9"})" "\n", "invalid_argument",
          "task");
  refused(log, R"({"op":"add_task","task":{"prompt":"x"}})" "\n",
          "invalid_argument", "\"id\"");
  refused(log, R"({"op":"add_task"})" "\n", "invalid_argument",
          "\"task\" is missing");

  // Unknown agents, tasks and approvals: the run's own refusals.
  refused(log, R"({"op":"send","agent":"nobody","text":"x"})" "\n",
          "invalid_argument", "nobody");
  refused(log, R"({"op":"keys","agent":"nobody","keys":"x"})" "\n",
          "invalid_argument", "nobody");
  refused(log, R"({"op":"screen","agent":"nobody"})" "\n", "not_found",
          "nobody");
  refused(log, R"({"op":"attach","agent":"nobody"})" "\n", "not_found",
          "nobody");
  refused(log, R"({"op":"cancel_task","task":"nope"})" "\n",
          "invalid_argument", "nope");
  refused(log, R"({"op":"rerun_task","task":"nope"})" "\n",
          "invalid_argument", "nope");
  refused(log, R"({"op":"decide","id":"a9","answer":"allow"})" "\n",
          "invalid_argument", "a9");
  refused(log, R"({"op":"decide","id":"a1","answer":"maybe"})" "\n",
          "invalid_argument", "maybe");
  refused(log,
          R"({"op":"add_task","task":{"id":"t1","prompt":"again","agent":"a"}})"
          "\n",
          "invalid_argument", "t1");
  refused(log,
          R"({"op":"add_task","task":{"id":"t9","prompt":"x","after":["missing"]}})"
          "\n",
          "invalid_argument", "missing");
  refused(log, R"({"op":"delivery","id":"o999","timeout_ms":10})" "\n",
          "not_found", "o999");

  // 2 MiB without a newline: refused without reading it all, and the
  // server serves the next request.
  refused(log, std::string(2u << 20, 'x'), "invalid_argument",
          "longer than 1024 KiB");
  auto j = ask(log, R"({"op":"status"})" "\n");
  CHECK(j["ok"] == true);
  CHECK(j["status"]["name"] == "waiting");

  // A client that opens a connection and says nothing holds nobody up.
  int idle = dial(log);
  REQUIRE(idle >= 0);
  CHECK(ask(log, R"({"op":"screen","agent":"b"})" "\n")["ok"] == true);
  ::close(idle);

  // None of it reached the run's record.
  CHECK(operator_events(log) == 0);
  auto st2 = run->status();
  REQUIRE(st2.ok());
  CHECK(!st2->finished);
  CHECK(st2->approvals[0].answer.empty());

  auto stopped = run->stop(true, "test over", "control-socket-test");
  REQUIRE(stopped.ok());
  REQUIRE(run->wait(60s));
  run.reset();
  CHECK(operator_events(log) == 1);
  CHECK_FALSE(fs::exists(log + "/control.sock"));
}

TEST_CASE("the control socket: at most 64 connections at once — the next is "
          "told the server is busy, and served once they close") {
  baton::test::temp_dir dir;
  auto log = dir / "log";
  auto rt = open_runtime();
  auto run = start(*rt, log, dir / "work");
  wait_for_request(*run, log);
  std::vector<int> open;
  for (int i = 0; i < 64; ++i) {
    int fd = dial(log);
    REQUIRE(fd >= 0);
    open.push_back(fd);
  }
  // The 64 are taken before the 65th (accepted in order).
  int extra = dial(log);
  REQUIRE(extra >= 0);
  auto reply = exchange(extra, R"({"op":"status"})" "\n");
  ::close(extra);
  INFO(reply);
  CHECK(reply.find("\"ok\":false") != std::string::npos);
  CHECK(reply.find("busy") != std::string::npos);
  for (int fd : open)
    ::close(fd);
  CHECK(eventually([&] {
    int fd = dial(log);
    if (fd < 0)
      return false;
    auto r = exchange(fd, R"({"op":"status"})" "\n");
    ::close(fd);
    return r.find("\"ok\":true") != std::string::npos;
  }));
  CHECK(operator_events(log) == 0);
  REQUIRE(run->stop(true, "test over", "control-socket-test").ok());
  REQUIRE(run->wait(60s));
}

TEST_CASE("baton::remote: status, screen, a send and its delivery, attach "
          "and stop through the socket of a run in a deep directory — then "
          "no engine runs there, and its status is read from the log") {
  baton::test::temp_dir dir;
  // Deeper than a socket address can name (108 bytes).
  auto deep = fs::path{dir.path()};
  for (int i = 0; i < 4; ++i)
    deep /= "a-directory-with-a-rather-long-name-" + std::to_string(i);
  fs::create_directories(deep);
  auto log = (deep / "log").string();
  REQUIRE((log + "/control.sock").size() > sizeof(sockaddr_un::sun_path));
  auto rt = open_runtime();
  auto run = start(*rt, log, dir / "work");

  auto remote = baton::connect(log);
  INFO((remote ? "" : remote.err().message()));
  REQUIRE(remote.ok());
  auto& r = **remote;
  wait_for_request(r, log);
  struct stat st {};
  REQUIRE(::lstat((log + "/control.sock").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  auto status = r.status();
  REQUIRE(status.ok());
  CHECK(status->name == "waiting");
  REQUIRE(status->agents.size() == 2);
  REQUIRE(status->tasks.size() == 2);
  CHECK(status->tasks[0].id == "t1");
  auto screen = r.screen("b");
  REQUIRE(screen.ok());
  CHECK(screen->agent == "b");
  CHECK(screen->rows > 0);
  CHECK(!screen->lines.empty());
  auto nobody = r.screen("nobody");
  REQUIRE(!nobody);
  CHECK(nobody.err().code() == baton::ec::not_found);
  auto bad = r.send("nobody", "x");
  REQUIRE(!bad);
  CHECK(bad.err().code() == baton::ec::invalid_argument);
  CHECK(bad.err().message().find("nobody") != std::string::npos);

  // Attached to b while a note is sent to it: the screen first, then what
  // b writes as it takes the note (an attach does not hold up a send).
  std::mutex mu;
  std::string seen;
  size_t chunks = 0;
  std::atomic<bool> leave{false};
  std::thread attached([&] {
    auto a = r.attach("b", [&](std::string_view bytes) {
      std::lock_guard lock{mu};
      if (!bytes.empty()) {
        seen.append(bytes);
        ++chunks;
      }
      return !leave.load();
    });
    CHECK(a.ok());
  });
  REQUIRE(eventually([&] {
    std::lock_guard lock{mu};
    return chunks >= 1;
  }));
  size_t screen_bytes = 0;
  {
    std::lock_guard lock{mu};
    screen_bytes = seen.size();
  }
  auto sent = r.send("b", "Note: attach-marker-7 from the socket test.",
                     "control-socket-test");
  INFO((sent ? "" : sent.err().message()));
  REQUIRE(sent.ok());
  CHECK(sent->starts_with("o"));
  auto d = r.await_delivery(*sent, 60s);
  INFO((d ? d->reason : d.err().message()));
  REQUIRE(d.ok());
  CHECK(d->id == *sent);
  CHECK(d->agent == "b");
  CHECK(d->delivered);
  CHECK(r.await_delivery("o999", 1s).err().code() == baton::ec::not_found);
  CHECK(eventually([&] {
    std::lock_guard lock{mu};
    return seen.size() > screen_bytes
           && seen.find("attach-marker-7", screen_bytes) != std::string::npos;
  }));
  // The caller leaves while b is quiet.
  leave.store(true);
  attached.join();

  auto stopped = r.stop(false, "enough", "control-socket-test");
  REQUIRE(stopped.ok());
  REQUIRE(run->wait(60s));
  auto in_process = run->status();
  REQUIRE(in_process.ok());
  run.reset();

  // The engine is gone, and says so; the status comes from the log.
  auto gone = baton::connect(log);
  REQUIRE(!gone);
  CHECK(gone.err().code() == baton::ec::not_found);
  CHECK(gone.err().message().find("no engine runs " + log)
        != std::string::npos);
  auto late = r.send("b", "too late");
  REQUIRE(!late);
  CHECK(late.err().code() == baton::ec::not_found);
  auto folded = baton::read_status(log);
  INFO((folded ? "" : folded.err().message()));
  REQUIRE(folded.ok());
  CHECK(folded->finished);
  CHECK(folded->name == "waiting");
  REQUIRE(folded->tasks.size() == in_process->tasks.size());
  for (size_t i = 0; i < folded->tasks.size(); ++i) {
    CHECK(folded->tasks[i].id == in_process->tasks[i].id);
    CHECK(folded->tasks[i].status == in_process->tasks[i].status);
  }
  REQUIRE(folded->approvals.size() == 1);
  CHECK(folded->approvals[0].agent == "a");
  CHECK(operator_events(log) == 2); // the send and the stop
  replays_identically(log);
}

TEST_CASE("a socket file left behind: no engine runs there, and the next "
          "engine replaces it") {
  baton::test::temp_dir dir;
  {
    // A socket bound and never unlinked, in a directory without a run.
    auto lone = dir / "lone";
    fs::create_directories(lone);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    auto path = lone + "/control.sock";
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    ::close(fd);
    REQUIRE(fs::is_socket(path));
    auto stale = baton::connect(lone);
    REQUIRE(!stale);
    CHECK(stale.err().code() == baton::ec::not_found);
    CHECK(stale.err().message().find("no engine runs " + lone)
          != std::string::npos);
    CHECK(!baton::read_status(lone));
  }

  // What a killed engine leaves: `baton run` killed while it serves.
  use_built_baton();
  auto log = dir / "log";
  {
    std::ofstream out{dir / "plan.toml"};
    out << waiting_plan();
  }
  auto pid = baton::test::spawn_baton(
    {"run", dir / "plan.toml", "--db", log, "--workspace", dir / "work"},
    dir / "out.txt");
  bool served = eventually([&] {
    auto r = baton::connect(log);
    if (!r)
      return false;
    auto st = (*r)->status();
    return st && !st->approvals.empty();
  });
  ::kill(pid, SIGKILL);
  baton::test::wait_exit(pid);
  REQUIRE(served);
  REQUIRE(fs::is_socket(log + "/control.sock"));
  auto gone = baton::connect(log);
  REQUIRE(!gone);
  CHECK(gone.err().code() == baton::ec::not_found);
  auto cli = baton::test::run_baton("send " + log + " b hello");
  CHECK(cli.exit_code == 1);
  CHECK(cli.out.find("baton send: no engine runs " + log) != std::string::npos);
  // Its status is folded from the log.
  auto folded = baton::read_status(log);
  INFO((folded ? "" : folded.err().message()));
  REQUIRE(folded.ok());
  CHECK(folded->started);
  CHECK(!folded->finished);

  // The next engine on that log serves it.
  auto rt = open_runtime();
  baton::resume_options opts;
  opts.log_dir = log;
  auto resumed = rt->resume(opts);
  INFO((resumed ? "" : resumed.err().message()));
  REQUIRE(resumed.ok());
  auto remote = baton::connect(log);
  INFO((remote ? "" : remote.err().message()));
  REQUIRE(remote.ok());
  auto st = (*remote)->status();
  REQUIRE(st.ok());
  CHECK(st->name == "waiting");
  struct stat info {};
  REQUIRE(::lstat((log + "/control.sock").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  REQUIRE((*remote)->stop(true, "test over", "control-socket-test").ok());
  REQUIRE((*resumed)->wait(60s));
  resumed->reset();
  CHECK_FALSE(fs::exists(log + "/control.sock"));
  replays_identically(log);
}
