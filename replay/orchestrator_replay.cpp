#include "replay/orchestrator_replay.hpp"

#include "engine/orchestration/orchestrator.hpp"
#include "engine/orchestration/orchestrator_event.hpp"
#include "engine/plan/plan_parser.hpp"
#include "replay/detail/compare.hpp"
#include "replay/detail/inputs.hpp"

namespace baton::replay {

result<replay_report> replay_orchestrator(const storage::event_log& log,
                                          const replay_options& opts) {
  if (log.highest("orchestrator") == 0)
    return error{ec::not_found, "the log holds no orchestrator stream"};
  replay_report report;
  std::optional<engine::orchestrator> o;
  detail::derived_matcher matcher{"orchestrator"};
  std::string failure;
  uint64_t last = 0;
  bool cut = false; // stopped by until_time
  auto n = detail::read_orchestrator_inputs(
    log, opts.until, [&](storage::recorded_event&& e) {
      if (e.logical_time() > opts.until_time) {
        cut = true;
        return false;
      }
      if (e.stream() == "orchestrator")
        last = e.sequence();
      auto ev = e.event();
      if (!o) {
        if (!ev.isRunStarted()) {
          failure = std::string{e.stream()} + "@"
                    + std::to_string(e.sequence())
                    + ": the orchestrator stream does not start with "
                      "runStarted";
          return false;
        }
        if (opts.plan) {
          o.emplace(*opts.plan);
        } else {
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
      }
      if (auto in = engine::input_from_event(ev)) {
        ++report.inputs;
        // A resumed start: decisions the stopped engine made and did not
        // record were never executed; the resumed run decides anew.
        if (auto* b = std::get_if<engine::run_begun>(&*in); b && b->resumed)
          matcher.drop_pending();
        for (auto& d : o->on(*in, e.logical_time()))
          matcher.derived(engine::to_event(d, o->version()));
        return true;
      }
      if (engine::is_decision(ev)) {
        ++report.decisions;
        return matcher.recorded(e);
      }
      return true;
    });
  if (!n)
    return n.err();
  if (!failure.empty())
    return error{ec::invalid_argument, failure};
  report.first_divergence = matcher.first_divergence();
  // Decisions the replay made that the run never recorded: a divergence,
  // unless the replay stopped early (`until`) or the run was cut short
  // (its last decisions were on their way to the log).
  if (!report.first_divergence && matcher.has_pending()
      && opts.until == UINT64_MAX && !cut
      && log.highest("orchestrator") == last) {
    bool finished = false;
    if (auto events = log.read("orchestrator", last, last); events.ok())
      for (auto& e : *events)
        finished = e.event().isRunFinished();
    if (finished)
      report.first_divergence
        = divergence{"orchestrator", last,
                     detail::as_text(matcher.next_pending()),
                     "(nothing recorded)"};
  }
  return report;
}

result<recorded_run> rebuild_orchestrator(const storage::event_log& log) {
  if (log.highest("orchestrator") == 0)
    return error{ec::not_found, "the log holds no orchestrator stream"};
  recorded_run run;
  std::string failure;
  auto n = detail::read_orchestrator_inputs(
    log, UINT64_MAX, [&](storage::recorded_event&& e) {
      run.last_time = std::max(run.last_time, e.logical_time());
      if (engine::is_decision(e.event())) {
        if (!run.unrecorded.empty())
          run.unrecorded.erase(run.unrecorded.begin());
        return true;
      }
      auto in = engine::input_from_event(e.event());
      if (!in)
        return true;
      if (!run.engine) {
        auto* b = std::get_if<engine::run_begun>(&*in);
        if (b == nullptr) {
          failure = std::string{e.stream()} + "@"
                    + std::to_string(e.sequence())
                    + ": the orchestrator stream does not start with "
                      "runStarted";
          return false;
        }
        auto plan = engine::parse_plan(b->plan_text, "the recorded plan");
        if (!plan) {
          failure = plan.err().message();
          return false;
        }
        run.start = *b;
        run.engine = std::make_unique<engine::orchestrator>(std::move(*plan));
      }
      if (auto* b = std::get_if<engine::run_begun>(&*in); b && b->resumed)
        run.unrecorded.clear(); // resumed before: they were recorded then
      for (auto& d : run.engine->on(*in, e.logical_time()))
        run.unrecorded.push_back(std::move(d));
      return true;
    });
  if (!n)
    return n.err();
  if (!failure.empty())
    return error{ec::invalid_argument, failure};
  if (!run.engine)
    return error{ec::invalid_argument,
                 "the orchestrator stream holds no runStarted"};
  return run;
}

} // namespace baton::replay
