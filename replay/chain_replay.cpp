#include "replay/chain_replay.hpp"

#include <deque>
#include <functional>
#include <memory>
#include <optional>

#include <capnp/serialize.h>

#include "engine/orchestration/chain_event.hpp"
#include "engine/orchestration/chain_nodes.hpp"
#include "engine/orchestration/chain_snapshot.hpp"
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
            std::deque<frame>* unrecorded = nullptr,
            std::deque<frame>* restored = nullptr) {
  replay_report report;
  detail::derived_matcher matcher{node.stream};
  std::string failure;
  uint64_t last = 0;
  // From a snapshot: the node is there, with what it had not recorded.
  bool started = restored != nullptr;
  if (restored != nullptr)
    for (auto& f : std::exchange(*restored, {}))
      matcher.derived(std::move(f));
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
                       std::unique_ptr<engine::chain_scope>& scope,
                       std::vector<engine::recorded_report>* made) {
  return {stream,
          [&scope, cut = std::move(cut)] {
            scope = std::make_unique<engine::chain_scope>(cut);
          },
          [&scope, made](schema::Event::Reader ev, uint64_t now)
            -> std::optional<result<std::vector<frame>>> {
            auto d = engine::delivery_from_event(ev);
            if (!d)
              return std::nullopt;
            return engine::derive(*scope, *d, now, made);
          },
          [&scope, made](const engine::orchestrator_input& in, uint64_t now) {
            return engine::derive(*scope, in, now, made);
          },
          &schema::Event::Reader::isChainReported};
}

/// How the orchestrator's stream of a chain is replayed: `top`, made from
/// `whole` at the stream's start. Each delivery it makes goes to `made`.
node_replay top_node(std::shared_ptr<const engine::plan> whole,
                     std::unique_ptr<engine::chain_orchestrator>& top,
                     std::vector<engine::recorded_delivery>* made) {
  return {"orchestrator",
          [&top, whole] {
            top = std::make_unique<engine::chain_orchestrator>(*whole);
          },
          [&top, made](schema::Event::Reader ev, uint64_t now)
            -> std::optional<result<std::vector<frame>>> {
            auto r = engine::report_from_event(ev);
            if (!r)
              return std::nullopt;
            return engine::derive(*top, *r, now, made);
          },
          [&top, made](const engine::orchestrator_input& in, uint64_t now) {
            return engine::derive(*top, in, now, made);
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

/// Where a rebuild starts: the node restored from the stream's latest
/// snapshot, with what it had not recorded, or (none, none usable, or not
/// asked for) nothing, from the first event.
struct restored_from {
  uint64_t sequence = 0;
  uint64_t operator_sequence = 0;
  uint64_t last_time = 0;
  std::deque<frame> pending;
};

/// The seed's streams reach `e`.
template<class Seed>
void ended_at(Seed& seed, const storage::recorded_event& e) {
  if (e.stream() == engine::operator_stream_name)
    seed.operator_sequence = e.sequence();
  else
    seed.sequence = e.sequence();
  seed.last_time = std::max(seed.last_time, e.logical_time());
}

template<class Node>
result<restored_from>
start_from(const storage::event_log& log, const std::string& stream,
           const engine::plan& base, bool use_snapshots,
           std::unique_ptr<Node>& node, rebuild_stats& seen) {
  restored_from out;
  if (!use_snapshots)
    return out;
  auto snap = log.load_snapshot(stream, {});
  if (!snap)
    return snap.err();
  if (!*snap)
    return out;
  auto restored
    = engine::recorded_chain_node<Node>::restore(base, (*snap)->state);
  if (!restored) {
    seen.passed_over = "the snapshot at " + stream + "@"
                       + std::to_string((*snap)->sequence) + ": "
                       + restored.err().message();
    return out;
  }
  node = std::move(restored->node);
  out.sequence = restored->sequence;
  out.operator_sequence = restored->operator_sequence;
  out.last_time = restored->last_time;
  out.pending = std::move(restored->pending);
  seen.snapshot = out.sequence;
  return out;
}

/// What a node restored from a snapshot at `from` sent before it, in order:
/// the messages `read` finds in `stream` up to there, then those it had
/// derived and not recorded there (recorded after it, or never).
template<class Message, class Read>
result<void> sent_before(const storage::event_log& log,
                         const std::string& stream, const restored_from& from,
                         std::vector<Message>& sent, Read read) {
  if (from.sequence == 0)
    return {};
  auto n = log.read(stream, 1, from.sequence, UINT64_MAX,
                    [&](storage::recorded_event&& e) {
                      if (auto m = read(e.event()))
                        sent.push_back(std::move(*m));
                      return true;
                    });
  if (!n)
    return n.err();
  for (auto& f : from.pending) {
    capnp::FlatArrayMessageReader r{f.words(), frame_reader_options()};
    if (auto m = read(r.getRoot<schema::Event>()))
      sent.push_back(std::move(*m));
  }
  return {};
}

} // namespace

result<replay_report> replay_chain_scope(const storage::event_log& log,
                                         const std::string& team,
                                         const replay_options& opts) {
  auto cut = cut_for(log, team, opts);
  if (!cut)
    return cut.err();
  auto stream = engine::lead_stream(team);
  std::unique_ptr<engine::chain_scope> scope;
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
  std::unique_ptr<engine::chain_orchestrator> top;
  return replay_node(
    log, opts, top_node(*whole, top, nullptr), [&](const auto& fn) {
      return detail::read_orchestrator_inputs(log, opts.until, fn);
    });
}

namespace {

/// `rebuild` (one of the two below) from the latest snapshot; when what
/// follows it does not replay (a snapshot of a fold this build restores
/// otherwise than it was saved), again from the first event, the snapshot
/// passed over and said in `stats`.
template<class Rebuild>
auto from_snapshot_or_first(const std::string& stream, bool use_snapshots,
                            rebuild_stats* stats, Rebuild rebuild) {
  rebuild_stats seen;
  auto r = rebuild(use_snapshots, seen);
  if (!r && seen.snapshot > 0) {
    auto why = r.err().message();
    rebuild_stats again;
    r = rebuild(false, again);
    if (r)
      again.passed_over
        = "the snapshot at " + stream + "@" + std::to_string(seen.snapshot)
          + ": what follows it does not replay from it (" + why + ")";
    seen = std::move(again);
  }
  if (stats != nullptr)
    *stats = std::move(seen);
  return r;
}

result<engine::scope_seed>
rebuild_scope_once(const storage::event_log& log, const std::string& team,
                   bool use_snapshots, rebuild_stats& seen,
                   std::shared_ptr<const engine::plan> whole) {
  replay_options opts;
  opts.plan = std::move(whole);
  auto cut = cut_for(log, team, opts);
  if (!cut)
    return cut.err();
  auto stream = engine::lead_stream(team);
  std::unique_ptr<engine::chain_scope> scope;
  engine::scope_seed seed;
  auto from = start_from<engine::chain_scope>(log, stream, *cut, use_snapshots,
                                              scope, seen);
  if (!from)
    return from.err();
  seed.sequence = from->sequence;
  seed.last_time = from->last_time;
  // What it sent before the snapshot: read, not folded.
  if (auto ok = sent_before(
        log, stream, *from, seed.sent,
        [](schema::Event::Reader e) { return engine::report_from_event(e); });
      !ok)
    return ok.err();
  auto r = replay_node(
    log, opts, scope_node(stream, std::move(*cut), scope, &seed.sent),
    [&](const auto& fn) {
      return log.read(stream, from->sequence + 1, UINT64_MAX, UINT64_MAX,
                      [&](storage::recorded_event&& e) {
                        ++seen.events;
                        ended_at(seed, e);
                        return fn(std::move(e));
                      });
    },
    &seed.unrecorded, scope ? &from->pending : nullptr);
  if (!r)
    return r.err();
  if (r->first_divergence)
    return diverged(*r->first_divergence);
  if (!scope)
    return error{ec::invalid_argument, stream + " holds no runStarted"};
  seed.node = std::move(scope);
  // What it sent: what it recorded (the rest goes with the unrecorded).
  seed.sent.resize(seed.sent.size() - messages_in(seed.unrecorded, [](auto e) {
                     return engine::report_from_event(e).has_value();
                   }));
  return seed;
}

result<engine::top_seed>
rebuild_top_once(const storage::event_log& log, bool use_snapshots,
                 rebuild_stats& seen,
                 std::shared_ptr<const engine::plan> parsed) {
  if (log.highest("orchestrator") == 0)
    return error{ec::not_found, "the log holds no orchestrator stream"};
  replay_options opts;
  opts.plan = std::move(parsed);
  auto whole = plan_of(log, opts);
  if (!whole)
    return whole.err();
  std::unique_ptr<engine::chain_orchestrator> top;
  engine::top_seed seed;
  auto from = start_from<engine::chain_orchestrator>(
    log, "orchestrator", **whole, use_snapshots, top, seen);
  if (!from)
    return from.err();
  seed.sequence = from->sequence;
  seed.operator_sequence = from->operator_sequence;
  seed.last_time = from->last_time;
  if (auto ok = sent_before(
        log, "orchestrator", *from, seed.sent,
        [](schema::Event::Reader e) { return engine::delivery_from_event(e); });
      !ok)
    return ok.err();
  auto r = replay_node(
    log, opts, top_node(*whole, top, &seed.sent),
    [&](const auto& fn) {
      return detail::read_orchestrator_inputs(
        log, UINT64_MAX,
        [&](storage::recorded_event&& e) {
          ++seen.events;
          ended_at(seed, e);
          return fn(std::move(e));
        },
        from->sequence + 1, from->operator_sequence + 1);
    },
    &seed.unrecorded, top ? &from->pending : nullptr);
  if (!r)
    return r.err();
  if (r->first_divergence)
    return diverged(*r->first_divergence);
  if (!top)
    return error{ec::invalid_argument, "the orchestrator stream holds no "
                                       "runStarted"};
  seed.node = std::move(top);
  seed.sent.resize(seed.sent.size() - messages_in(seed.unrecorded, [](auto e) {
                     return engine::delivery_from_event(e).has_value();
                   }));
  return seed;
}

} // namespace

result<engine::scope_seed>
rebuild_chain_scope(const storage::event_log& log, const std::string& team,
                    bool use_snapshots, rebuild_stats* stats,
                    std::shared_ptr<const engine::plan> whole) {
  return from_snapshot_or_first(engine::lead_stream(team), use_snapshots, stats,
                                [&](bool snapshots, rebuild_stats& seen) {
                                  return rebuild_scope_once(
                                    log, team, snapshots, seen, whole);
                                });
}

result<engine::top_seed>
rebuild_chain_orchestrator(const storage::event_log& log, bool use_snapshots,
                           rebuild_stats* stats,
                           std::shared_ptr<const engine::plan> whole) {
  return from_snapshot_or_first("orchestrator", use_snapshots, stats,
                                [&](bool snapshots, rebuild_stats& seen) {
                                  return rebuild_top_once(log, snapshots, seen,
                                                          whole);
                                });
}

} // namespace baton::replay
