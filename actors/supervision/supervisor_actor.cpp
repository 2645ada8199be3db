#include "actors/supervision/supervisor_actor.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <optional>

#include <caf/actor_cast.hpp>
#include <caf/expected.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

namespace baton::actors {

namespace {

using running_map = std::map<std::string, caf::actor, std::less<>>;

struct supervisor_state {
  static inline const char* name = "supervisor";

  supervisor_config cfg;
  std::optional<engine::supervisor> model;
  std::map<std::string, child_factory, std::less<>> factories;
  /// Children running now, by id; shared with the cleanup that kills them
  /// should the supervisor itself be killed.
  std::shared_ptr<running_map> running = std::make_shared<running_map>();
  std::map<caf::actor_addr, std::string> ids;

  // The action being carried out: children still to stop (in order), the
  // one asked to stop and not yet down, then what follows — starts, or the
  // supervisor's own end.
  std::deque<std::string> to_stop;
  caf::actor_addr stopping;
  std::vector<std::string> to_start;
  std::optional<caf::error> quit_reason;
  /// Tells a late shutdown timeout from the current one.
  uint64_t stop_round = 0;
  /// Exits of other children that came while an action was carried out:
  /// handled, in order, once it is.
  std::deque<caf::down_msg> deferred;

  bool busy() const {
    return stopping != nullptr || quit_reason.has_value();
  }
};

using self_ptr = caf::stateful_actor<supervisor_state>*;

uint64_t now_us(self_ptr self) {
  return static_cast<uint64_t>(
    std::chrono::duration_cast<std::chrono::microseconds>(
      self->clock().now().time_since_epoch())
      .count());
}

void handle_down(self_ptr self, const caf::down_msg& msg);
void begin_shutdown(self_ptr self, caf::error reason);

void start_child(self_ptr self, const std::string& id) {
  auto& st = self->state;
  auto h = st.factories.at(id)(self->system());
  if (!h) {
    begin_shutdown(self,
                   caf::make_error(caf::sec::runtime_error,
                                   st.cfg.name + ": could not start " + id));
    return;
  }
  self->monitor(h);
  st.ids[h.address()] = id;
  (*st.running)[id] = std::move(h);
}

/// Asks the next child of to_stop to end; once none is left, does what
/// follows: quit, or start to_start and then the exits that waited.
void stop_next(self_ptr self) {
  auto& st = self->state;
  st.stopping = nullptr;
  while (!st.to_stop.empty()) {
    auto id = std::move(st.to_stop.front());
    st.to_stop.pop_front();
    auto it = st.running->find(id);
    if (it == st.running->end())
      continue;
    st.stopping = it->second.address();
    self->send_exit(it->second, caf::exit_reason::user_shutdown);
    self->delayed_send(self, st.cfg.shutdown_timeout, caf::timeout_atom_v,
                       ++st.stop_round);
    return;
  }
  if (st.quit_reason) {
    self->quit(*st.quit_reason);
    return;
  }
  auto starts = std::move(st.to_start);
  st.to_start.clear();
  for (auto& id : starts)
    if (!st.busy())
      start_child(self, id);
  while (!st.deferred.empty() && !st.busy()) {
    auto msg = std::move(st.deferred.front());
    st.deferred.pop_front();
    handle_down(self, msg);
  }
}

/// Forgets a child that ended; its id, or "" when it was no child (an
/// earlier incarnation).
std::string forget(self_ptr self, const caf::actor_addr& who) {
  auto& st = self->state;
  auto it = st.ids.find(who);
  if (it == st.ids.end())
    return {};
  auto id = std::move(it->second);
  st.ids.erase(it);
  st.running->erase(id);
  return id;
}

void handle_down(self_ptr self, const caf::down_msg& msg) {
  auto& st = self->state;
  auto id = forget(self, msg.source);
  if (id.empty())
    return;
  supervision_record r;
  r.supervisor = st.cfg.name;
  r.now_us = now_us(self);
  r.child = id;
  r.how = exit_kind_of(msg.reason);
  r.action = st.model->on_exit(id, r.how, r.now_us);
  if (st.cfg.observer)
    st.cfg.observer(r);
  for (auto& gone : r.action.removed)
    st.factories.erase(gone);
  st.to_stop.assign(r.action.stop.begin(), r.action.stop.end());
  st.to_start = r.action.start;
  if (r.action.escalate)
    st.quit_reason = caf::make_error(caf::sec::runtime_error,
                                     st.cfg.name + ": " + r.action.why);
  stop_next(self);
}

void on_down(self_ptr self, caf::down_msg& msg) {
  auto& st = self->state;
  if (!st.busy()) {
    handle_down(self, msg);
    return;
  }
  if (msg.source == st.stopping) {
    forget(self, msg.source);
    stop_next(self);
    return;
  }
  // A child that was to be stopped anyway has ended: one less to stop.
  auto it = st.ids.find(msg.source);
  if (it != st.ids.end()) {
    auto pos = std::find(st.to_stop.begin(), st.to_stop.end(), it->second);
    if (pos != st.to_stop.end()) {
      st.to_stop.erase(pos);
      forget(self, msg.source);
      return;
    }
  }
  st.deferred.push_back(std::move(msg));
}

/// Stops every running child in reverse start order, then quits.
void begin_shutdown(self_ptr self, caf::error reason) {
  auto& st = self->state;
  st.quit_reason = std::move(reason);
  st.to_start.clear();
  st.to_stop.clear();
  auto& cs = st.model->children();
  for (auto it = cs.rbegin(); it != cs.rend(); ++it)
    if (st.running->count(it->id)
        && st.running->at(it->id).address() != st.stopping)
      st.to_stop.push_back(it->id);
  if (st.stopping == nullptr)
    stop_next(self);
}

void on_stop_timeout(self_ptr self, uint64_t round) {
  auto& st = self->state;
  if (round != st.stop_round || st.stopping == nullptr)
    return;
  if (auto h = caf::actor_cast<caf::actor>(st.stopping))
    self->send_exit(h, caf::exit_reason::kill);
}

caf::expected<caf::actor> child_of(self_ptr self, std::string_view id) {
  auto& st = self->state;
  if (!st.factories.count(id))
    return caf::make_error(caf::sec::invalid_argument,
                           st.cfg.name + " has no child " + std::string{id});
  auto it = st.running->find(id);
  if (it == st.running->end())
    return caf::make_error(caf::sec::request_receiver_down,
                           std::string{id} + " is being restarted");
  return it->second;
}

caf::behavior supervisor_impl(self_ptr self, supervisor_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  auto spec = st.cfg.spec;
  spec.children.clear();
  for (auto& c : st.cfg.children) {
    spec.children.push_back(c.spec);
    st.factories[c.spec.id] = c.start;
  }
  st.cfg.children.clear();
  st.model.emplace(std::move(spec));
  self->set_down_handler([self](caf::down_msg& m) { on_down(self, m); });
  self->set_exit_handler([self](caf::exit_msg& m) {
    if (m.reason)
      begin_shutdown(self, std::move(m.reason));
  });
  // An error reply to a request made without its own error handler: the
  // requester's business, never the supervisor's end.
  self->set_error_handler([](caf::error&) {});
  self->attach_functor([running = st.running] {
    for (auto& [id, h] : *running)
      caf::anon_send_exit(h, caf::exit_reason::kill);
  });
  for (auto& c : st.model->children())
    if (!st.busy())
      start_child(self, c.id);

  caf::message_handler own{
    [self](caf::get_atom, const std::string& id) -> caf::result<caf::actor> {
      return child_of(self, id);
    },
    [self](caf::forward_atom, const std::string& id,
           caf::message& m) -> caf::result<caf::message> {
      auto h = child_of(self, id);
      if (!h)
        return std::move(h.error());
      return self->delegate(*h, std::move(m));
    },
    [self](caf::timeout_atom, uint64_t round) { on_stop_timeout(self, round); },
  };
  if (!st.cfg.extend)
    return own;
  child_lookup lookup = [self](std::string_view id) {
    auto it = self->state.running->find(id);
    return it == self->state.running->end() ? caf::actor{} : it->second;
  };
  return own.or_else(st.cfg.extend(self, std::move(lookup)));
}

} // namespace

caf::actor spawn_supervisor(caf::actor_system& sys, supervisor_config cfg) {
  return sys.spawn(supervisor_impl, std::move(cfg));
}

child_factory supervisor_factory(supervisor_config cfg) {
  return [cfg = std::move(cfg)](caf::actor_system& sys) {
    return spawn_supervisor(sys, cfg);
  };
}

engine::exit_kind exit_kind_of(const caf::error& reason) {
  if (!reason || reason == caf::exit_reason::normal)
    return engine::exit_kind::normal;
  if (reason == caf::exit_reason::user_shutdown)
    return engine::exit_kind::shutdown;
  return engine::exit_kind::abnormal;
}

} // namespace baton::actors
