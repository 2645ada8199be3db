// recorded_event: one event as read back from the log, decoded and checked.
//
// Owns a word-aligned copy of the stored bytes; the readers it hands out stay
// valid while it lives (moving it keeps them valid). Value type, move-only.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include <capnp/serialize.h>

#include "engine/event_id.hpp"
#include "engine/frame.hpp"
#include "schema/envelope.capnp.h"

namespace baton::storage {

class recorded_event {
public:
  recorded_event(recorded_event&&) noexcept = default;
  recorded_event& operator=(recorded_event&&) noexcept = default;

  /// Decodes a stored envelope (whose CRC the log has verified): copies it
  /// into aligned memory and traverses the whole message, so malformed data
  /// fails here and not in a caller. `where` names the record in error
  /// messages (e.g. "stream worker/a sequence 17").
  /// Errors: ec::corruption with `where` in the message.
  static result<recorded_event> decode(std::span<const std::byte> value,
                                       std::string_view where);

  schema::Envelope::Reader envelope() const {
    return envelope_;
  }

  schema::Event::Reader event() const {
    return envelope_.getEvent();
  }

  std::string_view stream() const;

  uint64_t sequence() const {
    return envelope_.getSequence();
  }

  uint64_t position() const {
    return envelope_.getPosition();
  }

  uint64_t logical_time() const {
    return envelope_.getLogicalTime();
  }

  event_id id() const;

  /// The event alone (not the envelope) as its own frame: the canonical bytes
  /// replay compares.
  frame payload() const;

  /// The stored envelope bytes (without the checksum header).
  std::span<const std::byte> bytes() const;

private:
  recorded_event() = default;
  std::vector<uint64_t> words_;
  std::unique_ptr<capnp::FlatArrayMessageReader> reader_;
  schema::Envelope::Reader envelope_;
};

} // namespace baton::storage
