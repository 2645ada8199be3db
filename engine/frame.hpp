// frame: one Cap'n Proto message in flat-array form, held in word-aligned
// memory. It is the unit actors send to each other and the payload the log
// stores, so the bytes an actor sends are the bytes the log keeps.
//
// Value type: copyable, comparable byte for byte. A frame made by `from_bytes`
// has been copied into aligned storage (capnp readers require 8-byte alignment;
// RocksDB values and network buffers do not guarantee it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <capnp/message.h>

#include "engine/result.hpp"

namespace baton {

class frame {
public:
  frame() = default;

  /// Serialises `builder` (segment table included).
  static frame from(capnp::MessageBuilder& builder);

  /// Copies `bytes` into aligned storage. Fails with ec::corruption when the
  /// size is not a whole number of words; the content is checked when read.
  static result<frame> from_bytes(std::span<const std::byte> bytes);

  /// The message as words, for capnp::FlatArrayMessageReader. Valid while
  /// this frame lives and is not modified.
  kj::ArrayPtr<const capnp::word> words() const;

  /// The message as bytes.
  std::span<const std::byte> bytes() const;

  size_t size_bytes() const noexcept {
    return words_.size() * sizeof(uint64_t);
  }

  bool empty() const noexcept {
    return words_.empty();
  }

  /// The underlying words, for serializers that carry frames between
  /// processes or actors (actors/frame_inspect.hpp). Code that builds or reads
  /// messages uses from()/words() instead.
  std::vector<uint64_t>& raw_words() noexcept {
    return words_;
  }

  friend bool operator==(const frame&, const frame&) = default;

private:
  std::vector<uint64_t> words_;
};

namespace detail {

/// A zeroed first segment of capnp's suggested size (1 024 words), taken
/// from a pool of the calling thread's and given back when destroyed.
class pooled_segment {
public:
  static constexpr size_t words = 1024;
  pooled_segment();
  ~pooled_segment();
  pooled_segment(const pooled_segment&) = delete;
  pooled_segment& operator=(const pooled_segment&) = delete;

protected:
  kj::ArrayPtr<capnp::word> segment_;
};

} // namespace detail

/// The builder of one message to become a frame: capnp's
/// MallocMessageBuilder, whose first segment comes from the thread's pool
/// instead of being calloc'd and freed for every message (8 KiB zeroed, the
/// largest allocation of most events). Its messages are laid out as the
/// default builder lays them out (the same first segment size, the same
/// growth after it), so a frame has the same bytes either way. Build and
/// destroy it on one thread, as a local.
class frame_builder final : detail::pooled_segment,
                            public capnp::MallocMessageBuilder {
public:
  frame_builder() : capnp::MallocMessageBuilder(segment_) {
  }
};

/// Reader limits used for every frame Baton decodes: 64 MiB traversal (a
/// PTY chunk is bounded far below that) and the default nesting limit.
capnp::ReaderOptions frame_reader_options();

} // namespace baton
