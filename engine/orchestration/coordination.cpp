// Deadlocks and the mesh's locks: the wait-for graph the orchestrator keeps
// between agents, and what it does when a wait closes a cycle.
//
// Edges: a NEED (the sender waits for the owner of the resource), a
// BLOCKED reason naming an owned path, a dependency (an agent whose next
// task comes after a task another agent works on), a lock wait (mesh).
// A cycle is reported as it forms (report_deadlock: its members and what
// each waits for) and broken by asking one member, the one with the least
// completed work, for a temporary stub of what the other needs, marked for
// replacement. Its next CONTRACT is the stub; a later one replaces it, and
// the agent that used the stub is told.
#include <algorithm>
#include <cctype>

#include "engine/orchestration/orchestrator.hpp"

namespace baton::engine {

uint64_t orchestrator::work_of(std::string_view agent) const {
  // Completed work: tasks passed, then PROGRESS of the current one.
  uint64_t passed = 0;
  uint64_t progress = 0;
  for (auto* v : board_.views())
    if (v->agent == agent) {
      if (v->status == task_status::passed)
        ++passed;
      else if (v->status == task_status::dispatched)
        progress = std::max<uint64_t>(progress, v->attempt_progress);
    }
  return passed * 1000 + progress;
}

void orchestrator::add_wait(wait_edge e, decisions& out) {
  auto cycle = waits_.add(std::move(e));
  if (cycle.empty())
    return;
  std::vector<std::string> members;
  for (auto& c : cycle)
    members.push_back(c.from);
  auto key = members;
  std::sort(key.begin(), key.end());
  if (!deadlocks_.insert(key).second)
    return; // reported when it formed
  auto maker = pick_stub_maker(
    cycle, [this](std::string_view a) { return work_of(a); });
  // What the maker is waited for: the edge into it.
  const wait_edge* into = nullptr;
  for (auto& c : cycle)
    if (c.to == maker)
      into = &c;
  if (into == nullptr)
    return;
  auto what = into->what.empty() ? std::string{"what it waits for"}
                                 : into->what;
  auto description = describe_cycle(cycle);
  out.push_back(
    report_deadlock{members, description, maker, into->from, what});
  stubs_[maker].push_back({what, into->from, false});
  out.push_back(tell_agent{
    maker,
    "Deadlock: " + description + ". To break it, write a temporary stub of "
      + what + " for " + into->from
      + " now: the smallest thing that lets it go on, clearly marked as a "
        "stub to be replaced. Publish it with a CONTRACT: line titled \"stub: "
      + what
      + "\", then go on with your own task; when the real one is ready, "
        "publish it with a CONTRACT: line again.",
    "deadlock: stub of " + what + " for " + into->from});
}

void orchestrator::end_waits(const std::string& agent,
                             const std::string& task) {
  waits_.remove_from(agent);
  if (board_.find(task) != nullptr)
    for (auto d : board_.dependents(board_.index_of(task)))
      if (auto& v = board_.view(d); !v.agent.empty())
        waits_.remove(v.agent, agent, wait_kind::dependency);
}

void orchestrator::wait_on_dependents(const task_view& t, decisions& out) {
  // An agent whose next task comes after this one waits for this agent.
  for (auto d : board_.dependents(board_.index_of(t.id))) {
    auto& v = board_.view(d);
    if (v.agent.empty() || v.agent == t.agent
        || v.status != task_status::waiting)
      continue;
    add_wait({v.agent, t.agent, wait_kind::dependency,
              "task " + t.id + " (before its task " + v.id + ")"},
             out);
  }
}

void orchestrator::on_blocked(const protocol_seen& in, decisions& out) {
  // A BLOCKED reason naming a path someone else owns is a wait for them.
  std::string word;
  auto flush = [&] {
    while (!word.empty()
           && std::ispunct(static_cast<unsigned char>(word.back()))
           && word.back() != '*')
      word.pop_back();
    if (word.find('/') != std::string::npos
        || word.find('.') != std::string::npos) {
      auto owner = owner_of(word);
      if (!owner.empty() && owner != in.agent)
        add_wait({in.agent, owner, wait_kind::blocked, word}, out);
    }
    word.clear();
  };
  for (char c : in.text) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == ',' || c == ';'
        || c == '(' || c == ')' || c == '"' || c == '`')
      flush();
    else
      word += c;
  }
  flush();
}

void orchestrator::note_stub_contract(const std::string& agent,
                                      const std::string& title,
                                      decisions& out) {
  auto s = stubs_.find(agent);
  if (s == stubs_.end())
    return;
  auto& list = s->second;
  for (auto it = list.begin(); it != list.end();) {
    if (!it->published) {
      it->published = true; // this CONTRACT is the stub
      ++it;
      continue;
    }
    out.push_back(tell_agent{
      it->for_agent,
      agent + " replaced the stub of " + it->what
        + " with the real one (CONTRACT: " + title
        + "). Rebuild what used the stub against it.",
      "stub replaced by " + agent});
    it = list.erase(it);
  }
  if (list.empty())
    stubs_.erase(s);
}

// -- mesh locks ---------------------------------------------------------------

std::string orchestrator::in_workspace(const std::string& agent,
                                       const std::string& path) const {
  auto* a = plan_agent_of(agent);
  if (a == nullptr || a->workdir.empty() || a->workdir == ".")
    return path;
  return a->workdir + "/" + path;
}

void orchestrator::check_write(const std::string& agent,
                               const std::string& path, decisions& out) {
  auto at = in_workspace(agent, path);
  if (auto h = held_.find(agent); h != held_.end() && h->second.contains(at))
    return;
  if (auto c = locks_.modified(at, agent, now_))
    out.push_back(
      change_lock{c->path, c->writer, "conflict", c->other, 0, c->why});
}

void orchestrator::on_lock(const lock_requested& in, decisions& out) {
  if (!agents_.contains(in.agent))
    return;
  auto events = in.release ? locks_.release(in.path, in.agent, now_)
                           : locks_.acquire(in.path, in.agent, now_);
  apply_locks(events, out);
}

void orchestrator::apply_locks(const std::vector<lock_event>& events,
                               decisions& out) {
  for (auto& e : events) {
    auto what = std::string{to_string(e.what)};
    out.push_back(
      change_lock{e.path, e.agent, what, e.holder, e.expires_us, e.why});
    switch (e.what) {
      case lock_event::kind::queued:
        add_wait({e.agent, e.holder, wait_kind::lock, e.path}, out);
        break;
      case lock_event::kind::renewed: held_[e.agent].insert(e.path); break;
      case lock_event::kind::granted:
        held_[e.agent].insert(e.path);
        // The new holder no longer waits for it.
        for (auto& edge : waits_.edges_from(e.agent))
          if (edge.kind == wait_kind::lock && edge.what == e.path)
            waits_.remove(edge.from, edge.to, edge.kind);
        out.push_back(tell_agent{e.agent,
                                 "You hold the lock of " + e.path
                                   + " (state/locks). Release it when done.",
                                 "lock granted: " + e.path});
        break;
      case lock_event::kind::withdrawn:
        for (auto& edge : waits_.edges_from(e.agent))
          if (edge.kind == wait_kind::lock && edge.what == e.path)
            waits_.remove(edge.from, edge.to, edge.kind);
        break;
      default: break;
    }
  }
}

} // namespace baton::engine
