// Leads of a supervisor chain (engine/orchestration/team_lead): each rule of
// the pure fold, the orchestrator asking its leads and carrying out their
// answers, and the same supervision as the one-fold orchestrator of runs
// recorded before leads.
#include <catch2/catch.hpp>

#include <map>

#include <capnp/serialize.h>

#include "engine/orchestration/orchestrator_event.hpp"
#include "engine/orchestration/team_lead.hpp"
#include "tests/engine/orchestration/fold_inputs.hpp"

using namespace baton::engine;
using namespace baton::engine::test;

namespace {

constexpr uint64_t s = 1'000'000;

/// front (f1, f2, f3 temporary) and, under it, data (d1, d2); "solo" in no
/// team.
const char* chain_plan = R"(
[run]
pattern = "supervisor"
[supervision]
strategy = "one_for_one"
intensity = 1
period = "60s"
[teams.front]
members = ["f1", "f2", "f3"]
strategy = "one_for_all"
intensity = 1
period = "60s"
[teams.data]
parent = "front"
members = ["d1", "d2"]
strategy = "rest_for_one"
intensity = 1
period = "60s"
[agents.f1]
preset = "sim"
[agents.f2]
preset = "sim"
[agents.f3]
preset = "sim"
restart = "temporary"
[agents.d1]
preset = "sim"
[agents.d2]
preset = "sim"
[agents.solo]
preset = "sim"
[[tasks]]
id = "t1"
prompt = "1"
agent = "f1"
[[tasks]]
id = "t2"
prompt = "2"
agent = "f2"
[[tasks]]
id = "t3"
prompt = "3"
agent = "f3"
[[tasks]]
id = "td1"
prompt = "d1"
agent = "d1"
[[tasks]]
id = "td2"
prompt = "d2"
agent = "d2"
[[tasks]]
id = "ts"
prompt = "s"
agent = "solo"
)";

const std::vector<std::string> everyone{"f1", "f2", "f3", "d1", "d2", "solo"};

void start_all(orchestrator& o, bool leads) {
  run_begun b;
  b.leads = leads;
  o.on(b, 0);
  for (auto& a : everyone) {
    REQUIRE(only<dispatch_task>(o.on(idle(a), 0)).size() == 1);
    o.on(working(a), 0);
  }
}

/// The orchestrator and its leads, wired as the actors wire them: every
/// question is applied by its lead at the same logical time, and its
/// answer comes back as the orchestrator's next input. Returns every
/// decision of the orchestrator, and keeps the leads' in `lead_decisions`.
struct chain {
  explicit chain(const plan& p) : o(p) {
    for (auto& t : p.teams)
      leads.emplace(t.name, team_lead{p, t.name, record_version});
  }

  std::vector<orchestrator_decision> on(const orchestrator_input& in,
                                        uint64_t now) {
    std::vector<orchestrator_decision> all;
    std::vector<orchestrator_input> queue{in};
    while (!queue.empty()) {
      auto next = queue.front();
      queue.erase(queue.begin());
      for (auto& d : o.on(next, now)) {
        if (auto* ask = std::get_if<ask_lead>(&d))
          if (auto answer = leads.at(ask->team).on(*ask, now)) {
            lead_decisions.push_back(*answer);
            queue.push_back(lead_reported{ask->ask, *answer});
          }
        all.push_back(d);
      }
    }
    return all;
  }

  orchestrator o;
  std::map<std::string, team_lead> leads;
  std::vector<supervise> lead_decisions;
};

} // namespace

TEST_CASE("lead: a team's spec is its members then its sub-teams, in plan "
          "order, and the orchestrator's holds the agents in no team and "
          "the top teams",
          "[engine][lead]") {
  auto p = checked_plan(chain_plan);
  auto front = team_supervisor_spec(p, "front");
  CHECK(front.strategy == restart_strategy::one_for_all);
  REQUIRE(front.children.size() == 4);
  CHECK(front.children[2].id == "f3");
  CHECK(front.children[2].restart == restart_type::temporary);
  CHECK(front.children[3].id == "team:data");
  auto root = team_supervisor_spec(p, "");
  REQUIRE(root.children.size() == 2);
  CHECK(root.children[0].id == "solo");
  CHECK(root.children[1].id == "team:front");
  CHECK(team_agents(p, "front")
        == std::vector<std::string>{"f1", "f2", "f3", "d1", "d2"});
  CHECK(team_agents(p, "data") == std::vector<std::string>{"d1", "d2"});
  CHECK(lead_stream("data") == "lead/data");
}

TEST_CASE("lead: decides on a member's exit with its team's strategy, and "
          "a reset forgets the restart history",
          "[engine][lead]") {
  auto p = checked_plan(chain_plan);
  team_lead lead{p, "data", record_version};
  auto first = lead.on({1, "data", "d1", 1}, 1 * s);
  REQUIRE(first);
  CHECK(first->team == "data");
  CHECK(first->agent == "d1");
  CHECK(first->strategy == restart_strategy::rest_for_one);
  CHECK(first->stop == std::vector<std::string>{"d2"});
  CHECK(first->start == std::vector<std::string>{"d1", "d2"});
  CHECK_FALSE(first->escalate);
  CHECK(lead.last_ask() == 1);
  // A second restart within the period exceeds intensity 1.
  auto second = lead.on({2, "data", "d2", 1}, 2 * s);
  REQUIRE(second);
  CHECK(second->escalate);
  // The parent restarted the team: a fresh supervisor, which restarts
  // again.
  CHECK_FALSE(lead.on({3, "data", "", 0, true}, 3 * s));
  auto third = lead.on({4, "data", "d2", 1}, 4 * s);
  REQUIRE(third);
  CHECK_FALSE(third->escalate);
  CHECK(third->start == std::vector<std::string>{"d2"});
}

TEST_CASE("lead: a temporary member is dropped, and says so in its record",
          "[engine][lead]") {
  auto p = checked_plan(chain_plan);
  team_lead lead{p, "front", record_version};
  auto a = lead.on({1, "front", "f3", 1}, 1 * s);
  REQUIRE(a);
  CHECK(a->removed == std::vector<std::string>{"f3"});
  CHECK(a->start.empty());
}

TEST_CASE("lead: the orchestrator asks a member's lead, records nothing of "
          "the team's supervision itself, and carries out the answer",
          "[engine][lead]") {
  auto p = checked_plan(chain_plan);
  orchestrator o{p};
  start_all(o, true);
  CHECK(o.leads());
  CHECK(o.lead_teams() == std::vector<std::string>{"data", "front"});
  auto ds = o.on(agent_exited{"d1", 1}, 5 * s);
  CHECK(only<supervise>(ds).empty());
  CHECK(only<restart_agent>(ds).empty());
  auto asks = only<ask_lead>(ds);
  REQUIRE(asks.size() == 1);
  CHECK(asks[0].team == "data");
  CHECK(asks[0].member == "d1");
  CHECK(asks[0].exit_code == 1);
  CHECK(o.pending_asks() == std::set<uint64_t>{asks[0].ask});

  team_lead lead{p, "data", record_version};
  auto answer = lead.on(asks[0], 5 * s);
  REQUIRE(answer);
  auto carried = o.on(lead_reported{asks[0].ask, *answer}, 5 * s);
  CHECK(only<supervise>(carried).empty());
  auto restarts = only<restart_agent>(carried);
  REQUIRE(restarts.size() == 2);
  CHECK(restarts[0].agent == "d1");
  CHECK(restarts[1].agent == "d2");
  CHECK(restarts[0].why.find("supervisor of data: d1 exited abnormally")
        != std::string::npos);
  CHECK(o.pending_asks().empty());
  // The same answer again (a lead started again gives it twice): nothing.
  CHECK(o.on(lead_reported{asks[0].ask, *answer}, 6 * s).empty());
  // d1 comes back and gets its task again, pointed at its checkpoint.
  o.on(agent_exited{"d2", 137}, 6 * s); // stopped on request: expected
  auto again = only<dispatch_task>(o.on(idle("d1"), 7 * s));
  REQUIRE(again.size() == 1);
  CHECK(again[0].task == "td1");
  CHECK(again[0].prompt.find(".baton/checkpoint.md") != std::string::npos);
}

TEST_CASE("lead: a sub-team past its intensity goes up the chain: its "
          "parent's lead decides, then the orchestrator's own supervisor",
          "[engine][lead]") {
  auto p = checked_plan(chain_plan);
  chain c{p};
  start_all(c.o, true);
  c.on(agent_exited{"d1", 1}, 1 * s);
  auto ds = c.on(agent_exited{"d1", 1}, 2 * s);
  // data escalated; front's lead was asked about team:data and restarted
  // its whole team (one_for_all), data afresh.
  REQUIRE(c.lead_decisions.size() == 3);
  CHECK(c.lead_decisions[1].team == "data");
  CHECK(c.lead_decisions[1].escalate);
  CHECK(c.lead_decisions[2].team == "front");
  CHECK(c.lead_decisions[2].agent == "team:data");
  CHECK_FALSE(c.lead_decisions[2].escalate);
  bool reset = false;
  for (auto& a : only<ask_lead>(ds))
    reset = reset || (a.team == "data" && a.reset);
  CHECK(reset);
  // Nothing of it on the orchestrator's own record.
  CHECK(only<supervise>(ds).empty());
  // front past its own intensity: the orchestrator's supervisor (over solo
  // and team:front) decides, on its own stream.
  for (auto& a : {"f1", "f2", "d2"})
    c.on(agent_exited{a, 137}, 2 * s); // stopped on request
  CHECK(c.lead_decisions.size() == 3); // expected exits: nothing to decide
  auto up = c.on(agent_exited{"f1", 1}, 3 * s);
  auto root = only<supervise>(up);
  REQUIRE(root.size() == 1);
  CHECK(root[0].team == "orchestrator");
  CHECK(root[0].agent == "team:front");
}

TEST_CASE("lead: the chain supervises as the one fold did (a run recorded "
          "before leads): the same restarts and verdicts, exit for exit",
          "[engine][lead]") {
  auto p = checked_plan(chain_plan);
  orchestrator flat{p};
  chain c{p};
  start_all(flat, false);
  start_all(c.o, true);
  // The same exits, with every restarted agent back at its prompt after.
  std::vector<std::pair<std::string, int>> exits{
    {"d2", 1}, {"d1", 1}, {"f2", 1}, {"f3", 1}, {"solo", 1},
    {"d1", 1}, {"f1", 1}, {"f1", 1}, {"solo", 1}};
  uint64_t now = 1 * s;
  size_t restarted = 0;
  for (auto& [agent, code] : exits) {
    auto a = flat.on(agent_exited{agent, code}, now);
    auto b = c.on(agent_exited{agent, code}, now);
    auto ra = only<restart_agent>(a);
    auto rb = only<restart_agent>(b);
    INFO(agent << " at " << now / s << " s");
    REQUIRE(ra.size() == rb.size());
    for (size_t i = 0; i < ra.size(); ++i)
      CHECK(ra[i] == rb[i]);
    CHECK(only<task_settled>(a) == only<task_settled>(b));
    restarted += ra.size();
    for (auto& r : ra) {
      // The others were alive: stopped to start afresh, they end.
      if (r.agent != agent) {
        flat.on(agent_exited{r.agent, 137}, now);
        c.on(agent_exited{r.agent, 137}, now);
      }
      CHECK(only<dispatch_task>(flat.on(idle(r.agent), now))
            == only<dispatch_task>(c.on(idle(r.agent), now)));
    }
    now += 1 * s;
  }
  // The scenario goes through restarts, a dropped member and escalations
  // up the chain, not only quiet exits.
  CHECK(restarted >= 8);
  size_t escalations = 0;
  for (auto& d : c.lead_decisions)
    escalations += d.escalate ? 1 : 0;
  CHECK(escalations >= 1);
  CHECK(flat.finished() == c.o.finished());
  for (auto& [id, t] : flat.tasks())
    CHECK(t.status == c.o.tasks().at(id).status);
}

TEST_CASE("lead: a seed saved at any record of its stream and restored folds "
          "the rest as the seed that folded it all, and decides alike",
          "[engine][lead][snapshot]") {
  auto p = checked_plan(chain_plan);
  // The stream of front's lead: questions, each followed by its answer,
  // but the last, decided and never recorded (the lead stopped between).
  std::vector<ask_lead> asks{{1, "front", "f1", 1},     {2, "front", "f3", 1},
                             {3, "front", "", 0, true}, {4, "front", "f2", 1},
                             {5, "front", "f1", 1},     {6, "front", "f2", 1}};
  std::vector<std::pair<baton::frame, uint64_t>> stream;
  team_lead decider{p, "front", record_version};
  for (auto& a : asks) {
    auto now = a.ask * s;
    stream.emplace_back(to_event(orchestrator_decision{a}, record_version),
                        now);
    auto answer = decider.on(a, now);
    if (answer && a.ask != asks.back().ask)
      stream.emplace_back(
        to_event(orchestrator_decision{*answer}, record_version), now);
  }
  auto fold = [&](lead_seed& seed, size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      capnp::FlatArrayMessageReader r{stream[i].first.words()};
      seed.fold(i + 1, r.getRoot<baton::schema::Event>(), stream[i].second);
    }
  };
  lead_seed whole{team_lead{p, "front", record_version}};
  fold(whole, 0, stream.size());
  REQUIRE(whole.answers.size() == 5); // the reset has no answer
  CHECK(whole.unrecorded == std::deque<uint64_t>{6});
  CHECK(whole.lead.current().stopped());
  CHECK(whole.lead.last_ask() == 6);

  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    INFO("saved after record " << cut);
    lead_seed part{team_lead{p, "front", record_version}};
    fold(part, 0, cut);
    CHECK(part.sequence == cut);
    auto saved = part.save();
    auto restored = lead_seed::restore(p, "front", record_version, saved);
    REQUIRE(restored);
    fold(*restored, cut, stream.size());
    CHECK(restored->answers == whole.answers);
    CHECK(restored->unrecorded == whole.unrecorded);
    CHECK(restored->lead.last_ask() == whole.lead.last_ask());
    CHECK(restored->lead.current().children()
          == whole.lead.current().children());
    CHECK(restored->lead.current().restarts()
          == whole.lead.current().restarts());
    CHECK(restored->lead.current().stopped() == whole.lead.current().stopped());
    // Saved again, the same bytes; and the next question decided alike.
    CHECK(restored->sequence == stream.size());
    CHECK(restored->save() == whole.save());
    ask_lead next{7, "front", "", 0, true};
    CHECK(restored->lead.on(next, 7 * s) == whole.lead.on(next, 7 * s));
    ask_lead after{8, "front", "f1", 1};
    CHECK(restored->lead.on(after, 8 * s) == whole.lead.on(after, 8 * s));
    whole = [&] {
      lead_seed again{team_lead{p, "front", record_version}};
      fold(again, 0, stream.size());
      return again;
    }();
  }
  // Another team's snapshot, or bytes that are none, are refused.
  CHECK_FALSE(lead_seed::restore(p, "data", record_version, whole.save()));
  CHECK_FALSE(lead_seed::restore(
    p, "front", record_version,
    to_event(orchestrator_decision{asks[0]}, record_version)));
}
