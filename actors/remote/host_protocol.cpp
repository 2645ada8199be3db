#include "actors/remote/host_protocol.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include "actors/detail/append_codec.hpp"
#include "engine/frame.hpp"
#include "schema/messages.capnp.h"

namespace baton::actors::remote {

namespace {

kj::StringPtr text(const std::string& s) {
  return {s.c_str(), s.size()};
}

kj::ArrayPtr<const kj::byte> data(const frame& f) {
  auto b = f.bytes();
  return {reinterpret_cast<const kj::byte*>(b.data()), b.size()};
}

template<class List>
void set_marks(List list, const std::vector<stream_mark>& marks) {
  for (unsigned i = 0; i < marks.size(); ++i) {
    list[i].setStream(text(marks[i].stream));
    list[i].setSequence(marks[i].sequence);
  }
}

template<class List>
std::vector<stream_mark> get_marks(List list) {
  std::vector<stream_mark> out;
  for (auto m : list)
    out.push_back({m.getStream().cStr(), m.getSequence()});
  return out;
}

/// A frame holding a copy of `r` as its root.
template<class Reader>
frame copy_of(Reader r) {
  baton::frame_builder b;
  b.setRoot(r);
  return frame::from(b);
}

/// Decodes `f` as a `Root` with `read`, turning a malformed message into
/// an error naming `what`.
template<class Root, class F>
auto decode_as(const frame& f, const char* what, F read)
  -> result<decltype(read(std::declval<typename Root::Reader>()))> {
  try {
    capnp::FlatArrayMessageReader in{f.words(), frame_reader_options()};
    return read(in.getRoot<Root>());
  } catch (const kj::Exception& e) {
    return error{ec::invalid_argument, std::string{"not a valid "} + what
                                         + ": " + e.getDescription().cStr()};
  }
}

} // namespace

frame encode(const host_hello& x) {
  baton::frame_builder b;
  auto h = b.initRoot<schema::HostHello>();
  h.setRun(text(x.run));
  h.setHost(text(x.host));
  h.setEngine(x.engine);
  set_marks(h.initDurable(static_cast<unsigned>(x.durable.size())),
            x.durable);
  h.setReportsThrough(x.reports_through);
  h.setProcess(x.process);
  h.setPlanText(text(x.plan_text));
  h.setPlanDir(text(x.plan_dir));
  h.setWorkspace(text(x.workspace));
  h.setLogDir(text(x.log_dir));
  return frame::from(b);
}

result<host_hello> decode_hello(const frame& f) {
  return decode_as<schema::HostHello>(f, "HostHello", [](auto h) {
    host_hello x;
    x.run = h.getRun().cStr();
    x.host = h.getHost().cStr();
    x.engine = h.getEngine();
    x.durable = get_marks(h.getDurable());
    x.reports_through = h.getReportsThrough();
    x.process = h.getProcess();
    x.plan_text = h.getPlanText().cStr();
    x.plan_dir = h.getPlanDir().cStr();
    x.workspace = h.getWorkspace().cStr();
    x.log_dir = h.getLogDir().cStr();
    return x;
  });
}

frame encode(const host_welcome& x) {
  baton::frame_builder b;
  auto w = b.initRoot<schema::HostWelcome>();
  w.setVersion(text(x.version));
  w.setProcess(x.process);
  auto agents = w.initAgents(static_cast<unsigned>(x.agents.size()));
  for (unsigned i = 0; i < x.agents.size(); ++i)
    agents.set(i, text(x.agents[i]));
  return frame::from(b);
}

result<host_welcome> decode_welcome(const frame& f) {
  return decode_as<schema::HostWelcome>(f, "HostWelcome", [](auto w) {
    host_welcome x;
    x.version = w.getVersion().cStr();
    x.process = w.getProcess();
    for (auto a : w.getAgents())
      x.agents.emplace_back(a.cStr());
    return x;
  });
}

frame encode(const host_command& x) {
  baton::frame_builder b;
  auto c = b.initRoot<schema::HostCommand>();
  c.setEngine(x.engine);
  c.setDecision(x.decision);
  c.setAgent(text(x.agent));
  c.setNow(x.now);
  if (auto* s = std::get_if<worker_spawn>(&x.what)) {
    auto w = c.initSpawn();
    w.setIdHigh(s->id_high);
    w.setResumed(s->resumed);
    w.setCheckpoint(data(s->checkpoint));
    w.setClockBase(s->clock_base);
    w.setStopGraceMs(s->stop_grace_ms);
    if (s->record_version != 0)
      w.setRecordVersion(s->record_version);
  } else if (auto* wc = std::get_if<frame>(&x.what)) {
    capnp::FlatArrayMessageReader in{wc->words(), frame_reader_options()};
    c.setCommand(in.getRoot<schema::WorkerCommand>());
  } else {
    c.setKill();
  }
  return frame::from(b);
}

result<host_command> decode_command(const frame& f) {
  auto r = decode_as<schema::HostCommand>(
    f, "HostCommand", [](auto c) -> result<host_command> {
      host_command x;
      x.engine = c.getEngine();
      x.decision = c.getDecision();
      x.agent = c.getAgent().cStr();
      x.now = c.getNow();
      switch (c.which()) {
        case schema::HostCommand::SPAWN: {
          auto s = c.getSpawn();
          worker_spawn w;
          w.id_high = s.getIdHigh();
          w.resumed = s.getResumed();
          auto cp = s.getCheckpoint();
          if (cp.size() > 0) {
            auto fr = frame::from_bytes(
              {reinterpret_cast<const std::byte*>(cp.begin()), cp.size()});
            if (!fr)
              return fr.err();
            w.checkpoint = std::move(*fr);
          }
          w.clock_base = s.getClockBase();
          w.stop_grace_ms = s.getStopGraceMs();
          w.record_version = s.getRecordVersion();
          x.what = std::move(w);
          break;
        }
        case schema::HostCommand::COMMAND:
          x.what = copy_of(c.getCommand());
          break;
        case schema::HostCommand::KILL:
          x.what = worker_kill{};
          break;
        default:
          return error{ec::invalid_argument,
                       "a HostCommand of an unknown kind"};
      }
      return x;
    });
  if (!r)
    return r.err();
  return std::move(*r);
}

frame encode(const host_shipment& x) {
  baton::frame_builder b;
  auto s = b.initRoot<schema::HostShipment>();
  s.setProcess(x.process);
  auto streams = s.initStreams(static_cast<unsigned>(x.streams.size()));
  for (unsigned i = 0; i < x.streams.size(); ++i)
    build_append_request(streams[i], x.streams[i].stream,
                         x.streams[i].expected, x.streams[i].events,
                         x.streams[i].relaxed);
  auto reports = s.initReports(static_cast<unsigned>(x.reports.size()));
  for (unsigned i = 0; i < x.reports.size(); ++i) {
    reports[i].setNumber(x.reports[i].number);
    if (!x.reports[i].quit.empty()) {
      reports[i].setQuit(text(x.reports[i].quit));
      continue;
    }
    capnp::FlatArrayMessageReader in{x.reports[i].report.words(),
                                     frame_reader_options()};
    reports[i].setReport(in.getRoot<schema::WorkerReport>());
  }
  return frame::from(b);
}

result<host_shipment> decode_shipment(const frame& f) {
  return decode_as<schema::HostShipment>(f, "HostShipment", [](auto s) {
    host_shipment x;
    x.process = s.getProcess();
    for (auto r : s.getStreams())
      x.streams.push_back(read_append_request(r));
    for (auto r : s.getReports()) {
      if (r.getQuit().size() > 0)
        x.reports.push_back({r.getNumber(), {}, r.getQuit().cStr()});
      else
        x.reports.push_back({r.getNumber(), copy_of(r.getReport()), {}});
    }
    return x;
  });
}

frame encode(const host_ack& x) {
  baton::frame_builder b;
  auto a = b.initRoot<schema::HostAck>();
  set_marks(a.initDurable(static_cast<unsigned>(x.durable.size())),
            x.durable);
  a.setReportsThrough(x.reports_through);
  a.setError(text(x.error));
  return frame::from(b);
}

result<host_ack> decode_ack(const frame& f) {
  return decode_as<schema::HostAck>(f, "HostAck", [](auto a) {
    host_ack x;
    x.durable = get_marks(a.getDurable());
    x.reports_through = a.getReportsThrough();
    x.error = a.getError().cStr();
    return x;
  });
}

} // namespace baton::actors::remote
