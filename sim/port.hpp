// port: everything the sim's runner does to the outside world, behind one
// interface, so the runner can be driven by a real terminal (tty_port) or by
// a test with scripted input, virtual time and captured output.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace baton::sim {

/// What one wait for input brought.
struct input_chunk {
  /// Bytes typed; may be empty.
  std::string bytes;
  /// The input reached its end (EOF, or the terminal went away).
  bool eof = false;
  /// The terminal was resized; ask columns() again.
  bool resized = false;
};

class port {
public:
  using clock = std::chrono::steady_clock;

  virtual ~port() = default;

  /// Writes `bytes` completely, as one write where possible. Returns false
  /// when the output is gone (the terminal closed).
  virtual bool write(std::string_view bytes) = 0;

  /// Waits until input arrives, the terminal is resized, or `until` passes
  /// (never, without `until`). An empty chunk means the time passed.
  virtual input_chunk read(std::optional<clock::time_point> until) = 0;

  /// The current time (virtual time in tests).
  virtual clock::time_point now() = 0;

  /// The terminal's width in columns.
  virtual int columns() = 0;

  /// Writes `content` to the file `path`, relative to the working
  /// directory; an error text, or empty on success.
  virtual std::string write_file(const std::string& path,
                                 const std::string& content)
    = 0;
};

} // namespace baton::sim
