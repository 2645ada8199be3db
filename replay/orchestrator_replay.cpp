#include "replay/orchestrator_replay.hpp"

#include "engine/orchestration/orchestrator.hpp"
#include "engine/orchestration/orchestrator_event.hpp"
#include "engine/plan/plan_parser.hpp"
#include "replay/chain_replay.hpp"
#include "replay/detail/compare.hpp"
#include "replay/detail/inputs.hpp"

namespace baton::replay {

result<replay_report> replay_orchestrator(const storage::event_log& log,
                                          const replay_options& opts) {
  auto chain = recorded_chain(log);
  if (!chain)
    return chain.err();
  if (*chain)
    return replay_chain_orchestrator(log, opts);
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

result<recorded_run> rebuild_orchestrator(const storage::event_log& log,
                                          bool use_snapshots,
                                          rebuild_stats* stats) {
  auto chain = recorded_chain(log);
  if (!chain)
    return chain.err();
  if (*chain)
    return error{ec::invalid_argument,
                 "the run is a supervisor chain (runStarted.chain): its "
                 "orchestrator and each lead are rebuilt from their own "
                 "streams (rebuild_chain_orchestrator, rebuild_chain_scope)"};
  rebuild_stats seen;
  recorded_run run;
  if (use_snapshots) {
    auto snap = log.load_snapshot("orchestrator", {});
    if (!snap)
      return snap.err();
    if (*snap) {
      auto first = log.read("orchestrator", 1, 1);
      if (!first)
        return first.err();
      std::optional<engine::orchestrator_input> in;
      if (!first->empty())
        in = engine::input_from_event(first->front().event());
      auto* begun = in ? std::get_if<engine::run_begun>(&*in) : nullptr;
      if (begun == nullptr)
        return error{ec::invalid_argument,
                     "orchestrator@1: the orchestrator stream does not start "
                     "with runStarted"};
      auto restored
        = engine::recorded_orchestrator::restore(*begun, (*snap)->state);
      if (restored) {
        run = std::move(*restored);
        seen.snapshot = run.sequence;
      } else {
        seen.passed_over = "the snapshot at orchestrator@"
                           + std::to_string((*snap)->sequence) + ": "
                           + restored.err().message();
      }
    }
  }
  std::optional<error> failure;
  auto n = detail::read_orchestrator_inputs(
    log, UINT64_MAX,
    [&](storage::recorded_event&& e) {
      ++seen.events;
      auto ok = run.fold(e.stream(), e.sequence(), e.event(), e.logical_time());
      if (!ok) {
        failure = ok.err();
        return false;
      }
      return true;
    },
    run.sequence + 1, run.operator_sequence + 1);
  if (!n)
    return n.err();
  if (failure)
    return *failure;
  if (!run.engine)
    return error{ec::invalid_argument,
                 "the orchestrator stream holds no runStarted"};
  if (stats != nullptr)
    *stats = std::move(seen);
  return run;
}

} // namespace baton::replay
