#include "engine/session/session_record.hpp"

#include <algorithm>

#include <capnp/message.h>

#include "engine/frame.hpp"
#include "engine/monitor/observation_event.hpp"

namespace baton::engine {

namespace {

kj::StringPtr text(const std::string& s) {
  return {s.c_str(), s.size()};
}

} // namespace

frame session_opened_event(const detect::pack& pack,
                           const session_core_options& opts, bool resumed,
                           uint16_t version) {
  baton::frame_builder b;
  auto s = b.initRoot<schema::Event>().initSessionOpened();
  s.setPack(text(pack.name));
  s.setPackText(text(pack.text));
  s.setColumns(opts.screen.cols);
  s.setRows(opts.screen.rows);
  s.setCoalesceUs(opts.coalesce_us);
  s.setSubmitDelayUs(opts.submit_delay_us);
  s.setAnswerConfirmUs(opts.answer_confirm_within);
  s.setResumed(resumed);
  if (version != 0)
    s.setVersion(version);
  return frame::from(b);
}

result<session_config> session_config_of(schema::SessionOpened::Reader e,
                                         pack_cache* cache) {
  std::pair<std::string, std::string> key{
    e.getPack().cStr(), {e.getPackText().cStr(), e.getPackText().size()}};
  session_config c;
  if (auto known = cache ? cache->find(key) : pack_cache::iterator{};
      cache && known != cache->end()) {
    c.pack = known->second;
  } else {
    auto parsed
      = detect::parse_pack(key.second, "recorded pack " + key.first);
    if (!parsed)
      return parsed.err();
    c.pack = std::make_shared<const detect::pack>(std::move(*parsed));
    if (cache)
      cache->emplace(std::move(key), c.pack);
  }
  c.options.screen.cols = e.getColumns();
  c.options.screen.rows = e.getRows();
  c.options.coalesce_us = e.getCoalesceUs();
  c.options.submit_delay_us = e.getSubmitDelayUs();
  c.options.answer_confirm_within = e.getAnswerConfirmUs();
  c.resumed = e.getResumed();
  c.version = e.getVersion();
  return c;
}

void order_for_record(session_effects& fx) {
  std::stable_partition(fx.events.begin(), fx.events.end(), [](auto& ev) {
    return ev.what != session_event::kind::state;
  });
}

std::optional<frame> to_event(const session_event& ev, uint16_t version) {
  switch (ev.what) {
    case session_event::kind::state:
    case session_event::kind::protocol:
    case session_event::kind::compaction:
      return to_event(ev.observation, version);
    case session_event::kind::delivery: return to_event(ev.delivery);
    case session_event::kind::exited: return std::nullopt;
  }
  return std::nullopt;
}

frame to_event(const session_write& w) {
  baton::frame_builder b;
  auto in = b.initRoot<schema::Event>().initPtyInput();
  in.setBytes(
    {reinterpret_cast<const kj::byte*>(w.bytes.data()), w.bytes.size()});
  in.setDeliveryId(0);
  return frame::from(b);
}

std::vector<frame> session_records(session_effects& fx, uint16_t version) {
  order_for_record(fx);
  std::vector<frame> out;
  for (auto& ev : fx.events)
    if (auto f = to_event(ev, version))
      out.push_back(std::move(*f));
  for (auto& w : fx.writes)
    out.push_back(to_event(w));
  return out;
}

std::optional<session_input> session_input_of(schema::Event::Reader e) {
  auto view = [](auto r) {
    return std::string_view{reinterpret_cast<const char*>(r.begin()),
                            r.size()};
  };
  session_input in;
  switch (e.which()) {
    case schema::Event::PROMPT_REQUESTED: {
      auto p = e.getPromptRequested();
      in.what = p.getRaw()      ? session_input::kind::keys
                : p.getAnswer() ? session_input::kind::answer
                                : session_input::kind::prompt;
      in.text = view(p.getText());
      in.ref = view(p.getRef());
      return in;
    }
    case schema::Event::PTY_OUTPUT:
      in.what = session_input::kind::output;
      in.text = view(e.getPtyOutput().getBytes());
      return in;
    case schema::Event::TIMER_FIRED:
      in.what = session_input::kind::tick;
      return in;
    case schema::Event::PROCESS_EXITED: {
      auto x = e.getProcessExited();
      in.what = session_input::kind::exit;
      in.status = {x.getExitCode(), x.getSignal()};
      return in;
    }
    default: return std::nullopt;
  }
}

bool needs_core(const session_input& in) {
  using k = session_input::kind;
  return in.what == k::output || in.what == k::tick || in.what == k::exit;
}

void apply_input(session_core* core, const session_input& in, uint64_t now,
                 session_effects& fx) {
  using k = session_input::kind;
  if (core == nullptr)
    return;
  switch (in.what) {
    case k::prompt:
    case k::answer:
    case k::keys:
      if (core->finished())
        return; // no session to type into
      if (in.what == k::keys)
        core->user_input(in.text, fx);
      else if (in.what == k::answer)
        core->answer(std::string{in.text}, now, fx, std::string{in.ref});
      else
        core->prompt(std::string{in.text}, now, fx, std::string{in.ref});
      return;
    case k::output: core->output(in.text, now, fx); return;
    case k::tick: core->tick(now, fx); return;
    case k::exit: core->exited(in.status, now, fx); return;
  }
}

} // namespace baton::engine
