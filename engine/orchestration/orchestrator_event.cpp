#include "engine/orchestration/orchestrator_event.hpp"

#include <capnp/message.h>

#include "engine/capnp_text.hpp"
#include "engine/frame.hpp"
#include "engine/purpose_event.hpp"
#include "engine/recorded_enums.hpp"

namespace baton::engine {

namespace {

template<class F>
frame build(F&& fill) {
  baton::frame_builder builder;
  fill(builder.initRoot<schema::Event>());
  return frame::from(builder);
}

std::optional<protocol_kind>
protocol_kind_of(schema::ProtocolMessage::Reader m) {
  auto kind = engine::kind_of(m);
  if (!kind)
    return std::nullopt;
  switch (*kind) {
    case protocol::kind::status:
      switch (status_of(m).value_or(static_cast<protocol::status>(0xff))) {
        case protocol::status::done: return protocol_kind::done;
        case protocol::status::blocked: return protocol_kind::blocked;
        case protocol::status::error: return protocol_kind::error;
      }
      return std::nullopt;
    case protocol::kind::progress: return protocol_kind::progress;
    case protocol::kind::build:
      return m.getPassed() ? protocol_kind::build_pass
                           : protocol_kind::build_fail;
    case protocol::kind::need: return protocol_kind::need;
    case protocol::kind::contract: return protocol_kind::contract;
    case protocol::kind::task: return protocol_kind::task;
  }
  return std::nullopt;
}

void fill_supervise(schema::SupervisorActed::Builder b, const supervise& x,
                    uint16_t version) {
  b.setTeam(text(x.team));
  b.setAgent(text(x.agent));
  write_strategy(b, x.strategy, version);
  set_list(b.initStop(static_cast<unsigned>(x.stop.size())), x.stop);
  set_list(b.initStart(static_cast<unsigned>(x.start.size())), x.start);
  b.setEscalate(x.escalate);
  b.setWhy(text(x.why));
  // Left out when empty: records made before the field stay byte for byte.
  if (!x.removed.empty())
    set_list(b.initRemoved(static_cast<unsigned>(x.removed.size())),
             x.removed);
}

supervise supervise_of(schema::SupervisorActed::Reader b) {
  return supervise{str(b.getTeam()),
                   str(b.getAgent()),
                   strategy_of(b).value_or(restart_strategy::one_for_one),
                   get_list(b.getStop()),
                   get_list(b.getStart()), b.getEscalate(),
                   str(b.getWhy()),       get_list(b.getRemoved())};
}

} // namespace

frame to_event(const orchestrator_input& in) {
  return build([&](schema::Event::Builder e) {
    std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, run_begun>) {
          auto b = e.initRunStarted();
          b.setPlan(text(x.plan));
          b.setPlanText(text(x.plan_text));
          b.setPattern(text(x.pattern));
          b.setResumed(x.resumed);
          b.setWorkspace(text(x.workspace));
          if (x.leads)
            b.setLeads(true);
          if (x.chain)
            b.setChain(true);
          if (x.version != 0)
            b.setVersion(x.version);
          auto cps
            = b.initCheckpoints(static_cast<unsigned>(x.checkpoints.size()));
          unsigned i = 0;
          for (auto& [agent, summary] : x.checkpoints) {
            cps[i].setAgent(text(agent));
            cps[i].setSummary(text(summary));
            ++i;
          }
        } else if constexpr (std::is_same_v<T, agent_observed>) {
          auto b = e.initWorkerReported();
          b.setAgent(text(x.agent));
          auto s = b.initState();
          write_state(s, x.state, record_version);
          s.setInputReady(x.input_ready);
          if (!x.evidence.empty())
            s.setEvidence(text(x.evidence));
          if (!x.ask_tool.empty() || !x.ask_subject.empty()) {
            s.setAskTool(text(x.ask_tool));
            s.setAskSubject(text(x.ask_subject));
          }
        } else if constexpr (std::is_same_v<T, protocol_seen>) {
          auto b = e.initWorkerReported();
          b.setAgent(text(x.agent));
          auto m = b.initProtocol();
          m.setLine(text(x.line));
          m.setText(text(x.text));
          m.setEvidence(text(x.evidence));
          m.setResource(text(x.resource));
          m.setDone(x.done);
          m.setTotal(x.total);
          set_list(m.initRequirements(
                     static_cast<unsigned>(x.requirements.size())),
                   x.requirements);
          m.setDescription(text(x.description));
          // Inputs are recorded, never derived again: they carry the enum
          // fields whatever the run's record version.
          constexpr auto v = record_version;
          using pk = protocol::kind;
          using ps = protocol::status;
          switch (x.kind) {
            case protocol_kind::done:
            case protocol_kind::blocked:
            case protocol_kind::error:
              write_kind(m, pk::status, v);
              write_status(m,
                           x.kind == protocol_kind::done      ? ps::done
                           : x.kind == protocol_kind::blocked ? ps::blocked
                                                              : ps::error,
                           v);
              break;
            case protocol_kind::progress: write_kind(m, pk::progress, v); break;
            case protocol_kind::build_pass:
            case protocol_kind::build_fail:
              write_kind(m, pk::build, v);
              m.setPassed(x.kind == protocol_kind::build_pass);
              break;
            case protocol_kind::need: write_kind(m, pk::need, v); break;
            case protocol_kind::task: write_kind(m, pk::task, v); break;
            case protocol_kind::contract: {
              write_kind(m, pk::contract, v);
              std::vector<std::string> lines;
              size_t from = 0;
              while (from <= x.body.size() && !x.body.empty()) {
                auto nl = x.body.find('\n', from);
                if (nl == std::string::npos)
                  nl = x.body.size();
                lines.push_back(x.body.substr(from, nl - from));
                from = nl + 1;
              }
              set_list(m.initBody(static_cast<unsigned>(lines.size())), lines);
              break;
            }
          }
        } else if constexpr (std::is_same_v<T, gate_finished>) {
          auto b = e.initGateFinished();
          b.setTask(text(x.task));
          b.setAttempt(x.attempt);
          b.setPassed(x.passed);
          set_list(b.initReasons(static_cast<unsigned>(x.reasons.size())),
                   x.reasons);
          set_list(b.initChanged(static_cast<unsigned>(x.changed.size())),
                   x.changed);
        } else if constexpr (std::is_same_v<T, agent_exited>) {
          auto b = e.initWorkerReported();
          b.setAgent(text(x.agent));
          b.initExited().setExitCode(x.exit_code);
        } else if constexpr (std::is_same_v<T, stop_requested>) {
          auto b = e.initStopRequested();
          b.setReason(text(x.reason));
          b.setImmediate(x.immediate);
        } else if constexpr (std::is_same_v<T, agent_active>) {
          auto b = e.initAgentActive();
          b.setAgent(text(x.agent));
          set_list(b.initPaths(static_cast<unsigned>(x.paths.size())),
                   x.paths);
        } else if constexpr (std::is_same_v<T, lock_requested>) {
          auto b = e.initLockRequested();
          b.setPath(text(x.path));
          b.setAgent(text(x.agent));
          b.setRelease(x.release);
        } else if constexpr (std::is_same_v<T, approval_answered>) {
          auto b = e.initApprovalAnswered();
          b.setId(text(x.id));
          write_answer(b, x.answer);
          b.setBy(text(x.by));
          b.setReason(text(x.reason));
        } else if constexpr (std::is_same_v<T, operator_command>) {
          auto b = e.initOperatorCommand();
          b.setId(text(x.id));
          b.setBy(text(x.by));
          b.setAction(static_cast<schema::OperatorAction>(x.action));
          // Only what the action uses is set: a command's record is as
          // small as what it says.
          if (!x.agent.empty())
            b.setAgent(text(x.agent));
          if (!x.task.empty())
            b.setTask(text(x.task));
          if (!x.text.empty())
            b.setText(text(x.text));
          if (!x.approval.empty())
            b.setApproval(text(x.approval));
          if (!x.answer.empty())
            write_answer(b, x.answer);
          if (!x.reason.empty())
            b.setReason(text(x.reason));
          b.setImmediate(x.immediate);
        } else if constexpr (std::is_same_v<T, lead_reported>) {
          auto b = e.initLeadReported();
          b.setAsk(x.ask);
          fill_supervise(b.initActed(), x.acted, record_version);
        } else {
          e.initTimerFired();
        }
      },
      in);
  });
}

frame to_event(const orchestrator_decision& d, uint16_t version) {
  return build([&](schema::Event::Builder e) {
    std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, dispatch_task>) {
          auto b = e.initTaskDispatched();
          b.setTask(text(x.task));
          b.setAgent(text(x.agent));
          b.setAttempt(x.attempt);
          b.setPrompt(text(x.prompt));
        } else if constexpr (std::is_same_v<T, run_gate>) {
          auto b = e.initGateRequested();
          b.setTask(text(x.task));
          b.setAttempt(x.attempt);
          b.setAgent(text(x.agent));
          b.setEvidence(text(x.evidence));
        } else if constexpr (std::is_same_v<T, tell_agent>) {
          auto b = e.initAgentTold();
          b.setAgent(text(x.agent));
          b.setText(text(x.text));
          b.setWhy(text(x.why));
          // Unset when empty: the engine's own messages keep the bytes
          // they had before the field existed.
          if (!x.ref.empty())
            b.setRef(text(x.ref));
          if (x.raw)
            b.setRaw(true);
          if (!x.purpose.empty())
            write_purpose(b.initPurpose(), x.purpose);
        } else if constexpr (std::is_same_v<T, restart_agent>) {
          auto b = e.initAgentRestarted();
          b.setAgent(text(x.agent));
          b.setWhy(text(x.why));
        } else if constexpr (std::is_same_v<T, task_settled>) {
          auto b = e.initTaskSettled();
          b.setTask(text(x.task));
          b.setPassed(x.passed);
          b.setReason(text(x.reason));
        } else if constexpr (std::is_same_v<T, finish_run>) {
          auto b = e.initRunFinished();
          b.setOk(x.ok);
          b.setSummary(text(x.summary));
          set_list(b.initSkipped(static_cast<unsigned>(x.skipped.size())),
                   x.skipped);
          write_outcome(b, x.outcome, version);
        } else if constexpr (std::is_same_v<T, escalate_task>) {
          auto b = e.initTaskEscalated();
          b.setTask(text(x.task));
          b.setAgent(text(x.agent));
          write_escalation(b, x.trigger, x.step, version);
          b.setCount(x.count);
          b.setEvidence(text(x.evidence));
        } else if constexpr (std::is_same_v<T, add_task>) {
          auto b = e.initTaskAdded();
          b.setTask(text(x.task));
          b.setTitle(text(x.title));
          set_list(
            b.initRequires(static_cast<unsigned>(x.requires_caps.size())),
            x.requires_caps);
          b.setDescription(text(x.description));
          b.setBy(text(x.by));
        } else if constexpr (std::is_same_v<T, report_deadlock>) {
          auto b = e.initDeadlockFound();
          set_list(b.initMembers(static_cast<unsigned>(x.members.size())),
                   x.members);
          b.setDescription(text(x.description));
          b.setStubMaker(text(x.stub_maker));
          b.setStubFor(text(x.stub_for));
          b.setWhat(text(x.what));
        } else if constexpr (std::is_same_v<T, degrade_task>) {
          auto b = e.initTaskDegraded();
          b.setTask(text(x.task));
          write_policy(b, x.policy, version);
          b.setInto(text(x.into));
          set_list(b.initSkipped(static_cast<unsigned>(x.skipped.size())),
                   x.skipped);
          b.setWhy(text(x.why));
        } else if constexpr (std::is_same_v<T, supervise>) {
          fill_supervise(e.initSupervisorActed(), x, version);
        } else if constexpr (std::is_same_v<T, ask_lead>) {
          auto b = e.initLeadAsked();
          b.setTeam(text(x.team));
          b.setMember(text(x.member));
          b.setExitCode(x.exit_code);
          b.setReset(x.reset);
          b.setAsk(x.ask);
        } else if constexpr (std::is_same_v<T, change_lock>) {
          auto b = e.initLockChanged();
          b.setPath(text(x.path));
          b.setAgent(text(x.agent));
          write_change(b, x.what, version);
          b.setHolder(text(x.holder));
          b.setExpiresUs(x.expires_us);
          b.setWhy(text(x.why));
        } else if constexpr (std::is_same_v<T, request_approval>) {
          auto b = e.initApprovalRequested();
          b.setId(text(x.id));
          b.setAgent(text(x.agent));
          b.setTask(text(x.task));
          b.setTool(text(x.tool));
          b.setSubject(text(x.subject));
          b.setEvidence(text(x.evidence));
          b.setPolicy(text(x.policy));
        } else if constexpr (std::is_same_v<T, decide_approval>) {
          auto b = e.initApprovalDecided();
          b.setId(text(x.id));
          b.setAgent(text(x.agent));
          write_answer(b, x.answer, x.by, version);
          b.setWhy(text(x.why));
        } else {
          auto b = e.initScopeViolation();
          b.setAgent(text(x.agent));
          b.setTask(text(x.task));
          b.setPath(text(x.path));
          b.setOwner(text(x.owner));
        }
      },
      d);
  });
}

std::optional<orchestrator_input>
input_from_report(schema::WorkerReported::Reader r) {
  auto agent = str(r.getAgent());
  switch (r.which()) {
    case schema::WorkerReported::STATE: {
      auto s = r.getState();
      return agent_observed{agent,
                            to_state(s).value_or(detect::state::unknown),
                            s.getInputReady(),
                            str(s.getAskTool()),
                            str(s.getAskSubject()),
                            str(s.getEvidence())};
    }
    case schema::WorkerReported::PROTOCOL: {
      auto m = r.getProtocol();
      auto kind = protocol_kind_of(m);
      if (!kind)
        return std::nullopt;
      protocol_seen p;
      p.agent = agent;
      p.kind = *kind;
      p.line = str(m.getLine());
      p.text = str(m.getText());
      p.evidence = str(m.getEvidence());
      p.resource = str(m.getResource());
      for (auto line : m.getBody()) {
        if (!p.body.empty())
          p.body += '\n';
        p.body += str(line);
      }
      p.done = m.getDone();
      p.total = m.getTotal();
      p.requirements = get_list(m.getRequirements());
      p.description = str(m.getDescription());
      return p;
    }
    case schema::WorkerReported::EXITED: {
      auto x = r.getExited();
      // A signal shows as 128 + its number, as a shell would say it.
      int code = x.getSignal() != 0 ? 128 + x.getSignal() : x.getExitCode();
      return agent_exited{agent, code};
    }
    case schema::WorkerReported::STARTED: return std::nullopt;
  }
  return std::nullopt;
}

std::optional<orchestrator_input> input_from_event(schema::Event::Reader e) {
  switch (e.which()) {
    case schema::Event::RUN_STARTED: {
      auto r = e.getRunStarted();
      run_begun b{str(r.getPlan()), str(r.getPlanText()), str(r.getPattern()),
                  r.getResumed(), str(r.getWorkspace()), {}};
      for (auto c : r.getCheckpoints())
        b.checkpoints[str(c.getAgent())] = str(c.getSummary());
      b.leads = r.getLeads();
      b.chain = r.getChain();
      b.version = r.getVersion();
      return b;
    }
    case schema::Event::LEAD_REPORTED: {
      auto r = e.getLeadReported();
      return lead_reported{r.getAsk(), supervise_of(r.getActed())};
    }
    case schema::Event::WORKER_REPORTED:
      return input_from_report(e.getWorkerReported());
    case schema::Event::GATE_FINISHED: {
      auto g = e.getGateFinished();
      return gate_finished{str(g.getTask()), g.getAttempt(), g.getPassed(),
                           get_list(g.getReasons()), get_list(g.getChanged())};
    }
    case schema::Event::TIMER_FIRED: return time_passed{};
    case schema::Event::STOP_REQUESTED: {
      auto s = e.getStopRequested();
      return stop_requested{str(s.getReason()), s.getImmediate()};
    }
    case schema::Event::AGENT_ACTIVE: {
      auto a = e.getAgentActive();
      return agent_active{str(a.getAgent()), get_list(a.getPaths())};
    }
    case schema::Event::LOCK_REQUESTED: {
      auto l = e.getLockRequested();
      return lock_requested{str(l.getPath()), str(l.getAgent()),
                            l.getRelease()};
    }
    case schema::Event::APPROVAL_ANSWERED: {
      auto a = e.getApprovalAnswered();
      auto answer = answer_of(a);
      if (!answer || *answer == approval_answer::withdrawn)
        return std::nullopt; // an answer this version does not know
      return approval_answered{str(a.getId()), *answer, str(a.getBy()),
                               str(a.getReason())};
    }
    case schema::Event::OPERATOR_COMMAND: {
      auto o = e.getOperatorCommand();
      auto action = static_cast<uint16_t>(o.getAction());
      if (action > static_cast<uint16_t>(operator_action::stop))
        return std::nullopt; // an action this version does not know
      return operator_command{str(o.getId()),
                              str(o.getBy()),
                              static_cast<operator_action>(action),
                              str(o.getAgent()),
                              str(o.getTask()),
                              str(o.getText()),
                              str(o.getApproval()),
                              answer_of(o),
                              str(o.getReason()),
                              o.getImmediate()};
    }
    default: return std::nullopt;
  }
}

bool is_decision(schema::Event::Reader e) {
  switch (e.which()) {
    case schema::Event::TASK_DISPATCHED:
    case schema::Event::GATE_REQUESTED:
    case schema::Event::AGENT_TOLD:
    case schema::Event::AGENT_RESTARTED:
    case schema::Event::TASK_SETTLED:
    case schema::Event::RUN_FINISHED:
    case schema::Event::TASK_ESCALATED:
    case schema::Event::TASK_ADDED:
    case schema::Event::DEADLOCK_FOUND:
    case schema::Event::TASK_DEGRADED:
    case schema::Event::SUPERVISOR_ACTED:
    case schema::Event::LEAD_ASKED:
    case schema::Event::LOCK_CHANGED:
    case schema::Event::APPROVAL_REQUESTED:
    case schema::Event::APPROVAL_DECIDED:
    case schema::Event::SCOPE_VIOLATION: return true;
    default: return false;
  }
}

std::optional<orchestrator_decision>
decision_from_event(schema::Event::Reader e) {
  switch (e.which()) {
    case schema::Event::TASK_DISPATCHED: {
      auto b = e.getTaskDispatched();
      return dispatch_task{str(b.getTask()), str(b.getAgent()), b.getAttempt(),
                           str(b.getPrompt())};
    }
    case schema::Event::GATE_REQUESTED: {
      auto b = e.getGateRequested();
      return run_gate{str(b.getTask()), b.getAttempt(), str(b.getAgent()),
                      str(b.getEvidence())};
    }
    case schema::Event::AGENT_TOLD: {
      auto b = e.getAgentTold();
      return tell_agent{str(b.getAgent()),
                        str(b.getText()),
                        str(b.getWhy()),
                        b.hasPurpose() ? read_purpose(b.getPurpose())
                                       : purpose{},
                        str(b.getRef()),
                        b.getRaw()};
    }
    case schema::Event::AGENT_RESTARTED: {
      auto b = e.getAgentRestarted();
      return restart_agent{str(b.getAgent()), str(b.getWhy())};
    }
    case schema::Event::TASK_SETTLED: {
      auto b = e.getTaskSettled();
      return task_settled{str(b.getTask()), b.getPassed(), str(b.getReason())};
    }
    case schema::Event::RUN_FINISHED: {
      auto b = e.getRunFinished();
      return finish_run{b.getOk(), str(b.getSummary()),
                        get_list(b.getSkipped()),
                        outcome_of(b).value_or(run_outcome::failed)};
    }
    case schema::Event::TASK_ESCALATED: {
      auto b = e.getTaskEscalated();
      auto trigger = trigger_of(b);
      auto step = step_of(b);
      if (!trigger || !step)
        return std::nullopt;
      return escalate_task{str(b.getTask()), str(b.getAgent()),
                           *trigger,         *step,
                           b.getCount(),     str(b.getEvidence())};
    }
    case schema::Event::TASK_ADDED: {
      auto b = e.getTaskAdded();
      return add_task{str(b.getTask()), str(b.getTitle()),
                      get_list(b.getRequires()), str(b.getDescription()),
                      str(b.getBy())};
    }
    case schema::Event::DEADLOCK_FOUND: {
      auto b = e.getDeadlockFound();
      return report_deadlock{get_list(b.getMembers()), str(b.getDescription()),
                             str(b.getStubMaker()), str(b.getStubFor()),
                             str(b.getWhat())};
    }
    case schema::Event::TASK_DEGRADED: {
      auto b = e.getTaskDegraded();
      auto policy = degrade_policy_of(b);
      if (!policy)
        return std::nullopt;
      return degrade_task{str(b.getTask()), *policy, str(b.getInto()),
                          get_list(b.getSkipped()), str(b.getWhy())};
    }
    case schema::Event::SUPERVISOR_ACTED:
      return supervise_of(e.getSupervisorActed());
    case schema::Event::LEAD_ASKED: {
      auto b = e.getLeadAsked();
      return ask_lead{b.getAsk(), str(b.getTeam()), str(b.getMember()),
                      b.getExitCode(), b.getReset()};
    }
    case schema::Event::LOCK_CHANGED: {
      auto b = e.getLockChanged();
      auto what = change_of(b);
      if (!what)
        return std::nullopt;
      return change_lock{
        str(b.getPath()),   str(b.getAgent()), *what,
        str(b.getHolder()), b.getExpiresUs(),  str(b.getWhy())};
    }
    case schema::Event::APPROVAL_REQUESTED: {
      auto b = e.getApprovalRequested();
      return request_approval{str(b.getId()),      str(b.getAgent()),
                              str(b.getTask()),    str(b.getTool()),
                              str(b.getSubject()), str(b.getEvidence()),
                              str(b.getPolicy())};
    }
    case schema::Event::APPROVAL_DECIDED: {
      auto b = e.getApprovalDecided();
      auto answer = answer_of(b);
      auto by = by_of(b);
      if (!answer || !by)
        return std::nullopt;
      return decide_approval{str(b.getId()), str(b.getAgent()), *answer, *by,
                             str(b.getWhy())};
    }
    case schema::Event::SCOPE_VIOLATION: {
      auto b = e.getScopeViolation();
      return report_violation{str(b.getAgent()), str(b.getTask()),
                              str(b.getPath()), str(b.getOwner())};
    }
    default: return std::nullopt;
  }
}

} // namespace baton::engine
