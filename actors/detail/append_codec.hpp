// An AppendRequest inside another message (a host's shipment carries one
// per stream): the builder and reader log_codec.hpp's frame functions use.
#pragma once

#include <span>
#include <string_view>

#include "schema/messages.capnp.h"
#include "storage/event_log.hpp"

namespace baton::actors {

void build_append_request(schema::AppendRequest::Builder req,
                          std::string_view stream,
                          storage::expected_version expected,
                          std::span<const storage::new_event> events,
                          bool relaxed);

/// An event id from its 16 stored bytes (empty when it has another size).
event_id event_id_of(capnp::Data::Reader data);

/// Throws kj::Exception on a malformed message (the caller turns it into
/// an error naming the message).
storage::append_request read_append_request(schema::AppendRequest::Reader req);

} // namespace baton::actors
