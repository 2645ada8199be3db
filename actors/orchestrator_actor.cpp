#include "actors/detail/append_through.hpp"
#include "actors/orchestrator_actor.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include <caf/actor_cast.hpp>
#include <caf/blocking_actor.hpp>
#include <caf/send.hpp>

#include "actors/detail/random_high.hpp"
#include "actors/gate/gate_runner.hpp"
#include "actors/lead_actor.hpp"
#include "actors/log_codec.hpp"
#include "actors/messages.hpp"
#include "engine/orchestration/chain_event.hpp"
#include "engine/orchestration/orchestrator_event.hpp"
#include "engine/orchestration/team_scope.hpp"
#include "engine/plan/plan_parser.hpp"
#include "schema/events.capnp.h"

namespace baton::actors {

namespace {

using self_ptr = orchestrator_actor::stateful_pointer<orchestrator_state>;
using entry = detail::journal::entry;

void send_now(self_ptr self, const std::string& agent,
              const worker_command& c) {
  auto& workers = self->state.cfg.workers;
  if (auto w = workers.find(agent); w != workers.end())
    self->send(w->second, atom::command_v, encode_worker_command(c));
}

/// Sends `c` to `agent`'s worker, after what is held for it (its
/// dispatch's baseline is being taken).
void tell(self_ptr self, const std::string& agent, worker_command c) {
  if (auto h = self->state.held.find(agent); h != self->state.held.end())
    h->second.push_back(std::move(c));
  else
    send_now(self, agent, c);
}

/// Scans `agents`' directories on the scanner's thread; (scanned, id)
/// comes back.
void hand_over_scan(self_ptr self, std::vector<std::string> agents,
                    bool stalls) {
  auto& st = self->state;
  std::vector<std::string> dirs;
  std::vector<uint64_t> dispatches;
  for (auto& a : agents) {
    dirs.push_back(st.cfg.workdirs[a]);
    dispatches.push_back(st.dispatches[a]);
  }
  caf::weak_actor_ptr me = caf::actor_cast<caf::weak_actor_ptr>(self);
  auto id = st.scanner->scan(std::move(dirs), [me](uint64_t id) {
    if (auto strong = me.lock())
      caf::anon_send(caf::actor_cast<orchestrator_actor>(strong),
                     atom::scanned_v, id);
  });
  st.scans[id] = {stalls, std::move(agents), std::move(dispatches)};
}

/// What agents changed since they were last looked at, as inputs to record
/// before a stall is decided.
std::vector<engine::agent_active>
active_since(orchestrator_state& st, const std::vector<std::string>& agents,
             std::vector<file_snapshot> now) {
  std::vector<engine::agent_active> out;
  for (size_t i = 0; i < agents.size(); ++i) {
    auto seen = st.activity.find(agents[i]);
    if (seen == st.activity.end())
      continue;
    auto changed = changed_files(seen->second, now[i]);
    seen->second = std::move(now[i]);
    if (!changed.empty())
      out.push_back({agents[i], std::move(changed)});
  }
  return out;
}

void stop_workers(self_ptr self, const std::string& reason, bool immediate) {
  // What was held for an agent would come after its stop: dropped.
  self->state.held.clear();
  for (auto& [name, w] : self->state.cfg.workers)
    self->send(w, atom::command_v,
               encode_worker_command(stop_command{reason, immediate}));
}

void start_gate(self_ptr self, const engine::run_gate& d) {
  auto& st = self->state;
  // A task of the plan, or one an agent added to the swarm board (no
  // artifacts or commands: its evidence is checked).
  auto found = st.tasks.find(d.task);
  auto* task = found != st.tasks.end()
                 ? found->second
                 : st.engine->current_plan().find_task(d.task);
  gate_request req;
  req.task = d.task;
  req.attempt = d.attempt;
  req.workdir = st.cfg.workdirs[d.agent];
  if (task != nullptr) {
    req.artifacts = task->artifacts;
    req.verify = task->verify;
  }
  req.timeout = st.cfg.gate_timeout;
  auto baseline = st.baselines[d.agent];
  auto me = caf::actor_cast<orchestrator_actor>(self);
  // Which changes are this attempt's: the scan's, less the shared folder
  // and, where agents share a directory (mesh), changes another agent's
  // gate already claimed and nobody has touched since.
  // What it takes as its own is claimed: a later gate of another agent in
  // the same directory does not take these changes for its own.
  auto attribute = [agent = d.agent, claims = st.claims,
                    shared = st.folder ? st.folder->root() : std::string{}](
                     const std::string& dir, const file_snapshot& before) {
    auto after = scan_files(dir);
    std::vector<std::string> mine;
    std::lock_guard lock{claims->mu};
    for (auto& p : changed_files(before, after)) {
      auto abs = (std::filesystem::path{dir} / p).lexically_normal().string();
      if (!shared.empty() && abs.starts_with(shared + "/"))
        continue;
      auto c = claims->by_path.find(abs);
      auto now = after.find(p);
      if (c != claims->by_path.end() && c->second.first != agent
          && now != after.end() && now->second == c->second.second)
        continue;
      mine.push_back(p);
      if (now != after.end())
        claims->by_path[abs] = {agent, now->second};
    }
    return mine;
  };
  // A gate with nothing to read or run (no artifacts, no commands, no
  // scan of the agent's directory) blocks nothing: it is decided here, and
  // its outcome comes back as a message like any other gate's. A thread per
  // such gate was most of a 10 000-worker run's thread starts.
  bool trivial = req.artifacts.empty() && req.verify.empty() && !st.check_scope;
  if (st.cfg.inline_gates || trivial) {
    auto g = run_gate(req);
    if (st.check_scope)
      g.changed = attribute(req.workdir, baseline);
    self->send(me, atom::gate_v, encode_gate_report(g));
    return;
  }
  // Blocking work (files, commands) on its own thread; the outcome comes
  // back as a message and is recorded like any input.
  self->home_system().spawn([req = std::move(req), scan = st.check_scope,
                             baseline = std::move(baseline), attribute,
                             me](caf::blocking_actor*) {
    auto g = run_gate(req);
    if (scan)
      g.changed = attribute(req.workdir, baseline);
    caf::anon_send(me, atom::gate_v, encode_gate_report(g));
  });
}

void finish(self_ptr self, bool immediate) {
  auto& st = self->state;
  st.finished = true;
  stop_workers(self, "run finished", immediate);
  st.journal->record({}, false, [self] { self->quit(); });
}

void execute(self_ptr self, const engine::orchestrator_decision& d,
             bool immediate) {
  auto& st = self->state;
  std::visit(
    [&](const auto& x) {
      using T = std::decay_t<decltype(x)>;
      if constexpr (std::is_same_v<T, engine::dispatch_task>) {
        // The agent's files before it is told: what changes after is this
        // attempt's (scope), and a sign of life (stalls).
        bool watch = st.cfg.plan.run.stall_after_s > 0
                     && !st.cfg.workdirs[x.agent].empty();
        ++st.dispatches[x.agent];
        if (st.scanner && (st.check_scope || watch)) {
          st.held.try_emplace(x.agent);
          hand_over_scan(self, {x.agent}, false);
        } else if (st.check_scope || watch) {
          auto files = scan_files(st.cfg.workdirs[x.agent]);
          if (watch)
            st.activity[x.agent] = files;
          if (st.check_scope)
            st.baselines[x.agent] = std::move(files);
        }
        auto r = engine::reason_of(x, st.engine->version());
        tell(self, x.agent,
             prompt_command{x.prompt, std::move(r.why), false, {}, false,
                            std::move(r.purpose)});
      } else if constexpr (std::is_same_v<T, engine::run_gate>) {
        start_gate(self, x);
      } else if constexpr (std::is_same_v<T, engine::tell_agent>) {
        tell(self, x.agent,
             prompt_command{x.text, x.why, false, x.ref, x.raw, x.purpose});
      } else if constexpr (std::is_same_v<T, engine::restart_agent>) {
        tell(self, x.agent, restart_command{x.why});
      } else if constexpr (std::is_same_v<T, engine::decide_approval>) {
        if (x.answer != engine::approval_answer::withdrawn) {
          auto r = engine::reason_of(x, st.engine->version());
          tell(self, x.agent,
               prompt_command{std::string{to_string(x.answer)},
                              std::move(r.why),
                              true,
                              {},
                              false,
                              std::move(r.purpose)});
        }
      } else if constexpr (std::is_same_v<T, engine::finish_run>) {
        finish(self, immediate);
      } else if constexpr (std::is_same_v<T, engine::ask_lead>) {
        // Kept until answered (a reset, which has no answer, for the whole
        // run): a lead started again is asked again, and passes over what
        // its stream says it already took.
        auto question = engine::to_event(d, st.engine->version());
        st.asked.emplace(x.ask, std::pair{x.team, question});
        if (auto l = st.leads.find(x.team); l != st.leads.end() && l->second)
          self->send(l->second, atom::ask_v, std::move(question));
        // (A lead being started again is asked once it is up.)
      }
      // task_settled, report_violation: the record is the whole effect.
    },
    d);
}

void arm(self_ptr self, uint64_t now) {
  auto& st = self->state;
  auto d = st.engine->next_deadline();
  if (d == 0 || d == st.armed)
    return;
  st.armed = d;
  self->delayed_send(self, std::chrono::microseconds{d > now ? d - now : 0},
                     atom::tick_v, d);
}

/// A chain's message to send once recorded: a lead's report up (`to`
/// empty), or the orchestrator's delivery to a lead (its team).
struct chain_send {
  std::string to;
  frame event;
  /// The orchestrator's delivery, kept to send again to a lead started
  /// again.
  std::optional<engine::recorded_delivery> delivery = {};
};
/// Sends `m` once recorded: up to the orchestrator, or down to a lead.
void send_chain(self_ptr self, const chain_send& m) {
  auto& st = self->state;
  if (m.to.empty()) {
    if (st.cfg.parent && *st.cfg.parent)
      self->send(*st.cfg.parent, atom::chain_v, m.event);
    return;
  }
  if (m.delivery)
    st.delivered.push_back(*m.delivery);
  if (auto l = st.cfg.chain_leads.find(m.to); l != st.cfg.chain_leads.end())
    self->send(l->second, atom::chain_v, m.event);
}

/// What applying an input gives, in the order it is recorded and done.
using act = std::variant<engine::orchestrator_decision, chain_send>;

/// A lead's reports after an input, numbered, to send up.
void take_reports(orchestrator_state& st, std::vector<act>& out) {
  for (auto& r : st.scope->take_reports())
    out.emplace_back(chain_send{{}, engine::to_event(r)});
}

/// The orchestrator's decisions in a chain: its own, and deliveries.
void add(std::vector<act>& out, std::vector<engine::chain_decision> ds) {
  for (auto& d : ds) {
    if (auto* x = std::get_if<engine::recorded_delivery>(&d))
      out.emplace_back(chain_send{x->scope, engine::to_event(*x), *x});
    else
      out.emplace_back(std::get<engine::orchestrator_decision>(std::move(d)));
  }
}

/// Applies one of its own inputs to whichever fold decides here.
std::vector<act> apply(orchestrator_state& st,
                       const engine::orchestrator_input& in, uint64_t now) {
  std::vector<act> out;
  if (st.chain) {
    add(out, st.chain->on(in, now));
  } else if (st.scope) {
    for (auto& d : st.scope->on(in, now))
      out.emplace_back(std::move(d));
    take_reports(st, out);
  } else {
    for (auto& d : st.whole->on(in, now))
      out.emplace_back(std::move(d));
  }
  return out;
}

/// Applies a chain's message from another node (recorded here already).
result<std::vector<act>> apply_chain(orchestrator_state& st, const frame& f,
                                     uint64_t now) {
  std::vector<act> out;
  try {
    capnp::FlatArrayMessageReader reader{f.words(), frame_reader_options()};
    auto e = reader.getRoot<schema::Event>();
    if (st.chain) {
      auto r = engine::report_from_event(e);
      if (!r)
        return error{ec::invalid_argument, "not a lead's report"};
      auto ds = st.chain->on(*r, now);
      if (!ds)
        return ds.err();
      add(out, std::move(*ds));
    } else if (st.scope) {
      auto d = engine::delivery_from_event(e);
      if (!d)
        return error{ec::invalid_argument, "not a delivery to a lead"};
      auto ds = st.scope->on(*d, now);
      if (!ds)
        return ds.err();
      for (auto& x : *ds)
        out.emplace_back(std::move(x));
      take_reports(st, out);
    }
  } catch (const kj::Exception& e) {
    return error{ec::corruption, e.getDescription().cStr()};
  }
  return out;
}

/// What `acts` record, in order.
std::vector<entry> entries_of(const orchestrator_state& st,
                              const std::vector<act>& acts, uint64_t now) {
  std::vector<entry> entries;
  for (auto& a : acts)
    if (auto* d = std::get_if<engine::orchestrator_decision>(&a))
      entries.push_back({engine::to_event(*d, st.engine->version()), now});
    else
      entries.push_back({std::get<chain_send>(a).event, now});
  return entries;
}

/// Records what an input gave, then does it: decisions carried out, chain
/// messages sent. `applied` as step's.
void carry_out(self_ptr self, std::vector<act> acts, uint64_t now,
               bool immediate, std::function<void(bool)> applied) {
  auto& st = self->state;
  if (st.folder && acts.empty())
    st.folder->sync(*st.engine);
  arm(self, now);
  if (acts.empty()) {
    if (applied)
      applied(true);
    return;
  }
  auto entries = entries_of(st, acts, now);
  // Whoever waits for the input to be applied (an operator's command)
  // hears of it once its decisions are in the log too: what it reads
  // next shows them.
  st.journal->record(std::move(entries), false,
                     [self, acts = std::move(acts), immediate, applied] {
                       auto& st = self->state;
                       if (applied)
                         applied(true);
                       for (auto& a : acts) {
                         if (auto* m = std::get_if<chain_send>(&a)) {
                           send_chain(self, *m);
                           continue;
                         }
                         auto& d = std::get<engine::orchestrator_decision>(a);
                         if (st.folder)
                           st.folder->apply(d);
                         execute(self, d, immediate);
                       }
                       if (st.folder)
                         st.folder->sync(*st.engine);
                     });
}

/// Record `input` (its event `recorded`) in `into` (the orchestrator's
/// stream unless said), apply it, record the decisions, carry them out.
/// `applied` runs once the input was applied and its decisions recorded
/// (or with false: the run finished meanwhile).
void step(self_ptr self, frame recorded,
          std::optional<engine::orchestrator_input> input, uint64_t now,
          detail::journal* into = nullptr,
          std::function<void(bool)> applied = {}) {
  auto& st = self->state;
  if (st.finished) {
    if (applied)
      applied(false);
    return;
  }
  if (into == nullptr)
    into = st.journal.get();
  into->record(
    {{std::move(recorded), now}}, false,
    [self, input = std::move(input), now, applied = std::move(applied)] {
      auto& st = self->state;
      if (!input || st.finished) {
        if (applied)
          applied(false);
        return;
      }
      auto acts = apply(st, *input, now);
      if (st.folder)
        if (auto* p = std::get_if<engine::protocol_seen>(&*input);
            p != nullptr && p->kind == engine::protocol_kind::contract
            && p->line.find("(file state/contracts/") == std::string::npos)
          st.folder->file_contract(*p);
      bool immediate = false;
      if (auto* s = std::get_if<engine::stop_requested>(&*input))
        immediate = s->immediate;
      if (auto* c = std::get_if<engine::operator_command>(&*input);
          c != nullptr && c->action == engine::operator_action::stop)
        immediate = c->immediate;
      carry_out(self, std::move(acts), now, immediate, applied);
    });
}

/// A chain's message from another node: recorded as this one's input,
/// then applied.
void on_chain(self_ptr self, frame f) {
  auto& st = self->state;
  if (st.finished)
    return;
  // What this node cannot take is said and not recorded: its stream would
  // not replay past it.
  std::string wrong;
  try {
    capnp::FlatArrayMessageReader reader{f.words(), frame_reader_options()};
    auto e = reader.getRoot<schema::Event>();
    if (st.chain) {
      auto r = engine::report_from_event(e);
      auto& scopes = st.chain->router().scopes();
      if (!r)
        wrong = "not a lead's report";
      else if (std::find(scopes.begin(), scopes.end(), r->scope)
               == scopes.end())
        wrong = "a report from team " + r->scope
                + ", which the chain does not have";
      else if (r->number <= st.chain->router().last_report(r->scope))
        return; // taken already: a lead started again sends it again
    } else if (st.scope) {
      auto d = engine::delivery_from_event(e);
      if (!d)
        wrong = "not a delivery to a lead";
      else if (d->scope != st.scope->name())
        wrong = "a delivery for team " + d->scope;
      else if (d->number <= st.scope->delivered())
        return; // taken already: sent again after a restart
    } else {
      wrong = "this run is not a chain";
    }
  } catch (const kj::Exception& e) {
    wrong = std::string{"it does not decode: "} + e.getDescription().cStr();
  }
  if (!wrong.empty()) {
    std::fprintf(stderr, "baton: %s: a chain message passed over: %s\n",
                 st.journal->stream().c_str(), wrong.c_str());
    return;
  }
  auto now = st.cfg.clock();
  st.journal->record({{f, now}}, false, [self, f, now] {
    auto& st = self->state;
    if (st.finished)
      return;
    auto acts = apply_chain(st, f, now);
    if (!acts) {
      std::fprintf(stderr, "baton: %s: a chain message cannot be applied: %s\n",
                   st.journal->stream().c_str(), acts.err().message().c_str());
      return;
    }
    carry_out(self, std::move(*acts), now, false, {});
  });
}

void on_input(self_ptr self, const engine::orchestrator_input& in) {
  step(self, engine::to_event(in), in, self->state.cfg.clock());
}

/// Time passes, but before a stall is decided: agents whose files changed
/// since they were last looked at are at work, and that is recorded first.
void time_passes(self_ptr self, uint64_t now) {
  auto& st = self->state;
  std::vector<std::string> due;
  for (auto& agent : st.engine->stall_due(now))
    if (!st.cfg.workdirs[agent].empty() && st.activity.contains(agent))
      due.push_back(agent);
  if (due.empty()) {
    on_input(self, engine::time_passed{});
    return;
  }
  if (st.scanner) {
    // Time passes once the look is back (a tick meanwhile waits for it).
    if (!std::exchange(st.looking, true))
      hand_over_scan(self, std::move(due), true);
    return;
  }
  std::vector<file_snapshot> files;
  for (auto& a : due)
    files.push_back(scan_files(st.cfg.workdirs[a]));
  for (auto& active : active_since(st, due, std::move(files)))
    on_input(self, active);
  on_input(self, engine::time_passed{});
}

void take_collected(self_ptr self, const shared_folder::collected& got);

/// A scan (or a poll of the state/ folder) handed over is back.
void on_scanned(self_ptr self, uint64_t id) {
  auto& st = self->state;
  if (auto poll = st.polls.find(id); poll != st.polls.end()) {
    auto got = std::move(poll->second);
    st.polls.erase(poll);
    take_collected(self, *got);
    return;
  }
  auto p = st.scans.find(id);
  if (p == st.scans.end())
    return;
  auto scan = std::move(p->second);
  st.scans.erase(p);
  auto files = st.scanner->take(id);
  if (files.size() != scan.agents.size())
    return;
  if (!scan.stalls) {
    auto& agent = scan.agents.front();
    if (scan.dispatches.front() != st.dispatches[agent])
      return; // a later dispatch's baseline is on its way
    if (st.cfg.plan.run.stall_after_s > 0)
      st.activity[agent] = files.front();
    if (st.check_scope)
      st.baselines[agent] = std::move(files.front());
    // (Nothing is held once the run stopped its workers.)
    if (auto h = st.held.extract(agent); !h.empty())
      for (auto& c : h.mapped())
        send_now(self, agent, c);
    return;
  }
  st.looking = false;
  // An agent dispatched again since is watched from its new baseline.
  std::vector<std::string> agents;
  std::vector<file_snapshot> current;
  for (size_t i = 0; i < scan.agents.size(); ++i)
    if (scan.dispatches[i] == st.dispatches[scan.agents[i]]
        && !st.held.contains(scan.agents[i])) {
      agents.push_back(scan.agents[i]);
      current.push_back(std::move(files[i]));
    }
  for (auto& active : active_since(st, agents, std::move(current)))
    on_input(self, active);
  on_input(self, engine::time_passed{});
}

/// In a chain, the lead a command is for ("": the orchestrator's own):
/// the team of its approval, its agent, its task, or a task added for
/// one of its agents.
std::string chain_target(const orchestrator_state& st,
                         const engine::operator_command& c) {
  // An approval's id names its lead's team ("frontend/a1").
  if (auto slash = c.approval.find('/'); slash != std::string::npos)
    return c.approval.substr(0, slash);
  auto name = c.agent.empty() ? c.task : c.agent;
  // A task added for an agent is the agent's team's.
  if (c.action == engine::operator_action::add_task)
    if (auto t = engine::parse_task(c.text, "task " + c.task); t)
      name = t->agent;
  auto i = st.chain_index.find(name);
  return i == st.chain_index.end() ? std::string{} : i->second;
}

/// An operator's command: checked against the run as it stands, then
/// recorded on the operator stream and applied like any input. The reply
/// ("ok: <id>" or "error: ...") is delivered once it was applied and what
/// it decided is in the log: a status read after the reply shows it.
caf::result<std::string> operate(self_ptr self, const frame& f) {
  auto& st = self->state;
  std::optional<engine::orchestrator_input> in;
  try {
    capnp::FlatArrayMessageReader reader{f.words(), frame_reader_options()};
    in = engine::input_from_event(reader.getRoot<schema::Event>());
  } catch (const kj::Exception& e) {
    return std::string{"error: the command does not decode: "}
           + e.getDescription().cStr();
  }
  auto* c = in ? std::get_if<engine::operator_command>(&*in) : nullptr;
  if (c == nullptr)
    return std::string{"error: not an operator command"};
  if (st.finished || !st.started)
    return std::string{st.finished ? "error: the run has finished"
                                   : "error: the run has not started yet"};
  // A chain: a command about a team's agent or task is its lead's (the
  // orchestrator numbers it); a stop is every node's.
  bool numbered = false;
  if (st.chain) {
    auto to = chain_target(st, *c);
    if (!to.empty() && !st.cfg.chain_leads.contains(to))
      return "error: approval " + c->approval + " names team " + to
             + ", which the chain does not have";
    // A stop is checked here first: the leads stop only with the run.
    if (to.empty())
      if (auto problem = st.engine->check_operator(*c); !problem.empty())
        return "error: " + problem;
    if (!to.empty() || c->action == engine::operator_action::stop) {
      c->id = "o" + std::to_string(st.next_operator++);
      numbered = true;
      auto forwarded = engine::to_event(*in);
      if (!to.empty()) {
        // A number the lead refused is given back, unless another command
        // took the next one meanwhile.
        // A task added to a team is that lead's from then on.
        auto rp = self->make_response_promise<std::string>();
        auto taken = st.next_operator;
        auto added = c->action == engine::operator_action::add_task
                       ? c->task
                       : std::string{};
        self
          ->request(st.cfg.chain_leads.at(to), std::chrono::seconds{30},
                    atom::operate_v, std::move(forwarded))
          .then(
            [self, rp, taken, added, to](std::string& answer) mutable {
              auto& st = self->state;
              if (!answer.starts_with("error: ")) {
                if (!added.empty())
                  st.chain_index[added] = to;
              } else if (st.next_operator == taken) {
                --st.next_operator;
              }
              rp.deliver(std::move(answer));
            },
            [rp](caf::error& e) mutable {
              rp.deliver("error: the team's lead did not answer: "
                         + caf::to_string(e));
            });
        return rp;
      }
      // (Each lead answers once it applied it; the operator hears the
      // orchestrator's answer.)
      st.stop_asked = st.stop_asked.value_or(false) || c->immediate;
      for (auto& [team, lead] : st.cfg.chain_leads)
        self
          ->request(lead, std::chrono::seconds{30}, atom::operate_v, forwarded)
          .then([](const std::string&) {}, [](const caf::error&) {});
    }
  }
  if (auto problem = st.engine->check_operator(*c); !problem.empty())
    return "error: " + problem;
  // A lead takes the number the orchestrator gave, and records the command
  // on its own stream (the operator's is the orchestrator's input).
  if (!numbered && !(st.scope && !c->id.empty()))
    c->id = "o" + std::to_string(st.next_operator++);
  auto id = c->id;
  auto rp = self->make_response_promise<std::string>();
  auto command = *c;
  // Encoded first: the input is moved into step() below.
  auto recorded = engine::to_event(*in);
  step(self, std::move(recorded), std::move(in), st.cfg.clock(),
       st.scope ? st.journal.get() : st.operator_journal.get(),
       [self, rp, id, command](bool applied) mutable {
         if (!applied) {
           rp.deliver(std::string{"error: the run finished before "} + id
                      + " was applied");
           return;
         }
         rp.deliver("ok: " + id);
       });
  return rp;
}

/// A worker's report: recorded as an input of the orchestrator, then
/// applied.
void on_report(self_ptr self, frame& f) {
  auto r = decode_worker_report(f);
  if (!r) {
    std::fprintf(stderr, "baton: orchestrator: %s\n",
                 r.err().message().c_str());
    return;
  }
  capnp::FlatArrayMessageReader reader{r->event.words(),
                                       frame_reader_options()};
  auto in = engine::input_from_event(reader.getRoot<schema::Event>());
  step(self, std::move(r->event), std::move(in), self->state.cfg.clock());
}

constexpr std::chrono::milliseconds folder_poll{250};

/// Mesh: what agents wrote in the shared folder becomes inputs, recorded
/// before anything acts on them; the next poll is 250 ms after this one
/// came back.
void take_collected(self_ptr self, const shared_folder::collected& got) {
  auto& st = self->state;
  if (st.finished)
    return;
  for (auto& e : got.errors)
    std::fprintf(stderr, "baton: %s\n", e.c_str());
  for (auto& c : got.contracts)
    on_input(self, c);
  for (auto& l : got.locks)
    on_input(self, l);
  self->delayed_send(self, folder_poll, atom::tick_v);
}

/// Lists and reads the folder on the scanner's thread ((scanned, id) comes
/// back), or here with inline gates.
void poll_folder(self_ptr self) {
  auto& st = self->state;
  if (st.finished || !st.folder)
    return;
  if (!st.scanner) {
    take_collected(self, st.folder->collect());
    return;
  }
  auto got = std::make_shared<shared_folder::collected>();
  caf::weak_actor_ptr me = caf::actor_cast<caf::weak_actor_ptr>(self);
  auto id = st.scanner->run(
    [folder = st.folder, got] { *got = folder->collect(); },
    [me](uint64_t id) {
      if (auto strong = me.lock())
        caf::anon_send(caf::actor_cast<orchestrator_actor>(strong),
                       atom::scanned_v, id);
    });
  st.polls[id] = std::move(got);
}

/// Spawns the lead of a team from `seed` in the orchestrator's system,
/// answering to it.
lead_actor spawn_lead(caf::actor_system& sys, orchestrator_actor me,
                      const log_actor& log, const logical_clock& clock,
                      engine::lead_seed seed, uint64_t snapshot_every) {
  auto cfg = std::make_shared<lead_config>();
  cfg->seed = std::make_unique<engine::lead_seed>(std::move(seed));
  cfg->snapshot_every = snapshot_every;
  cfg->log = log;
  cfg->clock = clock;
  cfg->id_high = detail::random_high();
  cfg->orchestrator = std::move(me);
  return sys.spawn(lead_actor_impl, std::move(cfg));
}

void adopt_lead(self_ptr self, const std::string& team, lead_actor lead) {
  auto& st = self->state;
  self->monitor(lead);
  st.lead_of[lead.address()] = team;
  st.leads[team] = lead;
  // What it was asked and the orchestrator did not hear answered: again,
  // in order (it answers from its stream what it already decided).
  for (auto& [ask, q] : st.asked)
    if (q.first == team)
      self->send(lead, atom::ask_v, q.second);
}

/// A lead died before the run finished: started again from its stream, off
/// the actor's thread (a read of the log).
void restart_lead(self_ptr self, const std::string& team) {
  auto& st = self->state;
  st.leads[team] = lead_actor{};
  if (!st.cfg.rebuild_lead) {
    std::fprintf(stderr,
                 "baton: the lead of team %s died and cannot be started "
                 "again here: its team is no longer supervised\n",
                 team.c_str());
    return;
  }
  auto me = caf::actor_cast<orchestrator_actor>(self);
  self->home_system().spawn([team, me, rebuild = st.cfg.rebuild_lead,
                             log = st.cfg.log, clock = st.cfg.clock,
                             every = st.cfg.plan.run.snapshot_every](
                              caf::blocking_actor* helper) {
    auto seed = rebuild(team);
    if (!seed) {
      caf::anon_send(me, atom::lead_v, team, caf::actor{},
                     seed.err().message());
      return;
    }
    auto lead = spawn_lead(helper->home_system(), me, log, clock,
                           std::move(*seed), every);
    caf::anon_send(me, atom::lead_v, team,
                   caf::actor_cast<caf::actor>(lead), std::string{});
  });
}

/// A chain's node (resumed, or a lead started again) goes on from its
/// stream: the messages it recorded that the other side had not taken are
/// sent again, then what it derived and did not record is recorded and its
/// messages sent. A lead started again also carries out those decisions
/// (nothing else will: its team kept working) and runs again the gates of
/// its tasks being verified (their outcomes went to the actor that died); a
/// resumed node does not (the resumed start redoes what they were).
void go_on_from_stream(self_ptr self) {
  auto& st = self->state;
  for (auto& [to, f] : std::exchange(st.cfg.resend, {}))
    send_chain(self, chain_send{to, f});
  std::vector<act> acts;
  std::set<std::string> gated;
  for (auto& f : std::exchange(st.cfg.unrecorded_events, {})) {
    capnp::FlatArrayMessageReader reader{f.words(), frame_reader_options()};
    auto e = reader.getRoot<schema::Event>();
    if (auto r = engine::report_from_event(e)) {
      acts.emplace_back(chain_send{{}, f});
    } else if (auto d = engine::delivery_from_event(e)) {
      acts.emplace_back(chain_send{d->scope, f, *d});
    } else if (auto x = engine::decision_from_event(e)) {
      if (auto* g = std::get_if<engine::run_gate>(&*x))
        gated.insert(g->task);
      acts.emplace_back(std::move(*x));
    }
  }
  auto now = st.cfg.clock();
  if (st.cfg.go_on) {
    for (auto& [id, t] : st.engine->tasks())
      if (t.status == engine::task_status::verifying && !gated.contains(id))
        start_gate(self, engine::run_gate{id, t.attempt, t.agent, t.evidence});
    carry_out(self, std::move(acts), now, false, {});
    return;
  }
  if (acts.empty())
    return;
  auto entries = entries_of(st, acts, now);
  st.journal->record(std::move(entries), false, [self, acts] {
    for (auto& a : acts)
      if (auto* m = std::get_if<chain_send>(&a))
        send_chain(self, *m);
  });
}

/// A chain's lead died before the run finished: started again from its
/// stream, off the actor's thread (a read of the log). It sends again the
/// reports numbered above the router's last from it.
void restart_chain_lead(self_ptr self, const std::string& team) {
  auto& st = self->state;
  auto me = caf::actor_cast<orchestrator_actor>(self);
  if (!st.cfg.restart_chain_lead) {
    std::fprintf(stderr,
                 "baton: the lead of team %s died and cannot be started "
                 "again here: its team's reports go nowhere; stop the run "
                 "and resume it\n",
                 team.c_str());
    return;
  }
  std::fprintf(stderr,
               "baton: the lead of team %s died; starting it again from its "
               "stream\n",
               team.c_str());
  auto taken = st.chain->router().last_report(team);
  self->home_system().spawn(
    [team, me, taken, log = st.cfg.log,
     restart = st.cfg.restart_chain_lead](caf::blocking_actor* helper) {
      // What the dead lead had on its way to the log is there first: its
      // stream is read whole.
      std::string unsynced;
      helper->request(log, std::chrono::seconds{30}, atom::sync_v)
        .receive([](frame&) {},
                 [&](caf::error& e) { unsynced = caf::to_string(e); });
      if (!unsynced.empty()) {
        caf::anon_send(me, atom::chain_v, team, caf::actor{}, uint64_t{0},
                       "the log did not answer: " + unsynced);
        return;
      }
      auto lead = restart(team, taken);
      if (!lead)
        caf::anon_send(me, atom::chain_v, team, caf::actor{}, uint64_t{0},
                       lead.err().message());
      else
        caf::anon_send(me, atom::chain_v, team,
                       caf::actor_cast<caf::actor>(lead->first), lead->second,
                       std::string{});
    });
}

/// A chain's lead started again: monitored, sent what it had not taken.
void adopt_chain_lead(self_ptr self, const std::string& team,
                      orchestrator_actor lead, uint64_t delivered,
                      const std::string& why) {
  auto& st = self->state;
  if (!lead) {
    std::fprintf(stderr,
                 "baton: the lead of team %s cannot be started again: %s; "
                 "stop the run and resume it\n",
                 team.c_str(), why.c_str());
    return;
  }
  self->monitor(lead);
  st.chain_lead_of[lead.address()] = team;
  st.cfg.chain_leads[team] = lead;
  // In order, before any delivery recorded from now on (sent to it once
  // recorded).
  for (auto& f : engine::not_taken(st.delivered, team, delivered))
    self->send(lead, atom::chain_v, std::move(f));
  // A stop asked for while it was dead reaches it too.
  if (st.finished || st.stop_asked)
    self->send(lead, atom::stop_v,
               st.finished || st.stop_asked.value_or(false));
}

/// A lead's answer: recorded as an input and applied, once (a lead started
/// again may answer a question twice).
void on_lead_report(self_ptr self, frame& f) {
  auto& st = self->state;
  std::optional<engine::orchestrator_input> in;
  try {
    capnp::FlatArrayMessageReader reader{f.words(), frame_reader_options()};
    in = engine::input_from_event(reader.getRoot<schema::Event>());
  } catch (const kj::Exception& e) {
    std::fprintf(stderr, "baton: orchestrator: a lead's answer does not "
                         "decode: %s\n",
                 e.getDescription().cStr());
    return;
  }
  auto* r = in ? std::get_if<engine::lead_reported>(&*in) : nullptr;
  if (r == nullptr || st.asked.erase(r->ask) == 0)
    return;
  step(self, std::move(f), std::move(in), st.cfg.clock());
}

bool has_node(const engine::recorded_orchestrator& r) {
  return r.engine != nullptr;
}
template<class Node>
bool has_node(const engine::recorded_chain_node<Node>& r) {
  return r.node != nullptr;
}

/// Snapshots bound a rebuild (DESIGN.md §2): a second fold of the streams,
/// event by event as the journals record them, is what a rebuild up to
/// there gives; every snapshot_every records of its stream (the
/// orchestrator's, or a chain's lead's) its save() goes to the log.
/// `slot`: where the state keeps that fold (the whole plan's, or a chain's
/// node's), set before.
template<class Recorded>
void keep_recorded(self_ptr self,
                   std::unique_ptr<Recorded> orchestrator_state::*slot) {
  auto& st = self->state;
  st.snapshot_at = (st.*slot)->sequence;
  auto seen = [self, slot](std::string_view stream, uint64_t sequence,
                           uint64_t logical_time, const frame& f) {
    auto& st = self->state;
    auto& recorded = st.*slot;
    if (!recorded)
      return;
    result<void> ok;
    try {
      capnp::FlatArrayMessageReader in{f.words(), frame_reader_options()};
      ok = recorded->fold(stream, sequence, in.getRoot<schema::Event>(),
                          logical_time);
    } catch (const kj::Exception& e) {
      ok = error{ec::corruption, e.getDescription().cStr()};
    }
    if (!ok) {
      std::fprintf(stderr, "baton: %s saves no more snapshots: %s@%llu: %s\n",
                   st.journal->stream().c_str(), std::string{stream}.c_str(),
                   static_cast<unsigned long long>(sequence),
                   ok.err().message().c_str());
      recorded.reset();
      return;
    }
    st.recorded_bytes += f.size_bytes();
    auto at = recorded->sequence;
    if (!has_node(*recorded)
        || at < st.snapshot_at + st.cfg.plan.run.snapshot_every)
      return;
    // Every snapshot_every records, and never more than a quarter of what
    // the streams wrote since the last one: a large run's fold (about 8 MiB
    // at 10 000 workers) is not written every few thousand records. Before
    // the first, its size is guessed from the tasks and agents it holds
    // (about 280 bytes each at 10 000 workers).
    auto expected = st.snapshot_bytes;
    if (expected == 0)
      expected = 256 * (st.engine->tasks().size() + st.engine->agents().size());
    if (st.recorded_bytes >= 4 * expected) {
      auto saved = recorded->save();
      st.snapshot_at = at;
      st.snapshot_bytes = saved.size_bytes();
      st.recorded_bytes = 0;
      self->send(st.cfg.log, atom::snapshot_v, st.journal->stream(), at,
                 recorded->last_time, std::move(saved));
    }
  };
  auto all = [](const frame&) { return true; };
  st.journal->observe(
    all, [seen, self](uint64_t sequence, uint64_t t, const frame& f) {
      seen(self->state.journal->stream(), sequence, t, f);
    });
  st.operator_journal->observe(
    all, [seen](uint64_t sequence, uint64_t t, const frame& f) {
      seen(engine::operator_stream_name, sequence, t, f);
    });
}

} // namespace

void report_slot::set(orchestrator_actor a) {
  std::lock_guard lock{mu_};
  actor_ = std::move(a);
  held_ = false;
  for (auto& f : std::exchange(waiting_, {}))
    caf::anon_send(actor_, atom::report_v, std::move(f));
}

void report_slot::hold() {
  std::lock_guard lock{mu_};
  held_ = true;
}

void report_slot::send(frame report) {
  std::lock_guard lock{mu_};
  if (held_)
    waiting_.push_back(std::move(report));
  else
    caf::anon_send(actor_, atom::report_v, std::move(report));
}

orchestrator_actor::behavior_type orchestrator_actor_impl(
  orchestrator_actor::stateful_pointer<orchestrator_state> self,
  std::shared_ptr<orchestrator_config> cfg) {
  auto& st = self->state;
  st.cfg = std::move(*cfg);
  // A chain's node (new, or as its stream left it), or the whole plan's
  // fold.
  if (st.cfg.plan.run.chain && !st.cfg.resume) {
    if (st.cfg.scope) {
      // (The team cut it to the scope: a lead never holds the whole plan.)
      if (!st.cfg.plan.scope)
        st.cfg.plan = engine::team_scope(st.cfg.plan, *st.cfg.scope);
      // The second fold its snapshots save: as its stream left it (none
      // when that copy could not be made), or new.
      bool going_on = st.cfg.resume_scope != nullptr;
      st.scope = going_on ? std::move(st.cfg.resume_scope)
                          : std::make_unique<engine::chain_scope>(st.cfg.plan);
      st.engine = &st.scope->fold();
      st.recorded_scope = std::move(st.cfg.recorded_scope);
      if (!going_on && st.cfg.plan.run.snapshot_every > 0) {
        st.recorded_scope = std::make_unique<engine::recorded_scope>();
        st.recorded_scope->node
          = std::make_unique<engine::chain_scope>(st.cfg.plan);
      }
    } else {
      // Above the leads it keeps its own scope's plan, and of the teams
      // only whose each agent and task is.
      bool going_on = st.cfg.resume_chain != nullptr;
      st.chain = going_on
                   ? std::move(st.cfg.resume_chain)
                   : std::make_unique<engine::chain_orchestrator>(st.cfg.plan);
      st.engine = &st.chain->own().fold();
      st.recorded_top = std::move(st.cfg.recorded_top);
      if (!going_on && st.cfg.plan.run.snapshot_every > 0) {
        st.recorded_top = std::make_unique<engine::recorded_top>();
        st.recorded_top->node
          = std::make_unique<engine::chain_orchestrator>(st.cfg.plan);
      }
      engine::scope_index index{st.cfg.plan};
      for (auto& a : st.cfg.plan.agents)
        if (auto team = index.of_agent(a.name); !team.empty())
          st.chain_index[a.name] = team;
      for (auto& t : st.cfg.plan.tasks)
        if (auto team = index.of_task(st.cfg.plan, t); !team.empty())
          st.chain_index[t.id] = team;
      st.chain_index.merge(st.cfg.added_tasks);
      st.cfg.plan = engine::team_scope(st.cfg.plan, "");
      st.delivered = std::move(st.cfg.delivered);
      for (auto& [team, lead] : st.cfg.chain_leads) {
        self->monitor(lead);
        st.chain_lead_of[lead.address()] = team;
      }
    }
  } else {
    st.whole = st.cfg.resume
                 ? std::move(st.cfg.resume)
                 : std::make_unique<engine::orchestrator>(st.cfg.plan);
    st.engine = st.whole.get();
  }
  for (auto& t : st.cfg.plan.tasks)
    st.tasks[t.id] = &t;
  auto pattern = st.cfg.plan.run.pattern;
  if ((pattern == engine::plan_pattern::swarm
       || pattern == engine::plan_pattern::mesh)
      && !st.cfg.workspace.empty())
    st.folder = std::make_shared<shared_folder>(st.cfg.workspace,
                                                !st.cfg.inline_gates);
  // Without an ownership table there is nothing to check a change against.
  // Mesh: every attempt's changes are checked against the locks.
  st.check_scope
    = st.cfg.plan.run.pattern == engine::plan_pattern::mesh
      || std::any_of(st.cfg.plan.agents.begin(), st.cfg.plan.agents.end(),
                     [](auto& a) { return !a.owns.empty(); });
  if (!st.cfg.inline_gates
      && (st.check_scope || st.cfg.plan.run.stall_after_s > 0))
    st.scanner = std::make_unique<detail::scanner>();
  auto log = st.cfg.log;
  auto append = detail::append_through(self, log);
  auto failed = [self](const error& e) {
    std::fprintf(stderr, "baton: the orchestrator stops: cannot record: %s\n",
                 e.message().c_str());
    self->state.finished = true;
    stop_workers(self, "the log failed", true);
    self->quit(caf::sec::runtime_error);
  };
  st.journal = std::make_unique<detail::journal>(
    st.scope ? engine::lead_stream(*st.cfg.scope) : "orchestrator",
    st.cfg.id_high, append);
  st.journal->on_failure(failed);
  st.operator_journal = std::make_unique<detail::journal>(
    "operator", st.cfg.operator_id_high, append);
  st.operator_journal->on_failure(failed);
  st.next_operator = std::max<uint64_t>(
    std::stoull(st.engine->next_operator_id().substr(1)), st.cfg.next_operator);
  if (st.cfg.plan.run.snapshot_every > 0) {
    if (st.whole) {
      st.recorded = st.cfg.recorded
                      ? std::move(st.cfg.recorded)
                      : std::make_unique<engine::recorded_orchestrator>();
      keep_recorded(self, &orchestrator_state::recorded);
    } else if (st.scope && st.recorded_scope) {
      keep_recorded(self, &orchestrator_state::recorded_scope);
    } else if (st.chain && st.recorded_top) {
      keep_recorded(self, &orchestrator_state::recorded_top);
    }
  }
  // A plan with teams: a lead per team (a run recorded before leads
  // existed goes on without).
  if (!st.cfg.plan.teams.empty() && st.whole
      && (!st.engine->begun() || st.engine->leads())) {
    auto me = caf::actor_cast<orchestrator_actor>(self);
    for (auto& t : st.cfg.plan.teams) {
      auto seed = st.cfg.lead_seeds.find(t.name);
      auto lead = spawn_lead(self->home_system(), me, log, st.cfg.clock,
                             seed != st.cfg.lead_seeds.end()
                               ? std::move(seed->second)
                               : engine::lead_seed{engine::team_lead{
                                 st.cfg.plan, t.name,
                                 st.engine->begun() ? st.engine->version()
                                                    : engine::record_version}},
                             st.cfg.plan.run.snapshot_every);
      adopt_lead(self, t.name, lead);
    }
    st.cfg.lead_seeds.clear();
  }
  self->set_down_handler([self](caf::down_msg& m) {
    auto& st = self->state;
    if (auto lead = st.chain_lead_of.find(m.source);
        lead != st.chain_lead_of.end()) {
      auto name = lead->second;
      st.chain_lead_of.erase(lead);
      if (st.finished || m.reason == caf::exit_reason::normal)
        return;
      // (A lead that could not record stopped its team: the log failed,
      // and starting it again would fail the same way.)
      if (m.reason == caf::sec::runtime_error) {
        std::fprintf(stderr,
                     "baton: the lead of team %s stopped: it could not "
                     "record; it is not started again\n",
                     name.c_str());
        return;
      }
      restart_chain_lead(self, name);
      return;
    }
    auto team = st.lead_of.find(m.source);
    if (team == st.lead_of.end())
      return;
    auto name = team->second;
    st.lead_of.erase(team);
    if (!st.finished)
      restart_lead(self, name);
  });
  return {
    [self](atom::start) {
      auto& st = self->state;
      if (st.started)
        return;
      st.started = true;
      bool resumed = st.engine->begun();
      // A chain's node as its stream left it: what it recorded and the
      // other side had not taken, sent again; then what it derived and did
      // not record, recorded and sent (in number order, before anything it
      // sends from now on).
      if (resumed && (st.chain || st.scope))
        go_on_from_stream(self);
      if (st.cfg.go_on) {
        // (A lead started again: its workers kept working.)
        arm(self, st.cfg.clock());
        for (auto& f : std::exchange(st.early_reports, {}))
          on_report(self, f);
        for (auto& f : std::exchange(st.early_chain, {}))
          on_chain(self, std::move(f));
        return;
      }
      if (resumed && !st.cfg.unrecorded.empty()) {
        // What the stopped engine decided last and did not record: recorded
        // now, and carried out only where the resumed start does not redo
        // it (every agent is new: prompts are superseded by the re-dispatch
        // with its checkpoint, gates of unsettled tasks run again).
        std::vector<entry> entries;
        auto now = st.cfg.clock();
        for (auto& d : st.cfg.unrecorded)
          entries.push_back({engine::to_event(d, st.engine->version()), now});
        st.journal->record(std::move(entries), false, [] {});
      }
      if (st.engine->finished()) {
        finish(self, false);
        return;
      }
      if (st.folder
          && st.cfg.plan.run.pattern == engine::plan_pattern::mesh)
        self->delayed_send(self, folder_poll, atom::tick_v);
      on_input(self, engine::run_begun{
                       st.cfg.plan_path, st.cfg.plan_text,
                       std::string{engine::to_string(st.cfg.plan.run.pattern)},
                       resumed, st.cfg.workspace,
                       resumed ? st.cfg.checkpoints
                               : std::map<std::string, std::string>{},
                       !st.leads.empty(),
                       resumed ? st.engine->version() : engine::record_version,
                       st.cfg.plan.run.chain});
      for (auto& f : std::exchange(st.early_reports, {}))
        on_report(self, f);
      for (auto& f : std::exchange(st.early_chain, {}))
        on_chain(self, std::move(f));
    },
    [self](atom::report, frame& f) {
      if (!self->state.started) {
        self->state.early_reports.push_back(std::move(f));
        return;
      }
      on_report(self, f);
    },
    [self](atom::gate, frame& f) {
      auto g = decode_gate_report(f);
      if (!g) {
        std::fprintf(stderr, "baton: orchestrator: %s\n",
                     g.err().message().c_str());
        return;
      }
      // (The gate claimed the changes it took as its agent's.)
      if (!g->changed.empty())
        if (auto t = self->state.engine->tasks().find(g->task);
            t != self->state.engine->tasks().end())
          tell(self, t->second.agent,
               files_command{g->task, g->attempt, g->changed});
      on_input(self, *g);
    },
    [self](atom::tick, uint64_t deadline) {
      auto& st = self->state;
      if (deadline != st.armed)
        return; // superseded
      st.armed = 0;
      auto now = st.cfg.clock();
      if (now < deadline) {
        arm(self, now);
        return;
      }
      time_passes(self, now);
    },
    [self](atom::scanned, uint64_t id) { on_scanned(self, id); },
    [self](atom::tick) { poll_folder(self); },
    [self](atom::stop, bool immediate) {
      auto& st = self->state;
      st.stop_asked = st.stop_asked.value_or(false) || immediate;
      // A chain stops as a whole: each lead settles its team's tasks, and
      // the router ends the chain once every scope has settled.
      for (auto& [team, lead] : st.cfg.chain_leads)
        self->send(lead, atom::stop_v, immediate);
      if (st.finished) {
        if (immediate)
          stop_workers(self, "stopped at once", true);
        return;
      }
      on_input(
        self, engine::stop_requested{"interrupted by the operator", immediate});
    },
    [self](atom::operate, frame& f) -> caf::result<std::string> {
      return operate(self, f);
    },
    [self](atom::lead, frame& f) { on_lead_report(self, f); },
    [self](atom::chain, frame& f) {
      if (!self->state.started) {
        self->state.early_chain.push_back(std::move(f));
        return;
      }
      on_chain(self, std::move(f));
    },
    [self](atom::lead, const std::string& team, caf::actor& lead,
           const std::string& why) {
      auto& st = self->state;
      if (!lead) {
        std::fprintf(stderr,
                     "baton: the lead of team %s died and cannot be started "
                     "again: %s; its team is no longer supervised\n",
                     team.c_str(), why.c_str());
        return;
      }
      auto typed = caf::actor_cast<lead_actor>(lead);
      if (st.finished) {
        self->send_exit(typed, caf::exit_reason::normal);
        return;
      }
      adopt_lead(self, team, typed);
    },
    [self](atom::chain, const std::string& team, caf::actor& lead,
           uint64_t delivered, const std::string& why) {
      adopt_chain_lead(self, team, caf::actor_cast<orchestrator_actor>(lead),
                       delivered, why);
    },
    [self](atom::lead, const std::string& team) -> caf::actor {
      if (auto c = self->state.cfg.chain_leads.find(team);
          c != self->state.cfg.chain_leads.end())
        return caf::actor_cast<caf::actor>(c->second);
      auto l = self->state.leads.find(team);
      return l == self->state.leads.end()
               ? caf::actor{}
               : caf::actor_cast<caf::actor>(l->second);
    },
  };
}

} // namespace baton::actors
