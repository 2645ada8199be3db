// asciinema v2 recordings (.cast): the terminal of one agent as a header line
// plus one JSON array per event, [seconds, "o"|"i"|"r"|"m", data].
// "o" is output, "i" typed input, "r" a resize ("COLSxROWS"), "m" a marker.
//
// Reading is strict and names the line of any problem. Writing produces files
// any asciinema player plays: JSON strings must be UTF-8, so a cast_writer
// carries an incomplete UTF-8 sequence at the end of a chunk over to the next
// event and replaces bytes that can never be UTF-8 with U+FFFD, as asciinema
// itself does. Pure: text in, text out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.hpp"

namespace baton::engine {

struct cast_header {
  uint16_t width = 120;
  uint16_t height = 30;
  /// Unix time of the start, when known.
  std::optional<int64_t> timestamp;
  std::string title;
};

struct cast_event {
  /// Seconds since the start of the recording.
  double time = 0;
  /// 'o', 'i', 'r' or 'm'.
  char kind = 'o';
  std::string data;

  friend bool operator==(const cast_event&, const cast_event&) = default;
};

struct cast {
  cast_header header;
  std::vector<cast_event> events;
};

/// Parses a whole .cast file. `source` names it in errors, which also give the
/// line: "agent.cast:17: event time goes backwards (3.2 after 4.0)".
/// Errors: ec::parse_error.
result<cast> parse_cast(std::string_view text, std::string_view source);

/// Writes a cast incrementally.
class cast_writer {
public:
  /// The header line (with its newline).
  static std::string header_line(const cast_header& header);

  /// The line for `bytes` of kind `kind` at `time`; empty when nothing is
  /// complete yet (an incomplete UTF-8 sequence is held for the next call of
  /// the same kind).
  std::string event_line(double time, char kind, std::string_view bytes);

  /// The line for what is held of kind `kind` (an incomplete UTF-8 sequence
  /// that never completed, shown as U+FFFD), or empty when nothing is held:
  /// for the end of a recording or of a process.
  std::string flush(double time, char kind);

private:
  std::string pending_output_;
  std::string pending_input_;
};

/// `bytes` as a JSON string literal (quotes included), invalid UTF-8 replaced
/// by U+FFFD.
std::string json_string(std::string_view bytes);

} // namespace baton::engine
