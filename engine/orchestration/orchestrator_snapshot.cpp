#include "engine/orchestration/orchestrator_snapshot.hpp"

#include <algorithm>

#include <capnp/serialize.h>

#include "engine/orchestration/orchestrator_event.hpp"
#include "engine/orchestration/team_scope.hpp"
#include "engine/plan/plan_parser.hpp"
#include "schema/snapshots.capnp.h"

namespace baton::engine {

// -- the fold ----------------------------------------------------------------

result<void> recorded_orchestrator::fold(std::string_view stream, uint64_t seq,
                                         schema::Event::Reader e,
                                         uint64_t logical_time) {
  if (stream == operator_stream_name)
    operator_sequence = seq;
  else
    sequence = seq;
  last_time = std::max(last_time, logical_time);
  if (is_decision(e)) {
    if (!unrecorded.empty())
      unrecorded.pop_front();
    return {};
  }
  auto in = input_from_event(e);
  if (!in)
    return {};
  auto* begun = std::get_if<run_begun>(&*in);
  if (!engine) {
    auto where = std::string{stream} + "@" + std::to_string(seq) + ": ";
    if (begun == nullptr)
      return error{ec::invalid_argument,
                   where
                     + "the orchestrator stream does not start with "
                       "runStarted"};
    auto p = parse_plan(begun->plan_text, "the recorded plan");
    if (!p)
      return error{ec::invalid_argument, where + p.err().message()};
    if (scope) {
      if (auto cut = cut_to_scope(*p, *scope); cut)
        *p = std::move(*cut);
      else
        return error{ec::invalid_argument, where + cut.err().message()};
    }
    start = *begun;
    plan_tasks = p->tasks.size();
    engine = std::make_unique<orchestrator>(std::move(*p));
  }
  if (begun != nullptr && begun->resumed)
    unrecorded.clear(); // resumed before: they were recorded then
  for (auto& d : engine->on(*in, logical_time))
    unrecorded.push_back(std::move(d));
  return {};
}

// -- the snapshot
// --------------------------------------------------------------

// Every field of every part is saved and restored below. A field added to
// one changes its size: these fail, and point here, until the snapshot
// holds it too (and orchestrator_snapshot_format says the layout changed).
// The sizes are those of x86-64 with libstdc++, the build's platform.
#if defined(__x86_64__) && defined(__GLIBCXX__)
static_assert(sizeof(task_view) == 464, "save and restore the new field");
static_assert(sizeof(agent_view) == 144, "save and restore the new field");
// task_board's external_ and externals_ come from the plan, not the run.
static_assert(sizeof(task_board) == 528, "save and restore the new field");
static_assert(sizeof(escalation_ladder) == 120, "save and restore it");
static_assert(sizeof(coordination) == 584, "save and restore the new field");
static_assert(sizeof(lock_table) == 152, "save and restore the new field");
static_assert(sizeof(routing) == 144, "save and restore the new field");
static_assert(sizeof(team_supervision) == 304, "save and restore it");
static_assert(sizeof(approval_desk) == 104, "save and restore the new field");
// plan_.scope comes from the plan (team_scope); reports_ are taken after
// each input, so a snapshot between inputs has none.
static_assert(sizeof(orchestrator) == 2816, "save and restore the new field");
#endif

/// Every part's state in and out of schema::OrchestratorState: the parts
/// befriend it, so their state stays private to everyone else.
class orchestrator_snapshot {
public:
  static void save(const recorded_orchestrator& r,
                   schema::OrchestratorState::Builder st);
  static void save_fold(const orchestrator& o, size_t plan_tasks,
                        schema::OrchestratorState::Builder st);
  static result<void> restore(schema::OrchestratorState::Reader st,
                              orchestrator& o);
  /// The plan the run began with, changed as the snapshot says.
  static result<plan> plan_of(const run_begun& start,
                              const std::optional<std::string>& scope,
                              schema::OrchestratorState::Reader st);
  /// `base` (the recorded plan, cut to the fold's scope) changed as the
  /// snapshot says.
  static result<plan> changed(plan base, schema::OrchestratorState::Reader st);
};

namespace {

using text_list = capnp::List<capnp::Text>;

template<class Range>
void set_texts(text_list::Builder out, const Range& in) {
  unsigned i = 0;
  for (auto& s : in)
    out.set(i++, s);
}

template<class Range>
unsigned count(const Range& r) {
  return static_cast<unsigned>(std::size(r));
}

std::vector<std::string> texts(text_list::Reader in) {
  std::vector<std::string> out;
  out.reserve(in.size());
  for (auto s : in)
    out.emplace_back(s.cStr());
  return out;
}

template<class Set>
void set_due(capnp::List<schema::DueTask>::Builder out, const Set& in) {
  unsigned i = 0;
  for (auto& [due, task] : in) {
    out[i].setDue(due);
    out[i].setTask(task);
    ++i;
  }
}

std::set<std::pair<uint64_t, size_t>>
due(capnp::List<schema::DueTask>::Reader in) {
  std::set<std::pair<uint64_t, size_t>> out;
  for (auto d : in)
    out.emplace(d.getDue(), static_cast<size_t>(d.getTask()));
  return out;
}

template<class Range>
void set_indexes(capnp::List<uint64_t>::Builder out, const Range& in) {
  unsigned i = 0;
  for (auto x : in)
    out.set(i++, x);
}

std::set<size_t> indexes(capnp::List<uint64_t>::Reader in) {
  std::set<size_t> out;
  for (auto x : in)
    out.insert(static_cast<size_t>(x));
  return out;
}

std::vector<size_t> counts(capnp::List<uint64_t>::Reader in) {
  std::vector<size_t> out;
  for (auto x : in)
    out.push_back(static_cast<size_t>(x));
  return out;
}

template<class Map>
void set_named(capnp::List<schema::NamedList>::Builder out, const Map& in) {
  unsigned i = 0;
  for (auto& [name, items] : in) {
    out[i].setName(name);
    set_texts(out[i].initItems(count(items)), items);
    ++i;
  }
}

void save_task(const task_view& t, schema::OrchestratorTask::Builder b) {
  b.setId(t.id);
  b.setStatus(static_cast<uint8_t>(t.status));
  b.setAgent(t.agent);
  b.setAttempt(t.attempt);
  b.setMaxAttempts(t.max_attempts);
  b.setProgress(t.progress);
  b.setBuild(t.build);
  b.setLastLine(t.last_line);
  b.setReason(t.reason);
  b.setEvidence(t.evidence);
  b.setDeadline(t.deadline_us);
  set_texts(b.initTried(count(t.tried)), t.tried);
  b.setInterrupted(t.interrupted);
  b.setEscalations(t.escalations);
  set_texts(b.initHistory(count(t.history)), t.history);
  b.setLastFailure(t.last_failure);
  b.setRepeats(t.repeats);
  b.setBestProgress(t.best_progress);
  b.setAttemptProgress(t.attempt_progress);
  b.setFlatAttempts(t.flat_attempts);
  b.setStall(t.stall_us);
  b.setRedispatch(t.redispatch);
  b.setRestarted(t.restarted);
  b.setWorked(t.worked);
  b.setNeedPending(t.need_pending);
  b.setStatusDue(t.status_due_us);
  b.setStatusAsks(t.status_asks);
  b.setAddedBy(t.added_by);
  b.setDegraded(t.degraded ? 1 + static_cast<uint8_t>(*t.degraded) : 0);
}

result<void> restore_task(schema::OrchestratorTask::Reader b, task_view& t) {
  if (b.getStatus() > static_cast<uint8_t>(task_status::failed))
    return error{ec::corruption, "task " + t.id
                                   + ": a status this version "
                                     "does not know"};
  if (b.getDegraded() > 1 + static_cast<uint8_t>(degrade_policy::by_operator))
    return error{ec::corruption, "task " + t.id
                                   + ": a degradation this "
                                     "version does not know"};
  t.status = static_cast<task_status>(b.getStatus());
  t.agent = b.getAgent().cStr();
  t.attempt = b.getAttempt();
  t.max_attempts = b.getMaxAttempts();
  t.progress = b.getProgress().cStr();
  t.build = b.getBuild().cStr();
  t.last_line = b.getLastLine().cStr();
  t.reason = b.getReason().cStr();
  t.evidence = b.getEvidence().cStr();
  t.deadline_us = b.getDeadline();
  t.tried = texts(b.getTried());
  t.interrupted = b.getInterrupted();
  t.escalations = b.getEscalations();
  t.history = texts(b.getHistory());
  t.last_failure = b.getLastFailure().cStr();
  t.repeats = b.getRepeats();
  t.best_progress = b.getBestProgress();
  t.attempt_progress = b.getAttemptProgress();
  t.flat_attempts = b.getFlatAttempts();
  t.stall_us = b.getStall();
  t.redispatch = b.getRedispatch();
  t.restarted = b.getRestarted().cStr();
  t.worked = b.getWorked();
  t.need_pending = b.getNeedPending();
  t.status_due_us = b.getStatusDue();
  t.status_asks = b.getStatusAsks();
  t.added_by = b.getAddedBy().cStr();
  t.degraded.reset();
  if (b.getDegraded() > 0)
    t.degraded = static_cast<degrade_policy>(b.getDegraded() - 1);
  return {};
}

void save_added(const plan_task& t, schema::OrchestratorPlanTask::Builder b) {
  b.setId(t.id);
  b.setTitle(t.title);
  b.setPrompt(t.prompt);
  b.setAgent(t.agent);
  set_texts(b.initRequires(count(t.requires_caps)), t.requires_caps);
  set_texts(b.initAfter(count(t.after)), t.after);
  auto arts = b.initArtifacts(count(t.artifacts));
  for (unsigned i = 0; i < arts.size(); ++i) {
    auto& a = t.artifacts[i];
    arts[i].setPath(a.path);
    arts[i].setFormat(a.format);
    arts[i].setPattern(a.pattern);
    arts[i].setNonEmpty(a.non_empty);
    set_texts(arts[i].initMustContain(count(a.must_contain)), a.must_contain);
  }
  set_texts(b.initVerify(count(t.verify)), t.verify);
  b.setHasRetries(t.retries.has_value());
  b.setRetries(t.retries.value_or(0));
  b.setDegrade(t.degrade);
}

plan_task added(schema::OrchestratorPlanTask::Reader b) {
  plan_task t;
  t.id = b.getId().cStr();
  t.title = b.getTitle().cStr();
  t.prompt = b.getPrompt().cStr();
  t.agent = b.getAgent().cStr();
  t.requires_caps = texts(b.getRequires());
  t.after = texts(b.getAfter());
  for (auto a : b.getArtifacts()) {
    plan_artifact pa;
    pa.path = a.getPath().cStr();
    pa.format = a.getFormat().cStr();
    pa.pattern = a.getPattern().cStr();
    pa.non_empty = a.getNonEmpty();
    pa.must_contain = texts(a.getMustContain());
    t.artifacts.push_back(std::move(pa));
  }
  t.verify = texts(b.getVerify());
  if (b.getHasRetries())
    t.retries = b.getRetries();
  t.degrade = b.getDegrade().cStr();
  return t;
}

} // namespace

void orchestrator_snapshot::save(const recorded_orchestrator& r,
                                 schema::OrchestratorState::Builder st) {
  auto& o = *r.engine;
  st.setSequence(r.sequence);
  st.setOperatorSequence(r.operator_sequence);
  st.setLastTime(r.last_time);
  auto pending = st.initUnrecorded(count(r.unrecorded));
  for (unsigned i = 0; i < pending.size(); ++i) {
    auto f = to_event(r.unrecorded[i], o.version_);
    auto bytes = f.bytes();
    pending.set(
      i, capnp::Data::Reader{reinterpret_cast<const kj::byte*>(bytes.data()),
                             bytes.size()});
  }
  save_fold(o, r.plan_tasks, st);
}

void orchestrator_snapshot::save_fold(const orchestrator& o, size_t plan_tasks,
                                      schema::OrchestratorState::Builder st) {
  st.setFormat(orchestrator_snapshot_format);
  // The plan's changes. Tasks the run added come after the recorded plan's,
  // which a restore parses again.
  auto& p = o.plan_;
  auto first_added = std::min(plan_tasks, p.tasks.size());
  auto add
    = st.initAddedTasks(static_cast<unsigned>(p.tasks.size() - first_added));
  for (unsigned i = 0; i < add.size(); ++i)
    save_added(p.tasks[first_added + i], add[i]);
  auto stages = st.initStageTasks(count(p.stages));
  for (unsigned i = 0; i < stages.size(); ++i)
    set_texts(stages.init(i, count(p.stages[i].tasks)), p.stages[i].tasks);
  auto owns = st.initOwns(count(p.agents));
  for (unsigned i = 0; i < owns.size(); ++i)
    set_texts(owns.init(i, count(p.agents[i].owns)), p.agents[i].owns);

  // task_board
  auto& board = o.board_;
  auto tasks = st.initTasks(count(board.views_));
  for (unsigned i = 0; i < tasks.size(); ++i)
    save_task(*board.views_[i], tasks[i]);
  auto b = st.initBoard();
  b.setStage(board.stage_);
  b.setLaterStagesClosed(board.later_stages_closed_);
  set_indexes(b.initWorklist(count(board.worklist_)), board.worklist_);
  auto ready = b.initReadyFor(count(board.ready_for_));
  unsigned k = 0;
  for (auto& [agent, set] : board.ready_for_) {
    ready[k].setName(agent);
    set_indexes(ready[k].initIndexes(count(set)), set);
    ++k;
  }
  set_indexes(b.initReadyAny(count(board.ready_any_)), board.ready_any_);
  set_texts(b.initDirty(count(board.dirty_)), board.dirty_);
  b.setSettled(board.settled_);
  set_indexes(b.initPassedInStage(count(board.passed_in_stage_)),
              board.passed_in_stage_);
  set_indexes(b.initFailedInStage(count(board.failed_in_stage_)),
              board.failed_in_stage_);
  set_due(b.initDeadlines(count(board.deadlines_)), board.deadlines_);

  // escalation_ladder
  set_due(st.initStalls(count(o.ladder_.stalls_)), o.ladder_.stalls_);
  set_due(st.initStatusAsks(count(o.ladder_.status_asks_)),
          o.ladder_.status_asks_);

  // coordination
  auto& c = o.coord_;
  auto edges = c.waits_.edges();
  auto waits = st.initWaits(count(edges));
  for (unsigned i = 0; i < waits.size(); ++i) {
    waits[i].setFrom(edges[i].from);
    waits[i].setTo(edges[i].to);
    waits[i].setKind(static_cast<uint8_t>(edges[i].kind));
    waits[i].setWhat(edges[i].what);
  }
  auto cycles = st.initDeadlocks(count(c.deadlocks_));
  k = 0;
  for (auto& members : c.deadlocks_) {
    set_texts(cycles.init(k, count(members)), members);
    ++k;
  }
  size_t stub_count = 0;
  for (auto& [agent, list] : c.stubs_)
    stub_count += list.size();
  auto stubs = st.initStubs(static_cast<unsigned>(stub_count));
  k = 0;
  for (auto& [agent, list] : c.stubs_)
    for (auto& s : list) {
      stubs[k].setAgent(agent);
      stubs[k].setWhat(s.what);
      stubs[k].setForAgent(s.for_agent);
      stubs[k].setPublished(s.published);
      ++k;
    }
  auto locks = st.initLocks(count(c.locks_.locks_));
  k = 0;
  for (auto& [path, l] : c.locks_.locks_) {
    locks[k].setPath(path);
    locks[k].setOwner(l.owner);
    locks[k].setExpires(l.expires_us);
    auto q = locks[k].initQueue(count(l.queue));
    for (unsigned j = 0; j < q.size(); ++j) {
      q[j].setAgent(l.queue[j].agent);
      q[j].setLease(l.queue[j].lease_us);
    }
    ++k;
  }
  set_named(st.initLockWriters(count(c.locks_.writers_)), c.locks_.writers_);
  set_named(st.initHeld(count(c.held_)), c.held_);

  // routing
  set_named(st.initContracts(count(o.routing_.contracts_)),
            o.routing_.contracts_);
  size_t need_count = 0;
  for (auto& [owner, waiters] : o.routing_.waiting_on_)
    need_count += waiters.size();
  auto needs = st.initNeeds(static_cast<unsigned>(need_count));
  k = 0;
  for (auto& [owner, waiters] : o.routing_.waiting_on_)
    for (auto& w : waiters) {
      needs[k].setOwner(owner);
      needs[k].setWaiter(w);
      if (auto t = o.routing_.need_text_.find({owner, w});
          t != o.routing_.need_text_.end()) {
        needs[k].setRequest(t->second.first);
        needs[k].setResource(t->second.second);
      }
      ++k;
    }

  // team_supervision
  auto& sv = o.supervision_;
  auto sup = st.initSupervision();
  auto teams = sup.initTeams(count(sv.teams_));
  k = 0;
  for (auto& [name, team] : sv.teams_) {
    teams[k].setName(name);
    auto& children = team.sup.children();
    auto out = teams[k].initChildren(count(children));
    for (unsigned j = 0; j < out.size(); ++j) {
      out[j].setId(children[j].id);
      out[j].setRestart(static_cast<schema::RestartType>(children[j].restart));
    }
    set_indexes(teams[k].initRestarts(count(team.sup.restarts())),
                team.sup.restarts());
    teams[k].setStopped(team.sup.stopped());
    ++k;
  }
  sup.setLeads(sv.leads_);
  sup.setAsks(sv.asks_);
  set_indexes(sup.initPendingAsks(count(sv.pending_asks_)), sv.pending_asks_);
  set_texts(sup.initDropped(count(sv.dropped_)), sv.dropped_);
  set_texts(sup.initStopped(count(sv.stopped_)), sv.stopped_);

  // approval_desk
  auto approvals = st.initApprovals(count(o.desk_.waiting_));
  k = 0;
  for (auto& [id, a] : o.desk_.waiting_) {
    approvals[k].setId(a.id);
    approvals[k].setAgent(a.agent);
    approvals[k].setTask(a.task);
    approvals[k].setTool(a.tool);
    approvals[k].setSubject(a.subject);
    approvals[k].setDeadline(a.deadline_us);
    ++k;
  }
  st.setApprovalsSeen(o.desk_.seen_);
  auto due_ids = st.initApprovalDeadlines(count(o.desk_.deadlines_));
  k = 0;
  for (auto& [due, id] : o.desk_.deadlines_) {
    due_ids[k].setDue(due);
    due_ids[k].setId(id);
    ++k;
  }

  // what ties them together
  auto agents = st.initAgents(count(o.agents_));
  k = 0;
  for (auto& [name, a] : o.agents_) {
    auto out = agents[k++];
    out.setName(a.name);
    out.setState(static_cast<uint8_t>(a.state));
    out.setInputReady(a.input_ready);
    out.setReportedReady(a.reported_ready);
    out.setEverReady(a.ever_ready);
    out.setUnavailable(a.unavailable);
    out.setGone(a.gone);
    out.setExited(a.exited);
    out.setRestarting(a.restarting);
    out.setTask(a.task);
    out.setApproval(a.approval);
  }
  auto cps = st.initCheckpoints(count(o.checkpoints_));
  k = 0;
  for (auto& [name, text] : o.checkpoints_) {
    cps[k].setName(name);
    cps[k].setText(text);
    ++k;
  }
  st.setNow(o.now_);
  st.setOperatorsSeen(o.operators_seen_);
  st.setWorkspace(o.workspace_);
  st.setBegun(o.begun_);
  st.setVersion(o.version_);
  st.setFinished(o.finished_);
}

result<plan>
orchestrator_snapshot::plan_of(const run_begun& start,
                               const std::optional<std::string>& scope,
                               schema::OrchestratorState::Reader st) {
  auto p = parse_plan(start.plan_text, "the recorded plan");
  if (!p)
    return p.err();
  if (scope) {
    auto cut = cut_to_scope(*p, *scope);
    if (!cut)
      return cut.err();
    p = std::move(cut);
  }
  return changed(std::move(*p), st);
}

result<plan>
orchestrator_snapshot::changed(plan p, schema::OrchestratorState::Reader st) {
  for (auto t : st.getAddedTasks())
    p.tasks.push_back(added(t));
  auto stages = st.getStageTasks();
  if (stages.size() != p.stages.size())
    return error{ec::corruption, "its stages are not the plan's"};
  for (unsigned i = 0; i < stages.size(); ++i)
    p.stages[i].tasks = texts(stages[i]);
  auto owns = st.getOwns();
  if (owns.size() != p.agents.size())
    return error{ec::corruption, "its agents are not the plan's"};
  for (unsigned i = 0; i < owns.size(); ++i)
    p.agents[i].owns = texts(owns[i]);
  return p;
}

result<void>
orchestrator_snapshot::restore(schema::OrchestratorState::Reader st,
                               orchestrator& o) {
  // task_board: the plan (with its added tasks) built the indexes; the
  // tasks' state and the board's sets come from the snapshot.
  auto& board = o.board_;
  auto tasks = st.getTasks();
  if (tasks.size() != board.views_.size())
    return error{ec::corruption, "it holds " + std::to_string(tasks.size())
                                   + " tasks, the plan "
                                   + std::to_string(board.views_.size())};
  for (unsigned i = 0; i < tasks.size(); ++i) {
    auto& v = *board.views_[i];
    if (v.id != tasks[i].getId().cStr())
      return error{ec::corruption, std::string{"task "}
                                     + tasks[i].getId().cStr()
                                     + " is the plan's " + v.id};
    if (auto ok = restore_task(tasks[i], v); !ok)
      return ok.err();
  }
  auto b = st.getBoard();
  board.stage_ = static_cast<size_t>(b.getStage());
  board.later_stages_closed_ = b.getLaterStagesClosed();
  board.worklist_ = indexes(b.getWorklist());
  board.ready_for_.clear();
  for (auto r : b.getReadyFor())
    board.ready_for_[r.getName().cStr()] = indexes(r.getIndexes());
  board.ready_any_ = indexes(b.getReadyAny());
  auto dirty = texts(b.getDirty());
  board.dirty_ = {dirty.begin(), dirty.end()};
  board.settled_ = static_cast<size_t>(b.getSettled());
  board.passed_in_stage_ = counts(b.getPassedInStage());
  board.failed_in_stage_ = counts(b.getFailedInStage());
  if (board.passed_in_stage_.size() != board.failed_in_stage_.size())
    return error{ec::corruption, "its stages' counts differ in length"};
  board.deadlines_ = due(b.getDeadlines());
  auto in_range = [&](const auto& set) {
    for (auto& x : set) {
      size_t i;
      if constexpr (std::is_same_v<std::decay_t<decltype(x)>, size_t>)
        i = x;
      else
        i = x.second;
      if (i >= board.views_.size() && i != task_board::run_start)
        return false;
    }
    return true;
  };
  bool ready_ok = true;
  for (auto& [agent, set] : board.ready_for_)
    ready_ok = ready_ok && in_range(set);
  if (!in_range(board.worklist_) || !in_range(board.ready_any_) || !ready_ok
      || !in_range(board.deadlines_))
    return error{ec::corruption, "a task index past the board's"};

  // escalation_ladder
  o.ladder_.stalls_ = due(st.getStalls());
  o.ladder_.status_asks_ = due(st.getStatusAsks());
  if (!in_range(o.ladder_.stalls_) || !in_range(o.ladder_.status_asks_))
    return error{ec::corruption, "a task index past the board's"};

  // coordination
  auto& c = o.coord_;
  for (auto w : st.getWaits()) {
    if (w.getKind() > static_cast<uint8_t>(wait_kind::lock))
      return error{ec::corruption, "a wait of a kind this version does not "
                                   "know"};
    c.waits_.add({w.getFrom().cStr(), w.getTo().cStr(),
                  static_cast<wait_kind>(w.getKind()), w.getWhat().cStr()});
  }
  for (auto members : st.getDeadlocks())
    c.deadlocks_.insert(texts(members));
  for (auto s : st.getStubs())
    c.stubs_[s.getAgent().cStr()].push_back(
      {s.getWhat().cStr(), s.getForAgent().cStr(), s.getPublished()});
  for (auto l : st.getLocks()) {
    auto& lock = c.locks_.locks_[l.getPath().cStr()];
    lock.owner = l.getOwner().cStr();
    lock.expires_us = l.getExpires();
    for (auto q : l.getQueue())
      lock.queue.push_back({q.getAgent().cStr(), q.getLease()});
    if (!lock.owner.empty())
      c.locks_.by_expiry_.emplace(lock.expires_us, l.getPath().cStr());
  }
  for (auto w : st.getLockWriters())
    c.locks_.writers_[w.getName().cStr()] = texts(w.getItems());
  for (auto h : st.getHeld()) {
    auto items = texts(h.getItems());
    c.held_[h.getName().cStr()] = {items.begin(), items.end()};
  }

  // routing
  for (auto n : st.getContracts())
    o.routing_.contracts_[n.getName().cStr()] = texts(n.getItems());
  for (auto n : st.getNeeds())
    o.routing_.need(n.getOwner().cStr(), n.getWaiter().cStr(),
                    n.getRequest().cStr(), n.getResource().cStr());

  // team_supervision
  auto& sv = o.supervision_;
  auto sup = st.getSupervision();
  if (sup.getLeads())
    sv.hand_to_leads();
  if (sup.getTeams().size() != sv.teams_.size())
    return error{ec::corruption, "its supervisors are not the plan's"};
  for (auto t : sup.getTeams()) {
    auto team = sv.teams_.find(t.getName().cStr());
    if (team == sv.teams_.end())
      return error{ec::corruption, std::string{"no team "} + t.getName().cStr()
                                     + " in the plan"};
    auto spec = team->second.sup.spec();
    spec.children.clear();
    for (auto ch : t.getChildren()) {
      auto restart = static_cast<uint16_t>(ch.getRestart());
      if (restart > static_cast<uint16_t>(restart_type::temporary))
        return error{ec::corruption, "a restart type this version does not "
                                     "know"};
      spec.children.push_back(
        {ch.getId().cStr(), static_cast<restart_type>(restart)});
    }
    std::deque<uint64_t> restarts;
    for (auto r : t.getRestarts())
      restarts.push_back(r);
    team->second.sup
      = supervisor{std::move(spec), std::move(restarts), t.getStopped()};
  }
  sv.asks_ = sup.getAsks();
  for (auto a : sup.getPendingAsks())
    sv.pending_asks_.insert(a);
  for (auto d : sup.getDropped())
    sv.dropped_.insert(d.cStr());
  for (auto s : sup.getStopped())
    sv.stopped_.insert(s.cStr());

  // approval_desk: its deadlines as they were, those of requests taken off
  // since included (they set when the next time passes).
  for (auto a : st.getApprovals())
    o.desk_.waiting_[a.getId().cStr()]
      = {a.getId().cStr(),   a.getAgent().cStr(),   a.getTask().cStr(),
         a.getTool().cStr(), a.getSubject().cStr(), a.getDeadline()};
  for (auto d : st.getApprovalDeadlines())
    o.desk_.deadlines_.emplace(d.getDue(), d.getId().cStr());
  o.desk_.seen_ = st.getApprovalsSeen();

  // what ties them together
  for (auto a : st.getAgents()) {
    if (a.getState() > static_cast<uint8_t>(detect::state::unknown))
      return error{ec::corruption, "an agent state this version does not "
                                   "know"};
    auto& v = o.agents_[a.getName().cStr()];
    v.name = a.getName().cStr();
    v.state = static_cast<detect::state>(a.getState());
    v.input_ready = a.getInputReady();
    v.reported_ready = a.getReportedReady();
    v.ever_ready = a.getEverReady();
    v.unavailable = a.getUnavailable();
    v.gone = a.getGone().cStr();
    v.exited = a.getExited();
    v.restarting = a.getRestarting();
    v.task = a.getTask().cStr();
    v.approval = a.getApproval().cStr();
  }
  for (auto cp : st.getCheckpoints())
    o.checkpoints_[cp.getName().cStr()] = cp.getText().cStr();
  o.now_ = st.getNow();
  o.operators_seen_ = st.getOperatorsSeen();
  o.workspace_ = st.getWorkspace().cStr();
  o.begun_ = st.getBegun();
  o.version_ = st.getVersion();
  o.finished_ = st.getFinished();
  return {};
}

frame recorded_orchestrator::save() const {
  frame_builder b;
  orchestrator_snapshot::save(*this, b.initRoot<schema::OrchestratorState>());
  return frame::from(b);
}

result<recorded_orchestrator>
recorded_orchestrator::restore(const run_begun& start, const frame& state,
                               const std::optional<std::string>& scope) {
  auto bad = [](const std::string& why) {
    return error{ec::corruption, "snapshot of the orchestrator: " + why};
  };
  try {
    capnp::FlatArrayMessageReader r{state.words(), frame_reader_options()};
    auto st = r.getRoot<schema::OrchestratorState>();
    if (st.getFormat() != orchestrator_snapshot_format)
      return error{ec::newer_schema,
                   "snapshot of the orchestrator: its format is "
                     + std::to_string(st.getFormat()) + ", this build reads "
                     + std::to_string(orchestrator_snapshot_format)};
    auto p = orchestrator_snapshot::plan_of(start, scope, st);
    if (!p)
      return bad(p.err().message());
    recorded_orchestrator out;
    out.start = start;
    out.scope = scope;
    out.plan_tasks = p->tasks.size() - st.getAddedTasks().size();
    out.engine = std::make_unique<orchestrator>(std::move(*p));
    if (auto ok = orchestrator_snapshot::restore(st, *out.engine); !ok)
      return bad(ok.err().message());
    for (auto d : st.getUnrecorded()) {
      auto f = frame::from_bytes(std::span<const std::byte>{
        reinterpret_cast<const std::byte*>(d.begin()), d.size()});
      if (!f)
        return bad("an unrecorded decision: " + f.err().message());
      capnp::FlatArrayMessageReader dr{f->words(), frame_reader_options()};
      auto decided = decision_from_event(dr.getRoot<schema::Event>());
      if (!decided)
        return bad("an unrecorded decision this version does not read");
      out.unrecorded.push_back(std::move(*decided));
    }
    out.sequence = st.getSequence();
    out.operator_sequence = st.getOperatorSequence();
    out.last_time = st.getLastTime();
    return out;
  } catch (const kj::Exception& e) {
    return bad(e.getDescription().cStr());
  }
}

void save_fold(const orchestrator& o, size_t plan_tasks,
               schema::OrchestratorState::Builder st) {
  orchestrator_snapshot::save_fold(o, plan_tasks, st);
}

result<std::unique_ptr<orchestrator>>
restore_fold(plan base, schema::OrchestratorState::Reader st) {
  if (st.getFormat() != orchestrator_snapshot_format)
    return error{ec::newer_schema,
                 "its fold's format is " + std::to_string(st.getFormat())
                   + ", this build reads "
                   + std::to_string(orchestrator_snapshot_format)};
  auto p = orchestrator_snapshot::changed(std::move(base), st);
  if (!p)
    return p.err();
  auto o = std::make_unique<orchestrator>(std::move(*p));
  if (auto ok = orchestrator_snapshot::restore(st, *o); !ok)
    return ok.err();
  return o;
}

result<uint64_t>
recorded_orchestrator::operator_sequence_of(const frame& state) {
  try {
    capnp::FlatArrayMessageReader r{state.words(), frame_reader_options()};
    return r.getRoot<schema::OrchestratorState>().getOperatorSequence();
  } catch (const kj::Exception& e) {
    return error{ec::corruption, std::string{"snapshot of the orchestrator: "}
                                   + e.getDescription().cStr()};
  }
}

} // namespace baton::engine
