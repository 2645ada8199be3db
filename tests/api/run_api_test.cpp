// The public API end to end, as an embedder uses it: a runtime opened, a
// run of simulated agents started from a plan's text, its events pulled
// through cursors from position 1 and from a later one, an agent's screen
// read, text sent and its delivery awaited, a task added, bad commands
// refused without a trace, the run stopped; the same against a run resumed
// after its engine was killed; and the API called from many threads at once
// (run under ThreadSanitizer in the dedicated build, see README).
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "baton/baton.hpp"
#include "tests/api/api_support.hpp"
#include "tests/cli/run_baton.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/temp_dir.hpp"

using namespace std::chrono_literals;
using namespace baton::test;

namespace {

/// Two simulated agents; b's task waits for a's, so b is free at first.
std::string plan_text(const std::string& speed, const std::string& extra = {}) {
  return R"([run]
name = "api"
pattern = "hub"
[agents.a]
role = "writer"
preset = "sim"
args = ["--speed", ")"
         + speed + R"("]
[agents.b]
role = "checker"
preset = "sim"
args = ["--speed", ")"
         + speed + R"("]
[[tasks]]
id = "t1"
prompt = "Write the notes."
agent = "a"
[[tasks]]
id = "t2"
prompt = "Check the notes."
agent = "b"
after = ["t1"]
)" + extra;
}

std::unique_ptr<baton::run> start(baton::runtime& rt, const std::string& text,
                                  const baton::test::temp_dir& dir) {
  baton::run_options opts;
  opts.plan_text = text;
  opts.log_dir = dir / "log";
  opts.workspace = dir / "work";
  auto r = rt.start(opts);
  INFO((r ? "" : r.err().message()));
  REQUIRE(r.ok());
  return std::move(*r);
}

} // namespace

TEST_CASE("the API: events from position 1 and later, a screen, a send and "
          "its delivery, a task added, bad commands refused, stop") {
  use_built_baton();
  baton::test::temp_dir dir;
  auto rt = baton::runtime::open();
  REQUIRE(rt.ok());
  auto run = start(**rt, plan_text("4"), dir);

  auto cursor = run->events(1);
  // Deadlines are generous: CI runs two test programs at once on 2 cores.
  auto* first = cursor->next(60s);
  REQUIRE(first != nullptr);
  CHECK(first->position() == 1);
  // The run's start is among its first events (its workers record theirs
  // too, as they start).
  uint64_t expected = 2;
  bool started = first->kind() == "runStarted";
  while (!started) {
    auto* e = cursor->next(60s);
    INFO("at position " << cursor->position() << ", run over: "
                        << cursor->at_end() << ", error: "
                        << (cursor->error() ? "none"
                                            : cursor->error().err().message()));
    REQUIRE(e != nullptr);
    CHECK(e->position() == expected++);
    if (e->kind() == "runStarted") {
      started = true;
      CHECK(e->stream() == "orchestrator");
      CHECK(e->json().find("\"runStarted\"") != std::string::npos);
    }
  }
  CHECK(started);

  // An agent's screen, as the engine renders it.
  REQUIRE(on_events(*run, [&] {
    auto s = run->screen("a");
    return s && !s->lines.empty() && s->position > 0;
  }));
  auto s = run->screen("a");
  CHECK(s->columns > 0);
  CHECK(s->rows > 0);
  CHECK(run->screen("nobody").err().code() == baton::ec::not_found);

  // Bad commands: refused with the reason; nothing recorded.
  auto bad = run->send("nobody", "hello");
  REQUIRE(!bad);
  CHECK(bad.err().code() == baton::ec::invalid_argument);
  CHECK(bad.err().message().find("no agent nobody") != std::string::npos);
  CHECK(!run->send("a", ""));
  auto dup = run->add_task({.id = "t1", .prompt = "again", .agent = "a"});
  REQUIRE(!dup);
  CHECK(dup.err().message().find("t1") != std::string::npos);
  auto orphan = run->add_task(
    {.id = "t9", .prompt = "x", .agent = "a", .after = {"missing"}});
  REQUIRE(!orphan);
  CHECK(orphan.err().message().find("missing") != std::string::npos);
  // An artifact's contract goes to the plan checker with it.
  baton::artifact_spec yaml{"notes.yaml"};
  yaml.format = "yaml";
  yaml.must_contain = {"# Notes"};
  auto unknown = run->add_task(
    {.id = "t8", .prompt = "x", .agent = "a", .artifacts = {yaml}});
  REQUIRE(!unknown);
  INFO(unknown.err().message());
  CHECK(unknown.err().message().find("format") != std::string::npos);
  CHECK(!run->decide_approval("a9", "allow"));
  CHECK(!run->decide_approval("a1", "maybe"));
  CHECK(!run->cancel_task("nope"));
  CHECK(!run->rerun_task("t1")); // not settled
  CHECK(operator_events(dir / "log") == 0);

  // b has no task yet: the text is typed into it and acknowledged.
  auto sent = run->send("b", "Note: the checker starts after the writer.");
  REQUIRE(sent.ok());
  CHECK(sent->starts_with("o"));
  auto d = run->await_delivery(*sent, 60s);
  INFO((d ? d->reason : d.err().message()));
  REQUIRE(d.ok());
  CHECK(d->id == *sent);
  CHECK(d->agent == "b");
  CHECK(d->delivered);
  CHECK(run->await_delivery("o999", 1s).err().code() == baton::ec::not_found);

  // A task added while it runs, dispatched like the plan's own.
  auto added = run->add_task({.id = "t3",
                              .prompt = "Summarise the notes.",
                              .agent = "a",
                              .after = {"t1"}},
                             "api-test");
  REQUIRE(added.ok());

  REQUIRE(on_events(*run, [&] {
    auto st = run->status();
    return st && st->finished;
  }, 120s));
  REQUIRE(run->wait(30s));
  auto st = run->status();
  REQUIRE(st.ok());
  CHECK(st->ok);
  REQUIRE(st->tasks.size() == 3);
  for (auto& t : st->tasks) {
    INFO(t.id << ": " << t.reason);
    CHECK(t.status == "passed");
  }
  CHECK(run->exit_code() == 0);
  CHECK(run->send("a", "too late").err().code() == baton::ec::closed);

  // The first cursor saw every event, in order, without gaps.
  bool saw_operator = false;
  while (auto* e = cursor->next(1s)) {
    CHECK(e->position() == expected);
    ++expected;
    saw_operator = saw_operator || e->stream() == "operator";
  }
  CHECK(cursor->at_end());
  CHECK(saw_operator);
  // A cursor from a later position starts exactly there.
  auto later = run->events(expected / 2);
  auto* e = later->next(1s);
  REQUIRE(e != nullptr);
  CHECK(e->position() == expected / 2);

  auto dir_path = run->log_dir();
  run.reset();
  CHECK(operator_events(dir_path) == 2); // the send and the task
  replays_identically(dir_path);
}

TEST_CASE("the API: an operator stop fails what has not settled, recorded "
          "as the operator's") {
  use_built_baton();
  baton::test::temp_dir dir;
  auto rt = baton::runtime::open();
  REQUIRE(rt.ok());
  auto run = start(**rt, plan_text("1"), dir);
  REQUIRE(on_events(*run, [&] {
    auto st = run->status();
    return st && !st->tasks.empty() && st->tasks[0].status == "dispatched";
  }));
  auto stopped = run->stop(false, "enough", "api-test");
  REQUIRE(stopped.ok());
  REQUIRE(run->wait(60s));
  auto st = run->status();
  REQUIRE(st.ok());
  CHECK(st->finished);
  CHECK(!st->ok);
  for (auto& t : st->tasks)
    CHECK(t.reason.find("stopped by the operator (api-test") != std::string::npos);
  CHECK(run->exit_code() == 1);
  auto dir_path = run->log_dir();
  run.reset();
  replays_identically(dir_path);
}

TEST_CASE("the API: a run resumed after its engine was killed, steered, "
          "replays identically") {
  use_built_baton();
  baton::test::temp_dir dir;
  auto plan = dir / "plan.toml";
  {
    std::ofstream out{plan};
    out << plan_text("2");
  }
  auto log_dir = dir / "log";
  auto pid = baton::test::spawn_baton(
    {"run", plan, "--db", log_dir, "--workspace", dir / "work"},
    dir / "out.txt");
  // Killed once a's task is under way.
  bool dispatched = eventually([&] {
    auto c = baton::open_events(log_dir);
    if (!c)
      return false;
    while (auto* e = (*c)->next())
      if (e->kind() == "taskDispatched")
        return true;
    return false;
  });
  ::kill(pid, SIGKILL);
  baton::test::wait_exit(pid);
  REQUIRE(dispatched);

  auto rt = baton::runtime::open();
  REQUIRE(rt.ok());
  baton::resume_options opts;
  opts.log_dir = log_dir;
  auto resumed = (*rt)->resume(opts);
  INFO((resumed ? "" : resumed.err().message()));
  REQUIRE(resumed.ok());
  auto& run = **resumed;
  CHECK(run.resumed_at() > 0);
  // The cursor gives the earlier part too.
  auto cursor = run.events(1);
  auto* first = cursor->next(5s);
  REQUIRE(first != nullptr);
  CHECK(first->position() == 1);
  auto added = run.add_task(
    {.id = "t3", .prompt = "One more.", .agent = "b", .after = {"t2"}});
  REQUIRE(added.ok());
  REQUIRE(run.wait(120s));
  CHECK(run.exit_code() == 0);
  resumed->reset();
  replays_identically(log_dir);
}

TEST_CASE("the API from many threads at once: senders, readers, cursors") {
  use_built_baton();
  baton::test::temp_dir dir;
  auto rt = baton::runtime::open();
  REQUIRE(rt.ok());
  auto run = start(**rt, plan_text("4"), dir);
  std::atomic<bool> over{false};
  std::atomic<int> sent{0};
  // Each sender sends a few notes (the agent works on each) and keeps
  // reading until the run is over.
  std::atomic<int> events{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      for (int n = 0; !over.load(); ++n) {
        if (n < 3 && run->send("b", "note " + std::to_string(i)).ok())
          ++sent;
        ignore(run->status());
        ignore(run->screen(i % 2 == 0 ? "a" : "b"));
        std::this_thread::sleep_for(5ms); // pace the senders
      }
    });
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      auto c = run->events(1);
      while (!c->at_end())
        if (c->next(50ms) != nullptr)
          ++events;
    });
  REQUIRE(run->wait(120s));
  over.store(true);
  for (auto& t : threads)
    t.join();
  CHECK(sent.load() > 0);
  auto st = run->status();
  REQUIRE(st.ok());
  CHECK(events.load() == 4 * static_cast<int>(st->position));
  auto dir_path = run->log_dir();
  run.reset();
  replays_identically(dir_path);
}
