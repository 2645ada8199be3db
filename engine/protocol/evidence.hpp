// evidence: facts a worker cites, pulled out of free text.
//
// `STATUS: DONE — login form + tests pass (23/23), served on :8080` carries
// evidence the orchestrator can check: a test count, file paths, a port.
// extract_evidence() finds them; it never fails, and finds nothing rather
// than guessing when the text is ambiguous.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace baton::engine::protocol {

/// Test counts as reported, e.g. `(23/23)`, `23 passed`, `5 passed, 0
/// failed`, `ran 12 tests`. Unset when not stated.
struct test_counts {
  std::optional<uint32_t> passed;
  std::optional<uint32_t> failed;
  std::optional<uint32_t> total;

  bool empty() const noexcept {
    return !passed && !failed && !total;
  }

  friend bool operator==(const test_counts&, const test_counts&) = default;
};

struct evidence {
  test_counts tests;
  /// File paths in order of appearance, without duplicates: tokens with a
  /// slash (`src/auth.cpp`, `./build`), or a name with a common source,
  /// data or document extension (`README.md`). A trailing `:line` is
  /// removed; URLs are not paths.
  std::vector<std::string> paths;
  /// Ports in order of appearance, without duplicates: `:8080`,
  /// `localhost:3000`, `127.0.0.1:5432`, `port 8080`.
  std::vector<uint16_t> ports;

  bool empty() const noexcept {
    return tests.empty() && paths.empty() && ports.empty();
  }

  friend bool operator==(const evidence&, const evidence&) = default;
};

/// The evidence stated in `text`.
evidence extract_evidence(std::string_view text);

/// Whether `text` (what a STATUS: DONE says was done) states something a
/// person could check: test counts, files, ports (extract_evidence), a
/// quantity ("6 endpoints", "3 lines"), a command in backquotes, an exit
/// status, a build or test outcome ("all tests pass", "build passes").
/// "I think the API is working" and "Everything looks good" state nothing.
/// Judged by what the line states, never by its punctuation.
bool states_checkable(std::string_view text);

} // namespace baton::engine::protocol
