// The simulated agent's settings, as `baton sim` flags set them.
#pragma once

#include <cstdint>
#include <string>

namespace baton::sim {

struct sim_options {
  /// The scenario played for the first input. Default: empty, meaning the
  /// role's default scenario, or "normal" without a role.
  std::string scenario;
  /// The scenario played for every later input. Default: "normal".
  std::string then = "normal";
  /// Whose canned texts (NEED, CONTRACT, DONE, files) to use. Default: empty,
  /// generic texts.
  std::string role;
  /// PROGRESS steps of a task; attempts of a loop. Default: 3.
  int steps = 3;
  /// Seeds every choice the sim makes. Default: 1.
  uint64_t seed = 1;
  /// Divides every delay except stalls; 0 removes them. Default: 1.
  double speed = 1.0;
  /// How long a stall is silent, in milliseconds of real time. Default: 60 s.
  uint64_t stall_ms = 60'000;
  /// Bytes of garbage, of the long line, or of the flood. Default: 0, meaning
  /// 64 KiB, 10 MiB and 64 MiB respectively.
  uint64_t bytes = 0;
  /// The exit code of a crash. Default: 3.
  int crash_code = 3;
  /// A script file (see `baton sim --help`). Default: empty, none.
  std::string script;
  /// Columns to draw for when stdout is not a terminal. Default: 80.
  int width = 80;
};

} // namespace baton::sim
