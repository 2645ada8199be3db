// A run's actors end to end on in-process stand-in agents: the log actor,
// one worker actor per agent and the orchestrator, with the real event log.
// Each case asserts on what the log holds afterwards.
#include "actors/team.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <set>

#include "actors/standin_terminal.hpp"
#include "engine/orchestration/chain_event.hpp"
#include "engine/orchestration/orchestrator_event.hpp"
#include "engine/plan/plan_parser.hpp"
#include "replay/chain_replay.hpp"
#include "replay/lead_replay.hpp"
#include "replay/run_replay.hpp"
#include "tests/support/temp_dir.hpp"

using namespace baton;

namespace {

engine::plan parse(const std::string& text) {
  auto p = engine::parse_plan(text, "test.toml");
  REQUIRE(p.ok());
  return *p;
}

/// An agent of the plan played by an in-process stand-in answering with
/// `respond`, working in dir/<name>, with no coalescing or submit delay.
actors::team_agent standin_agent(const std::string& name,
                                 const test::temp_dir& dir,
                                 actors::standin_respond respond) {
  actors::team_agent t;
  t.name = name;
  t.pack = actors::standin_pack();
  t.workdir = dir / name;
  t.core.coalesce_us = 0;
  t.core.submit_delay_us = 0;
  t.terminal = actors::make_standin_terminal(std::move(respond));
  return t;
}

const std::string two_agents = R"(
[run]
name = "t"
[policy]
retries = 2
[agents.a]
command = ["standin"]
[agents.b]
command = ["standin"]
[[tasks]]
id = "one"
prompt = "do one"
agent = "a"
[[tasks]]
id = "two"
prompt = "do two"
agent = "b"
[[tasks]]
id = "three"
prompt = "do three"
agent = "a"
after = ["one", "two"]
)";

struct fixture {
  test::temp_dir dir;
  std::unique_ptr<storage::event_log> log;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::atomic<uint64_t> ticks{0};
  /// The team while run() runs (for agents' answers that act on it).
  std::atomic<actors::team*> current{nullptr};
  /// Called before a chain's lead is rebuilt to start it again.
  std::function<void(const std::string&)> before_rebuild;

  fixture() {
    auto opened = storage::event_log::open(dir / "log");
    REQUIRE(opened.ok());
    log = std::move(*opened);
    cfg.add_message_types<caf::id_block::baton>();
    cfg.set("scheduler.max-threads", 2);
    sys = std::make_unique<caf::actor_system>(cfg);
  }

  /// Runs `plan` with a stand-in per agent answering with `respond`, until
  /// every actor quits.
  void run(const std::string& plan_text,
           std::function<std::vector<std::string>(const std::string& agent,
                                                  std::string_view prompt)>
             respond) {
    actors::team_options opts;
    opts.plan = parse(plan_text);
    opts.plan_path = "test.toml";
    opts.plan_text = plan_text;
    // A logical clock that only moves forward, one µs per reading.
    opts.clock = [this] { return ++ticks; };
    opts.stop_grace = std::chrono::milliseconds{100};
    opts.rebuild_lead = [this](const std::string& team) {
      return replay::rebuild_lead(*log, team);
    };
    opts.rebuild_scope = [this](const std::string& team) {
      if (before_rebuild)
        before_rebuild(team);
      return replay::rebuild_chain_scope(*log, team);
    };
    for (auto& a : opts.plan.agents)
      opts.agents.push_back(standin_agent(
        a.name, dir, [respond, name = a.name](std::string_view prompt) {
          return respond(name, prompt);
        }));
    auto team = actors::team::start(*sys, *log, std::move(opts));
    REQUIRE(team.ok());
    current = team->get();
    bool done = (*team)->wait(std::chrono::seconds{30});
    current = nullptr;
    if (!done)
      dump();
    REQUIRE(done);
  }

  /// What the log holds, for a failure's message.
  void dump() {
    auto all = log->read_all();
    REQUIRE(all.ok());
    for (auto& e : *all) {
      std::string line{e.stream()};
      line += " " + std::to_string(e.sequence()) + " kind "
              + std::to_string(static_cast<int>(e.event().which()));
      if (e.event().isWorkerReported()
          && e.event().getWorkerReported().isState())
        line += std::string{" state "}
                + e.event().getWorkerReported().getState().getTo().cStr();
      if (e.event().isProtocolMessage())
        line += std::string{" protocol "}
                + e.event().getProtocolMessage().getLine().cStr();
      if (e.event().isStateChanged())
        line
          += std::string{" -> "} + e.event().getStateChanged().getTo().cStr();
      UNSCOPED_INFO(line);
    }
  }

  /// The decisions (and inputs) the orchestrator recorded.
  std::vector<engine::orchestrator_decision> decisions() {
    std::vector<engine::orchestrator_decision> out;
    auto events = log->read("orchestrator");
    REQUIRE(events.ok());
    for (auto& e : *events)
      if (auto d = engine::decision_from_event(e.event()))
        out.push_back(*d);
    return out;
  }

  template<class T>
  std::vector<T> only() {
    std::vector<T> out;
    for (auto& d : decisions())
      if (auto* x = std::get_if<T>(&d))
        out.push_back(*x);
    return out;
  }
};

std::vector<std::string> done(std::string_view what) {
  return {"PROGRESS: 1/1 — " + std::string{what},
          "STATUS: DONE — " + std::string{what} + " + 3 passed"};
}

/// Runs `plan_text` on stand-ins (each answering with `respond_of(its
/// name)`) under CAF's deterministic scheduler, the actors' jobs run in an
/// order `seed` picks (any ready actor may go next); returns the run's log.
std::unique_ptr<storage::event_log> run_interleaved(
  const std::string& plan_text, unsigned seed, const test::temp_dir& dir,
  const std::function<actors::standin_respond(const std::string&)>&
    respond_of) {
  auto opened = storage::event_log::open(dir / "log");
  REQUIRE(opened.ok());
  auto log = std::move(*opened);
  caf::actor_system_config cfg;
  cfg.add_message_types<caf::id_block::baton>();
  cfg.set("scheduler.policy", caf::atom("testing"));
  caf::actor_system sys{cfg};
  auto& sched
    = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  actors::team_options opts;
  opts.plan = parse(plan_text);
  opts.plan_text = plan_text;
  uint64_t now = 0;
  opts.clock = [&now] { return ++now; };
  opts.deterministic = true;
  for (auto& a : opts.plan.agents)
    opts.agents.push_back(standin_agent(a.name, dir, respond_of(a.name)));
  auto team = actors::team::start(sys, *log, std::move(opts));
  REQUIRE(team.ok());
  std::mt19937 rng{seed};
  size_t steps = 0;
  while (!(*team)->done() && steps < 100'000) {
    if (sched.jobs.size() > 1)
      std::swap(sched.jobs.front(), sched.jobs[rng() % sched.jobs.size()]);
    if (!sched.try_run_once())
      break;
    ++steps;
  }
  REQUIRE((*team)->done());
  caf::anon_send_exit((*team)->log(), caf::exit_reason::user_shutdown);
  sched.run();
  team->reset();
  return log;
}

} // namespace

TEST_CASE("a hub run dispatches, verifies and finishes with every event in "
          "the log",
          "[actors][team]") {
  fixture fx;
  fx.run(two_agents, [](auto&, std::string_view prompt) {
    return done(prompt.find("do one") != std::string_view::npos   ? "one"
                : prompt.find("do two") != std::string_view::npos ? "two"
                                                                  : "three");
  });
  auto settled = fx.only<engine::task_settled>();
  REQUIRE(settled.size() == 3);
  for (auto& s : settled)
    CHECK(s.passed);
  // Dependencies first: three settles last.
  CHECK(settled.back().task == "three");
  auto finished = fx.only<engine::finish_run>();
  REQUIRE(finished.size() == 1);
  CHECK(finished[0].ok);
  CHECK(finished[0].summary == "3/3 tasks passed");
  // Each dispatch went to the named agent, once.
  auto dispatched = fx.only<engine::dispatch_task>();
  REQUIRE(dispatched.size() == 3);
  for (auto& d : dispatched)
    CHECK(d.agent == (d.task == "two" ? "b" : "a"));

  // The worker's stream: inputs before what they caused.
  auto a = fx.log->read("worker/a");
  REQUIRE(a.ok());
  std::vector<std::string> kinds;
  for (auto& e : *a)
    switch (e.event().which()) {
      case schema::Event::PROCESS_STARTED: kinds.push_back("started"); break;
      case schema::Event::PROMPT_REQUESTED: kinds.push_back("prompt"); break;
      case schema::Event::PTY_INPUT: kinds.push_back("input"); break;
      case schema::Event::PROTOCOL_MESSAGE: kinds.push_back("protocol"); break;
      case schema::Event::STOP_REQUESTED: kinds.push_back("stop"); break;
      case schema::Event::PROCESS_EXITED: kinds.push_back("exited"); break;
      default: break;
    }
  // The raw output is kept byte for byte: the agent's answer is in it.
  std::string output;
  for (auto& e : *a)
    if (e.event().isPtyOutput()) {
      auto bytes = e.event().getPtyOutput().getBytes();
      output.append(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
    }
  CHECK(output.find("STATUS: DONE — one + 3 passed") != std::string::npos);
  CHECK(output.find("STATUS: DONE — three + 3 passed") != std::string::npos);
  REQUIRE(kinds.size() >= 6);
  CHECK(kinds.front() == "started");
  auto first_prompt = std::find(kinds.begin(), kinds.end(), "prompt");
  auto first_input = std::find(kinds.begin(), kinds.end(), "input");
  CHECK(first_prompt < first_input);
  CHECK(std::count(kinds.begin(), kinds.end(), "prompt") == 2);
  CHECK(kinds.back() == "exited");
}

TEST_CASE("a team without its plan's text is refused before anything is "
          "recorded",
          "[actors][team]") {
  // runStarted records the text; replay, resume and fork parse it again.
  fixture fx;
  actors::team_options opts;
  opts.plan = parse(two_agents);
  opts.clock = [&fx] { return ++fx.ticks; };
  for (auto& a : opts.plan.agents)
    opts.agents.push_back(standin_agent(a.name, fx.dir, [](std::string_view) {
      return std::vector<std::string>{};
    }));
  auto team = actors::team::start(*fx.sys, *fx.log, std::move(opts));
  REQUIRE_FALSE(team.ok());
  CHECK(team.err().code() == ec::invalid_argument);
  CHECK_THAT(team.err().message(), Catch::Contains("plan's text"));
  CHECK(fx.log->last_position() == 0);
}

TEST_CASE("an ERROR is retried with its text as guidance, out of attempts "
          "the task fails and its dependents never start",
          "[actors][team]") {
  fixture fx;
  std::atomic<int> tries{0};
  fx.run(two_agents, [&](auto& agent, std::string_view) {
    if (agent == "a") {
      // A different error each time: the same one again would be a loop.
      static const char* what[] = {"the include path", "the linker flags",
                                   "a missing symbol"};
      return std::vector<std::string>{
        std::string{"STATUS: ERROR — build broke, tried twice, fix "}
        + what[tries++ % 3]};
    }
    return done("two");
  });
  CHECK(tries == 3); // 1 + retries
  auto told = fx.only<engine::tell_agent>();
  REQUIRE(told.size() == 2);
  CHECK(told[0].why == "retry of task one");
  CHECK(told[0].text.find("fix the include path") != std::string::npos);
  CHECK(fx.only<engine::escalate_task>().empty());
  std::map<std::string, engine::task_settled> by_task;
  for (auto& s : fx.only<engine::task_settled>())
    by_task[s.task] = s;
  CHECK_FALSE(by_task.at("one").passed);
  CHECK(by_task.at("two").passed);
  CHECK_FALSE(by_task.at("three").passed);
  CHECK(by_task.at("three").reason == "never started: dependency one failed");
  auto finished = fx.only<engine::finish_run>();
  REQUIRE(finished.size() == 1);
  CHECK_FALSE(finished[0].ok);
}

TEST_CASE("the same ERROR again and again climbs the ladder through the "
          "actors: a nudge, then a fresh process with the history",
          "[actors][team][recovery]") {
  fixture fx;
  std::atomic<int> prompts{0};
  std::string redispatched;
  std::mutex mu;
  fx.run(two_agents, [&](auto& agent, std::string_view prompt) {
    if (agent == "a") {
      ++prompts;
      if (prompt.find("What was tried and failed") != std::string_view::npos) {
        std::lock_guard lock{mu};
        redispatched = std::string{prompt};
      }
      return std::vector<std::string>{
        "STATUS: ERROR — build broke at src/a.cpp:12, tried a rebuild"};
    }
    return done("two");
  });
  std::vector<std::string> steps;
  for (auto& e : fx.only<engine::escalate_task>())
    steps.push_back(std::string{to_string(e.step)});
  // Each ERROR in between is an attempt: the attempts (3) run out before
  // a third rung (a reassignment; a has no peer of its role anyway).
  CHECK(steps == std::vector<std::string>{"nudge", "redispatch"});
  std::map<std::string, engine::task_settled> by_task;
  for (auto& st : fx.only<engine::task_settled>())
    by_task[st.task] = st;
  CHECK_FALSE(by_task.at("one").passed);
  CHECK(by_task.at("one").reason.find("no attempts left") != std::string::npos);
  CHECK(redispatched.find("tried a rebuild") != std::string::npos);
  // The re-dispatch ran in a fresh process of the agent.
  auto stream = fx.log->read("worker/a");
  REQUIRE(stream.ok());
  int started = 0;
  for (auto& e : *stream)
    started += e.event().isProcessStarted();
  CHECK(started == 2);
  auto finished = fx.only<engine::finish_run>();
  REQUIRE(finished.size() == 1);
  CHECK(finished[0].outcome == engine::run_outcome::failed);
}

TEST_CASE("one_for_all: an agent's crash restarts every agent, and the "
          "interrupted task is given again as the same attempt",
          "[actors][team][recovery][supervision]") {
  fixture fx;
  std::atomic<int> a_prompts{0};
  auto plan = std::string{two_agents} + R"(
[supervision]
strategy = "one_for_all"
intensity = 3
period = "1m"
)";
  fx.run(plan, [&](auto& agent, std::string_view) {
    if (agent == "a" && a_prompts++ == 0)
      return std::vector<std::string>{"PROGRESS: 1/2 — half of it",
                                      "@exit 3"};
    return done(agent);
  });
  auto acted = fx.only<engine::supervise>();
  REQUIRE(acted.size() == 1);
  CHECK(acted[0].agent == "a");
  CHECK(acted[0].strategy == engine::restart_strategy::one_for_all);
  CHECK(acted[0].start == std::vector<std::string>{"a", "b"});
  // Both processes started twice: b's live one was stopped for it.
  for (auto name : {"worker/a", "worker/b"}) {
    auto stream = fx.log->read(name);
    REQUIRE(stream.ok());
    int started = 0;
    for (auto& e : *stream)
      started += e.event().isProcessStarted();
    CHECK(started == 2);
  }
  std::vector<engine::dispatch_task> ones;
  for (auto& d : fx.only<engine::dispatch_task>())
    if (d.task == "one")
      ones.push_back(d);
  REQUIRE(ones.size() == 2);
  CHECK(ones[1].attempt == 1);
  CHECK(ones[1].prompt.find(".baton/checkpoint.md") != std::string::npos);
  auto finished = fx.only<engine::finish_run>();
  REQUIRE(finished.size() == 1);
  CHECK(finished[0].ok);
}

TEST_CASE("a DONE without evidence is sent back, not verified",
          "[actors][team]") {
  fixture fx;
  std::atomic<int> tries{0};
  fx.run(two_agents, [&](auto& agent, std::string_view) {
    if (agent == "b" && ++tries == 1)
      return std::vector<std::string>{"STATUS: DONE — did two"};
    return done(agent);
  });
  auto told = fx.only<engine::tell_agent>();
  REQUIRE(told.size() == 1);
  CHECK(told[0].agent == "b");
  CHECK(told[0].text.find("no evidence") != std::string::npos);
  for (auto& s : fx.only<engine::task_settled>())
    CHECK(s.passed);
}

TEST_CASE("under CAF's deterministic scheduler, any interleaving of the "
          "actors gives the same verdicts and the same decisions per task",
          "[actors][team][deterministic]") {
  std::vector<std::vector<std::string>> runs;
  for (unsigned seed : {1u, 2u, 3u, 4u, 5u}) {
    test::temp_dir dir;
    auto log = run_interleaved(two_agents, seed, dir,
                               [](const std::string& name) {
                                 return [name](std::string_view prompt) {
                                   auto task = prompt.substr(
                                     5, prompt.find_first_of(" \n", 5) - 5);
                                   return done(name + " did "
                                               + std::string{task});
                                 };
                               });

    // Whatever the interleaving, the log replays: each stream's derived
    // events are what its own inputs give, byte for byte.
    auto replayed = replay::replay_run(*log, {});
    REQUIRE(replayed.ok());
    REQUIRE(replayed->size() == 3); // the orchestrator and two workers
    for (auto& [stream, r] : *replayed) {
      INFO("seed " << seed << ", " << stream);
      CHECK_FALSE(r.first_divergence.has_value());
      CHECK(r.decisions > 0);
    }

    // Per task, in order: what was decided about it.
    std::map<std::string, std::vector<std::string>> per_task;
    std::vector<std::string> verdicts;
    auto events = log->read("orchestrator");
    REQUIRE(events.ok());
    for (auto& e : *events) {
      auto d = engine::decision_from_event(e.event());
      if (!d)
        continue;
      if (auto* x = std::get_if<engine::dispatch_task>(&*d))
        per_task[x->task].push_back("dispatch " + x->agent + " "
                                    + std::to_string(x->attempt));
      if (auto* x = std::get_if<engine::run_gate>(&*d))
        per_task[x->task].push_back("gate " + x->evidence);
      if (auto* x = std::get_if<engine::task_settled>(&*d))
        per_task[x->task].push_back(std::string{"settled "}
                                    + (x->passed ? "passed" : "failed"));
      if (auto* x = std::get_if<engine::finish_run>(&*d))
        verdicts.push_back(x->summary);
    }
    for (auto& [task, ds] : per_task)
      for (auto& d : ds)
        verdicts.push_back(task + ": " + d);
    runs.push_back(verdicts);
  }
  REQUIRE(runs.front().size() == 10); // 3 tasks x 3 decisions + the finish
  CHECK(runs.front().front() == "3/3 tasks passed");
  for (auto& r : runs)
    CHECK(r == runs.front());
}

const std::string one_team = R"(
[run]
name = "t"
pattern = "supervisor"
[policy]
retries = 2
[teams.t]
members = ["a", "b"]
strategy = "one_for_one"
intensity = 1
period = "10m"
[agents.a]
command = ["standin"]
[agents.b]
command = ["standin"]
[[tasks]]
id = "one"
prompt = "do one"
agent = "a"
[[tasks]]
id = "two"
prompt = "do two"
agent = "b"
)";

TEST_CASE("a lead killed mid-run is started again from its stream: it "
          "answers the question asked meanwhile and remembers its restarts, "
          "from the stream alone or from its latest snapshot",
          "[actors][team][lead][snapshot]") {
  // Without snapshots (the default policy writes one every 10 000 records,
  // far more than this stream has), and with one after every record.
  bool snapshots = GENERATE(false, true);
  INFO("snapshots: " << snapshots);
  auto plan = one_team;
  if (snapshots)
    plan.replace(plan.find("retries = 2\n"), 12,
                 "retries = 2\nsnapshot_every = 1\n");
  fixture fx;
  std::atomic<int> a_prompts{0};
  std::atomic<bool> killed{false};
  fx.run(plan, [&](auto& agent, std::string_view) {
    if (agent != "a")
      return done(agent);
    auto n = a_prompts++;
    if (n == 0)
      return std::vector<std::string>{"PROGRESS: 1/2 — half of it",
                                      "@exit 3"};
    if (n == 1) {
      // The lead's actor dies (not the process); a exits again at once,
      // while it is being started again.
      auto* team = fx.current.load();
      REQUIRE(team != nullptr);
      auto lead = team->lead("t");
      REQUIRE(lead);
      caf::anon_send_exit(lead, caf::exit_reason::kill);
      killed = true;
      return std::vector<std::string>{"@exit 3"};
    }
    return done(agent);
  });
  REQUIRE(killed);
  auto stream = fx.log->read("lead/t");
  REQUIRE(stream.ok());
  std::vector<engine::ask_lead> asks;
  std::vector<engine::supervise> acted;
  for (auto& e : *stream)
    if (auto d = engine::decision_from_event(e.event())) {
      if (auto* x = std::get_if<engine::ask_lead>(&*d))
        asks.push_back(*x);
      if (auto* x = std::get_if<engine::supervise>(&*d))
        acted.push_back(*x);
    }
  // Each question recorded once and answered once, across the two
  // incarnations; then the team's restart by the orchestrator (a reset).
  REQUIRE(asks.size() == 3);
  CHECK(asks[0].ask == 1);
  CHECK(asks[1].ask == 2);
  CHECK(asks[2].reset);
  REQUIRE(acted.size() == 2);
  CHECK_FALSE(acted[0].escalate);
  // The started-again lead counted the restart before its death: the
  // second exit within the period exceeds intensity 1.
  CHECK(acted[1].escalate);
  CHECK(acted[1].why.find("intensity") != std::string::npos);
  // The orchestrator heard each answer once, and its own supervisor
  // restarted the team.
  auto events = fx.log->read("orchestrator");
  REQUIRE(events.ok());
  size_t reported = 0;
  for (auto& e : *events)
    reported += e.event().isLeadReported() ? 1 : 0;
  CHECK(reported == 2);
  auto root = fx.only<engine::supervise>();
  REQUIRE(root.size() == 1);
  CHECK(root[0].team == "orchestrator");
  CHECK(root[0].start == std::vector<std::string>{"team:t"});
  auto finished = fx.only<engine::finish_run>();
  REQUIRE(finished.size() == 1);
  CHECK(finished[0].ok);
  // Every stream, the lead's included, replays identically.
  auto replayed = replay::replay_run(*fx.log, {});
  REQUIRE(replayed.ok());
  bool lead_replayed = false;
  for (auto& [name, r] : *replayed) {
    INFO(name);
    CHECK_FALSE(r.first_divergence.has_value());
    lead_replayed = lead_replayed || name == "lead/t";
  }
  CHECK(lead_replayed);
  // The lead's snapshots: there with the policy, and a rebuild from the
  // latest gives what the whole stream gives, folding less of it.
  auto snap = fx.log->load_snapshot("lead/t", {});
  REQUIRE(snap.ok());
  CHECK(snap->has_value() == snapshots);
  replay::rebuild_stats whole_stats, tail_stats;
  auto whole = replay::rebuild_lead(*fx.log, "t", false, &whole_stats);
  auto tail = replay::rebuild_lead(*fx.log, "t", true, &tail_stats);
  auto whole_records = whole_stats.events;
  auto tail_records = tail_stats.events;
  CHECK(tail_stats.passed_over.empty());
  CHECK(tail_stats.snapshot == (snapshots ? (*snap)->sequence : 0));
  REQUIRE(whole.ok());
  REQUIRE(tail.ok());
  CHECK(whole_records == stream->size());
  CHECK(tail->answers == whole->answers);
  CHECK(tail->unrecorded == whole->unrecorded);
  CHECK(tail->lead.last_ask() == whole->lead.last_ask());
  CHECK(tail->lead.current().restarts() == whole->lead.current().restarts());
  CHECK(tail->lead.current().children() == whole->lead.current().children());
  if (snapshots) {
    CHECK((*snap)->sequence <= stream->size());
    CHECK(tail_records == stream->size() - (*snap)->sequence);
  } else {
    CHECK(tail_records == whole_records);
  }
}

TEST_CASE("under CAF's deterministic scheduler, a lead's decisions are the "
          "same for any interleaving, and its stream replays identically",
          "[actors][team][deterministic][lead]") {
  std::vector<std::vector<std::string>> runs;
  for (unsigned seed : {11u, 12u, 13u, 14u, 15u}) {
    test::temp_dir dir;
    auto a_prompts = std::make_shared<int>(0);
    auto log = run_interleaved(
      one_team, seed, dir, [a_prompts](const std::string& name) {
        return [name, a_prompts](std::string_view) {
          if (name == "a" && (*a_prompts)++ == 0)
            return std::vector<std::string>{"@exit 3"};
          return done(name);
        };
      });

    auto replayed = replay::replay_run(*log, {});
    REQUIRE(replayed.ok());
    std::vector<std::string> streams;
    for (auto& [stream, r] : *replayed) {
      INFO("seed " << seed << ", " << stream);
      CHECK_FALSE(r.first_divergence.has_value());
      streams.push_back(stream);
    }
    CHECK(streams.size() == 4); // orchestrator, lead/t, two workers
    CHECK(std::find(streams.begin(), streams.end(), "lead/t")
          != streams.end());
    // What the lead decided, and the verdicts.
    std::vector<std::string> outcome;
    auto lead = log->read("lead/t");
    REQUIRE(lead.ok());
    for (auto& e : *lead)
      if (e.event().isSupervisorActed())
        outcome.push_back(e.event().getSupervisorActed().getWhy().cStr());
    auto events = log->read("orchestrator");
    REQUIRE(events.ok());
    for (auto& e : *events)
      if (auto d = engine::decision_from_event(e.event()))
        if (auto* x = std::get_if<engine::task_settled>(&*d))
          outcome.push_back(x->task + (x->passed ? " passed" : " failed"));
    runs.push_back(outcome);
  }
  REQUIRE(runs.front().size() == 3);
  CHECK(runs.front().front()
        == "a exited abnormally; one_for_one restarts a (restart 1 of 1 "
           "within 600 s)");
  for (auto& r : runs)
    CHECK(r == runs.front());
}

const std::string two_team_chain = R"(
[run]
name = "c"
pattern = "supervisor"
chain = true
[teams.front]
members = ["a"]
[teams.back]
members = ["b"]
[agents.a]
command = ["standin"]
[agents.b]
command = ["standin"]
[[tasks]]
id = "one"
prompt = "do one"
agent = "b"
[[tasks]]
id = "two"
prompt = "do two"
agent = "a"
after = ["one"]
)";

TEST_CASE("a chain's lead killed mid-run is started again from its stream: "
          "it goes on without starting its team again, takes the delivery "
          "sent while it was dead, and every stream replays",
          "[actors][team][chain]") {
  fixture fx;
  std::atomic<bool> killed{false};
  // The lead is started again only once the verdict was delivered to it
  // (to its dead actor): the orchestrator sends it again.
  bool delivered_meanwhile = false;
  fx.before_rebuild = [&](const std::string&) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{20};
    while (!delivered_meanwhile
           && std::chrono::steady_clock::now() < deadline) {
      auto top = fx.log->read("orchestrator");
      if (top.ok())
        for (auto& e : *top)
          if (auto d = engine::delivery_from_event(e.event()))
            delivered_meanwhile = delivered_meanwhile || d->scope == "front";
    }
  };
  fx.run(two_team_chain, [&](auto& agent, std::string_view) {
    if (agent == "b" && !killed.exchange(true)) {
      // The front's lead dies (its actor, not the process) while its team
      // waits for the back's task: the verdict is delivered to it meanwhile.
      auto* team = fx.current.load();
      REQUIRE(team != nullptr);
      auto lead = team->lead("front");
      REQUIRE(lead);
      caf::anon_send_exit(lead, caf::exit_reason::kill);
    }
    return done(agent);
  });
  REQUIRE(killed);
  CHECK(delivered_meanwhile);
  auto front = fx.log->read("lead/front");
  REQUIRE(front.ok());
  size_t starts = 0;
  size_t deliveries = 0;
  std::vector<std::string> dispatched;
  for (auto& e : *front) {
    starts += e.event().isRunStarted() ? 1 : 0;
    if (auto d = engine::delivery_from_event(e.event()))
      deliveries
        += std::holds_alternative<engine::chain_verdict>(d->input) ? 1 : 0;
    if (auto d = engine::decision_from_event(e.event()))
      if (auto* x = std::get_if<engine::dispatch_task>(&*d))
        dispatched.push_back(x->task);
  }
  // Started once (the lead started again goes on from its fold), the
  // verdict of one taken once, and two dispatched once, after it.
  CHECK(starts == 1);
  CHECK(deliveries == 1);
  CHECK(dispatched == std::vector<std::string>{"two"});
  auto finished = fx.only<engine::finish_run>();
  REQUIRE(finished.size() == 1);
  CHECK(finished[0].ok);
  CHECK(finished[0].summary == "2/2 tasks passed");
  auto replayed = replay::replay_run(*fx.log, {});
  REQUIRE(replayed.ok());
  std::set<std::string> streams;
  for (auto& [name, r] : *replayed) {
    INFO(name);
    CHECK_FALSE(r.first_divergence.has_value());
    streams.insert(name);
  }
  CHECK(streams.contains("lead/front"));
  CHECK(streams.contains("lead/back"));
}

TEST_CASE("a chain's member reporting while its lead is dead: the report "
          "waits for the lead started again, which takes it and goes on",
          "[actors][team][chain]") {
  fixture fx;
  std::atomic<bool> killed{false};
  // The back's lead is started again only once b said it is done (to the
  // dead actor, as far as b knows).
  bool reported_meanwhile = false;
  std::atomic<bool> lead_gone{false};
  fx.before_rebuild = [&](const std::string&) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{20};
    while (!reported_meanwhile && std::chrono::steady_clock::now() < deadline) {
      auto b = fx.log->read("worker/b");
      if (b.ok())
        for (auto& e : *b)
          reported_meanwhile = reported_meanwhile
                               || (e.event().isProtocolMessage()
                                   && std::string_view{e.event()
                                                         .getProtocolMessage()
                                                         .getStatus()
                                                         .cStr()}
                                        == "DONE");
    }
  };
  fx.run(two_team_chain, [&](auto& agent, std::string_view) {
    if (agent == "b" && !killed.exchange(true)) {
      // b answers only once its lead is dead.
      auto* team = fx.current.load();
      REQUIRE(team != nullptr);
      auto lead = team->lead("back");
      REQUIRE(lead);
      caf::scoped_actor watcher{*fx.sys};
      watcher->monitor(lead);
      caf::anon_send_exit(lead, caf::exit_reason::kill);
      watcher->receive([&](caf::down_msg&) { lead_gone = true; },
                       caf::after(std::chrono::seconds{10}) >> [] {});
    }
    return done(agent);
  });
  REQUIRE(killed);
  CHECK(lead_gone);
  CHECK(reported_meanwhile);
  auto finished = fx.only<engine::finish_run>();
  REQUIRE(finished.size() == 1);
  CHECK(finished[0].summary == "2/2 tasks passed");
  // b's DONE is on its lead's stream once, after the lead started again.
  auto back = fx.log->read("lead/back");
  REQUIRE(back.ok());
  size_t done_reports = 0;
  for (auto& e : *back)
    if (e.event().isWorkerReported()
        && e.event().getWorkerReported().isProtocol()
        && std::string_view{e.event()
                              .getWorkerReported()
                              .getProtocol()
                              .getStatus()
                              .cStr()}
             == "DONE")
      ++done_reports;
  CHECK(done_reports == 1);
  auto replayed = replay::replay_run(*fx.log, {});
  REQUIRE(replayed.ok());
  for (auto& [name, r] : *replayed) {
    INFO(name);
    CHECK_FALSE(r.first_divergence.has_value());
  }
}
