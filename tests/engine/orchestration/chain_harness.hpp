// A supervisor chain driven two ways, for tests: one fold of the whole
// plan, or a fold per scope (team_scope) under a chain_router, messages
// passed in a deterministic order. The agents are scripted the same way in
// both, so what differs is only how the engine is cut.
#pragma once

#include <climits>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/orchestration/chain_router.hpp"
#include "engine/orchestration/team_scope.hpp"
#include "engine/record_version.hpp"
#include "tests/engine/orchestration/fold_inputs.hpp"

namespace baton::engine::test {

struct verdict {
  bool passed = false;
  std::string reason;
  friend bool operator==(const verdict&, const verdict&) = default;
};

/// How the scripted agents behave.
struct script {
  /// How many of each task's gates fail before one passes (INT_MAX: all).
  std::map<std::string, int> failing_gates;
  /// Tasks whose agent, once at work, says NEED for a resource (and waits
  /// for a CONTRACT before it reports DONE).
  std::map<std::string, std::string> needs;
  /// The whole plan, for who owns what.
  plan whole = {};
};

/// One fold and the agents it drives. An agent given a task (or a retry)
/// works on it and reports DONE at once, unless its task needs something:
/// then it says NEED and reports DONE when a CONTRACT reaches it. An agent
/// asked for what it owns publishes a CONTRACT at once. A task's gates fail
/// as the script says.
/// `Fold`: an orchestrator, or what wraps one with the same on() and
/// current_plan() (a test that records the streams).
template<class Fold>
struct basic_driven {
  /// `begun`: the run's start as recorded (its version and leads are this
  /// build's).
  basic_driven(plan p, const script& s, run_begun begun = {})
    : fold(std::move(p)), how(s) {
    // This version's records: a retry says what it retries (purpose).
    begun.version = record_version;
    // A chain's teams' supervision is their leads', as in today's runs.
    begun.leads = true;
    feed(fold.on(begun));
    for (auto& a : fold.current_plan().agents)
      feed(fold.on(idle(a.name)));
  }

  void feed(const std::vector<orchestrator_decision>& ds) {
    todo.insert(todo.end(), ds.begin(), ds.end());
  }

  /// Who owns `resource`, by the whole plan's table: the agent's script
  /// knows whose CONTRACT it waits for.
  std::string owner_of(const std::string& resource) const {
    return engine::owner_of(how.whole, resource);
  }

  void work_on(const std::string& agent, const std::string& task) {
    feed(fold.on(working(agent)));
    if (auto n = how.needs.find(task);
        n != how.needs.end()
        && !heard[agent].contains("CONTRACT from " + owner_of(n->second) + ": "
                                  + n->second + " ready")) {
      auto need = line(agent, protocol_kind::need, "for " + task);
      need.resource = n->second;
      waiting[agent] = task;
      feed(fold.on(need));
      return;
    }
    feed(fold.on(line(agent, protocol_kind::done, task, "1 passed")));
  }

  /// Until it waits for something outside (another scope, or nothing).
  void run() {
    while (!todo.empty()) {
      auto d = std::move(todo.front());
      todo.pop_front();
      if (auto* x = std::get_if<dispatch_task>(&d)) {
        dispatched.push_back(x->task);
        tasks_of[x->agent].insert(x->task);
        // A contract received between tasks is in the prompt.
        for (size_t at = x->prompt.find("CONTRACT from ");
             at != std::string::npos;
             at = x->prompt.find("CONTRACT from ", at + 1))
          heard[x->agent].insert(
            x->prompt.substr(at, x->prompt.find('\n', at) - at));
        work_on(x->agent, x->task);
      } else if (auto* x = std::get_if<tell_agent>(&d)) {
        if (x->purpose.kind == purpose_kind::need)
          heard[x->agent].insert(x->text);
        else if (x->purpose.kind == purpose_kind::contract)
          heard[x->agent].insert(x->text.substr(0, x->text.find('\n')));
        if (x->purpose.kind == purpose_kind::retry)
          work_on(x->agent, x->purpose.task);
        else if (x->purpose.kind == purpose_kind::need) {
          auto contract = line(x->agent, protocol_kind::contract,
                               x->purpose.what + " ready");
          contract.body = "the interface of " + x->purpose.what;
          feed(fold.on(contract));
        } else if (x->purpose.kind == purpose_kind::contract) {
          if (auto w = waiting.find(x->agent);
              w != waiting.end()
              && x->purpose.what == how.needs.at(w->second) + " ready") {
            auto task = w->second;
            waiting.erase(w);
            feed(
              fold.on(line(x->agent, protocol_kind::done, task, "1 passed")));
          }
        }
      } else if (auto* x = std::get_if<run_gate>(&d)) {
        auto f = how.failing_gates.find(x->task);
        auto fails = f == how.failing_gates.end() ? 0 : f->second;
        bool pass = gates[x->task]++ >= fails;
        feed(fold.on(gate_finished{x->task,
                                   x->attempt,
                                   pass,
                                   pass ? std::vector<std::string>{}
                                        : std::vector<std::string>{"1 failed"},
                                   {}}));
        feed(fold.on(idle(x->agent)));
      } else if (auto* x = std::get_if<task_settled>(&d)) {
        verdicts[x->task] = {x->passed, x->reason};
      } else if (auto* x = std::get_if<finish_run>(&d)) {
        finished = *x;
      }
    }
  }

  Fold fold;
  script how;
  std::deque<orchestrator_decision> todo;
  std::map<std::string, int> gates;
  std::vector<std::string> dispatched;
  std::map<std::string, verdict> verdicts;
  /// The tasks each agent was given.
  std::map<std::string, std::set<std::string>> tasks_of;
  /// What reached each agent from others: each NEED request typed into it,
  /// and the first line of each CONTRACT, told at work or found in a
  /// dispatch prompt between tasks. When a message lands depends on how
  /// far each scope got; what lands does not.
  std::map<std::string, std::set<std::string>> heard;
  /// Agents at work on a task that waits for a CONTRACT.
  std::map<std::string, std::string> waiting;
  std::optional<finish_run> finished;
};

using driven = basic_driven<orchestrator>;

/// The chain cut into scopes under a router: each scope runs until it
/// waits, then its reports go up and the router's deliveries down, until
/// nothing moves.
struct chain {
  chain(const plan& p, const script& s) : router(p) {
    for (auto& name : router.scopes())
      scopes[name] = std::make_unique<driven>(team_scope(p, name), s);
  }

  void run() {
    for (bool moved = true; moved; ++rounds) {
      moved = false;
      for (auto& name : router.scopes()) {
        auto& s = *scopes.at(name);
        s.run();
        for (auto& r : s.fold.take_reports()) {
          reports.push_back(r);
          auto routed = router.on(name, ++numbers[name], r);
          REQUIRE(routed.ok());
          for (auto& d : *routed) {
            auto& to = *scopes.at(d.scope);
            to.feed(to.fold.on_chain(d.input, 0));
            moved = true;
          }
        }
        moved = moved || !s.todo.empty();
      }
    }
  }

  chain_router router;
  std::map<std::string, std::unique_ptr<driven>> scopes;
  std::vector<chain_report> reports;
  /// The last report number of each scope.
  std::map<std::string, uint64_t> numbers;
  size_t rounds = 0;
};

// Teams front (a1 owns web/, a2) and back (b1 owns db/, b2); x, in no team,
// owns docs/ and has no task of its own, so its scope settles at once and
// must still answer. NEEDs cross the teams both ways and reach x; b1's
// CONTRACT, published during api, reaches a2, whose page comes after api.
inline constexpr const char* needs_text = R"(
[run]
name = "needs"
pattern = "supervisor"
[teams.front]
members = ["a1", "a2"]
[teams.back]
members = ["b1", "b2"]
[agents.x]
command = ["x"]
owns = ["docs/**"]
[agents.a1]
command = ["a"]
owns = ["web/**"]
[agents.a2]
command = ["a"]
[agents.b1]
command = ["b"]
owns = ["db/**"]
[agents.b2]
command = ["b"]
[[tasks]]
id = "ui"
agent = "a1"
prompt = "p"
[[tasks]]
id = "api"
agent = "b1"
prompt = "p"
[[tasks]]
id = "page"
agent = "a2"
prompt = "p"
after = ["api"]
[[tasks]]
id = "etl"
agent = "b2"
prompt = "p"
[[tasks]]
id = "cache"
agent = "a2"
prompt = "p"
)";

inline const script needs_script{{},
                                 {{"ui", "db/schema.sql"},
                                  {"api", "docs/api.md"},
                                  {"etl", "web/routes.ts"},
                                  {"cache", "vendor/lib.a"}}};

/// The first difference between what reached each agent under two ways
/// of driving a chain ("" when none), for a test's message.
inline std::string
first_difference(const std::map<std::string, std::set<std::string>>& a,
                 const std::map<std::string, std::set<std::string>>& b) {
  std::set<std::string> agents;
  for (auto& [name, texts] : a)
    agents.insert(name);
  for (auto& [name, texts] : b)
    agents.insert(name);
  static const std::set<std::string> none;
  for (auto& name : agents) {
    auto& x = a.contains(name) ? a.at(name) : none;
    auto& y = b.contains(name) ? b.at(name) : none;
    for (auto& t : x)
      if (!y.contains(t))
        return name + " only in the first: " + t;
    for (auto& t : y)
      if (!x.contains(t))
        return name + " only in the second: " + t;
  }
  return {};
}

/// Merged over a chain's scopes: `what` of each (an agent is in one).
template<class Map>
Map merged(const chain& c, Map driven::*what) {
  Map out;
  for (auto& [name, s] : c.scopes)
    for (auto& [agent, v] : (*s).*what)
      out[agent] = v;
  return out;
}

} // namespace baton::engine::test
