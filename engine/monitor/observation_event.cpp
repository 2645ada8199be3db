#include "engine/monitor/observation_event.hpp"

#include <capnp/message.h>

#include "engine/frame.hpp"
#include "engine/recorded_enums.hpp"
#include "schema/events.capnp.h"

namespace baton::engine {

namespace {

void fill(schema::StateChanged::Builder b, const detect::state_change& c,
          uint16_t version) {
  write_states(b, c.from, c.to, version);
  b.setRule(c.evidence.rule);
  b.setRegion(c.evidence.region);
  b.setEvidence(c.evidence.matched);
}

void fill(schema::ProtocolMessage::Builder b, const protocol::occurrence& o,
          uint16_t version) {
  auto& m = o.message;
  b.setLine(m.line);
  write_kind(b, m.kind, version);
  if (m.kind == protocol::kind::status)
    write_status(b, m.status, version);
  b.setText(m.text);
  b.setEvidence(m.evidence_text);
  b.setResource(m.resource);
  auto body = b.initBody(static_cast<unsigned>(m.body.size()));
  for (size_t i = 0; i < m.body.size(); ++i)
    body.set(static_cast<unsigned>(i), m.body[i]);
  b.setDone(m.done);
  b.setTotal(m.total);
  b.setPassed(m.passed);
  b.setHistoryIndex(o.index);
  auto reqs = b.initRequirements(static_cast<unsigned>(m.requirements.size()));
  for (size_t i = 0; i < m.requirements.size(); ++i)
    reqs.set(static_cast<unsigned>(i), m.requirements[i]);
  b.setDescription(m.description);
}

} // namespace

frame to_event(const observation& o, uint16_t version) {
  baton::frame_builder builder;
  auto event = builder.initRoot<schema::Event>();
  switch (o.what) {
    case observation::kind::state: {
      auto b = event.initStateChanged();
      fill(b, o.change, version);
      if (!o.ask.tool.empty() || !o.ask.subject.empty()) {
        b.setAskTool(o.ask.tool);
        b.setAskSubject(o.ask.subject);
      }
      break;
    }
    case observation::kind::protocol:
      fill(event.initProtocolMessage(), o.message, version);
      break;
    case observation::kind::compaction: {
      auto c = event.initCompactionSeen();
      c.setRule(o.marker.rule);
      c.setEvidence(o.marker.matched);
      break;
    }
  }
  return frame::from(builder);
}

frame to_event(const delivery_action& a) {
  baton::frame_builder builder;
  auto done = builder.initRoot<schema::Event>().initInputFinished();
  done.setDeliveryId(a.delivery_id);
  done.setDelivered(a.delivered);
  done.setAttempts(a.attempt);
  done.setReason(a.reason);
  if (!a.ref.empty())
    done.setRef(a.ref);
  return frame::from(builder);
}

} // namespace baton::engine
