// Converting the log actor's Cap'n Proto messages (schema/messages.capnp) to
// and from the event log's C++ types.
#pragma once

#include <span>
#include <string_view>

#include "engine/frame.hpp"
#include "engine/result.hpp"
#include "storage/event_log.hpp"

namespace baton::actors {

/// An AppendRequest frame for `events` on `stream`.
frame encode_append_request(std::string_view stream,
                            storage::expected_version expected,
                            std::span<const storage::new_event> events,
                            bool relaxed = false);

/// Decodes an AppendRequest frame.
/// Errors: ec::invalid_argument when the frame is not a valid AppendRequest.
result<storage::append_request> decode_append_request(const frame& f);

/// An AppendReply frame for the outcome of an append.
frame encode_append_reply(const result<storage::append_result>& r);

/// Decodes an AppendReply frame back into the outcome it carries.
/// Errors: the carried failure, or ec::invalid_argument for a bad frame.
result<storage::append_result> decode_append_reply(const frame& f);

} // namespace baton::actors
