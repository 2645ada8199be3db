// sequence_guard: keeps escape sequences whole, and within what libvterm
// 0.1.4 survives, before the bytes reach it.
//
// Two defects of libvterm 0.1.4 make the raw PTY stream unsafe to feed as is:
//  - it turns a UTF-8 character cut by a write boundary into U+FFFD;
//  - it loses the first part of an OSC, DCS, APC, PM or SOS string that
//    spans two writes, so the window title would depend on where a read was
//    cut;
//  - it writes past its argument array on a CSI with more than 16
//    parameters (`ESC[1;1;...;1m` crashes the process).
// The guard passes bytes on unchanged except that:
//  - a control string, a CSI or a UTF-8 character still open at the end of
//    a chunk (and a trailing ESC that may start a sequence) is held back
//    until it is complete and then passed on in one piece;
//  - a REP (`ESC[<n>b`, repeat the last character) is capped at the repeat
//    limit, so ten bytes cannot make a billion glyphs, and dropped while
//    nothing printable has passed (libvterm 0.1.4 then loops forever);
//  - a CSI with more than 16 parameters or longer than 256 bytes is dropped
//    whole; a control string longer than the limit is dropped whole (an
//    unterminated-OSC bomb costs no more than the limit in memory).
// Strings end at BEL, ST (ESC \), CAN or SUB, or at an ESC that starts
// another sequence; a CSI ends at its final byte or at any byte that cannot
// belong to it (C0 controls inside a CSI are kept in place).
//
// Value type; pure. For sequences within the limits the output depends only
// on the concatenation of the inputs, never on where they were cut.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace baton::engine {

class sequence_guard {
public:
  /// Default limit on a control string: 8 KiB.
  static constexpr size_t default_string_limit = 8 * 1024;
  /// Longest CSI passed on, in bytes.
  static constexpr size_t csi_limit = 256;
  /// Most CSI parameters passed on (libvterm 0.1.4's CSI_ARGS_MAX).
  static constexpr size_t csi_max_args = 16;

  explicit sequence_guard(size_t string_limit = default_string_limit)
    : string_limit_(string_limit) {
  }

  /// The most repetitions one REP may ask for; the screen sets it to its
  /// width. Default: 120.
  void repeat_limit(size_t n) noexcept {
    repeat_limit_ = n;
  }

  /// Consumes `bytes` and returns what may be passed on now, in order.
  std::string push(std::string_view bytes);

  /// Bytes held back for the next push().
  size_t held() const noexcept {
    return held_.size();
  }

  /// Sequences dropped for exceeding a limit.
  uint64_t dropped() const noexcept {
    return dropped_;
  }

private:
  enum class mode : uint8_t {
    /// Plain bytes and sequences that need no care; held_ holds the start
    /// of a UTF-8 character cut by the last chunk, if any.
    ground,
    /// An ESC was seen in ground; held_ holds it.
    escape,
    /// Inside a CSI; held_ holds it from its ESC.
    csi,
    /// Inside a CSI that broke a limit; bytes are dropped to its end.
    csi_discard,
    /// Inside a control string; held_ holds it from its ESC.
    string,
    /// Inside a control string, just after an ESC.
    string_escape,
    /// Inside a string that broke the limit; bytes are dropped.
    string_discard,
    /// Inside a dropped string, just after an ESC.
    string_discard_escape,
  };

  void step(char c, std::string& out);
  void step_csi(char c, std::string& out);
  void step_string(char c, std::string& out);
  void flush(std::string& out);
  void cap_repeat();
  void note_printed(std::string_view run);
  void hold_utf8_tail(std::string& out);
  void drop(mode next);

  size_t string_limit_;
  size_t repeat_limit_ = 120;
  /// A printable byte has been passed on (REP has something to repeat).
  bool printed_ = false;
  mode mode_ = mode::ground;
  std::string held_;
  /// Parameter separators seen in the current CSI.
  size_t csi_separators_ = 0;
  uint64_t dropped_ = 0;
};

} // namespace baton::engine
