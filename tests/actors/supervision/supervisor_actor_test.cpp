// supervisor_actor under CAF's deterministic scheduler and virtual time,
// with real child actors ended by exit reasons: which children restart, in
// which order they stop and start, and how a chain of supervisors
// escalates (after Erlang/OTP's supervisor_SUITE).
#include "actors/supervision/supervisor_actor.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <catch2/catch.hpp>

#include <map>

using namespace baton;
using namespace std::chrono_literals;
using strings = std::vector<std::string>;
using engine::restart_strategy;
using engine::restart_type;

namespace {

/// A stand-in worker: answers ping with pong, ends with the reason it is
/// told (close_atom), and by default ends as asked by an exit message.
caf::behavior worker(caf::event_based_actor* self) {
  return {
    [](caf::ping_atom) { return caf::pong_atom_v; },
    [self](caf::close_atom, caf::error& r) { self->quit(std::move(r)); },
  };
}

/// A worker that never answers a ping (its request times out).
caf::behavior silent_worker(caf::event_based_actor* self) {
  return {
    [self](caf::ping_atom) { return self->make_response_promise(); },
  };
}

/// A worker that crashes as soon as it starts, forever.
caf::behavior crashing_worker(caf::event_based_actor* self) {
  self->send(self, caf::close_atom_v,
             caf::make_error(caf::exit_reason::unhandled_exception));
  return worker(self);
}

/// A worker that ignores requests to stop (only a kill ends it).
caf::behavior stubborn_worker(caf::event_based_actor* self) {
  self->set_exit_handler([](caf::exit_msg&) {});
  return worker(self);
}

struct fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  /// Every factory call, in order: the child's id.
  strings started;
  /// Every child's end, in order: "id reason".
  strings ended;
  /// The current incarnation of each child.
  std::map<std::string, caf::actor> current;
  std::vector<actors::supervision_record> records;

  fixture() {
    // Only CAF's own message types cross these actors.
    cfg.set("scheduler.policy", caf::atom("testing"));
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
  }

  /// The actor system waits for every actor to end: end what still runs.
  ~fixture() {
    for (auto& [id, h] : current)
      caf::anon_send_exit(h, caf::exit_reason::kill);
    sched->run();
  }

  /// Records when `h` ends, and why, as "id reason".
  void watch(const caf::actor& h, const std::string& id) {
    auto ptr = caf::actor_cast<caf::strong_actor_ptr>(h);
    ptr->get()->attach_functor([this, id](const caf::error& reason) {
      ended.push_back(id + " " + reason_text(reason));
    });
  }

  static std::string reason_text(const caf::error& reason) {
    switch (actors::exit_kind_of(reason)) {
      case engine::exit_kind::normal: return "normal";
      case engine::exit_kind::shutdown: return "shutdown";
      case engine::exit_kind::abnormal: break;
    }
    return "abnormal";
  }

  template<class F>
  actors::supervised_child child(const std::string& id, F behavior_fun,
                                 restart_type t = restart_type::permanent) {
    return {{id, t}, [this, id, behavior_fun](caf::actor_system& s) {
              started.push_back(id);
              auto h = s.spawn(behavior_fun);
              watch(h, id);
              current[id] = h;
              return h;
            }};
  }

  actors::supervisor_config config(std::string name, restart_strategy s,
                                   std::vector<actors::supervised_child> cs,
                                   uint32_t intensity = 3) {
    actors::supervisor_config c;
    c.name = std::move(name);
    c.spec.strategy = s;
    c.spec.intensity = intensity;
    c.spec.period_us = 60'000'000;
    c.children = std::move(cs);
    c.observer
      = [this](const actors::supervision_record& r) { records.push_back(r); };
    return c;
  }

  /// A supervisor as a child: watched and tracked like the workers.
  actors::supervised_child lead(actors::supervisor_config c) {
    auto id = c.name;
    auto make = actors::supervisor_factory(std::move(c));
    return {{id}, [this, id, make](caf::actor_system& s) {
              started.push_back(id);
              auto h = make(s);
              watch(h, id);
              current[id] = h;
              return h;
            }};
  }

  caf::actor spawn(actors::supervisor_config c) {
    auto id = c.name;
    auto h = actors::spawn_supervisor(*sys, std::move(c));
    watch(h, id);
    current[id] = h;
    sched->run();
    return h;
  }

  /// A supervisor "sup" over stand-in workers of these ids.
  caf::actor spawn_workers(restart_strategy s, const strings& ids,
                           uint32_t intensity = 3) {
    std::vector<actors::supervised_child> cs;
    for (auto& id : ids)
      cs.push_back(child(id, worker));
    return spawn(config("sup", s, std::move(cs), intensity));
  }

  void end(const std::string& id, caf::exit_reason r) {
    caf::anon_send(current.at(id), caf::close_atom_v, caf::make_error(r));
    sched->run();
  }

  void kill(const std::string& id) {
    caf::anon_send_exit(current.at(id), caf::exit_reason::kill);
    sched->run();
  }

  /// Asks `sup` to forward a ping to its child `id`: "pong" or the error.
  std::string ping_via(const caf::actor& sup, const std::string& id) {
    caf::scoped_actor self{*sys};
    auto h = self->request(sup, caf::infinite, caf::forward_atom_v, id,
                           caf::make_message(caf::ping_atom_v));
    sched->run();
    std::string out = "no answer";
    h.receive([&](caf::pong_atom) { out = "pong"; },
              [&](caf::error& e) { out = sys->render(e); });
    return out;
  }

  bool alive(const std::string& id) {
    auto prefix = id + " ";
    return std::none_of(ended.begin(), ended.end(), [&](const std::string& e) {
      return e.rfind(prefix, 0) == 0;
    });
  }
};

strings reset(strings& xs) {
  return std::exchange(xs, {});
}

} // namespace

TEST_CASE("CAF exit reasons map to exit kinds", "[actors][supervision]") {
  using engine::exit_kind;
  CHECK(actors::exit_kind_of(caf::error{}) == exit_kind::normal);
  CHECK(actors::exit_kind_of(caf::exit_reason::normal) == exit_kind::normal);
  CHECK(actors::exit_kind_of(caf::exit_reason::user_shutdown)
        == exit_kind::shutdown);
  CHECK(actors::exit_kind_of(caf::exit_reason::kill) == exit_kind::abnormal);
  CHECK(actors::exit_kind_of(caf::exit_reason::unhandled_exception)
        == exit_kind::abnormal);
  CHECK(actors::exit_kind_of(caf::make_error(caf::sec::runtime_error))
        == exit_kind::abnormal);
}

TEST_CASE("a supervisor starts its children in order and answers for them",
          "[actors][supervision]") {
  fixture fx;
  auto sup = fx.spawn_workers(restart_strategy::one_for_one, {"a", "b"});
  CHECK(fx.started == strings{"a", "b"});
  CHECK(fx.ping_via(sup, "b") == "pong");
  CHECK(fx.ping_via(sup, "zz").find("has no child zz") != std::string::npos);
}

TEST_CASE("one_for_one: only the killed child restarts",
          "[actors][supervision][strategy]") {
  fixture fx;
  auto sup = fx.spawn_workers(restart_strategy::one_for_one, {"a", "b", "c"});
  auto a = fx.current["a"];
  auto old_b = fx.current["b"];
  reset(fx.started);
  fx.kill("b");
  CHECK(fx.ended == strings{"b abnormal"});
  CHECK(fx.started == strings{"b"});
  CHECK(fx.current["b"] != old_b);
  CHECK(fx.current["a"] == a);
  REQUIRE(fx.records.size() == 1);
  CHECK(fx.records[0].child == "b");
  CHECK(fx.records[0].action.start == strings{"b"});
  CHECK(fx.ping_via(sup, "b") == "pong");
}

TEST_CASE("one_for_all: the others stop in reverse start order, then all "
          "start in start order",
          "[actors][supervision][strategy]") {
  fixture fx;
  fx.spawn_workers(restart_strategy::one_for_all, {"a", "b", "c", "d"});
  reset(fx.started);
  fx.kill("b");
  CHECK(fx.ended
        == strings{"b abnormal", "d shutdown", "c shutdown", "a shutdown"});
  CHECK(fx.started == strings{"a", "b", "c", "d"});
  REQUIRE(fx.records.size() == 1); // the stops are not exits to decide on
}

TEST_CASE("rest_for_one: the children started after it stop in reverse "
          "order, then it and they start again",
          "[actors][supervision][strategy]") {
  fixture fx;
  fx.spawn_workers(restart_strategy::rest_for_one, {"a", "b", "c", "d"});
  reset(fx.started);
  fx.end("b", caf::exit_reason::unhandled_exception);
  CHECK(fx.ended == strings{"b abnormal", "d shutdown", "c shutdown"});
  CHECK(fx.started == strings{"b", "c", "d"});
  CHECK(fx.alive("a"));
}

TEST_CASE("restart types: permanent always, transient only after an "
          "abnormal exit, temporary never",
          "[actors][supervision][restart_type]") {
  struct row {
    restart_type type;
    caf::exit_reason reason;
    bool restarted;
  };
  using caf::exit_reason;
  std::vector<row> matrix{
    {restart_type::permanent, exit_reason::normal, true},
    {restart_type::permanent, exit_reason::user_shutdown, true},
    {restart_type::permanent, exit_reason::kill, true},
    {restart_type::transient, exit_reason::normal, false},
    {restart_type::transient, exit_reason::user_shutdown, false},
    {restart_type::transient, exit_reason::kill, true},
    {restart_type::temporary, exit_reason::normal, false},
    {restart_type::temporary, exit_reason::user_shutdown, false},
    {restart_type::temporary, exit_reason::kill, false},
  };
  for (auto& r : matrix) {
    INFO(engine::to_string(r.type) << " " << caf::to_string(r.reason));
    fixture fx;
    auto sup = fx.spawn(
      fx.config("sup", restart_strategy::one_for_all,
                {fx.child("x", worker), fx.child("y", worker, r.type)}));
    reset(fx.started);
    fx.end("y", r.reason);
    CHECK(fx.started == (r.restarted ? strings{"x", "y"} : strings{}));
    if (r.restarted)
      CHECK(fx.ping_via(sup, "y") == "pong");
    else
      CHECK(fx.ping_via(sup, "y").find("has no child y") != std::string::npos);
  }
}

TEST_CASE("intensity: the supervisor that exceeds it stops its children in "
          "reverse order and ends abnormally",
          "[actors][supervision][intensity]") {
  fixture fx;
  fx.spawn_workers(restart_strategy::one_for_one, {"a", "b", "c"}, 2);
  fx.kill("b");
  fx.kill("b");
  CHECK(fx.alive("sup"));
  reset(fx.ended);
  reset(fx.started);
  fx.kill("b");
  CHECK(fx.ended
        == strings{"b abnormal", "c shutdown", "a shutdown", "sup abnormal"});
  CHECK(fx.started.empty());
  REQUIRE(fx.records.size() == 3);
  CHECK(fx.records.back().action.escalate);
}

TEST_CASE("restarts that left the period (virtual time) do not count",
          "[actors][supervision][intensity]") {
  fixture fx;
  fx.spawn_workers(restart_strategy::one_for_one, {"a"}, 1);
  fx.kill("a");
  fx.sched->advance_time(61s);
  fx.sched->run();
  fx.kill("a");
  CHECK(fx.alive("sup"));
  CHECK(fx.records.back().now_us - fx.records.front().now_us >= 61'000'000);
  fx.kill("a");
  CHECK_FALSE(fx.alive("sup"));
}

TEST_CASE("a chain escalates: a lead over its intensity stops its workers "
          "in reverse order and ends, and the meta supervisor restarts it",
          "[actors][supervision][chain]") {
  fixture fx;
  auto l1 = fx.config(
    "l1", restart_strategy::one_for_one,
    {fx.child("w1", worker), fx.child("w2", worker), fx.child("w3", worker)},
    1);
  auto l2 = fx.config("l2", restart_strategy::one_for_one,
                      {fx.child("v1", worker), fx.child("v2", worker)}, 1);
  auto meta = fx.spawn(fx.config("meta", restart_strategy::one_for_one,
                                 {fx.lead(l1), fx.lead(l2)}, 3));
  // Spawning is asynchronous: a supervisor's children start in order, each
  // lead's workers when the lead runs.
  CHECK(fx.started == strings{"l1", "l2", "w1", "w2", "w3", "v1", "v2"});
  fx.kill("w2");
  reset(fx.started);
  reset(fx.ended);
  fx.kill("w2");
  CHECK(fx.ended
        == strings{"w2 abnormal", "w3 shutdown", "w1 shutdown", "l1 abnormal"});
  CHECK(fx.started == strings{"l1", "w1", "w2", "w3"});
  CHECK(fx.alive("v1"));
  CHECK(fx.alive("l2"));
  auto& last = fx.records.back();
  CHECK(last.supervisor == "meta");
  CHECK(last.child == "l1");
  CHECK(last.how == engine::exit_kind::abnormal);
  CHECK(last.action.start == strings{"l1"});
  // The new lead answers for its new workers.
  CHECK(fx.ping_via(fx.current["l1"], "w2") == "pong");
  CHECK(fx.alive("meta"));
  (void) meta;
}

TEST_CASE("the product of intensities down a chain bounds the restarts of "
          "workers that crash forever",
          "[actors][supervision][chain][intensity]") {
  auto lead_intensity = GENERATE(0u, 1u, 3u);
  auto meta_intensity = GENERATE(0u, 2u, 4u);
  INFO("lead " << lead_intensity << ", meta " << meta_intensity);
  fixture fx;
  auto l1 = fx.config("l1", restart_strategy::one_for_one,
                      {fx.child("w", crashing_worker)}, lead_intensity);
  fx.spawn(fx.config("meta", restart_strategy::one_for_one, {fx.lead(l1)},
                     meta_intensity));
  auto workers = std::count(fx.started.begin(), fx.started.end(), "w");
  auto leads = std::count(fx.started.begin(), fx.started.end(), "l1");
  // Each lead starts its worker once and restarts it `lead_intensity`
  // times; the meta starts the lead once and restarts it `meta_intensity`
  // times; then the meta gives up.
  CHECK(workers == (lead_intensity + 1) * (meta_intensity + 1));
  CHECK(leads == meta_intensity + 1);
  CHECK_FALSE(fx.alive("meta"));
  CHECK(fx.ended.back() == "meta abnormal");
}

TEST_CASE("a lead whose request to a worker times out does not die",
          "[actors][supervision][timeout]") {
  fixture fx;
  auto answered = std::make_shared<int>(0);
  auto l1 = fx.config("l1", restart_strategy::one_for_one,
                      {fx.child("w", silent_worker)});
  // The lead's own protocol: (ping, id) asks the worker, with a timeout and
  // no error handler of its own.
  l1.extend
    = [answered](caf::event_based_actor* self, actors::child_lookup child) {
        return caf::message_handler{
          [self, child, answered](caf::ping_atom, const std::string& id) {
            self->request(child(id), 1s, caf::ping_atom_v)
              .then([answered](caf::pong_atom) { ++*answered; });
          }};
      };
  fx.spawn(fx.config("meta", restart_strategy::one_for_one, {fx.lead(l1)}));
  caf::anon_send(fx.current["l1"], caf::ping_atom_v, std::string{"w"});
  fx.sched->run();
  CHECK(fx.sched->has_pending_timeout());
  fx.sched->advance_time(2s);
  fx.sched->run();
  CHECK(*answered == 0);
  CHECK(fx.ended.empty());
  CHECK(fx.records.empty());
  // Asking a child that is not running (an invalid handle) does not kill
  // it either; and it still supervises.
  caf::anon_send(fx.current["l1"], caf::ping_atom_v, std::string{"nobody"});
  fx.sched->run();
  fx.kill("w");
  CHECK(fx.started == strings{"l1", "w", "w"});
  CHECK(fx.alive("l1"));
}

TEST_CASE("a child that ignores the request to stop is killed after the "
          "shutdown timeout, then the restart goes on",
          "[actors][supervision][shutdown]") {
  fixture fx;
  auto c = fx.config("sup", restart_strategy::one_for_all,
                     {fx.child("a", stubborn_worker), fx.child("b", worker)});
  c.shutdown_timeout = 5s;
  fx.spawn(std::move(c));
  reset(fx.started);
  fx.kill("b");
  CHECK(fx.ended == strings{"b abnormal"});
  CHECK(fx.started.empty()); // waiting for a to stop
  fx.sched->advance_time(5s);
  fx.sched->run();
  CHECK(fx.ended == strings{"b abnormal", "a abnormal"});
  CHECK(fx.started == strings{"a", "b"});
}

TEST_CASE("an exit message stops the whole tree depth first, in reverse start "
          "order",
          "[actors][supervision][shutdown]") {
  fixture fx;
  auto l1 = fx.config("l1", restart_strategy::one_for_one,
                      {fx.child("w1", worker), fx.child("w2", worker)});
  auto l2 = fx.config("l2", restart_strategy::one_for_all,
                      {fx.child("v1", worker), fx.child("v2", worker)});
  auto meta = fx.spawn(fx.config("meta", restart_strategy::one_for_one,
                                 {fx.lead(l1), fx.lead(l2)}));
  caf::anon_send_exit(meta, caf::exit_reason::user_shutdown);
  fx.sched->run();
  CHECK(fx.ended
        == strings{"v2 shutdown", "v1 shutdown", "l2 shutdown", "w2 shutdown",
                   "w1 shutdown", "l1 shutdown", "meta shutdown"});
  CHECK(fx.records.empty());
}

TEST_CASE("a killed supervisor leaves no orphans",
          "[actors][supervision][shutdown]") {
  fixture fx;
  auto l1 = fx.config("l1", restart_strategy::one_for_one,
                      {fx.child("w1", worker), fx.child("w2", worker)});
  auto meta
    = fx.spawn(fx.config("meta", restart_strategy::one_for_one, {fx.lead(l1)}));
  caf::anon_send_exit(meta, caf::exit_reason::kill);
  fx.sched->run();
  for (auto id : {"meta", "l1", "w1", "w2"})
    CHECK_FALSE(fx.alive(id));
}

TEST_CASE(
  "exits during a restart wait their turn, and a child stopped anyway is "
  "not restarted twice",
  "[actors][supervision][strategy]") {
  fixture fx;
  auto c = fx.config("sup", restart_strategy::one_for_all,
                     {fx.child("a", stubborn_worker), fx.child("b", worker),
                      fx.child("c", worker)});
  fx.spawn(std::move(c));
  reset(fx.started);
  fx.kill("c"); // a must stop; it ignores the request
  CHECK(fx.ended == strings{"c abnormal", "b shutdown"});
  fx.kill("a"); // ends as it was to: one restart round only
  CHECK(fx.started == strings{"a", "b", "c"});
  CHECK(fx.records.size() == 1);
}
