// What the user (or Baton) types into the sim, decoded from raw terminal
// bytes into key events, and the prompt line those keys edit. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace baton::sim {

struct key_event {
  enum class kind : uint8_t {
    /// One printable character (a UTF-8 sequence) in `text`.
    text,
    /// A bracketed paste (ESC[200~ ... ESC[201~); its content in `text`.
    paste,
    /// CR or LF outside a paste.
    enter,
    /// DEL or BS.
    backspace,
    /// Ctrl-C.
    interrupt,
    /// Ctrl-D.
    end,
    /// Ctrl-U.
    clear_line,
    /// ESC not starting a sequence (known once the next byte arrives).
    escape,
  };
  kind what = kind::text;
  std::string text;

  friend bool operator==(const key_event&, const key_event&) = default;
};

/// Splits a byte stream into key events. Sequences cut across feed() calls
/// are completed by the next call, so the events do not depend on how the
/// bytes were chunked. Other escape sequences (arrows, focus events) and
/// string sequences (a terminal's DCS or OSC answers to queries) are dropped.
class input_decoder {
public:
  /// Appends the events completed by `bytes` to `out`.
  void feed(std::string_view bytes, std::vector<key_event>& out);

private:
  /// Decodes from pending_ and returns how many bytes were consumed.
  size_t step(std::vector<key_event>& out);
  size_t step_paste(std::vector<key_event>& out);

  std::string pending_;
  bool in_paste_ = false;
  std::string paste_;
};

/// The text in the prompt box: typed characters and pastes. A paste with a
/// line break shows as "[Pasted text #N +L lines]" and is deleted whole.
class line_editor {
public:
  enum class outcome : uint8_t { none, changed, submit, interrupt, end };

  /// Applies one key. On `submit`, take() yields the text.
  outcome apply(const key_event& key);

  /// The submitted text with CR and CRLF turned into LF; clears the line.
  std::string take();

  /// What the box shows.
  std::string display() const;

  bool empty() const {
    return segments_.empty();
  }

private:
  std::string take_preview() const;

  struct segment {
    std::string text;
    bool paste = false;
    int number = 0;
  };
  std::vector<segment> segments_;
  int pastes_ = 0;
};

} // namespace baton::sim
