// A run driven by this process: its status and screens folded from its log
// (the same fold as `baton show`), its events through cursors, and the
// operator's commands through the orchestrator actor (checked, recorded on
// the operator stream, applied).
#include "baton/run.hpp"

#include "api/control_server.hpp"
#include "api/detail/cursor_impl.hpp"
#include "api/detail/run_impl.hpp"
#include "api/detail/status_of.hpp"
#include "engine/orchestration/inputs.hpp"
#include "engine/plan/plan_parser.hpp"

namespace baton {

namespace {

std::string str(capnp::Text::Reader t) {
  return {t.begin(), t.size()};
}

/// "ok: o3" -> "o3"; "error: ..." -> the error.
result<std::string> reply_of(const std::string& reply) {
  constexpr std::string_view ok = "ok: ";
  constexpr std::string_view bad = "error: ";
  if (reply.starts_with(ok))
    return reply.substr(ok.size());
  auto message = reply.starts_with(bad) ? reply.substr(bad.size()) : reply;
  if (message.starts_with("the run has finished")
      || message.starts_with("the run finished"))
    return error{ec::closed, message};
  if (message.starts_with("the orchestrator did not answer"))
    return error{ec::timeout, message};
  return error{ec::invalid_argument, message};
}

engine::operator_command command(engine::operator_action a,
                                 const std::string& by) {
  engine::operator_command c;
  c.action = a;
  c.by = by.empty() ? std::string{"operator"} : by;
  return c;
}

} // namespace

// -- impl --------------------------------------------------------------------

run::impl::~impl() {
  // The socket first: nothing reaches the run while it is taken down.
  server.reset();
  {
    std::lock_guard lock{live->mu};
    live->team = nullptr;
  }
  team.reset();
}

result<void> run::impl::catch_up() {
  auto last = log->last_position();
  if (folded >= last)
    return {};
  auto n = log->read_all(folded + 1, UINT64_MAX,
                         [&](storage::recorded_event&& e) {
                           auto stream = e.stream();
                           auto ev = e.event();
                           if (ev.isPtyOutput() && stream.starts_with("worker/"))
                             output_at[std::string{stream.substr(7)}]
                               = e.position();
                           inspector.apply(stream, e.sequence(), e.position(),
                                           e.logical_time(), ev);
                           folded = e.position();
                           return true;
                         });
  if (!n)
    return n.err();
  return {};
}

result<std::string> run::impl::operate(engine::operator_command c) {
  return reply_of(team->operate(c));
}

// -- run ---------------------------------------------------------------------

run::run(std::unique_ptr<impl> p) : impl_(std::move(p)) {
}

run::~run() = default;

result<void> run::serve() {
  auto s = api::control_server::start(
    impl_->log_dir, *this,
    [this](uint64_t from) { return events(from); });
  if (!s)
    return s.err();
  impl_->server = std::move(*s);
  return {};
}

result<run_status> run::status() {
  std::lock_guard lock{impl_->mu};
  if (auto r = impl_->catch_up(); !r)
    return r.err();
  return api::detail::status_of(impl_->inspector.view(), impl_->folded);
}

result<baton::screen> run::screen(const std::string& agent) {
  std::lock_guard lock{impl_->mu};
  if (auto r = impl_->catch_up(); !r)
    return r.err();
  auto& agents = impl_->inspector.view().agents();
  if (std::none_of(agents.begin(), agents.end(),
                   [&](auto& a) { return a.name == agent; })) {
    std::string names;
    for (auto& a : agents)
      names += (names.empty() ? "" : ", ") + a.name;
    return error{ec::not_found,
                 "no agent " + agent + " in this run (agents: " + names + ")"};
  }
  baton::screen out;
  out.agent = agent;
  if (auto* s = impl_->inspector.screen_of(agent)) {
    out.columns = s->cols();
    out.rows = s->rows();
    out.lines = impl_->inspector.screen_rows(agent);
  }
  if (auto at = impl_->output_at.find(agent); at != impl_->output_at.end())
    out.position = at->second;
  return out;
}

result<std::string> run::send(const std::string& agent,
                              const std::string& text, const std::string& by) {
  auto c = command(engine::operator_action::send, by);
  c.agent = agent;
  c.text = text;
  return impl_->operate(std::move(c));
}

result<std::string> run::send_keys(const std::string& agent,
                                   const std::string& keys,
                                   const std::string& by) {
  auto c = command(engine::operator_action::keys, by);
  c.agent = agent;
  c.text = keys;
  return impl_->operate(std::move(c));
}

result<delivery> run::await_delivery(const std::string& id,
                                     std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto& log = *impl_->log;
  // Which agent it was typed into: the command says.
  std::string agent;
  bool found = false;
  auto n = log.read("operator", 1, UINT64_MAX, UINT64_MAX,
                    [&](storage::recorded_event&& e) {
                      auto ev = e.event();
                      if (!ev.isOperatorCommand()
                          || str(ev.getOperatorCommand().getId()) != id)
                        return true;
                      auto c = ev.getOperatorCommand();
                      found = c.getAction() == schema::OperatorAction::SEND;
                      agent = str(c.getAgent());
                      return false;
                    });
  if (!n)
    return n.err();
  if (!found)
    return error{ec::not_found, "no text was sent with id " + id
                                  + " in this run (ids of `send` commands "
                                    "are o1, o2, ...)"};
  auto stream = "worker/" + agent;
  uint64_t next = 1;
  while (true) {
    std::optional<delivery> got;
    auto r = log.read(stream, next, UINT64_MAX, UINT64_MAX,
                      [&](storage::recorded_event&& e) {
                        next = e.sequence() + 1;
                        auto ev = e.event();
                        if (ev.isInputFinished()
                            && str(ev.getInputFinished().getRef()) == id) {
                          auto f = ev.getInputFinished();
                          got = delivery{id, agent, f.getDelivered(),
                                         f.getAttempts(), str(f.getReason())};
                          return false;
                        }
                        return true;
                      });
    if (!r)
      return r.err();
    if (got)
      return *got;
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline)
      return error{ec::timeout, "delivery " + id + " to " + agent
                                  + " has not ended yet"};
    if (done() && log.highest(stream) < next)
      return error{ec::closed, "the run ended before delivery " + id
                                 + " to " + agent + " did"};
    log.wait_beyond(log.last_position(),
                    std::min(std::chrono::duration_cast<std::chrono::milliseconds>(
                               deadline - now),
                             std::chrono::milliseconds{200}));
  }
}

result<std::string> run::add_task(const task_spec& task,
                                  const std::string& by) {
  engine::plan_task t;
  t.id = task.id;
  t.title = task.title;
  t.prompt = task.prompt;
  t.agent = task.agent;
  t.requires_caps = task.capabilities;
  t.after = task.after;
  t.verify = task.verify;
  for (auto& a : task.artifacts) {
    engine::plan_artifact artifact;
    artifact.path = a.path;
    artifact.format = a.format;
    artifact.pattern = a.pattern;
    artifact.non_empty = a.non_empty;
    artifact.must_contain = a.must_contain;
    t.artifacts.push_back(std::move(artifact));
  }
  t.retries = task.retries;
  auto c = command(engine::operator_action::add_task, by);
  c.task = task.id;
  c.text = engine::task_to_toml(t);
  return impl_->operate(std::move(c));
}

result<std::string> run::cancel_task(const std::string& task,
                                     const std::string& reason,
                                     const std::string& by) {
  auto c = command(engine::operator_action::cancel_task, by);
  c.task = task;
  c.reason = reason;
  return impl_->operate(std::move(c));
}

result<std::string> run::rerun_task(const std::string& task,
                                    const std::string& reason,
                                    const std::string& by) {
  auto c = command(engine::operator_action::rerun_task, by);
  c.task = task;
  c.reason = reason;
  return impl_->operate(std::move(c));
}

result<std::string> run::decide_approval(const std::string& id,
                                         const std::string& answer,
                                         const std::string& reason,
                                         const std::string& by) {
  auto c = command(engine::operator_action::approve, by);
  c.approval = id;
  c.answer = answer;
  c.reason = reason;
  return impl_->operate(std::move(c));
}

result<std::string> run::stop(bool immediate, const std::string& reason,
                              const std::string& by) {
  auto c = command(engine::operator_action::stop, by);
  c.immediate = immediate;
  c.reason = reason;
  auto r = impl_->operate(std::move(c));
  // Agents still being stopped gracefully are killed at once when asked,
  // even once the run has finished.
  if (immediate)
    impl_->team->stop(true);
  return r;
}

std::unique_ptr<event_cursor> run::events(uint64_t from) const {
  // The run object may go before the cursor: then the run is over.
  auto p = std::make_unique<event_cursor::impl>(
    impl_->log, from, [live = impl_->live] {
      std::lock_guard lock{live->mu};
      return live->team == nullptr || live->team->done();
    });
  return std::unique_ptr<event_cursor>{new event_cursor{std::move(p)}};
}

bool run::wait(std::chrono::milliseconds timeout) {
  return impl_->team->wait(timeout);
}

bool run::done() const {
  return impl_->team->done();
}

int run::exit_code() {
  auto s = status();
  if (!s || !s->finished)
    return 1;
  if (s->ok)
    return 0;
  if (s->outcome == "reduced")
    return 3;
  if (s->outcome == "operator")
    return 4;
  return 1;
}

const std::string& run::log_dir() const {
  return impl_->log_dir;
}

uint64_t run::resumed_at() const {
  return impl_->resumed_at;
}

std::string run::describe() const {
  return impl_->title;
}

uint64_t run::now() const {
  return impl_->clock();
}

} // namespace baton
