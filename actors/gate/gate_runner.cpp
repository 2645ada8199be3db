#include "actors/gate/gate_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "engine/orchestration/artifact_check.hpp"

extern char** environ;

namespace baton::actors {

namespace {

constexpr size_t kept_output = 2048;

std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in || std::filesystem::is_directory(path))
    return std::nullopt;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The outcome of one command: empty when it passed, else the reason.
std::string run_command(const std::string& command, const std::string& dir,
                        std::chrono::milliseconds timeout) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    return "\"" + command + "\" could not start: no pipe";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  pid_t pid = -1;
  int err = posix_spawn(&pid, "/bin/sh", &actions, &attr,
                        const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(fds[1]);
  if (err != 0) {
    close(fds[0]);
    return "\"" + command + "\" could not start (" + std::strerror(err) + ")";
  }
  std::string output;
  bool timed_out = false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      kill(-pid, SIGKILL);
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)))
        <= 0)
      continue;
    char buf[4096];
    auto n = read(fds[0], buf, sizeof buf);
    if (n <= 0)
      break; // every writer closed: the command is done
    output.append(buf, static_cast<size_t>(n));
    if (output.size() > 4 * kept_output)
      output.erase(0, output.size() - kept_output);
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (output.size() > kept_output)
    output = "..." + output.substr(output.size() - kept_output);
  if (timed_out)
    return "\"" + command + "\" did not finish within "
           + std::to_string(timeout.count() / 1000) + "s; output: " + output;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return {};
  auto how = WIFEXITED(status)
               ? "exited with status " + std::to_string(WEXITSTATUS(status))
               : "was killed by signal " + std::to_string(WTERMSIG(status));
  return "\"" + command + "\" " + how + "; output: " + output;
}

} // namespace

engine::gate_finished run_gate(const gate_request& request) {
  engine::gate_finished out;
  out.task = request.task;
  out.attempt = request.attempt;
  for (auto& artifact : request.artifacts) {
    auto content = read_file(std::filesystem::path{request.workdir}
                             / artifact.path);
    auto reasons = engine::check_artifact(artifact, content);
    out.reasons.insert(out.reasons.end(), reasons.begin(), reasons.end());
  }
  if (!request.verify.empty()
      && !std::filesystem::is_directory(request.workdir))
    out.reasons.push_back("the working directory " + request.workdir
                          + " does not exist");
  else
    for (auto& command : request.verify)
      if (auto reason = run_command(command, request.workdir, request.timeout);
          !reason.empty())
        out.reasons.push_back(std::move(reason));
  out.passed = out.reasons.empty();
  return out;
}

} // namespace baton::actors
