// cast_export: one agent's terminal, from its worker stream, as an asciinema
// v2 recording (engine/recording/cast.hpp): the header, then "o" for each
// ptyOutput, "i" for each ptyInput (what Baton typed), "r" when a restarted
// process has another size and "m" "restart" where the agent was restarted.
//
// Times are seconds from the first event in the window [from_us, to_us] of
// logical time; they never go backwards. Events before the window still
// count for the terminal's size. The header is written with the first line
// in the window (or by finish() when the window holds none), so its size is
// the one in force there. Pure: events in, text out.
#pragma once

#include <cstdint>
#include <string>

#include "engine/recording/cast.hpp"
#include "schema/events.capnp.h"

namespace baton::engine {

struct cast_export_options {
  /// The header's title.
  std::string title;
  /// The window of logical time, µs, both ends included.
  /// Default: everything.
  uint64_t from_us = 0;
  uint64_t to_us = UINT64_MAX;
};

class cast_export {
public:
  explicit cast_export(cast_export_options opts);

  /// Applies the next event of the worker's stream; returns the text to
  /// write (possibly empty).
  std::string apply(uint64_t logical_time, schema::Event::Reader e);

  /// The text that ends the recording: bytes still held, and the header if
  /// nothing was written yet.
  std::string finish();

  /// Lines written after the header.
  uint64_t events_written() const {
    return written_;
  }

private:
  std::string line(uint64_t logical_time, char kind, std::string_view data);
  std::string started(uint64_t logical_time, uint16_t cols, uint16_t rows);
  std::string header();
  double seconds(uint64_t logical_time);

  cast_export_options opts_;
  cast_writer writer_;
  uint16_t cols_ = 0;
  uint16_t rows_ = 0;
  uint32_t starts_ = 0;
  bool header_written_ = false;
  uint64_t origin_us_ = 0;
  double last_ = 0;
  uint64_t written_ = 0;
};

} // namespace baton::engine
