#include "replay/lead_replay.hpp"

#include "engine/orchestration/orchestrator_event.hpp"
#include "engine/plan/plan_parser.hpp"
#include "replay/chain_replay.hpp"
#include "replay/detail/compare.hpp"

namespace baton::replay {

namespace {

/// `plan` has team `team`.
result<void> has_team(const engine::plan& plan, const std::string& team) {
  for (auto& t : plan.teams)
    if (t.name == team)
      return {};
  return error{ec::invalid_argument,
               "the recorded plan has no team " + team + " for stream "
                 + engine::lead_stream(team)};
}

/// The recorded plan, and a check that it has `team`.
result<engine::plan> plan_with_team(const storage::event_log& log,
                                    const std::string& team) {
  if (auto p = replay::recorded_plan(log); !p)
    return p.err();
  else if (auto ok = has_team(**p, team); !ok)
    return ok.err();
  else
    return engine::plan{**p};
}

} // namespace

namespace {

/// The orchestrator stream's first event, which must be runStarted.
result<std::vector<storage::recorded_event>>
run_started(const storage::event_log& log) {
  if (log.highest("orchestrator") == 0)
    return error{ec::not_found,
                 "the log holds no orchestrator stream to take the plan from"};
  auto first = log.read("orchestrator", 1, 1);
  if (!first)
    return first.err();
  if (first->empty() || !first->front().event().isRunStarted())
    return error{ec::invalid_argument,
                 "orchestrator@1: the orchestrator stream does not start with "
                 "runStarted"};
  return first;
}

} // namespace

result<std::shared_ptr<const engine::plan>>
recorded_plan(const storage::event_log& log,
              const std::string& override_text) {
  auto first = run_started(log);
  if (!first)
    return first.err();
  auto text = override_text.empty()
                ? std::string{first->front()
                                .event()
                                .getRunStarted()
                                .getPlanText()
                                .cStr()}
                : override_text;
  auto plan = engine::parse_plan(text, "the recorded plan");
  if (!plan)
    return plan.err();
  return std::make_shared<const engine::plan>(std::move(*plan));
}

result<bool> recorded_chain(const storage::event_log& log) {
  auto first = run_started(log);
  if (!first)
    return first.err();
  return first->front().event().getRunStarted().getChain();
}

result<engine::run_begun> recorded_start(const storage::event_log& log) {
  auto first = run_started(log);
  if (!first)
    return first.err();
  auto in = engine::input_from_event(first->front().event());
  auto* begun = in ? std::get_if<engine::run_begun>(&*in) : nullptr;
  if (begun == nullptr)
    return error{ec::invalid_argument,
                 "orchestrator@1: its runStarted does not read"};
  return std::move(*begun);
}

result<uint16_t> recorded_version(const storage::event_log& log) {
  auto first = run_started(log);
  if (!first)
    return first.err();
  return first->front().event().getRunStarted().getVersion();
}

result<replay_report> replay_lead(const storage::event_log& log,
                                  const std::string& team,
                                  const replay_options& opts) {
  auto stream = engine::lead_stream(team);
  if (log.highest(stream) == 0)
    return error{ec::not_found, "the log holds no stream " + stream};
  if (auto chain = recorded_chain(log); !chain)
    return chain.err();
  else if (*chain)
    return replay_chain_scope(log, team, opts);
  std::shared_ptr<const engine::plan> plan = opts.plan;
  if (!plan) {
    auto parsed = recorded_plan(log, opts.plan_text);
    if (!parsed)
      return parsed.err();
    plan = std::move(*parsed);
  }
  if (auto ok = has_team(*plan, team); !ok)
    return ok.err();
  auto version = recorded_version(log);
  if (!version)
    return version.err();
  engine::team_lead lead{*plan, team, *version};
  replay_report report;
  detail::derived_matcher matcher{stream};
  auto n = log.read(
    stream, 1, opts.until, UINT64_MAX, [&](storage::recorded_event&& e) {
      if (e.logical_time() > opts.until_time)
        return false;
      auto ev = e.event();
      if (ev.isLeadAsked()) {
        ++report.inputs;
        auto d = engine::decision_from_event(ev);
        auto& ask = std::get<engine::ask_lead>(*d);
        if (auto answer = lead.on(ask, e.logical_time()))
          matcher.derived(engine::to_event(
            engine::orchestrator_decision{std::move(*answer)}, lead.version()));
        return true;
      }
      if (ev.isSupervisorActed()) {
        ++report.decisions;
        return matcher.recorded(e);
      }
      return true;
    });
  if (!n)
    return n.err();
  report.first_divergence = matcher.first_divergence();
  // An answer derived and never recorded: the lead stopped before it could
  // (its actor killed, the engine stopped) — not a divergence; the lead
  // started again records it first.
  return report;
}

result<engine::lead_seed> rebuild_lead(const storage::event_log& log,
                                       const std::string& team,
                                       bool use_snapshots,
                                       rebuild_stats* stats) {
  auto plan = plan_with_team(log, team);
  if (!plan)
    return plan.err();
  auto version = recorded_version(log);
  if (!version)
    return version.err();
  auto stream = engine::lead_stream(team);
  engine::lead_seed out{engine::team_lead{*plan, team, *version}};
  uint64_t from = 1;
  rebuild_stats seen;
  if (use_snapshots) {
    auto snap = log.load_snapshot(stream, {});
    if (!snap)
      return snap.err();
    if (*snap) {
      auto restored
        = engine::lead_seed::restore(*plan, team, *version, (*snap)->state);
      if (restored) {
        out = std::move(*restored);
        from = (*snap)->sequence + 1;
        seen.snapshot = (*snap)->sequence;
      } else {
        seen.passed_over = "the snapshot at " + stream + "@"
                           + std::to_string((*snap)->sequence) + ": "
                           + restored.err().message();
      }
    }
  }
  uint64_t folded = 0;
  auto n = log.read(stream, from, UINT64_MAX, UINT64_MAX,
                    [&](storage::recorded_event&& e) {
                      out.fold(e.sequence(), e.event(), e.logical_time());
                      ++folded;
                      return true;
                    });
  if (!n)
    return n.err();
  seen.events = folded;
  if (stats != nullptr)
    *stats = std::move(seen);
  return out;
}

} // namespace baton::replay
