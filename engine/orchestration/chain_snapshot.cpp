#include "engine/orchestration/chain_snapshot.hpp"

#include <algorithm>
#include <type_traits>

#include <capnp/serialize.h>

#include "engine/orchestration/chain_event.hpp"
#include "engine/orchestration/orchestrator_event.hpp"
#include "engine/orchestration/orchestrator_snapshot.hpp"
#include "engine/orchestration/team_scope.hpp"
#include "schema/snapshots.capnp.h"

namespace baton::engine {

// -- what a node derives
// -------------------------------------------------------

namespace {

std::vector<frame> scope_derived(chain_scope& s,
                                 const std::vector<orchestrator_decision>& ds,
                                 std::vector<recorded_report>* made) {
  std::vector<frame> out;
  for (auto& d : ds)
    out.push_back(to_event(d, s.fold().version()));
  for (auto& r : s.take_reports()) {
    out.push_back(to_event(r));
    if (made != nullptr)
      made->push_back(std::move(r));
  }
  return out;
}

std::vector<frame> top_derived(const chain_orchestrator& o,
                               std::vector<chain_decision>& ds,
                               std::vector<recorded_delivery>* made) {
  std::vector<frame> out;
  auto version = o.own().fold().version();
  for (auto& d : ds) {
    if (auto* x = std::get_if<recorded_delivery>(&d)) {
      out.push_back(to_event(*x));
      if (made != nullptr)
        made->push_back(std::move(*x));
    } else {
      out.push_back(to_event(std::get<orchestrator_decision>(d), version));
    }
  }
  return out;
}

} // namespace

std::vector<frame> derive(chain_scope& s, const orchestrator_input& in,
                          uint64_t now_us, std::vector<recorded_report>* made) {
  return scope_derived(s, s.on(in, now_us), made);
}

result<std::vector<frame>> derive(chain_scope& s, const recorded_delivery& d,
                                  uint64_t now_us,
                                  std::vector<recorded_report>* made) {
  auto ds = s.on(d, now_us);
  if (!ds)
    return ds.err();
  return scope_derived(s, *ds, made);
}

std::vector<frame> derive(chain_orchestrator& o, const orchestrator_input& in,
                          uint64_t now_us,
                          std::vector<recorded_delivery>* made) {
  auto ds = o.on(in, now_us);
  return top_derived(o, ds, made);
}

result<std::vector<frame>> derive(chain_orchestrator& o,
                                  const recorded_report& r, uint64_t now_us,
                                  std::vector<recorded_delivery>* made) {
  auto ds = o.on(r, now_us);
  if (!ds)
    return ds.err();
  return top_derived(o, *ds, made);
}

// -- the snapshot
// ---------------------------------------------------------------

namespace {

capnp::Data::Reader as_data(const frame& f) {
  auto bytes = f.bytes();
  return {reinterpret_cast<const kj::byte*>(bytes.data()), bytes.size()};
}

result<frame> from_data(capnp::Data::Reader d) {
  return frame::from_bytes(std::span<const std::byte>{
    reinterpret_cast<const std::byte*>(d.begin()), d.size()});
}

/// The root Event of `f`, given to `read`.
template<class Read>
auto read_event(const frame& f, Read read) {
  capnp::FlatArrayMessageReader r{f.words(), frame_reader_options()};
  return read(r.getRoot<schema::Event>());
}

using route_map = std::map<std::pair<std::string, std::string>, std::string>;

void save_routes(capnp::List<schema::ChainRoute>::Builder out,
                 const route_map& in) {
  unsigned i = 0;
  for (auto& [key, scope] : in) {
    out[i].setOwner(key.first);
    out[i].setAsker(key.second);
    out[i].setScope(scope);
    ++i;
  }
}

route_map routes(capnp::List<schema::ChainRoute>::Reader in) {
  route_map out;
  for (auto r : in)
    out[{r.getOwner().cStr(), r.getAsker().cStr()}] = r.getScope().cStr();
  return out;
}

} // namespace

// Every field of the chain's nodes and of the router is saved and restored
// below (the scope's fold by save_fold, whose parts are guarded beside it).
// A field added to one changes its size: these fail, and point here, until
// the snapshot holds it too. x86-64 with libstdc++, the build's platform.
#if defined(__x86_64__) && defined(__GLIBCXX__)
static_assert(sizeof(chain_scope) == 2840, "save and restore the new field");
static_assert(sizeof(chain_orchestrator) == 4416, "save and restore it");
// scopes_, owners_, owner_scope_ and stub_holders_ come from the plan.
static_assert(sizeof(chain_router) == 1568, "save and restore the new field");
#endif

/// The chain's nodes in and out of schema::ChainNodeState: they befriend
/// it, so their state stays private to everyone else.
class chain_snapshot {
public:
  static void save(const chain_scope& s, schema::ChainNodeState::Builder st) {
    save_fold(s.fold_, s.plan_tasks_, st.initScope());
    st.setReported(s.reported_);
    st.setDelivered(s.delivered_);
  }

  static void save(const chain_orchestrator& o,
                   schema::ChainNodeState::Builder st) {
    save(o.own_, st);
    st.setFinishTold(o.finish_told_);
    auto& r = o.router_;
    auto rs = st.initRouter();
    save_routes(rs.initOpen(static_cast<unsigned>(r.open_.size())), r.open_);
    save_routes(rs.initAnswered(static_cast<unsigned>(r.answered_.size())),
                r.answered_);
    auto edges = r.waits_.edges();
    auto waits = rs.initWaits(static_cast<unsigned>(edges.size()));
    for (unsigned i = 0; i < waits.size(); ++i) {
      waits[i].setFrom(edges[i].from);
      waits[i].setTo(edges[i].to);
      waits[i].setKind(static_cast<uint8_t>(edges[i].kind));
      waits[i].setWhat(edges[i].what);
    }
    auto cycles = rs.initDeadlocks(static_cast<unsigned>(r.deadlocks_.size()));
    unsigned i = 0;
    for (auto& members : r.deadlocks_) {
      auto m = cycles.init(i++, static_cast<unsigned>(members.size()));
      for (unsigned k = 0; k < m.size(); ++k)
        m.set(k, members[k]);
    }
    auto settled = rs.initSettled(static_cast<unsigned>(r.settled_.size()));
    i = 0;
    for (auto& [scope, tally] : r.settled_)
      settled.set(i++, as_data(to_event(
                         recorded_report{scope, 0, scope_settled{tally}})));
    if (r.finish_)
      rs.setFinish(as_data(
        to_event(orchestrator_decision{*r.finish_}, o.own_.fold().version())));
    auto held = rs.initHeld(static_cast<unsigned>(r.held_.size()));
    for (unsigned k = 0; k < held.size(); ++k)
      held.set(k, as_data(to_event(recorded_report{"", 0, r.held_[k]})));
    auto last
      = rs.initLastReports(static_cast<unsigned>(r.last_report_.size()));
    i = 0;
    for (auto& [scope, number] : r.last_report_) {
      last[i].setScope(scope);
      last[i].setNumber(number);
      ++i;
    }
    rs.setDelivered(r.delivered_);
  }

  /// A lead's scope over `base`, the recorded plan cut to it.
  static result<std::unique_ptr<chain_scope>>
  restore_scope(const plan& base, schema::ChainNodeState::Reader st) {
    auto fold = restore_fold(base, st.getScope());
    if (!fold)
      return fold.err();
    auto s = std::make_unique<chain_scope>(base);
    s->fold_ = std::move(**fold);
    s->plan_tasks_ = base.tasks.size();
    s->reported_ = st.getReported();
    s->delivered_ = st.getDelivered();
    return s;
  }

  /// The orchestrator above the leads, over the whole plan.
  static result<std::unique_ptr<chain_orchestrator>>
  restore_top(const plan& whole, schema::ChainNodeState::Reader st) {
    if (!st.hasRouter())
      return error{ec::corruption, "it is a lead's, not the orchestrator's"};
    auto o = std::make_unique<chain_orchestrator>(whole);
    auto own = restore_scope(team_scope(whole, ""), st);
    if (!own)
      return own.err();
    o->own_ = std::move(**own);
    o->finish_told_ = st.getFinishTold();
    auto rs = st.getRouter();
    auto& r = o->router_;
    r.open_ = routes(rs.getOpen());
    r.answered_ = routes(rs.getAnswered());
    for (auto w : rs.getWaits()) {
      if (w.getKind() > static_cast<uint8_t>(wait_kind::lock))
        return error{ec::corruption, "a wait of a kind this version does not "
                                     "know"};
      r.waits_.add({w.getFrom().cStr(), w.getTo().cStr(),
                    static_cast<wait_kind>(w.getKind()), w.getWhat().cStr()});
    }
    for (auto members : rs.getDeadlocks()) {
      std::vector<std::string> m;
      for (auto x : members)
        m.emplace_back(x.cStr());
      r.deadlocks_.insert(std::move(m));
    }
    for (auto d : rs.getSettled()) {
      auto report = read_report(d);
      if (!report)
        return report.err();
      auto* s = std::get_if<scope_settled>(&report->report);
      if (s == nullptr)
        return error{ec::corruption, "a settled scope's tally is another "
                                     "report"};
      r.settled_[report->scope] = s->tally;
    }
    if (rs.hasFinish()) {
      auto f = from_data(rs.getFinish());
      if (!f)
        return f.err();
      auto d = read_event(*f, [](auto e) { return decision_from_event(e); });
      auto* finish = d ? std::get_if<finish_run>(&*d) : nullptr;
      if (finish == nullptr)
        return error{ec::corruption, "the run's finish is not a runFinished"};
      r.finish_ = *finish;
    }
    for (auto d : rs.getHeld()) {
      auto report = read_report(d);
      if (!report)
        return report.err();
      auto* n = std::get_if<chain_need>(&report->report);
      if (n == nullptr)
        return error{ec::corruption, "a held NEED is another report"};
      r.held_.push_back(*n);
    }
    for (auto l : rs.getLastReports())
      r.last_report_[l.getScope().cStr()] = l.getNumber();
    r.delivered_ = rs.getDelivered();
    return o;
  }

private:
  static result<recorded_report> read_report(capnp::Data::Reader d) {
    auto f = from_data(d);
    if (!f)
      return f.err();
    auto r = read_event(*f, [](auto e) { return report_from_event(e); });
    if (!r)
      return error{ec::corruption, "a chainReported this version does not "
                                   "read"};
    return *r;
  }
};

// -- the fold
// -------------------------------------------------------------------

namespace {

template<class Node>
constexpr bool is_lead = std::is_same_v<Node, chain_scope>;

/// The message from the other side of the chain `e` records, if any: a
/// delivery for a lead, a report for the orchestrator.
template<class Node>
auto message_of(schema::Event::Reader e) {
  if constexpr (is_lead<Node>)
    return delivery_from_event(e);
  else
    return report_from_event(e);
}

/// Whether `e` is a message the node itself sends (and derived first).
template<class Node>
bool sends(schema::Event::Reader e) {
  if constexpr (is_lead<Node>)
    return e.isChainReported();
  else
    return e.isChainDelivered();
}

/// Whether `e` reads as what the node derives: a decision, or a message it
/// sends (a lead's report, the orchestrator's delivery).
template<class Node>
bool derivable(schema::Event::Reader e) {
  if (decision_from_event(e))
    return true;
  if constexpr (is_lead<Node>)
    return report_from_event(e).has_value();
  else
    return delivery_from_event(e).has_value();
}

} // namespace

template<class Node>
result<void>
recorded_chain_node<Node>::fold(std::string_view stream, uint64_t seq,
                                schema::Event::Reader e, uint64_t logical_time,
                                const plan* base) {
  if (stream == operator_stream_name)
    operator_sequence = seq;
  else
    sequence = seq;
  last_time = std::max(last_time, logical_time);
  auto where
    = [&] { return std::string{stream} + "@" + std::to_string(seq) + ": "; };
  if (!node) {
    if (!e.isRunStarted())
      return error{ec::invalid_argument,
                   where() + "the stream does not start with runStarted"};
    if (base == nullptr)
      return error{ec::invalid_argument,
                   where() + "no plan to make the chain's node from"};
    node = std::make_unique<Node>(*base);
  }
  auto derived = [&](std::vector<frame> fs) {
    for (auto& f : fs)
      pending.push_back(std::move(f));
  };
  if (auto m = message_of<Node>(e)) {
    auto fs = derive(*node, *m, logical_time);
    if (!fs)
      return error{ec::invalid_argument, where() + fs.err().message()};
    derived(std::move(*fs));
    return {};
  }
  if (auto in = input_from_event(e)) {
    // A resumed start: what the stopped node derived and did not record
    // was never carried out; it derives anew.
    if (auto* b = std::get_if<run_begun>(&*in); b && b->resumed)
      pending.clear();
    derived(derive(*node, *in, logical_time));
    return {};
  }
  if ((is_decision(e) || sends<Node>(e)) && !pending.empty())
    pending.pop_front();
  return {};
}

namespace {

template<class Node>
frame save_node(const Node& node, const std::deque<frame>& pending,
                uint64_t sequence, uint64_t operator_sequence,
                uint64_t last_time) {
  frame_builder b;
  auto st = b.initRoot<schema::ChainNodeState>();
  chain_snapshot::save(node, st);
  st.setFormat(chain_snapshot_format);
  st.setSequence(sequence);
  st.setOperatorSequence(operator_sequence);
  st.setLastTime(last_time);
  auto out = st.initPending(static_cast<unsigned>(pending.size()));
  for (unsigned i = 0; i < out.size(); ++i)
    out.set(i, as_data(pending[i]));
  return frame::from(b);
}

template<class Node, class Message>
result<recorded_chain_node<Node>> copy_of(const chain_seed<Node, Message>& seed,
                                          const plan& base) {
  return recorded_chain_node<Node>::restore(
    base, save_node(*seed.node, seed.unrecorded, seed.sequence,
                    seed.operator_sequence, seed.last_time));
}

} // namespace

template<class Node>
frame recorded_chain_node<Node>::save() const {
  return save_node(*node, pending, sequence, operator_sequence, last_time);
}

template<class Node>
result<recorded_chain_node<Node>>
recorded_chain_node<Node>::restore(const plan& base, const frame& state) {
  auto bad = [](const std::string& why) {
    return error{ec::corruption,
                 std::string{is_lead<Node> ? "snapshot of a lead: "
                                           : "snapshot of the orchestrator: "}
                   + why};
  };
  try {
    capnp::FlatArrayMessageReader r{state.words(), frame_reader_options()};
    auto st = r.getRoot<schema::ChainNodeState>();
    if (st.getFormat() != chain_snapshot_format)
      return error{ec::newer_schema,
                   std::string{is_lead<Node> ? "snapshot of a lead"
                                             : "snapshot of the orchestrator"}
                     + ": its format is " + std::to_string(st.getFormat())
                     + ", this build reads a chain's "
                     + std::to_string(chain_snapshot_format)};
    recorded_chain_node out;
    if constexpr (is_lead<Node>) {
      if (st.hasRouter())
        return bad("it is the orchestrator's, not a lead's");
      auto s = chain_snapshot::restore_scope(base, st);
      if (!s)
        return bad(s.err().message());
      out.node = std::move(*s);
    } else {
      auto o = chain_snapshot::restore_top(base, st);
      if (!o)
        return bad(o.err().message());
      out.node = std::move(*o);
    }
    for (auto d : st.getPending()) {
      auto f = from_data(d);
      if (!f)
        return bad("what it had not recorded: " + f.err().message());
      if (!read_event(*f, [](auto e) { return derivable<Node>(e); }))
        return bad("what it had not recorded holds an event this version "
                   "does not read as a decision or a message it sends");
      out.pending.push_back(std::move(*f));
    }
    out.sequence = st.getSequence();
    out.operator_sequence = st.getOperatorSequence();
    out.last_time = st.getLastTime();
    return out;
  } catch (const kj::Exception& e) {
    return bad(e.getDescription().cStr());
  }
}

template struct recorded_chain_node<chain_scope>;
template struct recorded_chain_node<chain_orchestrator>;

result<recorded_scope> recorded_copy(const scope_seed& seed, const plan& base) {
  return copy_of(seed, base);
}

result<recorded_top> recorded_copy(const top_seed& seed, const plan& base) {
  return copy_of(seed, base);
}

} // namespace baton::engine
