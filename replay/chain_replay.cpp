#include "replay/chain_replay.hpp"

#include <deque>
#include <functional>
#include <memory>
#include <optional>

#include <capnp/serialize.h>

#include "engine/orchestration/chain_event.hpp"
#include "engine/orchestration/chain_nodes.hpp"
#include "engine/orchestration/orchestrator_event.hpp"
#include "engine/orchestration/team_lead.hpp"
#include "engine/orchestration/team_scope.hpp"
#include "replay/detail/compare.hpp"
#include "replay/detail/inputs.hpp"
#include "replay/lead_replay.hpp"

namespace baton::replay {

namespace {

/// "stream@sequence: "
std::string where(const storage::recorded_event& e) {
  return std::string{e.stream()} + "@" + std::to_string(e.sequence()) + ": ";
}

/// The plan opts gives, or the recorded one.
result<std::shared_ptr<const engine::plan>>
plan_of(const storage::event_log& log, const replay_options& opts) {
  if (opts.plan)
    return opts.plan;
  return recorded_plan(log, opts.plan_text);
}

/// How one node of the chain is replayed.
struct node_replay {
  std::string stream;
  /// Starts the node (at the stream's runStarted).
  std::function<void()> start;
  /// A message from another node (chainDelivered for a lead,
  /// chainReported for the orchestrator): what it derives, or an error;
  /// nullopt for an event of another kind.
  std::function<std::optional<result<std::vector<frame>>>(schema::Event::Reader,
                                                          uint64_t)>
    message;
  /// An input of the node's own: what it derives.
  std::function<std::vector<frame>(const engine::orchestrator_input&, uint64_t)>
    input;
  /// What the node derives besides its decisions (chainReported for a
  /// lead, chainDelivered for the orchestrator).
  bool (schema::Event::Reader::*also_derived)() const;
};

/// Feeds `events` (a reader of the node's stream, and the operator's for
/// the orchestrator) to the node and compares what it derives with what
/// was recorded.
result<replay_report>
replay_node(const storage::event_log& log, const replay_options& opts,
            node_replay node,
            const std::function<result<uint64_t>(
              const std::function<bool(storage::recorded_event&&)>&)>& events,
            std::deque<frame>* unrecorded = nullptr) {
  replay_report report;
  detail::derived_matcher matcher{node.stream};
  std::string failure;
  uint64_t last = 0;
  bool started = false;
  bool cut = false;
  auto n = events([&](storage::recorded_event&& e) {
    if (e.logical_time() > opts.until_time) {
      cut = true;
      return false;
    }
    if (e.stream() == node.stream)
      last = e.sequence();
    auto ev = e.event();
    if (!std::exchange(started, true)) {
      if (!ev.isRunStarted()) {
        failure = where(e) + "the stream does not start with runStarted";
        return false;
      }
      node.start();
    }
    if (auto derived = node.message(ev, e.logical_time())) {
      ++report.inputs;
      if (!*derived) {
        failure = where(e) + derived->err().message();
        return false;
      }
      for (auto& f : **derived)
        matcher.derived(std::move(f));
      return true;
    }
    if (auto in = engine::input_from_event(ev)) {
      ++report.inputs;
      // A resumed start: what the stopped node made and did not record was
      // never carried out; it decides anew.
      if (auto* b = std::get_if<engine::run_begun>(&*in); b && b->resumed)
        matcher.drop_pending();
      for (auto& f : node.input(*in, e.logical_time()))
        matcher.derived(std::move(f));
      return true;
    }
    if (engine::is_decision(ev) || (ev.*node.also_derived)()) {
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
  if (unrecorded != nullptr && !report.first_divergence) {
    *unrecorded = matcher.take_pending();
    return report;
  }
  // What the replay made that the run never recorded: a divergence when
  // the stream ends with the node's end (not cut short by `until`, or by a
  // stop before it reached the log).
  if (report.first_divergence || !matcher.has_pending()
      || opts.until != UINT64_MAX || cut || log.highest(node.stream) != last)
    return report;
  if (auto end = log.read(node.stream, last, last); end.ok())
    for (auto& e : *end)
      if (e.event().isRunFinished())
        report.first_divergence = divergence{
          node.stream, last, detail::as_text(matcher.next_pending()),
          "(nothing recorded)"};
  return report;
}

/// How a lead's stream is replayed: its scope's fold, `scope` (made from
/// `cut` at the stream's start). Each report it makes goes to `made`.
node_replay scope_node(const std::string& stream, engine::plan cut,
                       std::optional<engine::chain_scope>& scope,
                       std::vector<engine::recorded_report>* made) {
  // Its decisions, then its reports up.
  auto derived
    = [&scope, made](const std::vector<engine::orchestrator_decision>& ds) {
        std::vector<frame> out;
        for (auto& d : ds)
          out.push_back(engine::to_event(d, scope->fold().version()));
        for (auto& r : scope->take_reports()) {
          out.push_back(engine::to_event(r));
          if (made != nullptr)
            made->push_back(std::move(r));
        }
        return out;
      };
  return {
    stream, [&scope, cut = std::move(cut)] { scope.emplace(cut); },
    [&scope, derived](schema::Event::Reader ev, uint64_t now)
      -> std::optional<result<std::vector<frame>>> {
      auto d = engine::delivery_from_event(ev);
      if (!d)
        return std::nullopt;
      auto ds = scope->on(*d, now);
      if (!ds)
        return result<std::vector<frame>>{ds.err()};
      return result<std::vector<frame>>{derived(*ds)};
    },
    [&scope, derived](const engine::orchestrator_input& in, uint64_t now) {
      return derived(scope->on(in, now));
    },
    &schema::Event::Reader::isChainReported};
}

/// How the orchestrator's stream of a chain is replayed: `top`, made from
/// `whole` at the stream's start. Each delivery it makes goes to `made`.
node_replay top_node(std::shared_ptr<const engine::plan> whole,
                     std::optional<engine::chain_orchestrator>& top,
                     std::vector<engine::recorded_delivery>* made) {
  auto derived = [&top, made](const std::vector<engine::chain_decision>& ds) {
    std::vector<frame> out;
    auto version = top->own().fold().version();
    for (auto& d : ds) {
      if (auto* x = std::get_if<engine::recorded_delivery>(&d)) {
        out.push_back(engine::to_event(*x));
        if (made != nullptr)
          made->push_back(*x);
      } else {
        out.push_back(engine::to_event(
          std::get<engine::orchestrator_decision>(d), version));
      }
    }
    return out;
  };
  return {"orchestrator", [&top, whole] { top.emplace(*whole); },
          [&top, derived](schema::Event::Reader ev, uint64_t now)
            -> std::optional<result<std::vector<frame>>> {
            auto r = engine::report_from_event(ev);
            if (!r)
              return std::nullopt;
            auto ds = top->on(*r, now);
            if (!ds)
              return result<std::vector<frame>>{ds.err()};
            return result<std::vector<frame>>{derived(*ds)};
          },
          [&top, derived](const engine::orchestrator_input& in, uint64_t now) {
            return derived(top->on(in, now));
          },
          &schema::Event::Reader::isChainDelivered};
}

/// The team's cut of the plan, for `lead/<team>`.
result<engine::plan> cut_for(const storage::event_log& log,
                             const std::string& team,
                             const replay_options& opts) {
  auto stream = engine::lead_stream(team);
  if (log.highest(stream) == 0)
    return error{ec::not_found, "the log holds no stream " + stream};
  auto whole = plan_of(log, opts);
  if (!whole)
    return whole.err();
  auto cut = engine::cut_to_scope(**whole, team);
  if (!cut)
    return error{ec::invalid_argument,
                 cut.err().message() + " for stream " + stream};
  return std::move(*cut);
}

/// How many of `frames` are chain messages `is` reads: what a node derived
/// and did not record is at the end of what it sent.
template<class Read>
size_t messages_in(const std::deque<frame>& frames, Read is) {
  size_t n = 0;
  for (auto& f : frames) {
    capnp::FlatArrayMessageReader r{f.words(), frame_reader_options()};
    n += is(r.getRoot<schema::Event>()) ? 1 : 0;
  }
  return n;
}

/// A rebuild that found the stream not what this build decides.
error diverged(const divergence& d) {
  return error{ec::invalid_argument,
               d.stream + "@" + std::to_string(d.sequence)
                 + ": this build decides otherwise than the run recorded "
                   "(it would record "
                 + d.expected + ", the run recorded " + d.found
                 + "); it cannot go on from there"};
}

} // namespace

result<replay_report> replay_chain_scope(const storage::event_log& log,
                                         const std::string& team,
                                         const replay_options& opts) {
  auto cut = cut_for(log, team, opts);
  if (!cut)
    return cut.err();
  auto stream = engine::lead_stream(team);
  std::optional<engine::chain_scope> scope;
  return replay_node(log, opts,
                     scope_node(stream, std::move(*cut), scope, nullptr),
                     [&](const auto& fn) {
                       return log.read(stream, 1, opts.until, UINT64_MAX, fn);
                     });
}

result<replay_report> replay_chain_orchestrator(const storage::event_log& log,
                                                const replay_options& opts) {
  if (log.highest("orchestrator") == 0)
    return error{ec::not_found, "the log holds no orchestrator stream"};
  auto whole = plan_of(log, opts);
  if (!whole)
    return whole.err();
  std::optional<engine::chain_orchestrator> top;
  return replay_node(
    log, opts, top_node(*whole, top, nullptr), [&](const auto& fn) {
      return detail::read_orchestrator_inputs(log, opts.until, fn);
    });
}

result<engine::scope_seed> rebuild_chain_scope(const storage::event_log& log,
                                               const std::string& team) {
  replay_options opts;
  auto cut = cut_for(log, team, opts);
  if (!cut)
    return cut.err();
  auto stream = engine::lead_stream(team);
  std::optional<engine::chain_scope> scope;
  engine::scope_seed seed;
  auto r = replay_node(
    log, opts, scope_node(stream, std::move(*cut), scope, &seed.sent),
    [&](const auto& fn) {
      return log.read(stream, 1, UINT64_MAX, UINT64_MAX, fn);
    },
    &seed.unrecorded);
  if (!r)
    return r.err();
  if (r->first_divergence)
    return diverged(*r->first_divergence);
  if (!scope)
    return error{ec::invalid_argument, stream + " holds no runStarted"};
  seed.node = std::make_unique<engine::chain_scope>(std::move(*scope));
  // What it sent: what it recorded (the rest goes with the unrecorded).
  seed.sent.resize(seed.sent.size() - messages_in(seed.unrecorded, [](auto e) {
                     return engine::report_from_event(e).has_value();
                   }));
  return seed;
}

result<engine::top_seed>
rebuild_chain_orchestrator(const storage::event_log& log) {
  if (log.highest("orchestrator") == 0)
    return error{ec::not_found, "the log holds no orchestrator stream"};
  replay_options opts;
  auto whole = plan_of(log, opts);
  if (!whole)
    return whole.err();
  std::optional<engine::chain_orchestrator> top;
  engine::top_seed seed;
  auto r = replay_node(
    log, opts, top_node(*whole, top, &seed.sent),
    [&](const auto& fn) {
      return detail::read_orchestrator_inputs(log, UINT64_MAX, fn);
    },
    &seed.unrecorded);
  if (!r)
    return r.err();
  if (r->first_divergence)
    return diverged(*r->first_divergence);
  if (!top)
    return error{ec::invalid_argument, "the orchestrator stream holds no "
                                       "runStarted"};
  seed.node = std::make_unique<engine::chain_orchestrator>(std::move(*top));
  seed.sent.resize(seed.sent.size() - messages_in(seed.unrecorded, [](auto e) {
                     return engine::delivery_from_event(e).has_value();
                   }));
  return seed;
}

} // namespace baton::replay
