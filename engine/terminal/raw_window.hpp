// raw_window: the last N bytes an agent wrote, exactly as written.
//
// The screen model shows what a person would see; the raw window keeps the
// bytes themselves (escape sequences included) for diagnostics and for
// patterns that only exist in the byte stream. Memory is bounded by the
// capacity no matter how much is appended (DESIGN.md §2, bounded memory).
//
// Value type; pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace baton::engine {

class raw_window {
public:
  /// Default capacity: 10 KiB.
  static constexpr size_t default_capacity = 10 * 1024;

  /// @pre capacity > 0
  explicit raw_window(size_t capacity = default_capacity);

  /// Appends `bytes`; the oldest bytes beyond the capacity are dropped.
  void append(std::string_view bytes);

  /// The retained bytes, oldest first. At most capacity() bytes; the first
  /// byte may be in the middle of a UTF-8 sequence or an escape sequence.
  std::string contents() const;

  /// Bytes retained now (<= capacity()).
  size_t size() const noexcept {
    return size_;
  }

  size_t capacity() const noexcept {
    return buf_.size();
  }

  /// Bytes ever appended, including the dropped ones.
  uint64_t total() const noexcept {
    return total_;
  }

  /// Drops everything retained; total() is kept.
  void clear() noexcept;

private:
  /// A ring: the next byte goes to buf_[head_]; the oldest retained byte is
  /// size_ bytes behind it.
  std::string buf_;
  size_t head_ = 0;
  size_t size_ = 0;
  uint64_t total_ = 0;
};

} // namespace baton::engine
