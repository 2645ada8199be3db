// A supervisor chain's streams, recorded as its nodes record them
// (engine/orchestration/chain_nodes.hpp: each lead's scope on lead/<team>,
// the agents in no team and the router on the orchestrator's stream), in a
// real log, and each stream replayed on its own.
#include "replay/chain_replay.hpp"

#include <catch2/catch.hpp>

#include "engine/orchestration/chain_nodes.hpp"
#include "engine/orchestration/chain_snapshot.hpp"
#include "engine/orchestration/orchestrator_event.hpp"
#include "engine/orchestration/team_lead.hpp"
#include "engine/orchestration/team_scope.hpp"
#include "replay/lead_replay.hpp"
#include "replay/run_replay.hpp"
#include "tests/engine/orchestration/chain_harness.hpp"
#include "tests/support/events.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace baton;
using namespace baton::engine;
using namespace baton::engine::test;

/// A lead's scope, recording what it applies and decides on its stream.
struct scope_node {
  explicit scope_node(plan scoped) : node(std::move(scoped)) {
  }

  std::vector<orchestrator_decision> on(const orchestrator_input& in,
                                        uint64_t now = 0) {
    stream.push_back(to_event(in));
    return record(node.on(in, now));
  }

  /// The router's delivery, recorded as its input.
  std::vector<orchestrator_decision> deliver(const recorded_delivery& d) {
    stream.push_back(to_event(d));
    auto ds = node.on(d);
    REQUIRE(ds.ok());
    return record(*ds);
  }

  /// Its decisions, then its reports up (after each input).
  std::vector<orchestrator_decision>
  record(std::vector<orchestrator_decision> ds) {
    for (auto& d : ds)
      stream.push_back(to_event(d, node.fold().version()));
    for (auto& r : node.take_reports()) {
      stream.push_back(to_event(r));
      outbox.push_back(std::move(r));
    }
    return ds;
  }

  const plan& current_plan() const {
    return node.current_plan();
  }

  chain_scope node;
  std::vector<frame> stream;
  std::vector<recorded_report> outbox;
};

/// The orchestrator above the leads, recording on its stream.
struct top_node {
  explicit top_node(const plan& whole) : node(whole) {
  }

  std::vector<orchestrator_decision> on(const orchestrator_input& in,
                                        uint64_t now = 0) {
    stream.push_back(to_event(in));
    return record(node.on(in, now));
  }

  /// A lead's report, recorded as its input.
  std::vector<orchestrator_decision> report(const recorded_report& r) {
    stream.push_back(to_event(r));
    auto ds = node.on(r);
    REQUIRE(ds.ok());
    return record(*ds);
  }

  /// Its own decisions for the driver; deliveries wait in the outbox.
  std::vector<orchestrator_decision> record(std::vector<chain_decision> ds) {
    std::vector<orchestrator_decision> own;
    for (auto& d : ds) {
      if (auto* x = std::get_if<recorded_delivery>(&d)) {
        stream.push_back(to_event(*x));
        outbox.push_back(std::move(*x));
        continue;
      }
      auto& x = std::get<orchestrator_decision>(d);
      stream.push_back(to_event(x, node.own().fold().version()));
      own.push_back(std::move(x));
    }
    return own;
  }

  const plan& current_plan() const {
    return node.own().current_plan();
  }

  chain_orchestrator node;
  std::vector<frame> stream;
  std::vector<recorded_delivery> outbox;
};

/// A chain as a run would record it: the scripted agents of each scope
/// driven by its node, reports and deliveries passed between the nodes.
struct recorded_chain {
  recorded_chain(const plan& whole, const script& s, std::string plan_text) {
    run_begun begun;
    begun.plan_text = std::move(plan_text);
    begun.chain = true;
    top = std::make_unique<basic_driven<top_node>>(whole, s, begun);
    // A lead's start is the run's, without the plan (the orchestrator's
    // stream holds it).
    begun.plan_text.clear();
    for (auto& name : chain_scopes(whole))
      if (!name.empty())
        leads[name] = std::make_unique<basic_driven<scope_node>>(
          team_scope(whole, name), s, begun);
  }

  void run() {
    for (bool moved = true; moved;) {
      moved = false;
      top->run();
      for (auto& [name, lead] : leads)
        lead->run();
      for (auto& [name, lead] : leads)
        for (auto& r : std::exchange(lead->fold.outbox, {})) {
          top->feed(top->fold.report(r));
          moved = true;
        }
      for (auto& d : std::exchange(top->fold.outbox, {})) {
        auto& to = *leads.at(d.scope);
        to.feed(to.fold.deliver(d));
        moved = true;
      }
      moved = moved || !top->todo.empty();
      for (auto& [name, lead] : leads)
        moved = moved || !lead->todo.empty();
    }
  }

  /// Every stream into `log`, each event at its own logical time.
  void write(storage::event_log& log) const {
    uint64_t high = 1;
    auto put = [&](const std::string& stream, const std::vector<frame>& fs) {
      std::vector<storage::new_event> events;
      uint64_t n = 0;
      for (auto& f : fs) {
        storage::new_event e;
        e.id = event_id::from_parts(high, ++n);
        e.logical_time = n;
        e.payload = f;
        events.push_back(std::move(e));
      }
      ++high;
      REQUIRE(
        log.append(stream, storage::expected_version::any(), events).ok());
    };
    put("orchestrator", top->fold.stream);
    for (auto& [name, lead] : leads)
      put(lead_stream(name), lead->fold.stream);
  }

  std::unique_ptr<basic_driven<top_node>> top;
  std::map<std::string, std::unique_ptr<basic_driven<scope_node>>> leads;
};

/// The script every case drives: NEEDs across teams, answered.
script answered(const plan& p) {
  auto s = needs_script;
  s.whole = p;
  s.needs.erase("cache");
  // ui's gate fails once: a retry crosses nothing, but is recorded.
  s.failing_gates["ui"] = 1;
  return s;
}

/// How many events of `stream` are of the kind `is`.
size_t count(const std::vector<frame>& stream,
             bool (schema::Event::Reader::*is)() const) {
  size_t n = 0;
  for (auto& f : stream) {
    capnp::FlatArrayMessageReader r{f.words()};
    n += (r.getRoot<schema::Event>().*is)();
  }
  return n;
}

/// Replaces the first event of `stream` that `change` rewrites (it gives
/// nullopt for those it passes over); its index.
size_t rewrite_first(
  std::vector<frame>& stream,
  const std::function<std::optional<frame>(schema::Event::Reader)>& change) {
  for (size_t at = 0; at < stream.size(); ++at) {
    capnp::FlatArrayMessageReader r{stream[at].words()};
    if (auto f = change(r.getRoot<schema::Event>())) {
      stream[at] = std::move(*f);
      return at;
    }
  }
  FAIL("no event to rewrite");
  return 0;
}

} // namespace

TEST_CASE("a chain's streams, each lead's scope and the orchestrator's, "
          "replay on their own byte for byte, and the run ends as the one "
          "fold of the whole plan ends it",
          "[replay][chain]") {
  auto p = checked_plan(needs_text);
  auto how = answered(p);
  driven flat{p, how};
  flat.run();
  REQUIRE(flat.finished.has_value());

  recorded_chain c{p, how, needs_text};
  c.run();
  REQUIRE(c.top->finished.has_value());
  CHECK(*c.top->finished == *flat.finished);
  CHECK(c.top->fold.node.finished());
  // One finish on the orchestrator's stream, the router's: its own scope's
  // (on chain_ended) is not the run's.
  CHECK(count(c.top->fold.stream, &schema::Event::Reader::isRunFinished) == 1);
  // Each lead's scope was ended by the router, and finished on its stream.
  for (auto& [name, lead] : c.leads) {
    INFO("lead " << name);
    CHECK(lead->fold.node.fold().finished());
    CHECK(count(lead->fold.stream, &schema::Event::Reader::isRunFinished) == 1);
  }
  // What crossed was recorded on both sides: every lead's report is an
  // input of the orchestrator's stream, every delivery to a lead an input
  // of its stream.
  size_t reported = 0;
  size_t delivered = 0;
  for (auto& [name, lead] : c.leads) {
    reported
      += count(lead->fold.stream, &schema::Event::Reader::isChainReported);
    delivered
      += count(lead->fold.stream, &schema::Event::Reader::isChainDelivered);
  }
  CHECK(reported > 4);
  CHECK(delivered > 2);
  CHECK(count(c.top->fold.stream, &schema::Event::Reader::isChainReported)
        == reported);
  CHECK(count(c.top->fold.stream, &schema::Event::Reader::isChainDelivered)
        == delivered);
  // The agents in no team are the orchestrator's: x answered b1's NEED.
  auto& x_heard = c.top->heard.at("x");
  CHECK(std::any_of(x_heard.begin(), x_heard.end(), [](auto& t) {
    return t.find("(From team back to no team.) b1 needs docs/api.md")
           != std::string::npos;
  }));
  // And what reached each agent is what the one fold gets to it.
  std::map<std::string, std::set<std::string>> heard = c.top->heard;
  for (auto& [name, lead] : c.leads)
    for (auto& [agent, texts] : lead->heard)
      heard[agent] = texts;
  CHECK(first_difference(heard, flat.heard) == "");

  baton::test::temp_dir tmp;
  auto log = storage::event_log::open(tmp / "log");
  REQUIRE(log.ok());
  c.write(**log);
  auto chain = replay::recorded_chain(**log);
  REQUIRE(chain.ok());
  CHECK(*chain);

  auto all = replay::replay_run(**log, {});
  REQUIRE(all.ok());
  std::set<std::string> streams;
  for (auto& s : *all) {
    INFO(s.stream);
    CHECK_FALSE(s.report.first_divergence.has_value());
    CHECK(s.report.inputs > 0);
    CHECK(s.report.decisions > 0);
    streams.insert(s.stream);
  }
  CHECK(streams
        == std::set<std::string>{"orchestrator", "lead/front", "lead/back"});
  // The replays fed and compared every event of each stream.
  for (auto& s : *all) {
    auto& recorded = s.stream == "orchestrator"
                       ? c.top->fold.stream
                       : c.leads.at(s.stream.substr(5))->fold.stream;
    CHECK(s.report.inputs + s.report.decisions == recorded.size());
  }
}

TEST_CASE("a chain's stream that does not follow from its inputs diverges "
          "where it stops following, and a delivery to another scope or a "
          "report from a scope the chain does not have is named",
          "[replay][chain]") {
  auto p = checked_plan(needs_text);
  recorded_chain c{p, answered(p), needs_text};
  c.run();
  REQUIRE(c.top->finished.has_value());

  baton::test::temp_dir tmp;
  auto log = storage::event_log::open(tmp / "log");
  REQUIRE(log.ok());

  SECTION("a lead's report up that it would not have made") {
    auto at = rewrite_first(c.leads.at("back")->fold.stream, [](auto e) {
      auto rep = report_from_event(e);
      if (rep)
        rep->number += 100;
      return rep ? std::optional{to_event(*rep)} : std::nullopt;
    });
    c.write(**log);
    auto r = replay::replay_lead(**log, "back");
    REQUIRE(r.ok());
    REQUIRE(r->first_divergence.has_value());
    CHECK(r->first_divergence->stream == "lead/back");
    CHECK(r->first_divergence->sequence == at + 1);
    // The orchestrator's stream holds what it received, and replays.
    auto top = replay::replay_orchestrator(**log);
    REQUIRE(top.ok());
    CHECK_FALSE(top->first_divergence.has_value());
  }

  SECTION("a delivery recorded on the wrong lead's stream") {
    uint64_t number = 0;
    auto at = rewrite_first(c.leads.at("front")->fold.stream, [&](auto e) {
      auto d = delivery_from_event(e);
      if (!d)
        return std::optional<frame>{};
      d->scope = "back";
      number = d->number;
      return std::optional{to_event(*d)};
    });
    c.write(**log);
    auto r = replay::replay_lead(**log, "front");
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().message()
          == "lead/front@" + std::to_string(at + 1) + ": delivery "
               + std::to_string(number)
               + " is for scope \"back\", not this one (\"front\")");
  }

  SECTION("a report from a scope the chain does not have") {
    auto at = rewrite_first(c.top->fold.stream, [](auto e) {
      auto rep = report_from_event(e);
      if (rep)
        rep->scope = "middle";
      return rep ? std::optional{to_event(*rep)} : std::nullopt;
    });
    c.write(**log);
    auto r = replay::replay_orchestrator(**log);
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().message().starts_with("orchestrator@" + std::to_string(at + 1)
                                        + ": report "));
    CHECK(r.err().message().find("from scope \"middle\", which the chain "
                                 "does not have")
          != std::string::npos);
  }

  SECTION("a chain's run is not rebuilt as one fold: said") {
    c.write(**log);
    auto r = replay::rebuild_orchestrator(**log);
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().message().find("supervisor chain") != std::string::npos);
  }

  SECTION("a node rebuilt from a stream that does not follow from its "
          "inputs is refused, named, not started on a wrong story") {
    auto at = rewrite_first(c.leads.at("back")->fold.stream, [](auto e) {
      auto rep = report_from_event(e);
      if (rep)
        rep->number += 100;
      return rep ? std::optional{to_event(*rep)} : std::nullopt;
    });
    c.write(**log);
    auto r = replay::rebuild_chain_scope(**log, "back");
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().message().starts_with("lead/back@" + std::to_string(at + 1)
                                        + ": this build decides otherwise"));
    CHECK(replay::rebuild_chain_scope(**log, "front").ok());
    CHECK(replay::rebuild_chain_orchestrator(**log).ok());
  }
}

TEST_CASE("a chain's nodes rebuilt from their streams are where the run "
          "left them: what each took, what each sent, nothing left "
          "unrecorded or not taken",
          "[replay][chain][resume]") {
  auto p = checked_plan(needs_text);
  recorded_chain c{p, answered(p), needs_text};
  c.run();
  REQUIRE(c.top->finished.has_value());
  baton::test::temp_dir tmp;
  auto log = storage::event_log::open(tmp / "log");
  REQUIRE(log.ok());
  c.write(**log);

  auto top = replay::rebuild_chain_orchestrator(**log);
  REQUIRE(top.ok());
  CHECK(top->node->finished());
  CHECK(top->unrecorded.empty());
  // Every delivery the stream holds, in order (numbered by the router: those
  // to its own scope stay inside, and are not among them).
  REQUIRE(
    top->sent.size()
    == count(c.top->fold.stream, &schema::Event::Reader::isChainDelivered));
  for (size_t i = 1; i < top->sent.size(); ++i)
    CHECK(top->sent[i].number > top->sent[i - 1].number);
  for (auto& d : top->sent)
    CHECK_FALSE(d.scope.empty());
  for (auto team : {"front", "back"}) {
    INFO(team);
    auto lead = replay::rebuild_chain_scope(**log, team);
    REQUIRE(lead.ok());
    CHECK(lead->unrecorded.empty());
    CHECK(lead->node->fold().finished());
    // The lead took every delivery to it; the orchestrator every report.
    CHECK(lead->node->reported() == lead->sent.size());
    CHECK(top->node->router().last_report(team) == lead->node->reported());
    CHECK(engine::not_taken(lead->sent, top->node->router().last_report(team))
            .empty());
    CHECK(engine::not_taken(top->sent, team, lead->node->delivered()).empty());
    // A delivery sent again once taken: nothing.
    for (auto& d : top->sent)
      if (d.scope == team) {
        auto again = lead->node->on(d);
        REQUIRE(again.ok());
        CHECK(again->empty());
      }
    // Had the orchestrator taken only two, the rest is sent again.
    REQUIRE(lead->sent.size() > 2);
    auto left = engine::not_taken(lead->sent, 2);
    REQUIRE(left.size() == lead->sent.size() - 2);
    capnp::FlatArrayMessageReader first{left.front().words()};
    CHECK(report_from_event(first.getRoot<schema::Event>())->number == 3);
  }
}

TEST_CASE("a lead's scope takes each delivery once, and the orchestrator "
          "each lead's report once: a node started again sends again what "
          "it had not heard taken",
          "[replay][chain]") {
  auto p = checked_plan(needs_text);
  recorded_chain c{p, answered(p), needs_text};
  c.run();
  REQUIRE(c.top->finished.has_value());
  // Everything again, from the streams: nothing more is decided.
  chain_scope back{team_scope(p, "back")};
  chain_orchestrator top{p};
  auto& recorded = c.leads.at("back")->fold.stream;
  size_t again = 0;
  for (auto& f : recorded) {
    capnp::FlatArrayMessageReader r{f.words()};
    auto e = r.getRoot<schema::Event>();
    if (auto d = delivery_from_event(e)) {
      auto first = back.on(*d);
      REQUIRE(first.ok());
      auto second = back.on(*d);
      REQUIRE(second.ok());
      CHECK(second->empty());
      ++again;
    } else if (auto in = input_from_event(e)) {
      back.on(*in);
    }
    for (auto& rep : back.take_reports()) {
      auto first = top.on(rep);
      REQUIRE(first.ok());
      auto second = top.on(rep);
      REQUIRE(second.ok());
      CHECK(second->empty());
    }
  }
  CHECK(again > 0);
  CHECK(back.delivered() > 0);
  CHECK(back.reported() > 0);
  CHECK(top.router().last_report("back") == back.reported());
}

namespace {

/// `stream`'s events as they are in `log`.
std::vector<storage::recorded_event> events_of(const storage::event_log& log,
                                               const std::string& stream) {
  auto all = log.read(stream);
  REQUIRE(all.ok());
  return std::move(*all);
}

/// `node` (a recorded_chain_node) folded over `events` up to the first
/// event at or past the middle after which it holds something unrecorded:
/// a snapshot taken while decisions were on their way to the log.
template<class Recorded>
uint64_t fold_to_middle(Recorded& node,
                        const std::vector<storage::recorded_event>& events,
                        const plan& base) {
  for (size_t i = 0; i < events.size(); ++i) {
    auto& e = events[i];
    REQUIRE(
      node.fold(e.stream(), e.sequence(), e.event(), e.logical_time(), &base)
        .ok());
    if (i >= events.size() / 2 && !node.pending.empty())
      return e.sequence();
  }
  FAIL("nothing unrecorded after the middle of " << events.front().stream());
  return 0;
}

std::vector<std::string> as_bytes(const std::vector<frame>& fs) {
  std::vector<std::string> out;
  for (auto& f : fs) {
    auto b = f.bytes();
    out.emplace_back(reinterpret_cast<const char*>(b.data()), b.size());
  }
  return out;
}

std::string as_bytes(const frame& f) {
  return as_bytes(std::vector<frame>{f}).front();
}

template<class Seed>
std::vector<std::string> sent_of(const Seed& seed) {
  std::vector<frame> out;
  for (auto& m : seed.sent)
    out.push_back(to_event(m));
  return as_bytes(out);
}

/// The needs example's chain run to its end, every stream written into a
/// fresh log.
struct written_chain {
  written_chain() {
    c.run();
    REQUIRE(c.top->finished.has_value());
    auto opened = storage::event_log::open(tmp / "log");
    REQUIRE(opened.ok());
    log = std::move(*opened);
    c.write(*log);
  }
  plan p = checked_plan(needs_text);
  recorded_chain c{p, answered(p), needs_text};
  baton::test::temp_dir tmp;
  std::unique_ptr<storage::event_log> log;
};

} // namespace

TEST_CASE("a chain's node rebuilt from a snapshot its fold saved mid-stream "
          "is the node rebuilt from the stream's first event",
          "[replay][chain][snapshot]") {
  written_chain w;
  auto& p = w.p;
  auto& log = w.log;

  // Each node's fold, saved where it had decided more than it recorded.
  std::map<std::string, uint64_t> at;
  {
    recorded_top top;
    auto events = events_of(*log, "orchestrator");
    at["orchestrator"] = fold_to_middle(top, events, p);
    auto saved = top.save();
    // What it saves is what it restores.
    auto back = recorded_top::restore(p, saved);
    REQUIRE(back.ok());
    CHECK(as_bytes(back->save()) == as_bytes(saved));
    CHECK(back->pending.size() == top.pending.size());
    REQUIRE(log
              ->save_snapshot("orchestrator",
                              {at["orchestrator"], at["orchestrator"], saved})
              .ok());
  }
  for (std::string team : {"front", "back"}) {
    auto base = team_scope(p, team);
    recorded_scope lead;
    auto events = events_of(*log, lead_stream(team));
    auto s = fold_to_middle(lead, events, base);
    at[team] = s;
    auto saved = lead.save();
    auto back = recorded_scope::restore(base, saved);
    REQUIRE(back.ok());
    CHECK(as_bytes(back->save()) == as_bytes(saved));
    // A lead's snapshot is not the orchestrator's, nor the other way.
    CHECK_FALSE(recorded_top::restore(p, saved).ok());
    REQUIRE(log->save_snapshot(lead_stream(team), {s, s, saved}).ok());
  }

  replay::rebuild_stats with;
  auto top = replay::rebuild_chain_orchestrator(*log, true, &with);
  REQUIRE(top.ok());
  auto plain = replay::rebuild_chain_orchestrator(*log, false);
  REQUIRE(plain.ok());
  CHECK(with.snapshot == at["orchestrator"]);
  CHECK(with.passed_over.empty());
  CHECK(with.events == log->highest("orchestrator") - at["orchestrator"]);
  CHECK(as_bytes(recorded_copy(*top, p)->save())
        == as_bytes(recorded_copy(*plain, p)->save()));
  CHECK(top->node->finished());
  CHECK(sent_of(*top) == sent_of(*plain));
  CHECK(as_bytes({top->unrecorded.begin(), top->unrecorded.end()})
        == as_bytes({plain->unrecorded.begin(), plain->unrecorded.end()}));
  for (std::string team : {"front", "back"}) {
    INFO(team);
    auto base = team_scope(p, team);
    replay::rebuild_stats lead_with;
    auto lead = replay::rebuild_chain_scope(*log, team, true, &lead_with);
    REQUIRE(lead.ok());
    auto lead_plain = replay::rebuild_chain_scope(*log, team, false);
    REQUIRE(lead_plain.ok());
    CHECK(lead_with.snapshot == at[team]);
    CHECK(lead_with.events == log->highest(lead_stream(team)) - at[team]);
    CHECK(as_bytes(recorded_copy(*lead, base)->save())
          == as_bytes(recorded_copy(*lead_plain, base)->save()));
    CHECK(lead->node->fold().finished());
    CHECK(sent_of(*lead) == sent_of(*lead_plain));
    CHECK(lead->sent.size() == lead->node->reported());
  }
}

TEST_CASE("a snapshot a chain's node cannot use is passed over, said, and "
          "its stream replayed from the first event",
          "[replay][chain][snapshot]") {
  written_chain w;
  auto& p = w.p;
  auto& log = w.log;
  auto base = team_scope(p, "front");
  recorded_scope lead;
  auto events = events_of(*log, lead_stream("front"));
  auto s = fold_to_middle(lead, events, base);
  // The front lead's fold, stored as the orchestrator's snapshot.
  REQUIRE(log->save_snapshot("orchestrator", {s, s, lead.save()}).ok());
  // And as its own, without what it had not recorded there: it restores,
  // but the decisions recorded after it follow from nothing.
  REQUIRE_FALSE(lead.pending.empty());
  lead.pending.clear();
  REQUIRE(log->save_snapshot(lead_stream("front"), {s, s, lead.save()}).ok());
  // And bytes that are no snapshot at all, as the back lead's.
  REQUIRE(log
            ->save_snapshot(lead_stream("back"),
                            {2, 2, baton::test::note_payload("not a fold")})
            .ok());

  replay::rebuild_stats stats;
  auto top = replay::rebuild_chain_orchestrator(*log, true, &stats);
  REQUIRE(top.ok());
  CHECK(stats.snapshot == 0);
  CHECK_THAT(stats.passed_over,
             Catch::Contains("orchestrator@" + std::to_string(s))
               && Catch::Contains("a lead's, not the orchestrator's"));
  CHECK(stats.events == log->highest("orchestrator"));
  CHECK(top->node->finished());

  replay::rebuild_stats back;
  auto lead_back = replay::rebuild_chain_scope(*log, "back", true, &back);
  REQUIRE(lead_back.ok());
  CHECK(back.snapshot == 0);
  CHECK_THAT(back.passed_over, Catch::Contains("lead/back@2"));
  CHECK(lead_back->node->fold().finished());

  replay::rebuild_stats front;
  auto lead_front = replay::rebuild_chain_scope(*log, "front", true, &front);
  REQUIRE(lead_front.ok());
  CHECK(front.snapshot == 0);
  CHECK(front.events == log->highest(lead_stream("front")));
  CHECK_THAT(front.passed_over,
             Catch::Contains("the snapshot at lead/front@" + std::to_string(s)
                             + ": what follows it does not replay from it"));
  CHECK(lead_front->node->fold().finished());
  auto plain = replay::rebuild_chain_scope(*log, "front", false);
  REQUIRE(plain.ok());
  CHECK(as_bytes(recorded_copy(*lead_front, base)->save())
        == as_bytes(recorded_copy(*plain, base)->save()));
}
