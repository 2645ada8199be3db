#include "actors/team.hpp"

#include "engine/orchestration/team_scope.hpp"

#include <random>

#include <caf/actor_cast.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "actors/detail/file_writer.hpp"
#include "actors/detail/random_high.hpp"
#include "actors/log_actor.hpp"
#include "actors/messages.hpp"
#include "actors/orchestrator_actor.hpp"
#include "engine/orchestration/orchestrator_event.hpp"
#include "engine/orchestration/team_scope.hpp"

namespace baton::actors {

namespace {

/// With [run] snapshot_every, the second copy of a chain's node going on
/// from `seed` that its actor keeps folding, whose save() its snapshots
/// are; null without, or when it cannot be made (said: the node saves
/// none, and goes on).
template<class Seed>
auto snapshot_copy(const Seed& seed, const engine::plan& base) {
  using copy = std::decay_t<decltype(*engine::recorded_copy(seed, base))>;
  std::unique_ptr<copy> out;
  if (base.run.snapshot_every == 0)
    return out;
  auto made = engine::recorded_copy(seed, base);
  if (!made) {
    std::fprintf(stderr, "baton: a chain's node saves no snapshots: %s\n",
                 made.err().message().c_str());
    return out;
  }
  out = std::make_unique<copy>(std::move(*made));
  return out;
}

using detail::random_high;

template<class Handle, class Signal>
void on_quit(const Handle& h, std::shared_ptr<Signal> sig,
             std::function<void()> f) {
  auto ptr = caf::actor_cast<caf::strong_actor_ptr>(h);
  ptr->get()->attach_functor([sig = std::move(sig), f = std::move(f)] {
    // Notified under the lock: a waiter that sees the change cannot go on
    // (and destroy the team) before this is done with it.
    std::lock_guard lock{sig->mu};
    f();
    sig->cv.notify_all();
  });
}

/// A chain's lead's members' reports wait in `slot` from the end of its
/// actor (until a lead started again takes them).
void hold_when_ended(const orchestrator_actor& lead,
                     std::shared_ptr<report_slot> slot) {
  auto ptr = caf::actor_cast<caf::strong_actor_ptr>(lead);
  ptr->get()->attach_functor([slot = std::move(slot)] { slot->hold(); });
}

/// Sends a host's report to its agent's node (`to`, by agent): false when
/// the report names none of them.
bool chain_target_of(
  const std::map<std::string, std::function<void(frame)>>& to, frame& f) {
  auto r = decode_worker_report(f);
  if (!r)
    return false;
  std::string agent;
  try {
    capnp::FlatArrayMessageReader in{r->event.words(), frame_reader_options()};
    auto e = in.getRoot<schema::Event>();
    if (e.isWorkerReported())
      agent = e.getWorkerReported().getAgent();
  } catch (const kj::Exception&) {
    return false;
  }
  auto i = to.find(agent);
  if (i == to.end())
    return false;
  i->second(std::move(f));
  return true;
}

} // namespace

void configure_actor_system(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::baton>();
  cfg.set("scheduler.policy", caf::atom("sharing"));
}

result<std::unique_ptr<team>> team::start(caf::actor_system& sys,
                                          storage::event_log& log,
                                          team_options opts) {
  if (!opts.clock)
    return error{ec::invalid_argument, "a team needs a clock"};
  // runStarted records the plan's text, and replay, resume and fork parse
  // it again: a run started without it could never be replayed.
  if (opts.plan_text.empty() && !(opts.resume && opts.resume->begun())
      && !opts.chain_top)
    return error{ec::invalid_argument,
                 "a team needs its plan's text (team_options.plan_text), "
                 "which the run records so that it can be replayed"};
  std::map<std::string, team_agent*> by_name;
  std::map<std::string, team_host*> hosts;
  for (auto& h : opts.hosts)
    hosts[h.name] = &h;
  for (auto& a : opts.agents) {
    if (!a.host.empty()) {
      if (!hosts.contains(a.host) || hosts[a.host]->net == nullptr)
        return error{ec::invalid_argument,
                     "agent " + a.name + " names host " + a.host
                       + ", which the team was not given"};
    } else if (!a.terminal || !a.pack)
      return error{ec::invalid_argument,
                   "agent " + a.name + " needs a terminal and a pack"};
    if (opts.plan.find_agent(a.name) == nullptr)
      return error{ec::invalid_argument,
                   "agent " + a.name + " is not in the plan"};
    by_name[a.name] = &a;
  }
  for (auto& a : opts.plan.agents)
    if (!by_name.contains(a.name))
      return error{ec::invalid_argument,
                   "agent " + a.name + " of the plan has no terminal"};

  // The record format: a resumed run keeps the one it began with.
  bool resumed = opts.resume != nullptr || opts.chain_top != nullptr;
  uint16_t version
    = opts.resume && opts.resume->begun() ? opts.resume->version()
      : opts.chain_top ? opts.chain_top->node->own().fold().version()
                       : engine::record_version;
  std::unique_ptr<team> t{new team};
  t->alive_ = std::make_shared<size_t>(0);
  t->log_alive_ = std::make_shared<bool>(true);
  t->log_ = opts.deterministic ? sys.spawn(inline_log_actor_impl, &log)
                               : sys.spawn(log_actor_impl, &log);
  on_quit(t->log_, t->sig_, [flag = t->log_alive_] { *flag = false; });

  // The orchestrator is spawned after the workers (it needs their handles);
  // workers report to it through this slot, filled before anyone starts.
  auto slot = std::make_shared<orchestrator_actor>();
  auto ocfg = std::make_shared<orchestrator_config>();
  // A supervisor chain: each top team's lead runs its team, and its
  // members report to it (a slot each, filled the same way).
  bool chain = opts.plan.run.chain && !opts.resume;
  std::map<std::string, std::shared_ptr<report_slot>> lead_slots;
  std::map<std::string, std::shared_ptr<orchestrator_config>> lead_cfgs;
  if (chain)
    for (auto& scope : engine::chain_scopes(opts.plan))
      if (!scope.empty()) {
        lead_slots[scope] = std::make_shared<report_slot>();
        lead_cfgs[scope] = std::make_shared<orchestrator_config>();
      }
  // Who an agent reports to, and whose config holds its worker.
  engine::scope_index scopes{chain ? opts.plan : engine::plan{}};
  auto node_of = [&](const std::string& agent)
    -> std::pair<std::function<void(frame)>,
                 std::shared_ptr<orchestrator_config>> {
    if (chain)
      if (auto scope = scopes.of_agent(agent); !scope.empty())
        return {
          [to = lead_slots.at(scope)](frame f) { to->send(std::move(f)); },
          lead_cfgs.at(scope)};
    return {
      [slot](frame f) { caf::anon_send(*slot, atom::report_v, std::move(f)); },
      ocfg};
  };
  // Each host's link, and the stand-ins of its agents (filled before any
  // of them starts: the link reads it only once its host answers).
  auto stand_ins = std::make_shared<std::map<std::string, worker_actor>>();
  std::map<std::string, remote::link_actor> links;
  for (auto& h : opts.hosts) {
    auto lo = std::make_shared<remote::link_options>();
    for (auto& a : opts.agents)
      if (a.host == h.name)
        lo->agents.insert(a.name);
    if (lo->agents.empty())
      continue;
    lo->host = h.name;
    lo->address = h.address;
    lo->hello = h.hello;
    lo->central = &log;
    lo->clock = opts.clock;
    lo->id_high = random_high();
    // (Each agent reports to its node: in a chain, the reports of a
    // team's agents are sent on to its lead, read for their agent; the
    // rest go to the orchestrator unread.)
    std::map<std::string, std::function<void(frame)>> to;
    if (chain)
      for (auto& agent : lo->agents)
        if (!scopes.of_agent(agent).empty())
          to[agent] = node_of(agent).first;
    lo->report = [slot, to = std::move(to)](frame f) {
      if (to.size() > 0 && chain_target_of(to, f))
        return;
      caf::anon_send(*slot, atom::report_v, std::move(f));
    };
    lo->quit = [stand_ins](const std::string& agent) {
      if (auto i = stand_ins->find(agent); i != stand_ins->end())
        caf::anon_send(i->second, atom::exited_v, int32_t{-1}, int32_t{-1});
    };
    lo->connect = h.connect;
    lo->record_version = version;
    lo->door = h.door;
    lo->down_after = h.down_after;
    auto link = remote::spawn_link(*h.net, lo);
    links[h.name] = link;
    t->links_.push_back(link);
  }
  for (auto& a : opts.agents) {
    if (!a.host.empty()) {
      auto rcfg = std::make_shared<remote::remote_worker_config>();
      rcfg->name = a.name;
      rcfg->link = links.at(a.host);
      rcfg->id_high = random_high();
      rcfg->resumed = resumed;
      rcfg->record_version = version;
      rcfg->checkpoint = std::move(a.checkpoint);
      rcfg->stop_grace = opts.stop_grace;
      rcfg->clock = opts.clock;
      auto w = sys.spawn(remote::remote_worker_impl, rcfg);
      (*stand_ins)[a.name] = w;
      t->workers_.push_back(w);
      auto node = node_of(a.name).second;
      node->workers[a.name] = w;
      node->workdirs[a.name] = a.workdir;
      continue;
    }
    auto wcfg = std::make_shared<worker_config>();
    wcfg->name = a.name;
    wcfg->terminal = std::move(a.terminal);
    wcfg->pack = a.pack;
    wcfg->core = a.core;
    wcfg->log = t->log_;
    wcfg->clock = opts.clock;
    wcfg->id_high = random_high();
    wcfg->stop_grace = opts.stop_grace;
    wcfg->resumed = resumed;
    wcfg->record_version = version;
    wcfg->workdir = a.workdir;
    wcfg->checkpoint = std::move(a.checkpoint);
    wcfg->snapshot_every = opts.plan.run.snapshot_every;
    auto [to, node] = node_of(a.name);
    wcfg->report = std::move(to);
    auto w = sys.spawn(worker_actor_impl, wcfg);
    t->workers_.push_back(w);
    node->workers[a.name] = w;
    node->workdirs[a.name] = a.workdir;
  }
  // What every node of the run shares: the log, the clock, gates. (A
  // lead's plan is its team's scope of it.)
  // (By value: a chain's lead started again later is configured so too.)
  auto common = [plan_path = opts.plan_path, log = t->log_, clock = opts.clock,
                 gate_timeout = opts.gate_timeout,
                 inline_gates = opts.deterministic,
                 workspace = opts.workspace](orchestrator_config& c) {
    c.plan_path = plan_path;
    c.log = log;
    c.clock = clock;
    c.id_high = random_high();
    c.operator_id_high = random_high();
    c.gate_timeout = gate_timeout;
    c.inline_gates = inline_gates;
    c.workspace = workspace;
  };
  // A node's checkpoints: its agents' only.
  auto checkpoints_of = [&opts](const engine::plan& p) {
    std::map<std::string, std::string> out;
    for (auto& a : p.agents)
      if (auto c = opts.checkpoints.find(a.name); c != opts.checkpoints.end())
        out.insert(*c);
    return out;
  };
  // Resuming a chain: the next operator number after every node's.
  uint64_t next_operator = 0;
  if (opts.chain_top) {
    auto next = [](const engine::orchestrator& o) {
      return uint64_t{std::stoull(o.next_operator_id().substr(1))};
    };
    next_operator = next(opts.chain_top->node->own().fold());
    for (auto& [team, seed] : opts.chain_seeds)
      next_operator = std::max(next_operator, next(seed.node->fold()));
  }
  // Each lead: its team's scope, its members' workers, its reports up to
  // the orchestrator. What a lead needs to start again is kept: its
  // workers and directories (the rest is every node's).
  struct lead_kit {
    std::map<std::string, worker_actor> workers;
    std::map<std::string, std::string> workdirs;
    std::shared_ptr<report_slot> slot;
  };
  auto kits = std::make_shared<std::map<std::string, lead_kit>>();
  for (auto& [scope, lcfg] : lead_cfgs) {
    common(*lcfg);
    lcfg->plan = engine::team_scope(opts.plan, scope);
    lcfg->scope = scope;
    lcfg->parent = slot;
    (*kits)[scope] = {lcfg->workers, lcfg->workdirs, lead_slots.at(scope)};
    // Resuming: the deliveries it had not taken, sent again (all of them
    // to a lead that never started); then, from its stream, its reports
    // the orchestrator had not taken.
    auto seed = opts.chain_seeds.find(scope);
    bool seeded = seed != opts.chain_seeds.end();
    if (opts.chain_top)
      for (auto& f :
           engine::not_taken(opts.chain_top->sent, scope,
                             seeded ? seed->second.node->delivered() : 0))
        ocfg->resend.emplace_back(scope, std::move(f));
    if (seeded) {
      for (auto& f :
           engine::not_taken(seed->second.sent,
                             opts.chain_top->node->router().last_report(scope)))
        lcfg->resend.emplace_back(std::string{}, std::move(f));
      // (Tasks the operator added to the team are its lead's.)
      for (auto& task : seed->second.node->current_plan().tasks)
        if (scopes.of_task(opts.plan, task).empty())
          ocfg->added_tasks[task.id] = scope;
      lcfg->recorded_scope = snapshot_copy(seed->second, lcfg->plan);
      lcfg->resume_scope = std::move(seed->second.node);
      lcfg->unrecorded_events = std::move(seed->second.unrecorded);
      lcfg->checkpoints = checkpoints_of(lcfg->plan);
      lcfg->next_operator = next_operator;
    }
    auto lead = sys.spawn(orchestrator_actor_impl, lcfg);
    lead_slots.at(scope)->set(lead);
    hold_when_ended(lead, lead_slots.at(scope));
    ocfg->chain_leads[scope] = lead;
    t->chain_leads_->push_back(lead);
  }
  common(*ocfg);
  if (opts.chain_top) {
    ocfg->recorded_top = snapshot_copy(*opts.chain_top, opts.plan);
    ocfg->resume_chain = std::move(opts.chain_top->node);
    ocfg->unrecorded_events = std::move(opts.chain_top->unrecorded);
    ocfg->delivered = std::move(opts.chain_top->sent);
    ocfg->next_operator = next_operator;
    ocfg->checkpoints = checkpoints_of(engine::team_scope(opts.plan, ""));
  }
  // A lead whose actor died: rebuilt from its stream, started with its
  // team's workers (which kept working), and tracked as the run's.
  if (chain && opts.rebuild_scope) {
    ocfg->restart_chain_lead
      = [rebuild = opts.rebuild_scope, kits, common, whole = opts.plan,
         parent = slot, sys = &sys, sig = t->sig_, alive = t->alive_,
         leads = t->chain_leads_](
          const std::string& team,
          uint64_t taken) -> result<std::pair<orchestrator_actor, uint64_t>> {
      auto kit = kits->find(team);
      if (kit == kits->end())
        return error{ec::invalid_argument, "the chain has no team " + team};
      auto seed = rebuild(team);
      if (!seed)
        return seed.err();
      auto lcfg = std::make_shared<orchestrator_config>();
      common(*lcfg);
      lcfg->plan = engine::team_scope(whole, team);
      lcfg->scope = team;
      lcfg->parent = parent;
      lcfg->workers = kit->second.workers;
      lcfg->workdirs = kit->second.workdirs;
      lcfg->go_on = true;
      for (auto& f : engine::not_taken(seed->sent, taken))
        lcfg->resend.emplace_back(std::string{}, std::move(f));
      uint64_t delivered = seed->node->delivered();
      lcfg->recorded_scope = snapshot_copy(*seed, lcfg->plan);
      lcfg->resume_scope = std::move(seed->node);
      lcfg->unrecorded_events = std::move(seed->unrecorded);
      auto lead = sys->spawn(orchestrator_actor_impl, lcfg);
      {
        std::lock_guard lock{sig->mu};
        ++*alive;
        leads->push_back(lead);
      }
      on_quit(lead, sig, [alive] { --*alive; });
      kit->second.slot->set(lead);
      hold_when_ended(lead, kit->second.slot);
      caf::anon_send(lead, atom::start_v);
      return std::pair{lead, delivered};
    };
  }
  ocfg->plan = std::move(opts.plan);
  ocfg->plan_text = std::move(opts.plan_text);
  ocfg->resume = std::move(opts.resume);
  if (!opts.chain_top)
    ocfg->checkpoints = std::move(opts.checkpoints);
  ocfg->unrecorded = std::move(opts.unrecorded);
  ocfg->recorded = std::move(opts.recorded);
  ocfg->lead_seeds = std::move(opts.lead_seeds);
  ocfg->rebuild_lead = std::move(opts.rebuild_lead);
  t->orchestrator_ = sys.spawn(orchestrator_actor_impl, ocfg);
  *slot = t->orchestrator_;

  {
    std::lock_guard lock{t->sig_->mu};
    *t->alive_ = t->workers_.size() + t->chain_leads_->size() + 1;
  }
  auto count_down = [alive = t->alive_] { --*alive; };
  on_quit(t->orchestrator_, t->sig_, count_down);
  for (auto& l : *t->chain_leads_)
    on_quit(l, t->sig_, count_down);
  for (auto& w : t->workers_)
    on_quit(w, t->sig_, count_down);

  for (auto& w : t->workers_)
    caf::anon_send(w, atom::start_v);
  // The orchestrator's stream begins first: runStarted, with the plan.
  caf::anon_send(t->orchestrator_, atom::start_v);
  for (auto& l : *t->chain_leads_)
    caf::anon_send(l, atom::start_v);
  return t;
}

team::~team() {
  if (!done()) {
    stop(true);
    if (!wait(std::chrono::seconds{10})) {
      caf::anon_send_exit(orchestrator_, caf::exit_reason::kill);
      std::vector<orchestrator_actor> leads;
      {
        std::lock_guard lock{sig_->mu};
        leads = *chain_leads_;
      }
      for (auto& l : leads)
        caf::anon_send_exit(l, caf::exit_reason::kill);
      for (auto& w : workers_)
        caf::anon_send_exit(w, caf::exit_reason::kill);
      wait(std::chrono::seconds{10});
    }
  }
  for (auto& l : links_)
    caf::anon_send_exit(l, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(log_, caf::exit_reason::user_shutdown);
  // The agents' checkpoint files and the state/ folder's JSON, written off
  // the actors' threads: on disk before the run's owner goes on (and may
  // remove the directories).
  detail::file_writer::instance().flush();
  std::unique_lock lock{sig_->mu};
  sig_->cv.wait_for(lock, std::chrono::seconds{30},
                    [this] { return !*log_alive_; });
}

void team::stop(bool immediate) {
  caf::anon_send(orchestrator_, atom::stop_v, immediate);
  if (immediate)
    for (auto& w : workers_)
      caf::anon_send(
        w, atom::command_v,
        encode_worker_command(stop_command{"stopped at once", true}));
}

std::string team::operate(const engine::operator_command& c,
                          std::chrono::milliseconds timeout) {
  if (done())
    return "error: the run has finished";
  caf::scoped_actor self{orchestrator_->home_system()};
  std::string reply;
  self
    ->request(orchestrator_, timeout, atom::operate_v,
              engine::to_event(engine::orchestrator_input{c}))
    .receive([&](std::string& r) { reply = std::move(r); },
             [&](caf::error& err) {
               // The orchestrator ends with the run (its workers may still
               // be stopping).
               bool over = done() || err == caf::sec::request_receiver_down;
               reply = over ? "error: the run has finished"
                            : "error: the orchestrator did not answer: "
                                + to_string(err);
             });
  return reply;
}

caf::actor team::lead(const std::string& name) {
  caf::actor out;
  if (done())
    return out;
  caf::scoped_actor self{orchestrator_->home_system()};
  self->request(orchestrator_, std::chrono::seconds{10}, atom::lead_v, name)
    .receive([&](caf::actor& a) { out = std::move(a); },
             [](caf::error&) {});
  return out;
}

bool team::wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock{sig_->mu};
  return sig_->cv.wait_for(lock, timeout, [this] { return *alive_ == 0; });
}

bool team::done() const {
  std::lock_guard lock{sig_->mu};
  return *alive_ == 0;
}

} // namespace baton::actors
