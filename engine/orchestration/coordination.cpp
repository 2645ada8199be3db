#include "engine/orchestration/coordination.hpp"

#include <algorithm>
#include <cctype>

namespace baton::engine {

std::vector<std::string> paths_named(std::string_view text) {
  std::vector<std::string> out;
  std::string word;
  auto flush = [&] {
    while (!word.empty()
           && std::ispunct(static_cast<unsigned char>(word.back()))
           && word.back() != '*')
      word.pop_back();
    if (word.find('/') != std::string::npos
        || word.find('.') != std::string::npos)
      out.push_back(word);
    word.clear();
  };
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == ',' || c == ';'
        || c == '(' || c == ')' || c == '"' || c == '`')
      flush();
    else
      word += c;
  }
  flush();
  return out;
}

coordination::coordination(uint64_t lock_lease_us) : locks_(lock_lease_us) {
}

void coordination::add_wait(wait_edge e, const task_board& board,
                            decisions& out) {
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
    cycle, [&board](std::string_view a) { return board.completed_work(a); });
  // What the maker is waited for: the edge into it.
  const wait_edge* into = nullptr;
  for (auto& c : cycle)
    if (c.to == maker)
      into = &c;
  if (into == nullptr)
    return;
  auto what = into->what.empty() ? std::string{"what it waits for"}
                                 : into->what;
  ask_stub({members, describe_cycle(cycle), maker, into->from, what}, out);
}

void coordination::break_deadlock(report_deadlock found, decisions& out) {
  auto key = found.members;
  std::sort(key.begin(), key.end());
  if (!deadlocks_.insert(key).second)
    return;
  ask_stub(std::move(found), out);
}

void coordination::ask_stub(report_deadlock found, decisions& out) {
  auto maker = found.stub_maker;
  auto waiter = found.stub_for;
  auto what = found.what;
  auto description = found.description;
  out.push_back(std::move(found));
  stubs_[maker].push_back({what, waiter, false});
  out.push_back(tell_agent{
    maker,
    "Deadlock: " + description + ". To break it, write a temporary stub of "
      + what + " for " + waiter
      + " now: the smallest thing that lets it go on, clearly marked as a "
        "stub to be replaced. Publish it with a CONTRACT: line titled \"stub: "
      + what
      + "\", then go on with your own task; when the real one is ready, "
        "publish it with a CONTRACT: line again.",
    "deadlock: stub of " + what + " for " + waiter,
    {purpose_kind::stub, {}, 0, waiter, what}});
}

void coordination::contract_from(const std::string& agent,
                                 const std::string& title, decisions& out) {
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
      "stub replaced by " + agent,
      {purpose_kind::stub_replaced, {}, 0, agent, it->what}});
    it = list.erase(it);
  }
  if (list.empty())
    stubs_.erase(s);
}

std::vector<std::string> coordination::unreplaced_stubs() const {
  std::vector<std::string> out;
  for (auto& [maker, list] : stubs_)
    for (auto& st : list)
      out.push_back(st.what + " (by " + maker + " for " + st.for_agent
                    + (st.published ? "" : ", never published") + ")");
  return out;
}

// -- the mesh's locks ---------------------------------------------------------

void coordination::lock(const lock_requested& in, uint64_t now,
                        const task_board& board, decisions& out) {
  apply(in.release ? locks_.release(in.path, in.agent, now)
                   : locks_.acquire(in.path, in.agent, now),
        board, out);
}

void coordination::free_agent(const std::string& agent, uint64_t now,
                              const task_board& board, decisions& out) {
  apply(locks_.free_agent(agent, now), board, out);
}

void coordination::expire(uint64_t now, const task_board& board,
                          decisions& out) {
  apply(locks_.expire(now), board, out);
}

void coordination::check_write(const std::string& agent,
                               const std::string& path, uint64_t now,
                               decisions& out) {
  if (auto h = held_.find(agent); h != held_.end() && h->second.contains(path))
    return;
  if (auto c = locks_.modified(path, agent, now))
    out.push_back(change_lock{c->path, c->writer, lock_change::conflict,
                              c->other, 0, c->why});
}

void coordination::task_started(const std::string& agent) {
  auto h = held_.find(agent);
  if (h == held_.end())
    return;
  std::set<std::string> still;
  for (auto& g : locks_.held())
    if (g.owner == agent)
      still.insert(g.path);
  h->second = std::move(still);
}

void coordination::drop_lock_waits(const std::string& agent,
                                   const std::string& path) {
  for (auto& edge : waits_.edges_from(agent))
    if (edge.kind == wait_kind::lock && edge.what == path)
      waits_.remove(edge.from, edge.to, edge.kind);
}

void coordination::apply(const std::vector<lock_event>& events,
                         const task_board& board, decisions& out) {
  for (auto& e : events) {
    out.push_back(
      change_lock{e.path, e.agent, e.what, e.holder, e.expires_us, e.why});
    switch (e.what) {
      case lock_event::kind::queued:
        add_wait({e.agent, e.holder, wait_kind::lock, e.path}, board, out);
        break;
      case lock_event::kind::renewed: held_[e.agent].insert(e.path); break;
      case lock_event::kind::granted:
        held_[e.agent].insert(e.path);
        // The new holder no longer waits for it.
        drop_lock_waits(e.agent, e.path);
        out.push_back(tell_agent{e.agent,
                                 "You hold the lock of " + e.path
                                   + " (state/locks). Release it when done.",
                                 "lock granted: " + e.path,
                                 {purpose_kind::lock_granted, {}, 0, {},
                                  e.path}});
        break;
      case lock_event::kind::withdrawn: drop_lock_waits(e.agent, e.path); break;
      default: break;
    }
  }
}

} // namespace baton::engine
