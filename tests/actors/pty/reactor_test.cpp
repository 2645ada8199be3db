// The reactor: output and exit through sinks, input, resize, stop and remove
// from other threads, binary output untouched, and back-pressure.
#include "actors/pty/reactor.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <random>

#include "actors/pty/byte_counter.hpp"
#include "tests/actors/pty/pty_test_support.hpp"
#include "tests/support/temp_dir.hpp"

using namespace baton;
using namespace baton::actors::pty;
using namespace std::chrono_literals;
using test::collector;
using test::sh;

namespace {

std::unique_ptr<reactor> make_reactor(reactor_options opts = {}) {
  auto r = reactor::make(opts);
  REQUIRE(r.ok());
  return std::move(r).value();
}

agent_id spawn_ok(reactor& r, const spawn_options& opts, sink out) {
  auto id = r.spawn(opts, std::move(out));
  INFO((id.ok() ? std::string{} : id.err().to_string()));
  REQUIRE(id.ok());
  return *id;
}

spawn_options program(std::vector<std::string> argv) {
  spawn_options opts;
  opts.argv = std::move(argv);
  return opts;
}

} // namespace

TEST_CASE("the reactor delivers output, then the exit code",
          "[actors][pty][reactor]") {
  collector c;
  auto r = make_reactor();
  spawn_ok(*r, sh("printf hello; exit 3"), c.make_sink(*r));
  auto status = c.wait_exit();
  REQUIRE(status.has_value());
  CHECK(status->code == 3);
  CHECK(c.output() == "hello");
  CHECK(c.exits() == 1);
  CHECK_FALSE(c.output_after_exit());
  CHECK(test::eventually([&] { return r->stats().agents == 0; }));
}

TEST_CASE("output written just before exit is not lost",
          "[actors][pty][reactor]") {
  reactor_options opts;
  opts.budget = 64 << 10; // many pauses on the way
  opts.chunk_size = 4 << 10;
  byte_counter counted;
  auto r = make_reactor(opts);
  spawn_ok(*r, sh("head -c 20000000 /dev/zero; exit 7"), counted.make_sink(*r));
  auto status = counted.wait_exit(test::deadline);
  REQUIRE(status.has_value());
  CHECK(status->code == 7);
  CHECK(counted.bytes() == 20000000);
}

TEST_CASE("a killed agent reports its signal", "[actors][pty][reactor]") {
  collector c;
  auto r = make_reactor();
  spawn_ok(*r, sh("echo bye; kill -KILL $$"), c.make_sink(*r));
  auto status = c.wait_exit();
  REQUIRE(status.has_value());
  CHECK(status->signal == SIGKILL);
  CHECK(c.output() == "bye\r\n");
}

TEST_CASE("binary and garbage output passes through untouched",
          "[actors][pty][reactor]") {
  test::temp_dir dir;
  std::string bytes;
  for (int i = 0; i < 256; ++i)
    bytes += static_cast<char>(i);
  bytes += "\x1b[999999;999999H\x1b]0;\x07\x1b[?1049h\xff\xfe\xc3\x28\x1bP";
  std::mt19937 gen{42};
  for (int i = 0; i < (1 << 20); ++i)
    bytes += static_cast<char>(gen());
  std::ofstream{dir / "garbage", std::ios::binary} << bytes;
  collector c;
  auto r = make_reactor();
  // Raw mode turns off the terminal's own output processing (\n -> \r\n).
  spawn_ok(*r, sh("stty raw -echo && exec cat -- \"$1\"", {dir / "garbage"}),
           c.make_sink(*r));
  auto status = c.wait_exit();
  REQUIRE(status.has_value());
  CHECK(status->code == 0);
  auto out = c.output();
  CHECK(out.size() == bytes.size());
  CHECK(out == bytes);
}

TEST_CASE("input reaches the agent through the reactor",
          "[actors][pty][reactor]") {
  collector c;
  auto r = make_reactor();
  auto id
    = spawn_ok(*r, sh("stty -echo; echo ready; read line; echo \"got:$line\""),
               c.make_sink(*r));
  REQUIRE(c.wait_output("ready"));
  REQUIRE(r->write(id, "abc\n").ok());
  REQUIRE(c.wait_exit().has_value());
  CHECK(c.output() == "ready\r\ngot:abc\r\n");
  auto late = r->write(id, "x");
  REQUIRE_FALSE(late.ok());
  CHECK(late.err().code() == ec::not_found);
}

TEST_CASE("input larger than the terminal takes is queued and delivered",
          "[actors][pty][reactor]") {
  // The agent reads nothing until the test lets it (a line in a FIFO): the
  // terminal fills, and the rest waits in the reactor, however fast the
  // agent would drain it.
  test::temp_dir dir;
  auto gate = dir / "go";
  REQUIRE(::mkfifo(gate.c_str(), 0600) == 0);
  collector c;
  auto r = make_reactor();
  auto id = spawn_ok(*r,
                     sh("stty raw -echo; echo ready; read x < " + gate
                        + "; head -c 500000 | wc -c"),
                     c.make_sink(*r));
  REQUIRE(c.wait_output("ready"));
  std::string block(100000, 'y');
  for (int i = 0; i < 5; ++i)
    REQUIRE(r->write(id, block).ok());
  auto stats = r->stats(id);
  REQUIRE(stats.ok());
  CHECK(stats->queued_input > 0); // the terminal took only part
  std::ofstream{gate} << "go\n";
  auto status = c.wait_exit();
  REQUIRE(status.has_value());
  CHECK(status->code == 0);
  CHECK(c.output() == "ready\n500000\n");
}

TEST_CASE("a resize through the reactor is seen by the agent",
          "[actors][pty][reactor]") {
  collector c;
  auto r = make_reactor();
  auto id = spawn_ok(*r, sh("stty size; read x; stty size"), c.make_sink(*r));
  REQUIRE(c.wait_output("30 120\r\n"));
  REQUIRE(r->resize(id, {132, 50}).ok());
  REQUIRE(r->write(id, "\n").ok());
  REQUIRE(c.wait_exit().has_value());
  CHECK(c.output().find("50 132\r\n") != std::string::npos);
}

TEST_CASE("stop ends a cooperative agent with SIGTERM",
          "[actors][pty][reactor]") {
  collector c;
  auto r = make_reactor();
  auto id = spawn_ok(*r, program({"cat"}), c.make_sink(*r));
  REQUIRE(r->stop(id, 10s).ok());
  auto status = c.wait_exit();
  REQUIRE(status.has_value());
  CHECK(status->signal == SIGTERM);
}

TEST_CASE("stop kills an agent that ignores SIGTERM after the grace period",
          "[actors][pty][reactor]") {
  collector c;
  auto r = make_reactor();
  auto id = spawn_ok(*r, sh("trap '' TERM; echo ready; while :; do :; done"),
                     c.make_sink(*r));
  REQUIRE(c.wait_output("ready"));
  REQUIRE(r->stop(id, 200ms).ok());
  auto status = c.wait_exit();
  REQUIRE(status.has_value());
  CHECK(status->signal == SIGKILL);
  CHECK(test::eventually(test::no_children));
}

TEST_CASE("a terminal held open by a leftover process does not hold back the "
          "exit",
          "[actors][pty][reactor]") {
  reactor_options opts;
  opts.exit_linger = 200ms;
  collector c;
  auto r = make_reactor(opts);
  // The background process ignores the hangup and keeps the terminal open.
  auto id
    = spawn_ok(*r, sh("trap '' HUP; sleep 1000 & echo \"left $!\"; exit 4"),
               c.make_sink(*r));
  auto pid = r->stats(id)->pid;
  auto status = c.wait_exit();
  REQUIRE(status.has_value());
  CHECK(status->code == 4);
  CHECK(c.output().find("left ") != std::string::npos);
  ::kill(-pid, SIGKILL); // the leftover sleep, not ours to reap
}

TEST_CASE("remove drops an agent: its sink is never called again",
          "[actors][pty][reactor]") {
  collector c;
  auto r = make_reactor();
  auto id = spawn_ok(*r, sh("echo ready; while :; do echo spam; done"),
                     c.make_sink(*r));
  REQUIRE(c.wait_output("ready"));
  REQUIRE(r->remove(id).ok());
  auto calls = c.calls();
  CHECK(test::eventually([&] { return r->stats().agents == 0; }));
  CHECK(c.calls() == calls);
  CHECK(c.exits() == 0);
  CHECK(test::eventually(test::no_children));
  CHECK(r->remove(id).err().code() == ec::not_found);
}

TEST_CASE("a sink may call back into the reactor", "[actors][pty][reactor]") {
  collector c;
  auto r = make_reactor();
  sink s = c.make_sink(*r);
  auto inner = s.on_output;
  s.on_output = [&r, inner](agent_id id, std::string bytes) {
    bool ready = bytes.find("ready") != std::string::npos;
    inner(id, std::move(bytes));
    if (ready) {
      CHECK(r->stats(id).ok());
      CHECK(r->resize(id, {100, 20}).ok());
      CHECK(r->write(id, "q\n").ok());
    }
  };
  spawn_ok(*r, sh("stty -echo; echo ready; read x; echo \"$x $(stty size)\""),
           s);
  REQUIRE(c.wait_exit().has_value());
  CHECK(c.output() == "ready\r\nq 20 100\r\n");
}

TEST_CASE("a sink may remove its own agent", "[actors][pty][reactor]") {
  collector c;
  auto r = make_reactor();
  sink s = c.make_sink(*r);
  auto inner = s.on_output;
  s.on_output = [&r, inner](agent_id id, std::string bytes) {
    inner(id, std::move(bytes));
    CHECK(r->remove(id).ok());
  };
  spawn_ok(*r, sh("while :; do echo spam; done"), s);
  CHECK(test::eventually([&] { return r->stats().agents == 0; }));
  CHECK(c.calls() == 1);
  CHECK(c.exits() == 0);
}

TEST_CASE("an agent over its budget is paused until its output is consumed",
          "[actors][pty][reactor]") {
  reactor_options opts;
  opts.budget = 256 << 10;
  opts.chunk_size = 16 << 10;
  collector c;
  auto r = make_reactor(opts);
  auto id = spawn_ok(*r, program({"cat", "/dev/zero"}),
                     c.make_sink(*r, /*acknowledge=*/false));
  // The pause is counted on the reactor's thread as the last chunk is handed
  // to the sink: wait for both, never for one and then read the other.
  REQUIRE(test::eventually(
    [&] { return r->stats(id)->paused && c.output().size() >= opts.budget; }));
  auto stats = r->stats(id).value();
  CHECK(stats.unconsumed == opts.budget);
  CHECK(stats.max_unconsumed == opts.budget);
  CHECK(c.output().size() == opts.budget);
  r->consumed(id, opts.budget);
  REQUIRE(test::eventually([&] {
    return r->stats(id)->pauses >= 2 && c.output().size() >= 2 * opts.budget;
  }));
  CHECK(r->stats(id)->max_unconsumed == opts.budget);
  CHECK(c.output().size() == 2 * opts.budget);
  REQUIRE(r->stop(id, 10s).ok());
  r->consumed(id, opts.budget); // let it drain to the end
  auto status = c.wait_exit();
  REQUIRE(status.has_value());
  CHECK(status->signal == SIGTERM);
}

TEST_CASE("unknown agents are reported as not_found",
          "[actors][pty][reactor]") {
  auto r = make_reactor();
  CHECK(r->write(42, "x").err().code() == ec::not_found);
  CHECK(r->resize(42, {}).err().code() == ec::not_found);
  CHECK(r->stop(42, 0ms).err().code() == ec::not_found);
  CHECK(r->remove(42).err().code() == ec::not_found);
  CHECK(r->stats(42).err().code() == ec::not_found);
  r->consumed(42, 10); // ignored
}

TEST_CASE("a missing executable fails spawn with its name",
          "[actors][pty][reactor]") {
  collector c;
  auto r = make_reactor();
  auto id = r->spawn(program({"baton-no-such-agent-cli"}), c.make_sink(*r));
  REQUIRE_FALSE(id.ok());
  CHECK(id.err().code() == ec::not_found);
  CHECK(id.err().message().find("baton-no-such-agent-cli")
        != std::string::npos);
  CHECK(r->stats().agents == 0);
}

TEST_CASE("destroying the reactor kills and reaps its agents",
          "[actors][pty][reactor]") {
  {
    collector c;
    auto r = make_reactor();
    for (int i = 0; i < 10; ++i)
      spawn_ok(*r, program({"sleep", "1000"}), c.make_sink(*r));
  }
  CHECK(test::no_children());
}
