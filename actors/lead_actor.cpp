#include "actors/lead_actor.hpp"

#include <cstdio>

#include <capnp/serialize.h>

#include "actors/detail/append_through.hpp"
#include "actors/log_codec.hpp"
#include "engine/orchestration/orchestrator_event.hpp"
#include "schema/events.capnp.h"

namespace baton::actors {

namespace {

using self_ptr = lead_actor::stateful_pointer<lead_state>;
using entry = detail::journal::entry;

void answer(self_ptr self, uint64_t ask) {
  auto& seed = *self->state.seed;
  self->send(self->state.cfg.orchestrator, atom::lead_v,
             engine::to_event(engine::orchestrator_input{
               engine::lead_reported{ask, seed.answers.at(ask)}}));
}

/// Records the answers decided and not yet recorded, in order, then gives
/// them.
void record_answers(self_ptr self) {
  auto& st = self->state;
  auto& unrecorded = st.seed->unrecorded;
  std::vector<uint64_t> asks(unrecorded.begin() + st.in_flight,
                             unrecorded.end());
  if (asks.empty())
    return;
  std::vector<entry> entries;
  for (auto ask : asks)
    entries.push_back({engine::to_event(engine::orchestrator_decision{
                                          st.seed->answers.at(ask)},
                                        st.seed->lead.version()),
                       st.cfg.clock()});
  st.in_flight += asks.size();
  st.journal->record(std::move(entries), false, [self, asks] {
    auto& st = self->state;
    for (auto ask : asks) {
      st.seed->unrecorded.pop_front();
      --st.in_flight;
      answer(self, ask);
    }
  });
}

const std::string& team_of(self_ptr self) {
  return self->state.seed->lead.team();
}

void on_ask(self_ptr self, frame& f) {
  auto& st = self->state;
  std::optional<engine::ask_lead> ask;
  try {
    capnp::FlatArrayMessageReader reader{f.words(), frame_reader_options()};
    auto ev = reader.getRoot<schema::Event>();
    if (ev.isLeadAsked())
      if (auto d = engine::decision_from_event(ev))
        ask = std::get<engine::ask_lead>(*d);
  } catch (const kj::Exception& e) {
    std::fprintf(stderr, "baton: lead %s: a question does not decode: %s\n",
                 team_of(self).c_str(), e.getDescription().cStr());
    return;
  }
  if (!ask || ask->team != team_of(self)) {
    std::fprintf(stderr, "baton: lead %s: not a question for this lead\n",
                 team_of(self).c_str());
    return;
  }
  if (ask->ask <= st.received) {
    // Asked again: the orchestrator did not hear the answer (this lead was
    // started again). A recorded answer is given again; one on its way to
    // the log is given once it is there.
    auto& seed = *st.seed;
    bool pending = std::find(seed.unrecorded.begin(), seed.unrecorded.end(),
                             ask->ask)
                   != seed.unrecorded.end();
    if (seed.answers.contains(ask->ask) && !pending)
      answer(self, ask->ask);
    return;
  }
  st.received = ask->ask;
  auto now = st.cfg.clock();
  st.journal->record({{std::move(f), now}}, false, [self, ask = *ask, now] {
    auto& seed = *self->state.seed;
    auto decided = seed.lead.on(ask, now);
    if (!decided)
      return; // a reset: nothing to answer
    seed.answers[ask.ask] = std::move(*decided);
    seed.unrecorded.push_back(ask.ask);
    record_answers(self);
  });
}

} // namespace

lead_actor::behavior_type
lead_actor_impl(lead_actor::stateful_pointer<lead_state> self,
                std::shared_ptr<lead_config> cfg) {
  auto& st = self->state;
  st.cfg = std::move(*cfg);
  st.seed = std::move(st.cfg.seed);
  st.received = st.seed->lead.last_ask();
  st.journal = std::make_unique<detail::journal>(
    engine::lead_stream(team_of(self)), st.cfg.id_high,
    detail::append_through(self, st.cfg.log));
  // Its stream as the seed read it: a record an earlier incarnation had on
  // its way to the log and that landed after the read makes the first
  // append fail, and the lead is started again from the stream with it.
  st.journal->expect(st.seed->sequence);
  st.snapshot_at = st.seed->sequence;
  st.journal->on_failure([self](const error& e) {
    std::fprintf(stderr, "baton: lead %s stops: cannot record: %s\n",
                 team_of(self).c_str(), e.message().c_str());
    self->quit(caf::sec::runtime_error);
  });
  if (st.cfg.snapshot_every > 0) {
    // Snapshots bound a rebuild (DESIGN.md §2): each is the stream's fold
    // as a rebuild computes it, record by record, at a sequence.
    st.recorded = std::make_unique<engine::lead_seed>(*st.seed);
    st.journal->observe(
      [](const frame&) { return true; },
      [self](uint64_t sequence, uint64_t logical_time, const frame& f) {
        auto& st = self->state;
        capnp::FlatArrayMessageReader in{f.words(), frame_reader_options()};
        st.recorded->fold(sequence, in.getRoot<schema::Event>(), logical_time);
        if (sequence >= st.snapshot_at + st.cfg.snapshot_every) {
          st.snapshot_at = sequence;
          self->send(st.cfg.log, atom::snapshot_v, st.journal->stream(),
                     sequence, logical_time, st.recorded->save());
        }
      });
  }
  // It ends with the orchestrator.
  self->monitor(st.cfg.orchestrator);
  self->set_down_handler([self](caf::down_msg&) { self->quit(); });
  // What the stopped incarnation decided and did not record: first.
  record_answers(self);
  return {
    [self](atom::ask, frame& f) { on_ask(self, f); },
  };
}

} // namespace baton::actors
