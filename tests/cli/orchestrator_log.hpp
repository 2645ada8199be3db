// The orchestrator's stream of a run's log as decisions and inputs, for
// tests that assert on what a run decided (tests/cli).
#pragma once

#include <algorithm>

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/orchestration/orchestrator_event.hpp"
#include "storage/event_log.hpp"

namespace baton::test {

/// A decision or input of the orchestrator's stream, in order.
struct step {
  uint64_t position = 0;
  std::optional<engine::orchestrator_decision> decision;
  std::optional<engine::orchestrator_input> input;
};

inline std::vector<step> orchestrator_steps(const std::string& db) {
  storage::options opts;
  opts.read_only = true;
  auto log = storage::event_log::open(db, opts);
  REQUIRE(log.ok());
  auto events = (*log)->read("orchestrator");
  REQUIRE(events.ok());
  // The operator's commands are the orchestrator's inputs too.
  auto commands = (*log)->read("operator");
  REQUIRE(commands.ok());
  std::vector<step> out;
  for (auto* list : {&*events, &*commands})
    for (auto& e : *list)
      out.push_back({e.position(), engine::decision_from_event(e.event()),
                     engine::input_from_event(e.event())});
  std::sort(out.begin(), out.end(),
            [](auto& a, auto& b) { return a.position < b.position; });
  return out;
}

template<class T>
std::vector<T> decisions(const std::vector<step>& steps) {
  std::vector<T> out;
  for (auto& s : steps)
    if (s.decision)
      if (auto* x = std::get_if<T>(&*s.decision))
        out.push_back(*x);
  return out;
}

template<class T>
std::vector<T> inputs(const std::vector<step>& steps) {
  std::vector<T> out;
  for (auto& s : steps)
    if (s.input)
      if (auto* x = std::get_if<T>(&*s.input))
        out.push_back(*x);
  return out;
}

} // namespace baton::test
