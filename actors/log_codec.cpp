#include "actors/log_codec.hpp"

#include <cstring>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include "actors/detail/append_codec.hpp"
#include "engine/frame.hpp"
#include "schema/messages.capnp.h"

namespace baton::actors {

namespace {

void set_id(capnp::Data::Builder (schema::NewEvent::Builder::*init)(unsigned),
            schema::NewEvent::Builder& b, const event_id& id) {
  if (id.empty())
    return;
  auto data = (b.*init)(16);
  std::memcpy(data.begin(), id.bytes.data(), 16);
}

} // namespace

event_id event_id_of(capnp::Data::Reader data) {
  event_id id;
  if (data.size() == id.bytes.size())
    std::memcpy(id.bytes.data(), data.begin(), data.size());
  return id;
}

void build_append_request(schema::AppendRequest::Builder req,
                          std::string_view stream,
                          storage::expected_version expected,
                          std::span<const storage::new_event> events,
                          bool relaxed) {
  req.setStream({stream.data(), stream.size()});
  req.setExpectedVersion(
    expected.is_any() ? -1 : static_cast<int64_t>(expected.version()));
  req.setRelaxed(relaxed);
  auto list = req.initEvents(static_cast<unsigned>(events.size()));
  for (size_t i = 0; i < events.size(); ++i) {
    auto& e = events[i];
    auto b = list[static_cast<unsigned>(i)];
    set_id(&schema::NewEvent::Builder::initId, b, e.id);
    set_id(&schema::NewEvent::Builder::initCausationId, b, e.causation);
    set_id(&schema::NewEvent::Builder::initCorrelationId, b, e.correlation);
    b.setLogicalTime(e.logical_time);
    b.setWallTime(e.wall_time);
    capnp::FlatArrayMessageReader payload{e.payload.words(),
                                          frame_reader_options()};
    b.setEvent(payload.getRoot<schema::Event>());
  }
}

storage::append_request read_append_request(schema::AppendRequest::Reader req) {
  storage::append_request out;
  out.stream = req.getStream().cStr();
  auto v = req.getExpectedVersion();
  out.expected
    = v < 0 ? storage::expected_version::any()
            : storage::expected_version::exact(static_cast<uint64_t>(v));
  out.relaxed = req.getRelaxed();
  for (auto e : req.getEvents()) {
    storage::new_event ev;
    ev.id = event_id_of(e.getId());
    ev.causation = event_id_of(e.getCausationId());
    ev.correlation = event_id_of(e.getCorrelationId());
    ev.logical_time = e.getLogicalTime();
    ev.wall_time = e.getWallTime();
    baton::frame_builder payload;
    payload.setRoot(e.getEvent());
    ev.payload = frame::from(payload);
    out.events.push_back(std::move(ev));
  }
  return out;
}

frame encode_append_request(std::string_view stream,
                            storage::expected_version expected,
                            std::span<const storage::new_event> events,
                            bool relaxed) {
  baton::frame_builder builder;
  build_append_request(builder.initRoot<schema::AppendRequest>(), stream,
                       expected, events, relaxed);
  return frame::from(builder);
}

result<storage::append_request> decode_append_request(const frame& f) {
  try {
    capnp::FlatArrayMessageReader reader{f.words(), frame_reader_options()};
    return read_append_request(reader.getRoot<schema::AppendRequest>());
  } catch (const kj::Exception& e) {
    return error{ec::invalid_argument,
                 std::string{"not a valid AppendRequest: "}
                   + e.getDescription().cStr()};
  }
}

frame encode_append_reply(const result<storage::append_result>& r) {
  baton::frame_builder builder;
  auto reply = builder.initRoot<schema::AppendReply>();
  if (r) {
    auto ok = reply.initAppended();
    ok.setFirstSequence(r->first_sequence);
    ok.setLastSequence(r->last_sequence);
    ok.setFirstPosition(r->first_position);
    ok.setLastPosition(r->last_position);
    ok.setDuplicate(r->duplicate);
  } else {
    auto failed = reply.initFailed();
    failed.setCode(static_cast<uint8_t>(r.err().code()));
    failed.setMessage(r.err().message());
  }
  return frame::from(builder);
}

result<storage::append_result> decode_append_reply(const frame& f) {
  try {
    capnp::FlatArrayMessageReader reader{f.words(), frame_reader_options()};
    auto reply = reader.getRoot<schema::AppendReply>();
    if (reply.isFailed()) {
      auto failed = reply.getFailed();
      return error{static_cast<ec>(failed.getCode()),
                   failed.getMessage().cStr()};
    }
    auto ok = reply.getAppended();
    storage::append_result out;
    out.first_sequence = ok.getFirstSequence();
    out.last_sequence = ok.getLastSequence();
    out.first_position = ok.getFirstPosition();
    out.last_position = ok.getLastPosition();
    out.duplicate = ok.getDuplicate();
    return out;
  } catch (const kj::Exception& e) {
    return error{ec::invalid_argument, std::string{"not a valid AppendReply: "}
                                         + e.getDescription().cStr()};
  }
}

} // namespace baton::actors
