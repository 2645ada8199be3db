// Logical times as people type them on the command line: "1.5s", "250ms",
// "2m", "1m2s", "1h", "300us", or a plain number of microseconds. A run's
// logical time starts at 0 (its first event) and is counted in µs, as the
// envelopes of its events carry it. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace baton::engine {

/// Parses a logical time into µs. Units: h, m, s, ms, us (or µs); components
/// may be chained largest first ("1m2.5s"); a component may have a fraction.
/// A bare number is µs. nullopt when malformed or out of range (including
/// an empty string and a sign).
std::optional<uint64_t> parse_logical_time(std::string_view text);

/// `us` as seconds for people: "12.345s".
std::string format_logical_time(uint64_t us);

/// Whether `text` is a plain unsigned decimal integer (a sequence or a
/// position rather than a time with a unit).
bool is_plain_number(std::string_view text);

} // namespace baton::engine
