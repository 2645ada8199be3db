#include "api/detail/status_of.hpp"

namespace baton::api::detail {

run_status status_of(const engine::run_view& v, uint64_t position) {
  run_status s;
  s.name = v.name;
  s.pattern = v.pattern;
  s.started = v.started;
  s.finished = v.finished;
  s.ok = v.ok;
  s.outcome = v.outcome;
  s.summary = v.summary;
  s.position = position;
  for (auto& a : v.agents())
    s.agents.push_back({a.name, a.role, a.state, a.task, a.progress,
                        a.last_line, a.restarts, a.exited, a.host});
  for (auto& t : v.tasks())
    s.tasks.push_back({t.id, t.title, t.agent, t.status, t.attempts,
                       t.evidence, t.reason, t.after});
  for (auto& a : v.approvals())
    s.approvals.push_back({a.id, a.agent, a.task, a.tool, a.subject,
                           a.policy, a.answer, a.by, a.why, a.at_us});
  return s;
}

} // namespace baton::api::detail
