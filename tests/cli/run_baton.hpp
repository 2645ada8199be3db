// Runs the built baton executable as a user would and captures what it says.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace baton::test {

/// A file's bytes ("" when it cannot be read).
inline std::string slurp(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline bool contains(const std::string& s, const std::string& what) {
  return s.find(what) != std::string::npos;
}

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

/// Starts `baton <args...>` with its stdout and stderr in the file `out`;
/// returns its pid (wait for it with wait_exit).
inline pid_t spawn_baton(const std::vector<std::string>& args,
                         const std::string& out) {
  std::vector<std::string> argv{baton_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv)
    cargv.push_back(a.data());
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, cargv[0], &fa, nullptr, cargv.data(), environ)
          == 0);
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

/// Waits for `pid` to end; its exit code, or -1 when a signal ended it.
inline int wait_exit(pid_t pid) {
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

} // namespace baton::test
