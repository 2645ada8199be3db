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
/// Judged by what the line states, never by its punctuation. A number is a
/// quantity only with a unit or a noun after it: "part 2 of 3" and "step 1
/// done" state nothing.
bool states_checkable(std::string_view text);

/// The statements of `text` that are checkable, in order: `text` is cut
/// into clauses at ", ", "; " and sentence ends (never inside brackets,
/// parentheses or backquotes), and the checkable clauses are kept, joined
/// by ", ". `text` itself, trimmed, when every clause is checkable or when
/// only the whole line is; "" when nothing in it is.
std::string checkable_statements(std::string_view text);

/// What a STATUS: DONE offers as evidence.
struct done_evidence {
  /// It states something a person could check.
  bool checkable = false;
  /// The evidence to record and give to the gate; "" when not checkable.
  std::string text;

  friend bool operator==(const done_evidence&, const done_evidence&) = default;
};

/// Judges a STATUS: DONE by what it states. `text` is the DONE's whole text,
/// `cited` the part after " + " ("" when the line has none, as the parser's
/// `evidence_text`). Evidence cited after " + " is the worker's own and is
/// taken as written (the gate checks it). Without it the line is its own
/// evidence: checkable when it states something checkable, recorded as its
/// checkable statements. "I think the API is working" is not checkable.
done_evidence judge_done(std::string_view text, std::string_view cited);

} // namespace baton::engine::protocol
