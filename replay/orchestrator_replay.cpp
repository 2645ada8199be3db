#include "replay/orchestrator_replay.hpp"

#include <deque>

#include <capnp/compat/json.h>
#include <capnp/message.h>
#include <capnp/serialize.h>

#include "engine/orchestration/orchestrator.hpp"
#include "engine/orchestration/orchestrator_event.hpp"
#include "engine/plan/plan_parser.hpp"

namespace baton::replay {

namespace {

std::string as_text(const frame& f) {
  capnp::FlatArrayMessageReader r{f.words(), frame_reader_options()};
  capnp::JsonCodec codec;
  return codec.encode(r.getRoot<schema::Event>()).cStr();
}

bool same_bytes(const frame& a, const frame& b) {
  auto x = a.bytes();
  auto y = b.bytes();
  return x.size() == y.size() && std::equal(x.begin(), x.end(), y.begin());
}

/// The recorded event's payload re-encoded canonically (the log copies
/// payloads, so compare like with like).
frame canonical(const storage::recorded_event& e) {
  capnp::MallocMessageBuilder b;
  b.setRoot(e.event());
  return frame::from(b);
}

} // namespace

result<replay_report> replay_orchestrator(const storage::event_log& log,
                                          const replay_options& opts) {
  if (log.highest("orchestrator") == 0)
    return error{ec::not_found, "the log holds no orchestrator stream"};
  replay_report report;
  std::optional<engine::orchestrator> o;
  std::deque<frame> pending; // decided by the replay, not yet matched
  std::string failure;
  uint64_t last = 0;
  auto n = log.read(
    "orchestrator", 1, opts.until, UINT64_MAX,
    [&](storage::recorded_event&& e) {
      last = e.sequence();
      auto ev = e.event();
      if (!o) {
        if (!ev.isRunStarted()) {
          failure = "orchestrator@" + std::to_string(e.sequence())
                    + ": the stream does not start with runStarted";
          return false;
        }
        auto text = opts.plan_text.empty()
                      ? std::string{ev.getRunStarted().getPlanText().cStr()}
                      : opts.plan_text;
        auto plan = engine::parse_plan(text, "the recorded plan");
        if (!plan) {
          failure = plan.err().message();
          return false;
        }
        o.emplace(std::move(*plan));
      }
      if (auto in = engine::input_from_event(ev)) {
        ++report.inputs;
        for (auto& d : o->on(*in, e.logical_time()))
          pending.push_back(engine::to_event(d));
        return true;
      }
      if (engine::decision_from_event(ev)) {
        ++report.decisions;
        auto found = canonical(e);
        if (pending.empty()) {
          report.first_divergence = divergence{"orchestrator", e.sequence(),
                                               "(no decision)", as_text(found)};
          return false;
        }
        if (!same_bytes(pending.front(), found)) {
          report.first_divergence
            = divergence{"orchestrator", e.sequence(), as_text(pending.front()),
                         as_text(found)};
          return false;
        }
        pending.pop_front();
      }
      return true;
    });
  if (!n)
    return n.err();
  if (!failure.empty())
    return error{ec::invalid_argument, failure};
  // Decisions the replay made that the run never recorded: a divergence,
  // unless the replay stopped early (`until`) or the run was cut short
  // (its last decisions were on their way to the log).
  if (!report.first_divergence && !pending.empty() && opts.until == UINT64_MAX
      && log.highest("orchestrator") == last) {
    bool finished = false;
    if (auto events = log.read("orchestrator", last, last); events.ok())
      for (auto& e : *events)
        finished = e.event().isRunFinished();
    if (finished)
      report.first_divergence = divergence{
        "orchestrator", last, as_text(pending.front()), "(nothing recorded)"};
  }
  return report;
}

} // namespace baton::replay
