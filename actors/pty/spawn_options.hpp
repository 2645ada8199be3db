// What to run in a pseudo-terminal, where, and how big the terminal is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/pty/environment.hpp"

namespace baton::actors::pty {

/// A terminal's size in character cells.
struct term_size {
  /// Default: 120.
  uint16_t cols = 120;
  /// Default: 30.
  uint16_t rows = 30;

  friend bool operator==(const term_size&, const term_size&) = default;
};

struct spawn_options {
  /// The program and its arguments, passed to the program as they are (no
  /// shell). argv[0] without a '/' is looked up in PATH the way execvp()
  /// does, by the parent before it forks; with a '/' it is a path, relative
  /// paths taken from `working_dir`. Required: must not be empty.
  std::vector<std::string> argv;

  /// The child's working directory; it must exist. Default: empty, the
  /// parent's working directory.
  std::string working_dir;

  /// The terminal's initial size. Default: 120x30.
  term_size size;

  /// How the child's environment is built (see environment.hpp). Default:
  /// the parent's minus agent-session variables, TERM=xterm-256color.
  env_options env;

  /// Most bytes written to the child that may wait in Baton for the terminal
  /// to take them; write() refuses what would go beyond. Default: 1 MiB.
  size_t max_queued_input = size_t{1} << 20;
};

} // namespace baton::actors::pty
