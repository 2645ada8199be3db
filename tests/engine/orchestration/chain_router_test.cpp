// chain_router: between a supervisor chain's scopes. NEEDs go down to the
// owner's scope and CONTRACTs back to the scopes waiting on them; the run
// ends when every scope has settled, as the one fold of the whole plan
// would end it.
#include "engine/orchestration/chain_router.hpp"

#include <catch2/catch.hpp>

#include <capnp/serialize.h>

#include "engine/orchestration/orchestrator_event.hpp"
#include "engine/orchestration/orchestrator_snapshot.hpp"
#include "tests/engine/orchestration/chain_harness.hpp"

using namespace baton::engine;
using namespace baton::engine::test;

TEST_CASE("NEEDs and CONTRACTs between a chain's scopes reach the agents "
          "the one fold of the whole plan reaches, with the same words",
          "[engine][orchestration][chain_router]") {
  auto p = checked_plan(needs_text);
  // Without the NEED nobody owns (vendor/), which the one fold holds and
  // the agent waits on for ever.
  auto answered = needs_script;
  answered.whole = p;
  answered.needs.erase("cache");

  driven flat{p, answered};
  flat.run();
  REQUIRE(flat.finished.has_value());
  CHECK(flat.finished->ok);

  chain cut{p, answered};
  cut.run();
  INFO("rounds: " << cut.rounds);
  REQUIRE(cut.router.finished().has_value());
  CHECK(*cut.router.finished() == *flat.finished);
  for (auto& [name, s] : cut.scopes) {
    INFO("scope " << name);
    CHECK(s->finished.has_value()); // chain_ended reached it
    CHECK(s->waiting.empty());
  }
  // The same reached each agent: the requests, with their route between
  // teams, in the same words; the contracts, told at work or in a dispatch
  // prompt between tasks (which, depends on how far each scope got).
  CHECK(merged(cut, &driven::tasks_of) == flat.tasks_of);
  CHECK(first_difference(merged(cut, &driven::heard), flat.heard) == "");
  // What the plan makes happen, so the comparison is not of nothing.
  auto said = [&](const std::string& agent, const std::string& part) {
    auto& texts = flat.heard[agent];
    return std::any_of(texts.begin(), texts.end(), [&](auto& t) {
      return t.find(part) != std::string::npos;
    });
  };
  CHECK(said("b1", "(From team front to team back.) a1 needs db/schema.sql"));
  CHECK(said("x", "(From team back to no team.) b1 needs docs/api.md"));
  CHECK(said("a1", "(From team back to team front.) b2 needs web/routes.ts"));
  CHECK(said("a1", "CONTRACT from b1: db/schema.sql ready"));
  CHECK(said("b1", "CONTRACT from x: docs/api.md ready"));
  // a2 was between tasks when b1 published: the contract is in page's
  // prompt.
  CHECK(said("a2", "CONTRACT from b1: db/schema.sql ready"));
  // Every NEED between scopes was answered.
  CHECK(cut.router.open_needs().empty());
  CHECK(cut.router.held().empty());
  // The NEEDs that crossed went through the router: three, up. Each scope
  // said once that its tasks were settled.
  size_t up = 0;
  size_t settled = 0;
  for (auto& r : cut.reports) {
    up += std::holds_alternative<chain_need>(r);
    settled += std::holds_alternative<scope_settled>(r);
  }
  CHECK(up == 3);
  CHECK(settled == cut.scopes.size());
}

TEST_CASE("a NEED nobody in the chain owns is held for the operator and "
          "goes to no scope",
          "[engine][orchestration][chain_router]") {
  auto p = checked_plan(needs_text);
  auto unanswered = needs_script;
  unanswered.whole = p;
  chain cut{p, unanswered};
  cut.run();
  REQUIRE(cut.router.held().size() == 1);
  CHECK(cut.router.held()[0].from == "a2");
  CHECK(cut.router.held()[0].resource == "vendor/lib.a");
  CHECK(cut.router.held()[0].from_team == "front");
  // a2 waits on it for ever, as under the one fold: the chain does not end.
  CHECK(cut.scopes.at("front")->waiting.contains("a2"));
  CHECK_FALSE(cut.router.finished().has_value());
  for (auto& [name, s] : cut.scopes) {
    INFO("scope " << name);
    for (auto& [agent, texts] : s->heard)
      for (auto& t : texts)
        CHECK(t.find("vendor/lib.a") == std::string::npos);
  }
  driven flat{p, unanswered};
  flat.run();
  CHECK_FALSE(flat.finished.has_value());
  CHECK(flat.waiting.contains("a2"));
  // The whole plan's fold is told nothing from above, and reports nothing.
  CHECK(flat.fold.on_chain(chain_need{"z", "", "db/x", "t"}, 0).empty());
  CHECK(flat.fold.on_chain(chain_ended{}, 0).empty());
  CHECK_FALSE(flat.fold.finished());
  CHECK(flat.fold.take_reports().empty());
}

TEST_CASE("the router delivers in the chain's order, to the scopes "
          "concerned only, takes each report once, and ends the run once "
          "every scope has settled",
          "[engine][orchestration][chain_router]") {
  auto p = checked_plan(needs_text);
  chain_router r{p};
  CHECK(r.scopes() == std::vector<std::string>{"", "back", "front"});

  // Each report is taken as the chain's: its deliveries.
  auto on = [&r](const std::string& scope, uint64_t number,
                 const chain_report& report) {
    auto out = r.on(scope, number, report);
    INFO((out.ok() ? std::string{} : out.err().message()));
    REQUIRE(out.ok());
    return *out;
  };
  // A report from a scope the chain does not have: refused, named, and
  // nothing changes.
  auto unknown = r.on("middle", 1, chain_need{"z", "", "db/x", "t"});
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.err().message()
        == "report 1 from scope \"middle\", which the chain does not have "
           "(its scopes: \"\", \"back\", \"front\")");
  CHECK(r.last_report("middle") == 0);
  CHECK(r.held().empty());
  // api is waited for by front (page): its verdict goes there only.
  auto v = on("back", 2, chain_verdict{"api", true, "gate passed"});
  REQUIRE(v.size() == 1);
  CHECK(v[0].scope == "front");
  CHECK(on("back", 3, chain_verdict{"etl", true, "gate passed"}).empty());

  // A NEED goes to the owner's scope; its CONTRACT back to the asker's
  // scope, with the asker, once.
  auto n = on("front", 4, chain_need{"a1", "front", "db/schema.sql", "t"});
  REQUIRE(n.size() == 1);
  CHECK(n[0].scope == "back");
  CHECK(r.open_needs().size() == 1);
  // Deliveries are numbered in the order made; a report taken already (a
  // lead started again sends it again) is not taken twice.
  CHECK(v[0].number == 1);
  CHECK(n[0].number == 2);
  CHECK(r.last_report("front") == 4);
  CHECK(
    on("front", 4, chain_need{"a1", "front", "db/schema.sql", "t"}).empty());
  CHECK(on("front", 3, chain_need{"a2", "front", "db/y", "t"}).empty());
  CHECK(r.open_needs().size() == 1);
  CHECK(r.last_report("front") == 4);
  auto c = on("back", 5, chain_contract{"b1", "api", "schema", "body", {"a1"}});
  REQUIRE(c.size() == 1);
  CHECK(c[0].scope == "front");
  auto* contract = std::get_if<chain_contract>(&c[0].input);
  REQUIRE(contract != nullptr);
  CHECK(contract->waiters == std::vector<std::string>{"a1"});
  CHECK(r.open_needs().empty());
  // Again, a1 answered already: a scope names a waiter answered before
  // when the CONTRACT replaces a stub it used, and a1 hears it the same way.
  c = on("back", 6, chain_contract{"b1", "api", "v2", "body", {"a1"}});
  REQUIRE(c.size() == 1);
  CHECK(std::get<chain_contract>(c[0].input).waiters
        == std::vector<std::string>{"a1"});
  CHECK(r.open_needs().empty());
  // Not named: front still holds api as a stub, and hears it for that.
  c = on("back", 7, chain_contract{"b1", "api", "v3", "body", {}});
  REQUIRE(c.size() == 1);
  CHECK(std::get<chain_contract>(c[0].input).waiters.empty());
  // A contract of a task nobody else waits for, answering nobody: nothing.
  CHECK(on("back", 8, chain_contract{"b2", "etl", "t", "b", {}}).empty());

  // A NEED the asker's own scope owns but did not find is held there.
  auto own = on("back", 9, chain_need{"b2", "back", "db/x", "t"});
  REQUIRE(own.size() == 1);
  CHECK(own[0].scope == "back");
  CHECK(std::holds_alternative<need_held>(own[0].input));

  // The end: the tallies add up, each list in the order of the ids.
  run_tally front{1, 3, {"page (p)", "ui (u)"}, {}, {}, {}};
  run_tally back{1, 2, {"etl (e)"}, {}, {}, {}};
  run_tally top{0, 0, {}, {}, {}, {}};
  CHECK(on("front", 10, scope_settled{front}).empty());
  CHECK(on("back", 11, scope_settled{back}).empty());
  CHECK_FALSE(r.finished().has_value());
  auto end = on("", 12, scope_settled{top});
  REQUIRE(end.size() == 3);
  CHECK(end[0].scope.empty());
  CHECK(end[1].scope == "back");
  CHECK(end[2].scope == "front");
  for (auto& d : end)
    CHECK(std::holds_alternative<chain_ended>(d.input));
  CHECK(end[2].number == end[0].number + 2);
  REQUIRE(r.finished().has_value());
  CHECK(r.finished()->summary
        == "2/5 tasks passed; failed: etl (e), page (p), ui (u)");
  CHECK(r.finished()->outcome == run_outcome::failed);
  // Told again: the run has ended once.
  CHECK(on("front", 13, scope_settled{front}).empty());
}

TEST_CASE("a chain scope's fold saves and restores mid-chain, its plan cut "
          "from the recorded plan",
          "[engine][orchestration][chain_router]") {
  auto p = checked_plan(needs_text);
  auto how = needs_script;
  how.whole = p;
  // front as far as it goes alone: a1 asked up for db/schema.sql and
  // waits, and so does a2 for vendor/lib.a.
  driven front{team_scope(p, "front"), how};
  front.run();
  REQUIRE(front.waiting.contains("a1"));
  auto reports = front.fold.take_reports();
  CHECK_FALSE(reports.empty());

  recorded_orchestrator r;
  r.start.plan_text = needs_text;
  r.start.version = record_version;
  r.scope = "front";
  r.plan_tasks = team_scope(p, "front").tasks.size();
  r.engine = std::make_unique<orchestrator>(std::move(front.fold));
  auto saved = r.save();
  auto restored = recorded_orchestrator::restore(r.start, saved, "front");
  REQUIRE(restored.ok());
  CHECK(restored->save() == saved);
  CHECK(restored->scope == std::optional<std::string>{"front"});
  // The restored scope goes on from there: the answer to a1's NEED, from
  // another scope, reaches a1 at work.
  auto told = only<tell_agent>(restored->engine->on_chain(
    chain_contract{"b1", "", "db/schema.sql ready", "body", {"a1"}}, 0));
  REQUIRE(told.size() == 1);
  CHECK(told[0].agent == "a1");
  CHECK(told[0].text == "CONTRACT from b1: db/schema.sql ready\nbody");
  // Restored as a scope the plan does not have: refused, named.
  auto nowhere = recorded_orchestrator::restore(r.start, saved, "middle");
  REQUIRE_FALSE(nowhere.ok());
  CHECK(nowhere.err().message().find("has no scope \"middle\"")
        != std::string::npos);
  // A scope's stream folded as a scope the plan does not have: refused,
  // named by stream and sequence.
  recorded_orchestrator misnamed;
  misnamed.scope = "middle";
  auto begun_event = to_event(orchestrator_input{r.start});
  capnp::FlatArrayMessageReader reader(begun_event.words());
  auto folded = misnamed.fold("lead/middle", 1,
                              reader.getRoot<baton::schema::Event>(), 0);
  REQUIRE_FALSE(folded.ok());
  CHECK(folded.err().message()
        == "lead/middle@1: the recorded plan has no scope \"middle\" (no "
           "such top team)");
  CHECK(misnamed.engine == nullptr);
  // Restored as the whole plan's fold, it does not fit: refused, named.
  auto whole = recorded_orchestrator::restore(r.start, saved);
  REQUIRE_FALSE(whole.ok());
  CHECK(whole.err().message().find("not the plan's") != std::string::npos);
}

TEST_CASE("NEEDs between scopes that close a cycle are a deadlock the "
          "router breaks once, through the scope of the member asked for a "
          "stub, which reports it and asks as a cycle found there is",
          "[engine][orchestration][chain_router][deadlock]") {
  auto p = checked_plan(needs_text);
  chain_router router{p};
  // a1 (front) waits for b1 (back): no cycle yet.
  auto first = router.on(
    "front", 1, chain_need{"a1", "front", "db/schema.sql", "the schema"});
  REQUIRE(first.ok());
  REQUIRE(first->size() == 1);
  CHECK(first->front().scope == "back");
  // b1 waits for a1: the cycle, to a1's scope (a1 first by name), after
  // the NEED itself.
  auto second
    = router.on("back", 1, chain_need{"b1", "back", "web/routes.ts", "routes"});
  REQUIRE(second.ok());
  REQUIRE(second->size() == 2);
  CHECK(second->at(0).scope == "front");
  CHECK(std::holds_alternative<chain_need>(second->at(0).input));
  CHECK(second->at(1).scope == "front");
  auto* d = std::get_if<chain_deadlock>(&second->at(1).input);
  REQUIRE(d != nullptr);
  CHECK(d->members == std::vector<std::string>{"b1", "a1"});
  CHECK(d->stub_maker == "a1");
  CHECK(d->stub_for == "b1");
  CHECK(d->what == "web/routes.ts");
  CHECK(d->description
        == "b1 waits for a1 (need: web/routes.ts); a1 waits for b1 (need: "
           "db/schema.sql)");
  CHECK(second->at(1).number == second->at(0).number + 1);
  // The same NEED again: the cycle is not reported twice.
  auto again
    = router.on("back", 2, chain_need{"b1", "back", "web/routes.ts", "routes"});
  REQUIRE(again.ok());
  for (auto& x : *again)
    CHECK_FALSE(std::holds_alternative<chain_deadlock>(x.input));
  // a1's stub answers b1 through the router.
  auto stub = router.on(
    "front", 2, chain_contract{"a1", "ui", "stub: web/routes.ts", "", {"b1"}});
  REQUIRE(stub.ok());
  REQUIRE_FALSE(stub->empty());
  CHECK(stub->front().scope == "back");
  CHECK(router.open_needs().size() == 1); // a1's, still open

  // The scope told: a1's (front) reports the deadlock and asks a1 for the
  // stub, in the words a cycle found there gets; once.
  auto front = team_scope(p, "front");
  orchestrator scope{front};
  static_cast<void>(scope.on(run_begun{"p.toml", needs_text, "supervisor"}, 1));
  auto told = scope.on_chain(*d, 2);
  report_deadlock* found = nullptr;
  tell_agent* asked = nullptr;
  for (auto& x : told) {
    if (auto* r = std::get_if<report_deadlock>(&x))
      found = r;
    if (auto* t = std::get_if<tell_agent>(&x))
      asked = t;
  }
  REQUIRE(found != nullptr);
  CHECK(found->members == d->members);
  CHECK(found->stub_maker == "a1");
  REQUIRE(asked != nullptr);
  CHECK(asked->agent == "a1");
  CHECK(asked->text.starts_with("Deadlock: b1 waits for a1"));
  CHECK(asked->text.find("stub: web/routes.ts") != std::string::npos);
  CHECK(scope.on_chain(*d, 3).empty());
  // Another scope, whose agents the maker is not of, does nothing with it.
  orchestrator back{team_scope(p, "back")};
  static_cast<void>(back.on(run_begun{"p.toml", needs_text, "supervisor"}, 1));
  CHECK(back.on_chain(*d, 2).empty());
}
