// Shared helpers of the storage tests: opening a log, appending Note events
// and summarising what was read back.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "storage/event_log.hpp"
#include "tests/support/events.hpp"
#include "tests/support/temp_dir.hpp"

namespace Catch {

template<>
struct StringMaker<baton::ec> {
  static std::string convert(baton::ec code) {
    return std::string{baton::to_string(code)};
  }
};

} // namespace Catch

namespace baton::test {

/// The error code of `r`, ec::none when it holds a value.
template<class T>
ec code_of(const result<T>& r) {
  return r.ok() ? ec::none : r.err().code();
}

/// Opens the log in `dir`; the test fails when that does not work.
inline std::unique_ptr<storage::event_log>
open_log(const std::string& dir, const storage::options& opts = {}) {
  auto log = storage::event_log::open(dir, opts);
  if (!log)
    FAIL("open " << dir << ": " << log.err().to_string());
  return std::move(log.value());
}

/// Appends `events` to `stream` with expected_version::any(); the test fails
/// when that does not work.
inline storage::append_result
append_ok(storage::event_log& log, std::string_view stream,
          const std::vector<storage::new_event>& events,
          storage::expected_version expected
          = storage::expected_version::any()) {
  auto r = log.append(stream, expected, events);
  if (!r)
    FAIL("append to " << stream << ": " << r.err().to_string());
  return r.value();
}

/// Appends one Note event with id from_parts(high, low) and text `text`.
inline storage::append_result append_note(storage::event_log& log,
                                          std::string_view stream,
                                          uint64_t high, uint64_t low,
                                          std::string_view text) {
  return append_ok(log, stream,
                   {note_event(event_id::from_parts(high, low), text, low)});
}

/// Reads `stream` (or fails the test).
inline std::vector<storage::recorded_event>
read_ok(const storage::event_log& log, std::string_view stream,
        uint64_t from = 1, uint64_t to = UINT64_MAX,
        uint64_t max = UINT64_MAX) {
  auto r = log.read(stream, from, to, max);
  if (!r)
    FAIL("read " << stream << ": " << r.err().to_string());
  return std::move(r.value());
}

/// Reads every stream in global order (or fails the test).
inline std::vector<storage::recorded_event>
read_all_ok(const storage::event_log& log, uint64_t from = 1) {
  auto r = log.read_all(from);
  if (!r)
    FAIL("read_all: " << r.err().to_string());
  return std::move(r.value());
}

inline std::vector<uint64_t>
sequences(const std::vector<storage::recorded_event>& events) {
  std::vector<uint64_t> out;
  for (auto& ev : events)
    out.push_back(ev.sequence());
  return out;
}

inline std::vector<uint64_t>
positions(const std::vector<storage::recorded_event>& events) {
  std::vector<uint64_t> out;
  for (auto& ev : events)
    out.push_back(ev.position());
  return out;
}

inline std::vector<std::string>
texts(const std::vector<storage::recorded_event>& events) {
  std::vector<std::string> out;
  for (auto& ev : events)
    out.push_back(note_text(ev));
  return out;
}

/// first, first + 1, ..., last (empty when first > last).
inline std::vector<uint64_t> iota(uint64_t first, uint64_t last) {
  std::vector<uint64_t> out;
  for (auto x = first; x <= last; ++x)
    out.push_back(x);
  return out;
}

} // namespace baton::test
