#include "engine/orchestration/orchestrator.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "engine/plan/plan_check.hpp"
#include "engine/protocol/evidence.hpp"

namespace baton::engine {

namespace {

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (auto& i : items) {
    if (!out.empty())
      out += sep;
    out += i;
  }
  return out;
}

} // namespace

orchestrator::orchestrator(plan p)
  : plan_(std::move(p)),
    board_(plan_),
    ladder_(plan_.run),
    coord_(plan_.run.lock_lease_s * 1'000'000),
    supervision_(plan_) {
  for (auto& a : plan_.agents) {
    agents_[a.name].name = a.name;
    plan_agents_[a.name] = &a;
  }
}

const plan_agent* orchestrator::plan_agent_of(std::string_view name) const {
  auto i = plan_agents_.find(name);
  return i == plan_agents_.end() ? nullptr : i->second;
}

std::vector<orchestrator_decision>
orchestrator::on(const orchestrator_input& in, uint64_t now_us) {
  decisions out;
  if (finished_)
    return out;
  now_ = now_us;
  std::visit(
    [this, &out](const auto& x) {
      using T = std::decay_t<decltype(x)>;
      if constexpr (std::is_same_v<T, run_begun>)
        on_begun(x, out);
      else if constexpr (std::is_same_v<T, agent_observed>)
        on_observed(x, out);
      else if constexpr (std::is_same_v<T, protocol_seen>)
        on_protocol(x, out);
      else if constexpr (std::is_same_v<T, gate_finished>)
        on_gate(x, out);
      else if constexpr (std::is_same_v<T, agent_exited>)
        on_exited(x, out);
      else if constexpr (std::is_same_v<T, stop_requested>)
        on_stop(x, out);
      else if constexpr (std::is_same_v<T, agent_active>)
        on_active(x, out);
      else if constexpr (std::is_same_v<T, lock_requested>)
        on_lock(x, out);
      else if constexpr (std::is_same_v<T, approval_answered>)
        on_answered(x, out);
      else if constexpr (std::is_same_v<T, operator_command>)
        on_operator(x, out);
      else if constexpr (std::is_same_v<T, lead_reported>)
        on_lead_reported(x, out);
      else
        on_time(out);
    },
    in);
  // A run of record version 0 recorded its messages without purposes: its
  // replay must derive the bytes it recorded.
  if (version_ == 0)
    for (auto& d : out)
      if (auto* t = std::get_if<tell_agent>(&d))
        t->purpose = {};
  return out;
}

// -- inputs ------------------------------------------------------------------

void orchestrator::on_begun(const run_begun& in, decisions& out) {
  if (begun_) {
    if (in.resumed)
      on_resumed(in, out);
    return;
  }
  begun_ = true;
  version_ = in.version;
  workspace_ = in.workspace;
  // A chain's scope is a part of a plan with teams, the scope of the
  // agents in no team included.
  if (in.leads && (!plan_.teams.empty() || plan_.scope))
    supervision_.hand_to_leads();
  board_.queue_all();
  for (auto& [name, a] : agents_)
    board_.may_be_free(name);
  // Agents that never take input must not hold their tasks for ever.
  if (plan_.run.task_timeout_s > 0)
    board_.arm_deadline(now_ + plan_.run.task_timeout_s * 1'000'000,
                        task_board::run_start);
  promote(out);
  dispatch_ready(out);
  maybe_finish(out);
  if (plan_.scope && board_.own_size() == 0)
    reports_.push_back(scope_settled{tally()});
}

void orchestrator::on_resumed(const run_begun& in, decisions& out) {
  // Questions to leads are moot: every agent starts again anyway.
  supervision_.forget_asks();
  // The engine was stopped and started again from its log: every agent's
  // process is new and knows nothing. Settled tasks stay settled; an
  // interrupted attempt is dispatched again, as the same attempt, with the
  // agent's checkpoint summary; a gate whose verdict was never recorded
  // runs again; open NEEDs are asked again.
  checkpoints_ = in.checkpoints;
  if (!in.workspace.empty())
    workspace_ = in.workspace;
  // Every agent is new: no prompt of before is still on a screen.
  desk_.clear();
  for (auto& [name, a] : agents_) {
    a.approval.clear();
    a.state = detect::state::starting;
    a.input_ready = false;
    a.reported_ready = false;
    a.ever_ready = false;
    a.unavailable = false;
    a.gone.clear();
    a.exited = false;
    board_.may_be_free(name);
  }
  for (auto* v : board_.views()) {
    if (v->status == task_status::dispatched) {
      if (auto a = agents_.find(v->agent); a != agents_.end())
        a->second.task.clear();
      v->interrupted = true;
      v->deadline_us = 0;
      board_.make_ready(board_.index_of(v->id));
    } else if (v->status == task_status::verifying) {
      out.push_back(run_gate{v->id, v->attempt, v->agent, v->evidence});
    }
  }
  for (auto& n : routing_.open_needs())
    if (!n.owner.empty()) // "": up the chain, asked there
      out.push_back(
        tell_agent{n.owner,
                   n.request,
                   "need from " + n.from,
                   {purpose_kind::need, {}, 0, n.from, n.resource}});
  if (plan_.run.task_timeout_s > 0)
    board_.arm_deadline(now_ + plan_.run.task_timeout_s * 1'000'000,
                        task_board::run_start);
  promote(out);
  dispatch_ready(out);
  maybe_finish(out);
}

void orchestrator::on_observed(const agent_observed& in, decisions& out) {
  auto a = agents_.find(in.agent);
  if (a == agents_.end())
    return;
  auto before = std::exchange(a->second.state, in.state);
  a->second.input_ready = in.input_ready;
  a->second.reported_ready = in.input_ready;
  approval_seen(a->second, before, in, out);
  watch_status(a->second, in);
  if (in.input_ready) {
    a->second.ever_ready = true;
    a->second.unavailable = false;
    a->second.gone.clear();
  }
  if (in.state != detect::state::exited)
    a->second.exited = false;
  board_.may_be_free(in.agent);
  if (begun_)
    dispatch_ready(out);
}

void orchestrator::on_protocol(const protocol_seen& in, decisions& out) {
  auto a = agents_.find(in.agent);
  if (a == agents_.end())
    return;
  auto* t = board_.find(a->second.task);
  if (t != nullptr) {
    t->last_line = in.line;
    t->need_pending = in.kind == protocol_kind::need;
    if (in.kind == protocol_kind::done || in.kind == protocol_kind::blocked
        || in.kind == protocol_kind::error) {
      // It said where it stands: nothing to ask.
      t->worked = false;
      t->status_due_us = 0;
    }
    // Any PROGRESS, BUILD or STATUS line is a sign of life.
    if (in.kind != protocol_kind::need && in.kind != protocol_kind::contract
        && in.kind != protocol_kind::task)
      note_progress(*t);
  }
  switch (in.kind) {
    case protocol_kind::done:
      if (t != nullptr && t->status == task_status::dispatched)
        on_done(*t, in, out);
      break;
    case protocol_kind::error:
      if (t != nullptr && t->status == task_status::dispatched) {
        if (note_failure(*t, in.text, out)) {
          finish_step(out);
          break;
        }
        on_error(*t, in.text, out);
      }
      break;
    case protocol_kind::blocked:
      // Held: a NEED line routes, the operator sees the rest; a reason
      // naming what another agent owns is a wait for it.
      on_blocked(in, out);
      break;
    case protocol_kind::progress:
      if (t != nullptr) {
        t->progress = std::to_string(in.done) + "/" + std::to_string(in.total);
        t->attempt_progress = std::max(t->attempt_progress, in.done);
      }
      break;
    case protocol_kind::build_pass:
      if (t != nullptr) {
        t->build = "pass";
        t->repeats = 0;
        t->last_failure.clear();
      }
      break;
    case protocol_kind::build_fail:
      if (t != nullptr) {
        t->build = "fail: " + in.text;
        if (t->status == task_status::dispatched
            && note_failure(*t, in.text, out))
          finish_step(out);
      }
      break;
    case protocol_kind::need: on_need(in, out); break;
    case protocol_kind::contract: on_contract(in, out); break;
    case protocol_kind::task: on_task_line(in, out); break;
  }
}

void orchestrator::on_gate(const gate_finished& in, decisions& out) {
  auto* found = board_.find(in.task);
  if (found == nullptr || found->status != task_status::verifying
      || found->attempt != in.attempt)
    return; // stale: an older attempt's gate
  auto& t = *found;
  check_scope(t, in.changed, out);
  if (plan_.run.pattern == plan_pattern::mesh)
    for (auto& path : in.changed)
      check_write(t.agent, path, out);
  if (in.passed) {
    settle(t, true, "gate passed: " + t.evidence, out);
  } else {
    t.status = task_status::dispatched;
    retry(t, "the gate failed: " + join(in.reasons, "; "), out);
  }
  promote(out);
  dispatch_ready(out);
  maybe_finish(out);
}

void orchestrator::on_exited(const agent_exited& in, decisions& out) {
  auto a = agents_.find(in.agent);
  if (a == agents_.end())
    return;
  a->second.exited = true;
  a->second.input_ready = false;
  a->second.state = detect::state::exited;
  withdraw_approval(a->second, detect::state::exited, out);
  // A dead agent's locks go to their next waiters.
  coord_.free_agent(in.agent, now_, board_, out);
  if (std::exchange(a->second.restarting, false)) {
    // The engine stopped it to start it afresh: its restart is under way
    // and its task waits for it.
    board_.may_be_free(in.agent);
    return;
  }
  if (supervise_exit(in.agent, in.exit_code, out)) {
    finish_step(out);
    return;
  }
  if (auto* open = board_.find(a->second.task);
      open != nullptr && !is_settled(open->status)) {
    auto& t = *open;
    auto why = "agent " + in.agent + " exited with status "
               + std::to_string(in.exit_code) + " during attempt "
               + std::to_string(t.attempt);
    a->second.task.clear();
    if (t.attempt < t.max_attempts) {
      board_.make_ready(board_.index_of(t.id));
      out.push_back(restart_agent{in.agent, why});
    } else {
      fail_task(t, why + "; no attempts left", out);
    }
  } else {
    // It exited between tasks (or before its first: a command that is not
    // there, an agent CLI that cannot log in) and no supervisor restarts
    // it: what waits for it can never start, and fails now rather than
    // wait for ever.
    a->second.unavailable = true;
    a->second.gone = "never started: agent " + in.agent
                     + " exited with status "
                     + std::to_string(in.exit_code)
                     + " while it had no task, and no supervisor restarts "
                       "it ([teams] or [supervision] would)";
    for (auto j : board_.ready_for(in.agent))
      fail_task(board_.view(j), a->second.gone, out);
  }
  promote(out);
  dispatch_ready(out);
  maybe_finish(out);
}

void orchestrator::on_stop(const stop_requested& in, decisions& out) {
  if (!begun_)
    begun_ = true;
  for (auto& [id, t] : board_.tasks())
    if (!is_settled(t.status))
      settle(t, false, "stopped before it finished (" + in.reason + ")", out);
  maybe_finish(out);
}

void orchestrator::arm_deadline(task_view& t) {
  // The goal takes as long as the run: its orchestrator waits on the tasks
  // it gave, each with its own time limit.
  if (plan_.run.task_timeout_s == 0
      || (!plan_.orchestrator.empty() && t.agent == plan_.orchestrator))
    return;
  t.deadline_us = now_ + plan_.run.task_timeout_s * 1'000'000;
  board_.arm_deadline(t.deadline_us, board_.index_of(t.id));
}

uint64_t orchestrator::next_deadline() const {
  uint64_t next = board_.next_deadline();
  if (auto l = coord_.next_expiry(); l != 0 && (next == 0 || l < next))
    next = l;
  for (uint64_t d :
       {desk_.next_deadline(),
        ladder_.next_deadline()})
    if (d != 0 && (next == 0 || d < next))
      next = d;
  return next;
}

void orchestrator::on_time(decisions& out) {
  coord_.expire(now_, board_, out);
  approvals_due(out);
  statuses_due(out);
  check_stalls(out);
  while (auto due = board_.take_due(now_)) {
    auto [deadline, i] = *due;
    if (i == task_board::run_start) {
      start_deadline_passed(out);
      continue;
    }
    auto& t = board_.view(i);
    if (t.status != task_status::dispatched || t.deadline_us != deadline)
      continue; // reported in time, or a later attempt
    t.deadline_us = 0;
    retry(t,
          "no STATUS line within the task's time limit of "
            + std::to_string(plan_.run.task_timeout_s)
            + " s; report where you are, or STATUS: BLOCKED with what you "
              "need",
          out);
  }
  promote(out);
  dispatch_ready(out);
  maybe_finish(out);
}

std::string orchestrator::never_ready(const agent_view& a) const {
  if (!a.gone.empty())
    return a.gone;
  return "never started: agent " + a.name
         + " did not become ready to take input within "
         + std::to_string(plan_.run.task_timeout_s)
         + " s of the run's start (its state: "
         + std::string{detect::to_string(a.state)} + ")";
}

void orchestrator::start_deadline_passed(decisions& out) {
  for (auto& [name, a] : agents_) {
    if (a.ever_ready || a.exited)
      continue;
    a.unavailable = true;
    for (auto i : board_.ready_for(name))
      fail_task(board_.view(i), never_ready(a), out);
  }
}

void orchestrator::check_scope(const task_view& t,
                               const std::vector<std::string>& changed,
                               decisions& out) {
  auto* a = plan_agent_of(t.agent);
  if (a == nullptr)
    return;
  for (auto& path : changed) {
    bool mine = std::any_of(a->owns.begin(), a->owns.end(),
                            [&](auto& g) { return globs_overlap(g, path); });
    if (mine)
      continue;
    auto owner = owner_of(plan_, path);
    // With no ownership declared anywhere for the path, and none for the
    // agent, any file is in scope.
    if (owner.empty() && a->owns.empty())
      continue;
    out.push_back(report_violation{t.agent, t.id, path, owner});
    if (!owner.empty())
      out.push_back(tell_agent{
        owner,
        t.agent + " changed " + path + " during task " + t.id
          + ", but you own it. Review the change and keep or redo it; "
            "publish the result with a CONTRACT: line.",
        "scope violation by " + t.agent,
        {purpose_kind::scope, t.id, t.attempt, t.agent, path}});
  }
}

// -- protocol reactions ------------------------------------------------------

void orchestrator::on_done(task_view& t, const protocol_seen& in,
                           decisions& out) {
  // Evidence is what the line states, not its punctuation: without
  // " + <evidence>", a line that states something checkable is its own
  // evidence ("Built REST API with 6 endpoints, all tests pass (23/23)"),
  // its checkable statements recorded.
  auto judged = protocol::judge_done(in.text, in.evidence);
  if (!judged.checkable) {
    retry(t,
          "your STATUS: DONE states no evidence (\"" + in.text
            + "\"): say what shows it is done — test counts (12 passed), "
              "the files written, a command and its result, a port",
          out);
    promote(out);
    dispatch_ready(out);
    maybe_finish(out);
    return;
  }
  t.status = task_status::verifying;
  t.evidence = judged.text;
  out.push_back(run_gate{t.id, t.attempt, t.agent, std::move(judged.text)});
}

void orchestrator::on_error(task_view& t, const std::string& why,
                            decisions& out) {
  retry(t,
        "you reported an error (" + why
          + "); try again, following "
            "your suggested fix",
        out);
  promote(out);
  dispatch_ready(out);
  maybe_finish(out);
}

void orchestrator::on_need(const protocol_seen& in, decisions& out) {
  auto owner = owner_of(plan_, in.resource);
  if (owner.empty() && plan_.scope) {
    // Nobody here owns it: up the chain, to the owner's scope if it has
    // one. The agent waits for an answer meanwhile.
    routing_.need({}, in.agent, {}, in.resource);
    reports_.push_back(chain_need{in.agent, supervision_.team_of(in.agent),
                                  in.resource, in.text});
    return;
  }
  if (owner.empty() || owner == in.agent)
    return; // nobody to ask: held for the operator
  route_need(owner, in.agent, supervision_.team_of(in.agent), in.resource,
             in.text, out);
}

void orchestrator::route_need(const std::string& owner, const std::string& from,
                              const std::string& from_team,
                              const std::string& resource,
                              const std::string& text, decisions& out) {
  // Not starting with "NEED:": the owner's screen echoes what is typed, and
  // that echo must not read as the owner's own NEED.
  auto request = from + " needs " + resource + ": " + text
                 + "\nWhen it is ready, publish it with a CONTRACT: line "
                   "(title, then the interface, then a blank line).";
  // Between teams of a supervisor chain the request is labelled with its
  // route. Runs recorded before leads named the leads it went through; with
  // leads as actors it names the teams, since it is the orchestrator, by the
  // ownership table, that routes it (the leads decide their teams'
  // supervision, and do not see it). A chain's scope names the teams too.
  auto why = "need from " + from;
  if (auto to = supervision_.team_of(owner);
      supervision_.declared() && from_team != to) {
    if (supervision_.leads() || plan_.scope) {
      auto name = [](const std::string& t) {
        return t.empty() ? std::string{"no team"} : "team " + t;
      };
      why += ", " + name(from_team) + " -> " + name(to);
      request
        = "(From " + name(from_team) + " to " + name(to) + ".) " + request;
    } else {
      auto lead = [](const std::string& t) {
        return t.empty() ? std::string{"orchestrator"} : "lead " + t;
      };
      auto route = lead(from_team) + " -> " + lead(to);
      why += " via " + route;
      request = "(Routed " + route + ".) " + request;
    }
  }
  routing_.need(owner, from, request, resource);
  out.push_back(tell_agent{owner,
                           std::move(request),
                           why,
                           {purpose_kind::need, {}, 0, from, resource}});
  coord_.add_wait({from, owner, wait_kind::need, resource}, board_, out);
}

void orchestrator::on_contract(const protocol_seen& in, decisions& out) {
  std::set<std::string> to;
  std::string task;
  if (auto sender = agents_.find(in.agent); sender != agents_.end())
    task = sender->second.task;
  if (!task.empty())
    for (auto i : board_.dependents(board_.index_of(task)))
      if (auto& v = board_.view(i); !v.agent.empty())
        to.insert(v.agent);
  std::vector<std::string> elsewhere;
  for (auto& w : routing_.answered_by(in.agent)) {
    // A waiter not among this scope's agents asked from another scope.
    if (plan_.scope && !agents_.contains(w))
      elsewhere.push_back(w);
    else
      to.insert(w);
    coord_.remove_wait(w, in.agent, wait_kind::need);
    coord_.remove_wait(w, in.agent, wait_kind::blocked);
  }
  to.erase(in.agent);
  deliver_contract(in.agent, in.text, in.body, to, out);
  auto told = out.size();
  coord_.contract_from(in.agent, in.text, out);
  // In a chain's scope, a stub's user in another scope (a deadlock across
  // teams) hears of the real one through the router: the CONTRACT itself.
  if (plan_.scope)
    for (auto i = told; i < out.size();) {
      auto* t = std::get_if<tell_agent>(&out[i]);
      if (t == nullptr || agents_.contains(t->agent)) {
        ++i;
        continue;
      }
      elsewhere.push_back(t->agent);
      out.erase(out.begin() + static_cast<std::ptrdiff_t>(i));
    }
  // Other scopes' tasks may come after the sender's: the router knows.
  if (plan_.scope && (!task.empty() || !elsewhere.empty()))
    reports_.push_back(
      chain_contract{in.agent, task, in.text, in.body, std::move(elsewhere)});
}

void orchestrator::deliver_contract(const std::string& from,
                                    const std::string& title,
                                    const std::string& body,
                                    const std::set<std::string>& to,
                                    decisions& out) {
  auto text = "CONTRACT from " + from + ": " + title + "\n" + body;
  for (auto& r : to) {
    routing_.deliver(r, text);
    // An agent at work is told now; one without a task finds the contract
    // in its next dispatch prompt rather than taking it for a task.
    if (auto a = agents_.find(r); a != agents_.end() && !a->second.task.empty())
      out.push_back(tell_agent{r,
                               text,
                               "contract from " + from,
                               {purpose_kind::contract, {}, 0, from, title}});
  }
}

// -- between a supervisor chain's scopes -------------------------------------

std::vector<orchestrator_decision> orchestrator::on_chain(const chain_input& in,
                                                          uint64_t now_us) {
  decisions out;
  if (finished_ || !plan_.scope)
    return out; // a whole plan's fold is told nothing from above
  now_ = now_us;
  std::visit(
    [this, &out](const auto& x) {
      using T = std::decay_t<decltype(x)>;
      if constexpr (std::is_same_v<T, chain_verdict>) {
        auto* v = board_.find(x.task);
        if (v == nullptr || !board_.external(board_.index_of(x.task))
            || is_settled(v->status))
          return;
        v->reason = x.reason;
        v->degraded = x.degraded;
        board_.settle(board_.index_of(x.task), x.passed);
        finish_step(out);
      } else if constexpr (std::is_same_v<T, chain_need>) {
        auto owner = owner_of(plan_, x.resource);
        if (!owner.empty() && owner != x.from)
          route_need(owner, x.from, x.from_team, x.resource, x.text, out);
      } else if constexpr (std::is_same_v<T, chain_contract>) {
        on_chain_contract(x, out);
      } else if constexpr (std::is_same_v<T, need_held>) {
        routing_.answered({}, x.from);
      } else if constexpr (std::is_same_v<T, chain_deadlock>) {
        if (agents_.contains(x.stub_maker))
          coord_.break_deadlock(
            {x.members, x.description, x.stub_maker, x.stub_for, x.what}, out);
      } else {
        if (!begun_ || !board_.all_settled())
          return; // the router ends a chain only when every scope settled
        finished_ = true;
        out.push_back(finish_of(tally()));
      }
    },
    in);
  return out;
}

void orchestrator::on_chain_contract(const chain_contract& in, decisions& out) {
  std::set<std::string> to;
  if (auto* stub = board_.find(in.task);
      stub != nullptr && board_.external(board_.index_of(in.task)))
    for (auto i : board_.dependents(board_.index_of(in.task)))
      if (auto& v = board_.view(i); !v.agent.empty())
        to.insert(v.agent);
  for (auto& w : in.waiters)
    if (agents_.contains(w)) {
      to.insert(w);
      routing_.answered({}, w);
    }
  to.erase(in.from);
  deliver_contract(in.from, in.title, in.body, to, out);
}

std::vector<chain_report> orchestrator::take_reports() {
  for (auto& r : reports_)
    if (auto* v = std::get_if<chain_verdict>(&r))
      if (auto* t = board_.find(v->task)) {
        v->passed = t->status == task_status::passed;
        v->reason = t->reason;
        v->degraded = t->degraded;
      }
  return std::exchange(reports_, {});
}

// -- task lifecycle ----------------------------------------------------------

void orchestrator::settle(task_view& t, bool passed, std::string reason,
                          decisions& out) {
  auto i = board_.index_of(t.id);
  board_.settle(i, passed);
  t.reason = std::move(reason);
  if (auto a = agents_.find(t.agent);
      a != agents_.end() && a->second.task == t.id) {
    a->second.task.clear();
    a->second.input_ready = a->second.reported_ready && !a->second.exited;
    board_.may_be_free(a->first);
  }
  if (!t.agent.empty())
    end_waits(t.agent, t.id);
  out.push_back(task_settled{t.id, passed, t.reason});
  if (plan_.scope)
    reports_.push_back(chain_verdict{t.id});
}

void orchestrator::retry(task_view& t, const std::string& guidance,
                         decisions& out) {
  if (t.attempt >= t.max_attempts) {
    if (reassign(t, guidance, out))
      return;
    fail_task(t, guidance + "; no attempts left", out);
    return;
  }
  t.history.push_back("attempt " + std::to_string(t.attempt) + " by "
                      + t.agent + ": " + guidance);
  if (progress_stuck(t, out))
    return;
  ++t.attempt;
  arm_deadline(t);
  out.push_back(tell_agent{t.agent,
                           "Attempt " + std::to_string(t.attempt) + " of "
                             + std::to_string(t.max_attempts) + " for task "
                             + t.id + ": " + guidance
                             + ". Fix it, then report STATUS again.",
                           "retry of task " + t.id,
                           {purpose_kind::retry, t.id, t.attempt}});
}

bool orchestrator::reassign(task_view& t, const std::string& guidance,
                            decisions& out) {
  auto i = board_.index_of(t.id);
  auto& pt = plan_.tasks[i];
  if (!pt.agent.empty())
    return false; // the plan names its agent
  t.tried.push_back(t.agent);
  bool other
    = std::any_of(plan_.agents.begin(), plan_.agents.end(), [&](auto& a) {
        return capable(a, pt)
               && std::find(t.tried.begin(), t.tried.end(), a.name)
                    == t.tried.end();
      });
  if (!other)
    return false;
  // Out of attempts with this agent: another capable one starts afresh.
  auto from = t.agent;
  if (auto a = agents_.find(from);
      a != agents_.end() && a->second.task == t.id) {
    a->second.task.clear();
    a->second.input_ready = a->second.reported_ready && !a->second.exited;
    board_.may_be_free(from);
  }
  out.push_back(tell_agent{from,
                           "Task " + t.id + " goes to another agent after "
                             + std::to_string(t.attempt) + " attempts ("
                             + guidance + "). Stop working on it.",
                           "reassign of task " + t.id,
                           {purpose_kind::withdrawn, t.id, t.attempt}});
  t.agent.clear();
  t.attempt = 0;
  // Another agent: a failure it repeats is its own (the ladder's rungs
  // stay).
  t.repeats = 0;
  t.last_failure.clear();
  t.status = task_status::waiting;
  board_.make_ready(i);
  return true;
}

bool orchestrator::capable(const plan_agent& a, const plan_task& pt) const {
  return can_do(a, pt.requires_caps);
}

bool orchestrator::dependencies_passed(const plan_task& t) const {
  if (plan_.run.pattern == plan_pattern::mesh)
    return true; // agents coordinate through the shared folder
  return std::all_of(t.after.begin(), t.after.end(), [this](auto& d) {
    auto* v = board_.find(d);
    return v != nullptr && v->status == task_status::passed;
  });
}

bool orchestrator::dependency_failed(const plan_task& t,
                                     std::string& which) const {
  if (plan_.run.pattern == plan_pattern::mesh)
    return false;
  for (auto& d : t.after)
    if (auto* v = board_.find(d);
        v != nullptr && v->status == task_status::failed) {
      which = d;
      return true;
    }
  return false;
}

void orchestrator::promote(decisions& out) {
  bool pipeline = plan_.run.pattern == plan_pattern::pipeline;
  bool stage_failed = board_.advance_stages(plan_);
  auto stage = board_.stage();
  // In plan order; settling a task adds its dependents.
  while (auto next = board_.next_queued()) {
    auto i = *next;
    auto& pt = plan_.tasks[i];
    auto& v = board_.view(i);
    if (v.status != task_status::waiting || pt.external)
      continue; // a stub waits for its own scope's verdict
    std::string which;
    if (dependency_failed(pt, which)) {
      // Shipped without its dependency: shipped without it too.
      if (board_.at(which).degraded == degrade_policy::ship_without)
        v.degraded = degrade_policy::ship_without;
      settle(v, false, "never started: dependency " + which + " failed", out);
      continue;
    }
    if (pipeline) {
      auto mine = board_.stage_of(i);
      if (stage_failed && mine != task_board::no_stage && mine > stage) {
        settle(v, false,
               "never started: stage " + plan_.stages[stage].name + " failed",
               out);
        continue;
      }
      if (mine != stage)
        continue;
    }
    if (dependencies_passed(pt)) {
      if (auto a = agents_.find(v.agent);
          a != agents_.end() && a->second.unavailable) {
        settle(v, false, never_ready(a->second), out);
        continue;
      }
      board_.make_ready(i);
    }
  }
}

bool orchestrator::can_take(const agent_view& a, const plan_task& pt) const {
  // A process the engine is replacing takes nothing: what is typed into
  // it now would be lost.
  if (a.exited || a.restarting || !a.input_ready || !a.task.empty()
      || supervision_.stopped(a.name))
    return false;
  // The orchestrator agent takes its goal, and nothing a capability picks.
  if (a.name == plan_.orchestrator && pt.agent != a.name)
    return false;
  auto* pa = plan_agent_of(a.name);
  return pa != nullptr && capable(*pa, pt);
}

void orchestrator::dispatch_ready(decisions& out) {
  // Candidates, in plan order: every task any capable agent may take, and
  // the first ready task of each agent that may have become free.
  for (auto i : board_.candidates()) {
    auto& pt = plan_.tasks[i];
    auto& v = board_.view(i);
    if (v.status != task_status::ready)
      continue;
    agent_view* chosen = nullptr;
    if (!v.agent.empty()) {
      // The plan names the agent, or a retry stays with it.
      if (auto a = agents_.find(v.agent);
          a != agents_.end() && can_take(a->second, pt))
        chosen = &a->second;
    } else {
      for (auto& [name, a] : agents_)
        if (can_take(a, pt)
            && std::find(v.tried.begin(), v.tried.end(), name)
                 == v.tried.end()) {
          chosen = &a;
          break;
        }
    }
    if (chosen == nullptr)
      continue;
    board_.unready(i);
    v.agent = chosen->name;
    v.status = task_status::dispatched;
    // An interrupted attempt is continued by a new process of the agent;
    // a re-dispatch after a loop or a stall is the same attempt, started
    // over with what failed.
    bool resumed = std::exchange(v.interrupted, false);
    bool again = std::exchange(v.redispatch, false);
    auto restarted = std::exchange(v.restarted, std::string{});
    if (!resumed && !again && restarted.empty()
        && (v.attempt == 0 || v.attempt < v.max_attempts))
      ++v.attempt;
    if (v.attempt == 0)
      v.attempt = 1;
    auto prompt = prompt_for(pt, v);
    if (!restarted.empty())
      prompt += "\n\nYour process was restarted by its supervisor ("
                + restarted
                + ") while you worked on this task (attempt "
                + std::to_string(v.attempt)
                + "). Where you were is in .baton/checkpoint.md (completed "
                  "steps, files modified, build); check your directory and "
                  "go on from there.";
    if (again) {
      prompt += "\n\nThis task was started before and went nowhere. What "
                "was tried and failed:\n";
      for (auto& h : v.history)
        prompt += "- " + h + "\n";
      prompt += "Do not repeat it: take a different approach.";
    }
    if (plan_.run.pattern == plan_pattern::swarm)
      prompt = "You took this task from the board (state/tasks.json).\n\n"
               + prompt;
    if (resumed) {
      prompt += "\n\nThe engine restarted while you worked on this task "
                "(attempt "
                + std::to_string(v.attempt) + " of "
                + std::to_string(v.max_attempts)
                + "). Check what is already done in your directory and go "
                  "on from there.";
      if (auto c = checkpoints_.find(v.agent); c != checkpoints_.end())
        prompt += "\n" + c->second;
    }
    chosen->task = v.id;
    chosen->input_ready = false; // it is about to be typed into
    v.worked = false;
    v.status_due_us = 0;
    v.status_asks = 0;
    coord_.task_started(chosen->name);
    arm_deadline(v);
    arm_stall(v);
    wait_on_dependents(v, out);
    out.push_back(
      dispatch_task{v.id, v.agent, v.attempt, std::move(prompt)});
  }
}

void orchestrator::maybe_finish(decisions& out) {
  if (!begun_ || finished_ || !board_.all_settled())
    return;
  // A chain's scope goes on until the router ends the chain: its agents
  // may still be asked for contracts. It says so once per input that
  // settled one of its tasks (the last, or one run again by the operator);
  // a scope without tasks, when it begins.
  if (plan_.scope) {
    bool settled_now = false;
    for (auto& r : reports_) {
      if (auto* s = std::get_if<scope_settled>(&r)) {
        s->tally = tally(); // said already in this input: the latest
        return;
      }
      settled_now = settled_now || std::holds_alternative<chain_verdict>(r);
    }
    if (settled_now)
      reports_.push_back(scope_settled{tally()});
    return;
  }
  finished_ = true;
  out.push_back(finish_of(tally()));
}

run_tally orchestrator::tally() const {
  run_tally out;
  for (auto& [id, t] : board_.tasks()) {
    if (board_.external(board_.index_of(id)))
      continue;
    ++out.total;
    if (t.status == task_status::passed)
      ++out.passed;
    else if (!is_settled(t.status))
      continue;
    else if (t.degraded == degrade_policy::ship_without)
      out.skipped.push_back(id + " (" + t.reason + ")");
    else if (t.degraded == degrade_policy::by_operator)
      out.operator_left.push_back(id + " (" + t.reason + ")");
    else
      out.failed.push_back(id + " (" + t.reason + ")");
  }
  // A stub that broke a deadlock is shipped as a stub until replaced.
  out.stubs = coord_.unreplaced_stubs();
  return out;
}

finish_run finish_of(run_tally t) {
  auto summary = std::to_string(t.passed) + "/" + std::to_string(t.total)
                 + " tasks passed";
  if (!t.failed.empty())
    summary += "; failed: " + join(t.failed, ", ");
  if (!t.skipped.empty())
    summary += "; shipped without: " + join(t.skipped, ", ");
  if (!t.operator_left.empty())
    summary += "; left for the operator: " + join(t.operator_left, ", ");
  if (!t.stubs.empty())
    summary += "; stubs not replaced: " + join(t.stubs, ", ");
  // Ship something > ship everything > ship nothing: a run that shipped
  // without some tasks under the plan's policy is reduced, not failed.
  auto outcome = run_outcome::complete;
  if (!t.failed.empty() || (t.passed == 0 && t.total > 0))
    outcome = run_outcome::failed;
  else if (!t.operator_left.empty())
    outcome = run_outcome::by_operator;
  else if (!t.skipped.empty())
    outcome = run_outcome::reduced;
  return finish_run{outcome == run_outcome::complete, std::move(summary),
                    std::move(t.skipped), outcome};
}

// -- waits between agents and the mesh's locks --------------------------------

void orchestrator::end_waits(const std::string& agent,
                             const std::string& task) {
  coord_.end_waits_of(agent);
  if (board_.find(task) != nullptr)
    for (auto d : board_.dependents(board_.index_of(task)))
      if (auto& v = board_.view(d); !v.agent.empty())
        coord_.remove_wait(v.agent, agent, wait_kind::dependency);
}

void orchestrator::wait_on_dependents(const task_view& t, decisions& out) {
  for (auto d : board_.dependents(board_.index_of(t.id))) {
    auto& v = board_.view(d);
    if (v.agent.empty() || v.agent == t.agent
        || v.status != task_status::waiting)
      continue;
    coord_.add_wait({v.agent, t.agent, wait_kind::dependency,
                     "task " + t.id + " (before its task " + v.id + ")"},
                    board_, out);
  }
}

void orchestrator::on_blocked(const protocol_seen& in, decisions& out) {
  for (auto& path : paths_named(in.text)) {
    auto owner = owner_of(plan_, path);
    if (!owner.empty() && owner != in.agent)
      coord_.add_wait({in.agent, owner, wait_kind::blocked, path}, board_,
                      out);
  }
}

std::string orchestrator::in_workspace(const std::string& agent,
                                       const std::string& path) const {
  auto* a = plan_agent_of(agent);
  if (a == nullptr || a->workdir.empty() || a->workdir == ".")
    return path;
  return a->workdir + "/" + path;
}

void orchestrator::on_lock(const lock_requested& in, decisions& out) {
  if (agents_.contains(in.agent))
    coord_.lock(in, now_, board_, out);
}

void orchestrator::check_write(const std::string& agent,
                               const std::string& path, decisions& out) {
  coord_.check_write(agent, in_workspace(agent, path), now_, out);
}

} // namespace baton::engine
