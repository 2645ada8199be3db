// parser: the worker protocol read from rendered lines.
//
// Input is logical lines, oldest first, as the screen shows them (soft
// wraps already joined: screen::history()). Keywords are case-insensitive
// and must start the line once decoration is removed (see decoration.hpp);
// a keyword in the middle of a sentence is not a protocol line. The
// separator after a value may be an em dash, an en dash, `--`, `-` or `:`.
//
// A CLI's own wrapping of a long line is joined back: the rows after a
// protocol line that are indented by two or more columns, start with no
// marker or bullet, are not borders and are not protocol lines themselves
// continue it. When the terminal width is known, a row continues the line
// only if its first word would not have fit on the row before (a CLI wraps
// at about width - 2), which tells wrapping from a hard line break.
//
// Pure functions; never fail: what does not parse is not a message.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/protocol/message.hpp"

namespace baton::engine::protocol {

struct parse_options {
  /// The terminal width the lines were rendered at; 0 when unknown.
  /// Default: 0.
  size_t width = 0;
};

/// Every protocol message in `lines`, in order. first_line/line_count
/// index into `lines`.
std::vector<message> parse(std::span<const std::string> lines,
                           const parse_options& opts = {});

/// The message on one line, without looking at continuation lines;
/// nullopt when the line is not a protocol line.
std::optional<message> parse_line(std::string_view line);

} // namespace baton::engine::protocol
