#include "replay/explain.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include "engine/orchestration/chain_event.hpp"
#include "engine/orchestration/chain_nodes.hpp"
#include "engine/orchestration/orchestrator.hpp"
#include "engine/orchestration/orchestrator_event.hpp"
#include "engine/orchestration/team_lead.hpp"
#include "engine/orchestration/team_scope.hpp"
#include "engine/plan/plan_parser.hpp"
#include "replay/detail/inputs.hpp"
#include "replay/lead_replay.hpp"

namespace baton::replay {

namespace {

using engine::orchestrator;
using engine::orchestrator_decision;
using engine::orchestrator_input;

template<class... F>
struct overload : F... {
  using F::operator()...;
};
template<class... F>
overload(F...) -> overload<F...>;

struct described {
  std::string kind;
  std::string text;
  std::string detail;
};

std::string str(capnp::Text::Reader t) {
  return {t.cStr(), t.size()};
}

/// `s` on one line (each run of line breaks, tabs and spaces as one space),
/// cut at `max` bytes.
std::string one_line(std::string_view s, size_t max = 160) {
  std::string out;
  for (char c : s) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    bool space = c == '\n' || c == '\r' || c == '\t' || c == ' ';
    if (!space)
      out += c;
    else if (!out.empty() && out.back() != ' ')
      out += ' ';
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (auto& p : parts)
    out += (out.empty() ? "" : std::string{sep}) + p;
  return out;
}

std::string attempt(uint32_t n) {
  return "attempt " + std::to_string(n);
}

// -- describing events --------------------------------------------------------

described describe_decision(const orchestrator_decision& d) {
  return std::visit(
    overload{
      [](const engine::dispatch_task& x) {
        return described{"dispatch_task",
                         "dispatch task " + x.task + " to " + x.agent + " ("
                           + attempt(x.attempt) + ")",
                         x.prompt};
      },
      [](const engine::run_gate& x) {
        return described{"run_gate",
                         "run the gate of task " + x.task + " ("
                           + attempt(x.attempt) + ", " + x.agent
                           + "'s evidence: " + one_line(x.evidence) + ")",
                         {}};
      },
      [](const engine::tell_agent& x) {
        return described{"tell_agent",
                         "tell " + x.agent + " (" + x.why
                           + "): " + one_line(x.text),
                         x.text};
      },
      [](const engine::restart_agent& x) {
        return described{"restart_agent", "restart " + x.agent + ": " + x.why,
                         {}};
      },
      [](const engine::task_settled& x) {
        return described{"task_settled",
                         "task " + x.task + (x.passed ? " passed" : " failed")
                           + ": " + one_line(x.reason),
                         {}};
      },
      [](const engine::finish_run& x) {
        return described{"finish_run",
                         std::string{x.ok ? "run finished ok"
                                          : "run finished with failures"}
                           + ": " + x.summary,
                         {}};
      },
      [](const engine::report_violation& x) {
        return described{"report_violation",
                         x.agent + " changed " + x.path + " during task "
                           + x.task + ", outside its scope (owner: "
                           + (x.owner.empty() ? "nobody" : x.owner) + ")",
                         {}};
      },
      [](const engine::escalate_task& x) {
        return described{
          "escalate_task",
          std::string{to_string(x.trigger)} + " on task " + x.task + " ("
            + x.agent + "), escalation " + std::to_string(x.count) + ": "
            + std::string{to_string(x.step)} + " — " + one_line(x.evidence),
          {}};
      },
      [](const engine::add_task& x) {
        return described{"add_task",
                         "task " + x.task + " added to the board by " + x.by
                           + ": " + x.title,
                         x.description};
      },
      [](const engine::report_deadlock& x) {
        return described{"report_deadlock",
                         "deadlock: " + x.description + "; " + x.stub_maker
                           + " is asked for a stub of " + x.what + " for "
                           + x.stub_for,
                         {}};
      },
      [](const engine::degrade_task& x) {
        return described{"degrade_task",
                         "task " + x.task + ": "
                           + std::string{to_string(x.policy)}
                           + (x.into.empty() ? "" : " into " + x.into) + " — "
                           + one_line(x.why),
                         {}};
      },
      [](const engine::supervise& x) {
        return described{"supervise",
                         "team " + x.team + " ("
                           + std::string{to_string(x.strategy)} + "): "
                           + one_line(x.why),
                         {}};
      },
      [](const engine::change_lock& x) {
        return described{"change_lock",
                         "lock " + x.path + " " + std::string{to_string(x.what)}
                           + " (" + x.agent + ")"
                           + (x.why.empty() ? "" : ": " + x.why),
                         {}};
      },
      [](const engine::request_approval& x) {
        return described{"request_approval",
                         "approval " + x.id + ": " + x.agent + " asks "
                           + x.tool
                           + (x.subject.empty() ? "" : " " + x.subject)
                           + " (policy: " + x.policy + ")",
                         {}};
      },
      [](const engine::decide_approval& x) {
        return described{"decide_approval",
                         "approval " + x.id + " "
                           + std::string{to_string(x.answer)} + " by "
                           + to_string(x.by) + ": " + one_line(x.why),
                         {}};
      },
      [](const engine::ask_lead& x) {
        return described{"ask_lead",
                         x.reset ? "lead " + x.team + " starts its team afresh"
                                 : "lead " + x.team + " asked about "
                                     + x.member + " (exit "
                                     + std::to_string(x.exit_code) + ")",
                         {}};
      },
    },
    d);
}

std::string protocol_text(const engine::protocol_seen& x) {
  if (!x.line.empty())
    return x.line;
  // Inputs built without their line (tests, older logs): say what it meant.
  using k = engine::protocol_kind;
  switch (x.kind) {
    case k::done:
      return "STATUS: DONE — " + x.text
             + (x.evidence.empty() ? "" : " + " + x.evidence);
    case k::blocked: return "STATUS: BLOCKED — " + x.text;
    case k::error: return "STATUS: ERROR — " + x.text;
    case k::progress:
      return "PROGRESS: " + std::to_string(x.done) + "/"
             + std::to_string(x.total) + " " + x.text;
    case k::build_pass: return "BUILD: PASS " + x.text;
    case k::build_fail: return "BUILD: FAIL " + x.text;
    case k::need: return "NEED: " + x.resource + " — " + x.text;
    case k::contract: return "CONTRACT: " + x.text;
    case k::task: return "TASK: " + x.text + " — " + x.description;
  }
  return x.text;
}

/// A chain's message between its nodes, for people.
std::string chain_text(const engine::chain_input& in) {
  return std::visit(
    overload{
      [](const engine::chain_verdict& x) {
        return "task " + x.task + (x.passed ? " passed" : " failed")
               + (x.reason.empty() ? "" : " (" + x.reason + ")");
      },
      [](const engine::chain_need& x) {
        return "NEED from " + x.from
               + (x.from_team.empty() ? "" : " (team " + x.from_team + ")")
               + ": " + x.resource + " — " + x.text;
      },
      [](const engine::chain_contract& x) {
        return "CONTRACT from " + x.from + ": " + x.title;
      },
      [](const engine::need_held& x) {
        return "nobody owns " + x.resource + " (NEED from " + x.from
               + "): held for the operator";
      },
      [](const engine::chain_deadlock& x) {
        return "deadlock across teams: " + x.description + "; " + x.stub_maker
               + " is asked for a stub of " + x.what + " for " + x.stub_for;
      },
      [](const engine::chain_ended&) {
        return std::string{"every team has settled: the chain ends"};
      },
    },
    in);
}

std::string chain_text(const engine::chain_report& r) {
  if (auto* s = std::get_if<engine::scope_settled>(&r))
    return "its tasks settled: " + std::to_string(s->tally.passed) + "/"
           + std::to_string(s->tally.total) + " passed";
  return std::visit(
    [](const auto& x) -> std::string {
      using T = std::decay_t<decltype(x)>;
      if constexpr (std::is_same_v<T, engine::scope_settled>)
        return {};
      else
        return chain_text(engine::chain_input{x});
    },
    r);
}

std::string exit_text(int code, int signal) {
  if (signal != 0)
    return "killed by signal " + std::to_string(signal);
  return "exited with status " + std::to_string(code);
}

described describe_input(const orchestrator_input& in,
                         schema::Event::Reader ev) {
  return std::visit(
    overload{
      [](const engine::run_begun& x) {
        return described{"run_begun",
                         std::string{x.resumed ? "run resumed" : "run started"}
                           + " (pattern " + x.pattern + ")",
                         {}};
      },
      [](const engine::agent_observed& x) {
        return described{"agent_observed",
                         x.agent + " is "
                           + std::string{engine::detect::to_string(x.state)}
                           + (x.input_ready ? " (takes input)" : ""),
                         {}};
      },
      [](const engine::protocol_seen& x) {
        return described{"protocol_seen",
                         x.agent + " wrote: " + one_line(protocol_text(x), 240),
                         {}};
      },
      [](const engine::gate_finished& x) {
        return described{"gate_finished",
                         "gate of task " + x.task + " (" + attempt(x.attempt)
                           + (x.passed ? ") passed"
                                       : ") failed: " + join(x.reasons, "; ")),
                         {}};
      },
      [&ev](const engine::agent_exited& x) {
        auto r = ev.getWorkerReported().getExited();
        auto text = x.agent + " " + exit_text(r.getExitCode(), r.getSignal());
        if (r.getSignal() != 0)
          text += " (status " + std::to_string(x.exit_code) + ")";
        return described{"agent_exited", text, {}};
      },
      [](const engine::stop_requested& x) {
        return described{"stop_requested",
                         "stop requested: " + x.reason
                           + (x.immediate ? " (immediately)" : ""),
                         {}};
      },
      [](const engine::time_passed&) {
        return described{"time_passed", "a time limit passed", {}};
      },
      [](const engine::agent_active& x) {
        return described{"agent_active",
                         x.agent + " changed " + join(x.paths, ", "),
                         {}};
      },
      [](const engine::lock_requested& x) {
        return described{"lock_requested",
                         x.agent + (x.release ? " gives back " : " asks for ")
                           + "the lock of " + x.path,
                         {}};
      },
      [](const engine::approval_answered& x) {
        return described{"approval_answered",
                         "the operator (" + x.by + ") answered approval " + x.id
                           + ": " + std::string{to_string(x.answer)}
                           + (x.reason.empty() ? "" : " — " + x.reason),
                         {}};
      },
      [](const engine::operator_command& x) {
        auto by = "the operator (" + (x.by.empty() ? "operator" : x.by) + ", "
                  + x.id + ")";
        auto why = x.reason.empty() ? std::string{} : " — " + x.reason;
        std::string what;
        switch (x.action) {
          case engine::operator_action::send:
            what = " typed to " + x.agent + ": " + x.text;
            break;
          case engine::operator_action::keys:
            what = " typed keys to " + x.agent;
            break;
          case engine::operator_action::add_task:
            what = " added task " + x.task;
            break;
          case engine::operator_action::cancel_task:
            what = " cancelled task " + x.task;
            break;
          case engine::operator_action::rerun_task:
            what = " ran task " + x.task + " again";
            break;
          case engine::operator_action::approve:
            what = " answered approval " + x.approval + ": " + x.answer;
            break;
          case engine::operator_action::stop:
            what = x.immediate ? " stopped the run at once" : " stopped the run";
            break;
        }
        return described{"operator_command", by + what + why, {}};
      },
      [](const engine::lead_reported& x) {
        return described{"lead_reported",
                         "lead " + x.acted.team + " ("
                           + std::string{to_string(x.acted.strategy)}
                           + "): " + one_line(x.acted.why),
                         {}};
      },
    },
    in);
}

std::optional<described> describe_worker(schema::Event::Reader e) {
  switch (e.which()) {
    case schema::Event::PROCESS_STARTED: {
      auto p = e.getProcessStarted();
      std::vector<std::string> argv;
      for (auto a : p.getArgv())
        argv.push_back(str(a));
      return described{"process_started",
                       "process started: " + one_line(join(argv, " ")), {}};
    }
    case schema::Event::PROCESS_EXITED: {
      auto p = e.getProcessExited();
      return described{"process_exited",
                       "process " + exit_text(p.getExitCode(), p.getSignal()),
                       {}};
    }
    case schema::Event::AGENT_RESTARTED:
      return described{"agent_restarted",
                       "restarted: " + str(e.getAgentRestarted().getWhy()), {}};
    case schema::Event::PROTOCOL_MESSAGE:
      return described{
        "protocol_line",
        "wrote: " + one_line(str(e.getProtocolMessage().getLine()), 240), {}};
    case schema::Event::PROMPT_REQUESTED: {
      auto p = e.getPromptRequested();
      return described{"prompt_typed",
                       "prompt typed (" + str(p.getWhy())
                         + "): " + one_line(str(p.getText())),
                       str(p.getText())};
    }
    case schema::Event::COMPACTION_SEEN:
      return described{
        "compaction_seen",
        "context compaction seen: "
          + one_line(str(e.getCompactionSeen().getEvidence())),
        {}};
    case schema::Event::INPUT_FINISHED: {
      auto f = e.getInputFinished();
      if (f.getDelivered())
        return std::nullopt;
      return described{"input_not_delivered",
                       "input " + std::to_string(f.getDeliveryId())
                         + " not delivered after "
                         + std::to_string(f.getAttempts())
                         + " writes: " + str(f.getReason()),
                       {}};
    }
    default: return std::nullopt;
  }
}

explained_event make_event(const storage::recorded_event& e, described d) {
  explained_event out;
  out.stream = std::string{e.stream()};
  out.sequence = e.sequence();
  out.position = e.position();
  out.logical_time_us = e.logical_time();
  out.kind = std::move(d.kind);
  out.text = std::move(d.text);
  out.detail = std::move(d.detail);
  return out;
}

// -- which decisions concern the subject ----------------------------------------

/// The agent working on `task` (dispatched or verifying); empty otherwise.
std::string worker_of(const orchestrator& o, const std::string& task) {
  auto t = o.tasks().find(task);
  if (t == o.tasks().end())
    return {};
  auto s = t->second.status;
  bool busy = s == engine::task_status::dispatched
              || s == engine::task_status::verifying;
  return busy ? t->second.agent : std::string{};
}

/// The task `agent` works on; empty when free.
std::string task_of(const orchestrator& o, const std::string& agent) {
  auto a = o.agents().find(agent);
  return a == o.agents().end() ? std::string{} : a->second.task;
}

/// The agent a task was last given to (kept once settled).
std::string agent_of(const orchestrator& o, const std::string& task) {
  auto t = o.tasks().find(task);
  return t == o.tasks().end() ? std::string{} : t->second.agent;
}

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

/// Decides whether a decision concerns the subject, with the orchestrator's
/// view just before the input that produced it (`before`: for a task, the
/// agent working on it; for an agent, its task) and just after (`o`).
struct subject_filter {
  std::string name;
  subject_kind kind;

  std::string before(const orchestrator& o) const {
    return kind == subject_kind::task ? worker_of(o, name) : task_of(o, name);
  }

  bool concerns(const orchestrator_decision& d, const std::string& before,
                const orchestrator& o) const {
    return kind == subject_kind::task ? task_concerns(d, before, o)
                                      : agent_concerns(d, before, o);
  }

  bool task_concerns(const orchestrator_decision& d, const std::string& worker,
                     const orchestrator& o) const {
    auto about = [this](const engine::tell_agent& x) {
      return engine::purpose_of(x.purpose, x.why).task == name
             || ends_with(x.why, " task " + name);
    };
    return std::visit(
      overload{
        [&](const engine::dispatch_task& x) { return x.task == name; },
        [&](const engine::run_gate& x) { return x.task == name; },
        [&](const engine::tell_agent& x) {
          return about(x)
                 || (!x.agent.empty()
                     && (x.agent == worker || x.agent == worker_of(o, name)));
        },
        [&](const engine::restart_agent& x) {
          return !x.agent.empty() && x.agent == worker;
        },
        [&](const engine::task_settled& x) { return x.task == name; },
        [&](const engine::finish_run&) { return true; },
        [&](const engine::report_violation& x) { return x.task == name; },
        [&](const engine::escalate_task& x) { return x.task == name; },
        [&](const engine::add_task& x) { return x.task == name; },
        [&](const engine::report_deadlock& x) {
          return std::find(x.members.begin(), x.members.end(), worker)
                 != x.members.end();
        },
        [&](const engine::degrade_task& x) { return x.task == name; },
        [&](const engine::supervise& x) {
          return std::find(x.start.begin(), x.start.end(), worker)
                 != x.start.end();
        },
        [&](const engine::change_lock& x) { return x.agent == worker; },
        [&](const engine::request_approval& x) { return x.task == name; },
        [&](const engine::decide_approval&) { return false; },
        [&](const engine::ask_lead&) { return false; },
      },
      d);
  }

  bool agent_concerns(const orchestrator_decision& d, const std::string& task,
                      const orchestrator& o) const {
    return std::visit(
      overload{
        [&](const engine::dispatch_task& x) { return x.agent == name; },
        [&](const engine::run_gate& x) { return x.agent == name; },
        [&](const engine::tell_agent& x) { return x.agent == name; },
        [&](const engine::restart_agent& x) { return x.agent == name; },
        [&](const engine::task_settled& x) {
          return (!task.empty() && x.task == task)
                 || agent_of(o, x.task) == name;
        },
        [&](const engine::finish_run&) { return true; },
        [&](const engine::report_violation& x) {
          return x.agent == name || x.owner == name;
        },
        [&](const engine::escalate_task& x) { return x.agent == name; },
        [&](const engine::add_task& x) { return x.by == name; },
        [&](const engine::report_deadlock& x) {
          return std::find(x.members.begin(), x.members.end(), name)
                 != x.members.end();
        },
        [&](const engine::degrade_task& x) {
          return x.into == name || agent_of(o, x.task) == name;
        },
        [&](const engine::supervise& x) {
          return x.agent == name
                 || std::find(x.start.begin(), x.start.end(), name)
                      != x.start.end();
        },
        [&](const engine::change_lock& x) {
          return x.agent == name || x.holder == name;
        },
        [&](const engine::request_approval& x) { return x.agent == name; },
        [&](const engine::decide_approval& x) { return x.agent == name; },
        [&](const engine::ask_lead& x) { return x.member == name; },
      },
      d);
  }
};

// -- resolving the subject ---------------------------------------------------------

/// `added`: the tasks added while the run went (by the operator, an MCP
/// client or a swarm's agents), subjects like the plan's own.
result<subject_filter> resolve(const engine::plan& p, std::string_view subject,
                               const std::vector<std::string>& added) {
  std::vector<std::string> agents;
  std::vector<std::string> tasks;
  for (auto& a : p.agents) {
    if (a.name == subject)
      return subject_filter{a.name, subject_kind::agent};
    agents.push_back(a.name);
  }
  for (auto& t : p.tasks)
    tasks.push_back(t.id);
  tasks.insert(tasks.end(), added.begin(), added.end());
  for (auto& t : tasks)
    if (t == subject)
      return subject_filter{t, subject_kind::task};
  return error{ec::invalid_argument,
               "\"" + std::string{subject}
                 + "\" is neither an agent nor a task of the run "
                   "(agents: "
                 + join(agents, ", ") + "; tasks: " + join(tasks, ", ") + ")"};
}

/// The ids of the tasks the run added (its add_task decisions).
std::vector<std::string> added_tasks(const storage::event_log& log) {
  std::vector<std::string> out;
  ignore(log.read("orchestrator", 1, UINT64_MAX, UINT64_MAX,
                  [&out](storage::recorded_event&& e) {
                    if (auto d = engine::decision_from_event(e.event()))
                      if (auto* a = std::get_if<engine::add_task>(&*d))
                        out.push_back(a->task);
                    return true;
                  }));
  return out;
}

// -- the fold --------------------------------------------------------------------

/// Replays the orchestrator stream and collects the decisions that concern
/// the subject, each with its cause.
class decision_chain {
public:
  /// Reads the orchestrator stream into `out`.
  result<void> run(const storage::event_log& log, std::string_view subject,
                   explanation& out) {
    added_ = added_tasks(log);
    // A chain: the subject's decisions are its team's lead's, on its
    // stream (the agents in no team's, the orchestrator's).
    auto chain = recorded_chain(log);
    if (!chain)
      return chain.err();
    if (*chain) {
      auto whole = recorded_plan(log);
      if (!whole)
        return whole.err();
      auto f = resolve(**whole, subject, added_);
      if (!f)
        return f.err();
      engine::scope_index index{**whole};
      auto* t = (*whole)->find_task(f->name);
      scope_ = f->kind == subject_kind::agent ? index.of_agent(f->name)
               : t != nullptr                 ? index.of_task(**whole, *t)
                                              : std::string{};
      whole_plan_ = *whole;
    }
    auto visit
      = [&](storage::recorded_event&& e) { return on_event(e, subject, out); };
    auto n = scope_ && !scope_->empty()
               ? log.read(engine::lead_stream(*scope_), 1, UINT64_MAX,
                          UINT64_MAX, visit)
               : detail::read_orchestrator_inputs(log, UINT64_MAX, visit);
    if (!n)
      return n.err();
    return failure_;
  }

private:
  struct pending {
    orchestrator_decision decision;
    /// Index into causes_.
    size_t cause = 0;
    bool concerns = false;
  };

  bool on_event(const storage::recorded_event& e, std::string_view subject,
                explanation& out) {
    auto ev = e.event();
    if (!started_ && !start(e, subject, out))
      return false;
    if (auto in = engine::input_from_event(ev)) {
      on_input(e, *in);
      return true;
    }
    // A chain's message from another node is an input too.
    if (auto d = engine::delivery_from_event(ev); d && node_) {
      if (auto ds = node_->on(*d, e.logical_time()); ds.ok()) {
        node_->take_reports();
        caused(e,
               described{"chain_delivered",
                         "from the orchestrator: " + chain_text(d->input),
                         {}},
               *ds);
      }
      return true;
    }
    if (auto r = engine::report_from_event(ev); r && top_) {
      if (auto ds = top_->on(*r, e.logical_time()); ds.ok())
        caused(e,
               described{"chain_reported",
                         "from the lead of " + r->scope + ": "
                           + chain_text(r->report),
                         {}},
               own_decisions(*ds));
      return true;
    }
    if (auto d = engine::decision_from_event(ev))
      on_decision(e, *d, out);
    return true;
  }

  bool start(const storage::recorded_event& e, std::string_view subject,
             explanation& out) {
    auto ev = e.event();
    if (!ev.isRunStarted()) {
      failure_ = error{ec::invalid_argument,
                           "orchestrator@" + std::to_string(e.sequence())
                             + ": the stream does not start with runStarted"};
      return false;
    }
    // (A chain's lead records its start without the plan: the
    // orchestrator's holds it.)
    auto p = whole_plan_
               ? result<engine::plan>{*whole_plan_}
               : engine::parse_plan(str(ev.getRunStarted().getPlanText()),
                                    "the recorded plan");
    if (!p) {
      failure_ = p.err();
      return false;
    }
    auto f = resolve(*p, subject, added_);
    if (!f) {
      failure_ = f.err();
      return false;
    }
    filter_ = std::move(*f);
    out.subject = filter_.name;
    out.kind = filter_.kind;
    started_ = true;
    if (!scope_)
      o_.emplace(std::move(*p));
    else if (!scope_->empty())
      node_.emplace(engine::team_scope(*whole_plan_, *scope_));
    else
      top_.emplace(*whole_plan_);
    return true;
  }

  /// The fold deciding here.
  const orchestrator& fold() const {
    return node_ ? node_->fold() : top_ ? top_->own().fold() : *o_;
  }

  static std::vector<orchestrator_decision>
  own_decisions(std::vector<engine::chain_decision> ds) {
    std::vector<orchestrator_decision> out;
    for (auto& d : ds)
      if (auto* x = std::get_if<orchestrator_decision>(&d))
        out.push_back(std::move(*x));
    return out;
  }

  void on_input(const storage::recorded_event& e,
                const orchestrator_input& in) {
    if (diverged_)
      return;
    auto before = filter_.before(fold());
    std::vector<orchestrator_decision> decisions;
    if (node_) {
      decisions = node_->on(in, e.logical_time());
      node_->take_reports();
    } else if (top_) {
      decisions = own_decisions(top_->on(in, e.logical_time()));
    } else {
      decisions = o_->on(in, e.logical_time());
    }
    record_causes(e, describe_input(in, e.event()), decisions, before);
  }

  /// A chain's message caused `decisions`.
  void caused(const storage::recorded_event& e, described d,
              const std::vector<orchestrator_decision>& decisions) {
    if (!diverged_)
      record_causes(e, std::move(d), decisions, filter_.before(fold()));
  }

  void record_causes(const storage::recorded_event& e, described d,
                     const std::vector<orchestrator_decision>& decisions,
                     const std::string& before) {
    if (decisions.empty())
      return;
    causes_.push_back(make_event(e, std::move(d)));
    for (auto& x : decisions)
      pending_.push_back(
        {x, causes_.size() - 1, filter_.concerns(x, before, fold())});
  }

  void on_decision(const storage::recorded_event& e,
                   const orchestrator_decision& d, explanation& out) {
    if (!diverged_ && !pending_.empty() && pending_.front().decision == d) {
      auto p = std::move(pending_.front());
      pending_.pop_front();
      if (p.concerns)
        out.steps.push_back(
          {make_event(e, describe_decision(d)), causes_[p.cause]});
      return;
    }
    if (!diverged_) {
      diverged_ = true;
      out.unattributed
        = "orchestrator@" + std::to_string(e.sequence()) + ": the replay "
          + (pending_.empty()
               ? std::string{"made no further decision"}
               : "decided \"" + describe_decision(pending_.front().decision).text
                   + "\"")
          + " where the run recorded this one; causes are not shown from "
            "here on";
    }
    // Without the replay, judge by the decision and the (last) replayed
    // state alone.
    if (filter_.concerns(d, {}, fold()))
      out.steps.push_back({make_event(e, describe_decision(d)), std::nullopt});
  }

  std::optional<orchestrator> o_;
  /// A chain's run: the subject's team ("" for the agents in no team), the
  /// recorded plan, and the node deciding for it.
  std::optional<std::string> scope_;
  std::shared_ptr<const engine::plan> whole_plan_;
  std::optional<engine::chain_scope> node_;
  std::optional<engine::chain_orchestrator> top_;
  bool started_ = false;
  subject_filter filter_;
  std::deque<pending> pending_;
  std::vector<std::string> added_;
  std::vector<explained_event> causes_;
  bool diverged_ = false;
  /// Why the read stopped early; ok() when it did not.
  result<void> failure_;
};

result<void> add_worker_events(const storage::event_log& log,
                               const std::string& agent, explanation& out) {
  auto n = log.read("worker/" + agent, 1, UINT64_MAX, UINT64_MAX,
                    [&out](storage::recorded_event&& e) {
                      if (auto d = describe_worker(e.event()))
                        out.steps.push_back(
                          {make_event(e, std::move(*d)), std::nullopt});
                      return true;
                    });
  if (!n)
    return n.err();
  return {};
}

/// What the engine recorded about the machine `agent` runs on (its
/// `host/<name>` stream): connected, unreachable (its state unknown),
/// lost (counted as exited).
result<void> add_host_events(const storage::event_log& log,
                             const std::string& agent, explanation& out) {
  for (auto& info : log.streams()) {
    if (!info.name.starts_with("host/"))
      continue;
    auto n = log.read(
      info.name, 1, UINT64_MAX, UINT64_MAX,
      [&](storage::recorded_event&& e) {
        if (!e.event().isHostChanged())
          return true;
        auto h = e.event().getHostChanged();
        bool mine = false;
        for (auto a : h.getAgents())
          mine = mine || str(a) == agent;
        if (mine)
          out.steps.push_back(
            {make_event(e, {"host_changed",
                            "host " + str(h.getHost()) + " " + str(h.getState())
                              + (h.getWhy().size() > 0 ? ": " + str(h.getWhy())
                                                       : std::string{}),
                            {}}),
             std::nullopt});
        return true;
      });
    if (!n)
      return n.err();
  }
  return {};
}

/// Marks inputs and worker events whose text repeats an earlier one's.
void count_repeats(explanation& out) {
  struct first_seen {
    std::string stream;
    uint64_t sequence = 0;
    uint32_t count = 0;
  };
  std::map<std::string, first_seen> by_text;
  /// Events already counted (one input may cause several steps).
  std::map<std::pair<std::string, uint64_t>, explained_event> counted;
  for (auto& s : out.steps) {
    auto& ev = s.cause ? *s.cause : s.event;
    if (!s.cause && ev.stream == "orchestrator")
      continue; // a decision without a known cause
    auto id = std::make_pair(ev.stream, ev.sequence);
    if (auto c = counted.find(id); c != counted.end()) {
      ev = c->second;
      continue;
    }
    auto& f = by_text[ev.kind + '|' + fold_digits(ev.text)];
    if (f.count == 0) {
      f.stream = ev.stream;
      f.sequence = ev.sequence;
    }
    ev.occurrence = ++f.count;
    if (ev.occurrence > 1) {
      ev.first_stream = f.stream;
      ev.first_sequence = f.sequence;
    }
    counted.emplace(id, ev);
  }
}

} // namespace

std::string_view to_string(subject_kind k) {
  return k == subject_kind::agent ? "agent" : "task";
}

std::string fold_digits(std::string_view text) {
  std::string out;
  bool in_digits = false;
  for (char c : text) {
    bool digit = c >= '0' && c <= '9';
    if (!digit)
      out += c;
    else if (!in_digits)
      out += '#';
    in_digits = digit;
  }
  return out;
}

result<explanation> explain(const storage::event_log& log,
                            std::string_view subject) {
  if (log.highest("orchestrator") == 0)
    return error{ec::not_found, "the log holds no orchestrator stream"};
  explanation out;
  decision_chain chain;
  if (auto r = chain.run(log, subject, out); !r)
    return r.err();
  if (out.kind == subject_kind::agent) {
    if (auto r = add_worker_events(log, out.subject, out); !r)
      return r.err();
    if (auto r = add_host_events(log, out.subject, out); !r)
      return r.err();
    std::stable_sort(out.steps.begin(), out.steps.end(),
                     [](const auto& a, const auto& b) {
                       return a.event.position < b.event.position;
                     });
  }
  count_repeats(out);
  return out;
}

} // namespace baton::replay
