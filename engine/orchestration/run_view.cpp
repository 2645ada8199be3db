#include "engine/orchestration/run_view.hpp"

#include <cstdio>

#include "engine/plan/plan_parser.hpp"
#include "engine/purpose_event.hpp"
#include "engine/recorded_enums.hpp"

namespace baton::engine {

namespace {

/// A recorded kind's name: its value's when it reads as one, else the text
/// as recorded.
template<class E>
std::string shown(const std::optional<E>& v, capnp::Text::Reader t) {
  return v ? std::string{to_string(*v)} : std::string{t.cStr()};
}

std::string str(capnp::Text::Reader t) {
  return {t.cStr(), t.size()};
}

/// A state change's new state by name: the enum of runs of version 1, else
/// the text as recorded.
std::string state_name(schema::StateChanged::Reader s) {
  if (auto to = to_state(s))
    return std::string{detect::to_string(*to)};
  return str(s.getTo());
}

std::string seconds(uint64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%7.1fs", static_cast<double>(us) / 1e6);
  return buf;
}

std::string padded(std::string s, size_t width) {
  if (s.size() < width)
    s.append(width - s.size(), ' ');
  return s;
}

} // namespace

run_view_agent& run_view::agent(std::string_view name) {
  if (auto i = agent_index_.find(name); i != agent_index_.end())
    return agents_[i->second];
  agent_index_.emplace(std::string{name}, agents_.size());
  agents_.push_back({});
  agents_.back().name = std::string{name};
  return agents_.back();
}

run_view_task& run_view::task(std::string_view id) {
  if (auto i = task_index_.find(id); i != task_index_.end())
    return tasks_[i->second];
  task_index_.emplace(std::string{id}, tasks_.size());
  tasks_.push_back({});
  tasks_.back().id = std::string{id};
  return tasks_.back();
}

size_t run_view::tasks_passed() const {
  size_t n = 0;
  for (auto& t : tasks_)
    n += t.status == "passed";
  return n;
}

size_t run_view::tasks_failed() const {
  size_t n = 0;
  for (auto& t : tasks_)
    n += t.status == "failed";
  return n;
}

bool run_view::apply(std::string_view stream, uint64_t logical_time,
                     schema::Event::Reader e) {
  if (stream == "operator" && e.isOperatorCommand()) {
    // A task run again waits once more (its dispatch follows).
    auto c = e.getOperatorCommand();
    if (c.getAction() != schema::OperatorAction::RERUN_TASK)
      return false;
    for (auto& t : tasks_)
      if (t.id == str(c.getTask())) {
        t.status = "waiting";
        t.reason.clear();
        t.evidence.clear();
        return true;
      }
    return false;
  }
  if (stream.starts_with("host/") && e.isHostChanged()) {
    // An unreachable host's agents are unknown, not exited: they keep
    // running there.
    auto h = e.getHostChanged();
    auto host = str(h.getHost());
    auto state = host_state_of(h);
    bool changed = false;
    for (auto& a : agents_) {
      if (a.host != host || a.exited)
        continue;
      if (state == host_state::unreachable && a.state != "unknown") {
        a.state_before_unreachable = a.state;
        a.state = "unknown";
        changed = true;
      } else if (state == host_state::connected && a.state == "unknown") {
        a.state = a.state_before_unreachable;
        changed = true;
      }
    }
    return changed;
  }
  if (stream.starts_with("lead/") && e.isSupervisorActed()) {
    // A team's lead decided about its members (its own stream).
    recoveries_.push_back(describe_change(stream, logical_time, e)
                            .substr(seconds(logical_time).size() + 1));
    return true;
  }
  // A chain's lead runs its team on its stream (runStarted.chain): what it
  // records shows as the orchestrator's does, but its start and finish are
  // its team's, not the run's. (A lead without a chain records only
  // questions and supervisorActed.)
  bool lead = stream.starts_with("lead/");
  if (stream != "orchestrator" && !lead)
    return false;
  if (lead && (e.isRunStarted() || e.isRunFinished()))
    return false;
  now_ = std::max(now_, logical_time);
  switch (e.which()) {
    case schema::Event::RUN_STARTED: {
      auto r = e.getRunStarted();
      started = true;
      plan = str(r.getPlan());
      pattern = str(r.getPattern());
      // The plan's text names the team and the tasks, in order.
      if (auto p = parse_plan(str(r.getPlanText()), plan); p.ok()) {
        name = p->run.name;
        for (auto& a : p->agents) {
          agent(a.name).role = a.role;
          agent(a.name).host = a.host;
        }
        for (auto& t : p->tasks) {
          auto& v = task(t.id);
          v.title = t.title;
          v.agent = t.agent;
          v.after = t.after;
        }
      }
      return true;
    }
    case schema::Event::WORKER_REPORTED: {
      auto r = e.getWorkerReported();
      auto& a = agent(str(r.getAgent()));
      switch (r.which()) {
        case schema::WorkerReported::STATE:
          a.state = state_name(r.getState());
          a.since_us = logical_time;
          a.exited = a.state == "exited";
          return true;
        case schema::WorkerReported::PROTOCOL: {
          auto m = r.getProtocol();
          a.last_line = str(m.getLine());
          if (kind_of(m) == protocol::kind::progress)
            a.progress = std::to_string(m.getDone()) + "/"
                         + std::to_string(m.getTotal());
          return true;
        }
        case schema::WorkerReported::EXITED:
          a.exited = true;
          a.state = "exited";
          a.since_us = logical_time;
          return true;
        case schema::WorkerReported::STARTED: a.exited = false; return false;
      }
      return false;
    }
    case schema::Event::TASK_DISPATCHED: {
      auto d = e.getTaskDispatched();
      auto& t = task(str(d.getTask()));
      t.agent = str(d.getAgent());
      t.attempts = d.getAttempt();
      t.status = "dispatched";
      auto& a = agent(t.agent);
      a.task = t.id;
      a.progress.clear();
      return true;
    }
    case schema::Event::GATE_REQUESTED: {
      auto g = e.getGateRequested();
      auto& t = task(str(g.getTask()));
      t.status = "verifying";
      t.evidence = str(g.getEvidence());
      return true;
    }
    case schema::Event::GATE_FINISHED: {
      auto g = e.getGateFinished();
      auto& t = task(str(g.getTask()));
      if (!g.getPassed() && t.status == "verifying") {
        t.status = "dispatched";
        if (g.getReasons().size() > 0)
          t.reason = "gate failed: " + str(g.getReasons()[0]);
      }
      return true;
    }
    case schema::Event::AGENT_TOLD: {
      if (auto p = purpose_of(e.getAgentTold());
          p.kind == purpose_kind::retry)
        ++task(p.task).attempts;
      return false;
    }
    case schema::Event::AGENT_RESTARTED:
      ++agent(str(e.getAgentRestarted().getAgent())).restarts;
      return true;
    case schema::Event::TASK_SETTLED: {
      auto s = e.getTaskSettled();
      auto& t = task(str(s.getTask()));
      t.status = s.getPassed() ? "passed" : "failed";
      t.reason = str(s.getReason());
      for (auto& a : agents_)
        if (a.task == t.id)
          a.task.clear();
      return true;
    }
    case schema::Event::SCOPE_VIOLATION: {
      auto v = e.getScopeViolation();
      auto text = str(v.getAgent()) + " changed " + str(v.getPath())
                  + " during task " + str(v.getTask());
      if (v.getOwner().size() > 0)
        text += " (owned by " + str(v.getOwner()) + ")";
      violations_.push_back(text);
      return true;
    }
    case schema::Event::RUN_FINISHED: {
      auto f = e.getRunFinished();
      finished = true;
      ok = f.getOk();
      summary = str(f.getSummary());
      // A value the engine knows by its name; else the text as recorded.
      if (auto o = outcome_of(f))
        outcome = std::string{to_string(*o)};
      else
        outcome = str(f.getOutcome());
      skipped.clear();
      for (auto x : f.getSkipped())
        skipped.push_back(str(x));
      return true;
    }
    case schema::Event::TASK_ADDED:
      task(str(e.getTaskAdded().getTask()));
      return true;
    case schema::Event::TASK_ESCALATED:
    case schema::Event::DEADLOCK_FOUND:
    case schema::Event::TASK_DEGRADED:
    case schema::Event::SUPERVISOR_ACTED:
      recoveries_.push_back(describe_change("orchestrator", logical_time, e)
                              .substr(seconds(logical_time).size() + 1));
      return true;
    case schema::Event::LOCK_CHANGED:
      if (change_of(e.getLockChanged()) == lock_change::conflict)
        recoveries_.push_back(describe_change("orchestrator", logical_time, e)
                                .substr(seconds(logical_time).size() + 1));
      return false;
    case schema::Event::APPROVAL_REQUESTED: {
      auto r = e.getApprovalRequested();
      run_view_approval a;
      a.id = str(r.getId());
      a.agent = str(r.getAgent());
      a.task = str(r.getTask());
      a.tool = str(r.getTool());
      a.subject = str(r.getSubject());
      a.policy = str(r.getPolicy());
      a.at_us = logical_time;
      approvals_.push_back(std::move(a));
      return true;
    }
    case schema::Event::APPROVAL_DECIDED: {
      auto d = e.getApprovalDecided();
      auto id = str(d.getId());
      for (auto& a : approvals_)
        if (a.id == id) {
          a.answer = shown(answer_of(d), d.getAnswer());
          a.by = shown(by_of(d), d.getBy());
          a.why = str(d.getWhy());
        }
      return true;
    }
    default: return false;
  }
}

std::vector<run_view_approval> run_view::open_approvals() const {
  std::vector<run_view_approval> out;
  if (finished)
    return out;
  for (auto& a : approvals_)
    if (a.answer.empty())
      out.push_back(a);
  return out;
}

std::string describe_change(std::string_view stream, uint64_t logical_time,
                            schema::Event::Reader e) {
  auto at = seconds(logical_time) + " ";
  if (stream == "operator" && e.isOperatorCommand()) {
    auto c = e.getOperatorCommand();
    auto who = "operator " + str(c.getBy()) + " (" + str(c.getId()) + "): ";
    switch (c.getAction()) {
      case schema::OperatorAction::SEND:
        return at + who + "typed to " + str(c.getAgent()) + ": "
               + str(c.getText());
      case schema::OperatorAction::KEYS: return {}; // keystrokes: too many
      case schema::OperatorAction::ADD_TASK:
        return at + who + "added task " + str(c.getTask());
      case schema::OperatorAction::CANCEL_TASK:
        return at + who + "cancelled task " + str(c.getTask());
      case schema::OperatorAction::RERUN_TASK:
        return at + who + "ran task " + str(c.getTask()) + " again";
      case schema::OperatorAction::APPROVE:
        return at + who + answer_of(c) + " " + str(c.getApproval());
      case schema::OperatorAction::STOP:
        return at + who + "stop" + (c.getImmediate() ? " at once" : "");
    }
    return {};
  }
  // The orchestrator's stream, and what the teams' leads decided on theirs.
  if (stream != "orchestrator"
      && !(stream.starts_with("lead/") && e.isSupervisorActed()))
    return {};
  switch (e.which()) {
    case schema::Event::RUN_STARTED:
      return at + "run started: " + str(e.getRunStarted().getPlan()) + " ("
             + str(e.getRunStarted().getPattern()) + ")";
    case schema::Event::WORKER_REPORTED: {
      auto r = e.getWorkerReported();
      auto who = padded(str(r.getAgent()), 12) + " ";
      switch (r.which()) {
        case schema::WorkerReported::STATE:
          return at + who + state_name(r.getState());
        case schema::WorkerReported::PROTOCOL:
          return at + who + str(r.getProtocol().getLine());
        case schema::WorkerReported::EXITED:
          return at + who + "exited ("
                 + (r.getExited().getSignal() != 0
                      ? "signal " + std::to_string(r.getExited().getSignal())
                      : "status " + std::to_string(r.getExited().getExitCode()))
                 + ")";
        case schema::WorkerReported::STARTED: return at + who + "started";
      }
      return {};
    }
    case schema::Event::TASK_DISPATCHED: {
      auto d = e.getTaskDispatched();
      return at + "task " + str(d.getTask()) + " -> " + str(d.getAgent())
             + " (attempt " + std::to_string(d.getAttempt()) + ")";
    }
    case schema::Event::GATE_REQUESTED:
      return at + "task " + str(e.getGateRequested().getTask())
             + " verifying: " + str(e.getGateRequested().getEvidence());
    case schema::Event::GATE_FINISHED: {
      auto g = e.getGateFinished();
      if (g.getPassed())
        return {};
      std::string why;
      for (auto r : g.getReasons())
        why += (why.empty() ? "" : "; ") + str(r);
      return at + "task " + str(g.getTask()) + " gate failed: " + why;
    }
    case schema::Event::AGENT_TOLD: {
      auto t = e.getAgentTold();
      return at + "told " + str(t.getAgent()) + ": " + str(t.getWhy());
    }
    case schema::Event::AGENT_RESTARTED:
      return at + "restart " + str(e.getAgentRestarted().getAgent()) + ": "
             + str(e.getAgentRestarted().getWhy());
    case schema::Event::TASK_SETTLED: {
      auto s = e.getTaskSettled();
      return at + "task " + str(s.getTask())
             + (s.getPassed() ? " passed — " : " FAILED — ")
             + str(s.getReason());
    }
    case schema::Event::SCOPE_VIOLATION: {
      auto v = e.getScopeViolation();
      return at + "scope violation: " + str(v.getAgent()) + " changed "
             + str(v.getPath());
    }
    case schema::Event::STOP_REQUESTED:
      return at + "stop requested: " + str(e.getStopRequested().getReason());
    case schema::Event::RUN_FINISHED:
      return at + "run finished: " + str(e.getRunFinished().getSummary());
    case schema::Event::TASK_ESCALATED: {
      auto x = e.getTaskEscalated();
      return at + shown(trigger_of(x), x.getTrigger()) + " on task "
             + str(x.getTask()) + " (" + str(x.getAgent()) + "), escalation "
             + std::to_string(x.getCount()) + ": "
             + shown(step_of(x), x.getStep()) + " — " + str(x.getEvidence());
    }
    case schema::Event::TASK_ADDED: {
      auto x = e.getTaskAdded();
      return at + "task " + str(x.getTask()) + " added by " + str(x.getBy())
             + ": " + str(x.getTitle());
    }
    case schema::Event::DEADLOCK_FOUND: {
      auto x = e.getDeadlockFound();
      return at + "deadlock: " + str(x.getDescription()) + "; "
             + str(x.getStubMaker()) + " asked for a stub of "
             + str(x.getWhat()) + " for " + str(x.getStubFor());
    }
    case schema::Event::TASK_DEGRADED: {
      auto x = e.getTaskDegraded();
      auto into = str(x.getInto());
      return at + "task " + str(x.getTask()) + " "
             + shown(degrade_policy_of(x), x.getPolicy())
             + (into.empty() ? "" : " into " + into) + " — " + str(x.getWhy());
    }
    case schema::Event::SUPERVISOR_ACTED: {
      auto x = e.getSupervisorActed();
      return at + "supervisor of " + str(x.getTeam()) + " ("
             + shown(strategy_of(x), x.getStrategy()) + "): " + str(x.getWhy());
    }
    case schema::Event::LOCK_CHANGED: {
      auto x = e.getLockChanged();
      auto why = str(x.getWhy());
      return at + "lock " + str(x.getPath()) + " "
             + shown(change_of(x), x.getWhat()) + " (" + str(x.getAgent()) + ")"
             + (why.empty() ? "" : ": " + why);
    }
    case schema::Event::APPROVAL_REQUESTED: {
      auto x = e.getApprovalRequested();
      auto subject = str(x.getSubject());
      return at + "approval " + str(x.getId()) + " " + str(x.getAgent())
             + " asks " + str(x.getTool())
             + (subject.empty() ? "" : " " + subject) + " — policy: "
             + str(x.getPolicy());
    }
    case schema::Event::APPROVAL_DECIDED: {
      auto x = e.getApprovalDecided();
      return at + "approval " + str(x.getId()) + " "
             + shown(answer_of(x), x.getAnswer()) + " ("
             + shown(by_of(x), x.getBy()) + "): " + str(x.getWhy());
    }
    default: return {};
  }
}

} // namespace baton::engine
