#include "engine/session/session_core.hpp"

#include <algorithm>
#include <utility>

namespace baton::engine {

namespace {

using detect::state;

session_event event_of(engine::observation o) {
  session_event e;
  switch (o.what) {
    case engine::observation::kind::state:
      e.what = session_event::kind::state;
      break;
    case engine::observation::kind::protocol:
      e.what = session_event::kind::protocol;
      break;
    case engine::observation::kind::compaction:
      e.what = session_event::kind::compaction;
      break;
  }
  e.at = o.at;
  e.observation = std::move(o);
  return e;
}

/// Answers are single keys: no paste markers, no submit key.
engine::input_style answer_style(uint64_t confirm_within) {
  engine::input_style s;
  s.bracketed_paste = false;
  s.submit.clear();
  s.clear_line.clear();
  s.confirm_within = confirm_within;
  return s;
}

uint64_t earliest(uint64_t a, uint64_t b) {
  if (a == 0)
    return b;
  if (b == 0)
    return a;
  return std::min(a, b);
}

} // namespace

session_core::session_core(std::shared_ptr<const engine::detect::pack> pack,
                           session_core_options opts)
  : opts_(opts), monitor_(pack, opts.screen, opts.coalesce_us,
             protocol::tracker_options{.memo = opts.typed_memo}),
    prompts_(pack->input()),
    answers_(answer_style(opts.answer_confirm_within)) {
}

void session_core::output(std::string_view bytes, uint64_t now,
                          session_effects& out) {
  if (finished_)
    return;
  auto obs = monitor_.feed(bytes, now);
  auto replies = monitor_.take_replies();
  if (opts_.answer_queries && !replies.empty())
    out.writes.push_back({session_write::source::reply, std::move(replies)});
  bool changed = std::any_of(obs.begin(), obs.end(), [](const auto& o) {
    return o.what == engine::observation::kind::state;
  });
  report(std::move(obs), out);
  if (changed)
    deliver(now, out);
}

void session_core::tick(uint64_t now, session_effects& out) {
  if (finished_)
    return;
  if (submit_due_ != 0 && now >= submit_due_) {
    submit_due_ = 0;
    out.writes.push_back(
      {session_write::source::delivery, std::exchange(submit_, {})});
  }
  auto due = monitor_.next_deadline();
  if (due != 0 && now >= due)
    report(monitor_.tick(now), out);
  deliver(now, out);
}

void session_core::exited(const exit_status& status, uint64_t now,
                          session_effects& out) {
  if (finished_)
    return;
  report(monitor_.exited(now, status.to_string()), out);
  finished_ = true;
  for (auto* queue : {&prompts_, &answers_})
    for (auto& a : queue->observe(false, "exited", true, now))
      push_delivery(std::move(a), now, out);
  session_event e;
  e.what = session_event::kind::exited;
  e.at = now;
  e.status = status;
  out.events.push_back(std::move(e));
}

uint64_t session_core::prompt(std::string text, uint64_t now,
                              session_effects& out, std::string ref) {
  auto id = next_id_++;
  if (!ref.empty())
    refs_[id] = std::move(ref);
  prompts_.enqueue(id, std::move(text));
  if (!finished_)
    deliver(now, out);
  return id;
}

uint64_t session_core::answer(std::string keys, uint64_t now,
                              session_effects& out, std::string ref) {
  auto id = next_id_++;
  if (!ref.empty())
    refs_[id] = std::move(ref);
  answers_.enqueue(id, std::move(keys));
  if (!finished_)
    deliver(now, out);
  return id;
}

void session_core::user_input(std::string_view keys, session_effects& out) {
  if (finished_ || keys.empty())
    return;
  out.writes.push_back({session_write::source::user, std::string{keys}});
  for (char c : keys) {
    if (c == '\r' || c == '\n') {
      if (!user_line_.empty())
        monitor_.typed(user_line_);
      user_line_.clear();
    } else if (user_line_.size() < 4096) {
      user_line_ += c;
    }
  }
}

uint64_t session_core::next_deadline() const {
  if (finished_)
    return 0;
  return earliest(earliest(monitor_.next_deadline(), submit_due_),
                  earliest(prompts_.next_deadline(), answers_.next_deadline()));
}

std::string session_core::screen_text() const {
  std::string out;
  auto view = monitor_.screen().view();
  out += "title: " + view.title + "\n";
  for (auto& line : view.lines)
    out += line + "\n";
  return out;
}

void session_core::report(std::vector<engine::observation> obs,
                          session_effects& out) {
  for (auto& o : obs) {
    if (o.what == engine::observation::kind::state
        && o.change.to == state::waiting_approval)
      o.ask = detect::read_approval_ask(monitor_.detector().pack(),
                                        monitor_.screen().view());
    // A line the agent wrote after a prompt was typed answers it (lines
    // from before were reported when the agent settled before the typing).
    std::vector<engine::delivery_action> answered;
    if (o.what == engine::observation::kind::protocol)
      answered = prompts_.answered(o.message.message.line);
    out.events.push_back(event_of(std::move(o)));
    auto at = out.events.back().at;
    for (auto& a : answered)
      push_delivery(std::move(a), at, out);
  }
}

void session_core::deliver(uint64_t now, session_effects& out) {
  if (monitor_.state() != state::unknown) {
    run(prompts_, monitor_.input_ready(), now, out);
  } else {
    // An unexplained screen confirms nothing; a passed deadline retries.
    auto due = prompts_.next_deadline();
    if (due != 0 && now >= due)
      run(prompts_, true, now, out);
  }
  run(answers_, monitor_.state() == state::waiting_approval, now, out);
  // An answer for a prompt the agent has left (a person answered it, the
  // turn was interrupted) must not answer the next one.
  if (monitor_.state() != state::waiting_approval
      && monitor_.state() != state::unknown && answers_.pending() > 0)
    for (auto& a : answers_.drop_unwritten(
           "the agent is no longer asking for approval (now "
           + std::string{detect::to_string(monitor_.state())} + ")"))
      push_delivery(std::move(a), now, out);
}

void session_core::run(engine::input_delivery& queue, bool ready, uint64_t now,
                       session_effects& out) {
  auto name = engine::detect::to_string(monitor_.state());
  for (auto& a : queue.observe(ready, name, false, now)) {
    if (a.what == engine::delivery_action::kind::write) {
      monitor_.typed(a.bytes);
      write_delivery(std::move(a.bytes), now, out);
      continue;
    }
    push_delivery(std::move(a), now, out);
  }
}

void session_core::push_delivery(engine::delivery_action a, uint64_t at,
                                 session_effects& out) {
  if (auto r = refs_.find(a.delivery_id); r != refs_.end()) {
    a.ref = std::move(r->second);
    refs_.erase(r);
  }
  session_event e;
  e.what = session_event::kind::delivery;
  e.at = at;
  e.delivery = std::move(a);
  out.events.push_back(std::move(e));
}

void session_core::write_delivery(std::string bytes, uint64_t now,
                                  session_effects& out) {
  // A paste followed by the submit key: the key goes later (see header).
  auto& submit = monitor_.detector().pack().submit;
  bool pasted = bytes.find("\x1b[201~") != std::string::npos;
  if (pasted && opts_.submit_delay_us > 0 && !submit.empty()
      && bytes.size() > submit.size()
      && bytes.compare(bytes.size() - submit.size(), submit.size(), submit)
           == 0) {
    bytes.resize(bytes.size() - submit.size());
    submit_ = submit;
    submit_due_ = now + opts_.submit_delay_us;
  }
  out.writes.push_back({session_write::source::delivery, std::move(bytes)});
}

} // namespace baton::engine
