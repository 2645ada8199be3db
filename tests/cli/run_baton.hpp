// Runs the built baton executable as a user would and captures what it says.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

namespace baton::test {

struct run_result {
  int exit_code = -1;
  /// stdout and stderr, interleaved.
  std::string out;
};

/// The path of the baton executable (ctest sets BATON_BINARY_DIR).
inline std::string baton_path() {
  const char* dir = std::getenv("BATON_BINARY_DIR");
  REQUIRE(dir != nullptr);
  return std::string{dir} + "/cli/baton";
}

/// Runs `baton <args>` through the shell (the tests' own fixed arguments).
inline run_result run_baton(const std::string& args) {
  auto cmd = baton_path() + " " + args + " 2>&1";
  run_result r;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0)
    r.out.append(buf.data(), n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

} // namespace baton::test
