#include "actors/pty/detail/executable.hpp"

#include <sys/stat.h>
#include <unistd.h>

namespace baton::actors::pty::detail {

namespace {

enum class probe { missing, not_executable, ok };

probe check(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return probe::missing;
  if (!S_ISREG(st.st_mode) || ::access(path.c_str(), X_OK) != 0)
    return probe::not_executable;
  return probe::ok;
}

/// `path` resolved against `dir` when relative.
std::string join(std::string_view dir, std::string_view path) {
  if (path.starts_with('/') || dir.empty())
    return std::string{path.empty() ? "." : path};
  std::string out{dir};
  if (!path.empty()) {
    out += '/';
    out += path;
  }
  return out;
}

error not_executable(std::string_view program, const std::string& path) {
  return error{ec::invalid_argument, "executable '" + std::string{program}
                                       + "': '" + path
                                       + "' is not an executable file"};
}

} // namespace

result<std::string> find_executable(std::string_view program,
                                    std::string_view search_path,
                                    std::string_view working_dir) {
  if (program.empty())
    return error{ec::invalid_argument, "empty program name"};
  if (program.find('/') != std::string_view::npos) {
    auto path = join(working_dir, program);
    switch (check(path)) {
      case probe::ok: return path;
      case probe::not_executable: return not_executable(program, path);
      case probe::missing: break;
    }
    return error{ec::not_found,
                 "executable '" + std::string{program} + "' not found"};
  }
  std::string rejected;
  for (size_t begin = 0; begin <= search_path.size();) {
    auto end = search_path.find(':', begin);
    if (end == std::string_view::npos)
      end = search_path.size();
    auto dir = join(working_dir, search_path.substr(begin, end - begin));
    auto path = dir + "/" + std::string{program};
    auto found = check(path);
    if (found == probe::ok)
      return path;
    if (found == probe::not_executable && rejected.empty())
      rejected = path;
    begin = end + 1;
  }
  if (!rejected.empty())
    return not_executable(program, rejected);
  return error{ec::not_found, "executable '" + std::string{program}
                                + "' not found in PATH ("
                                + std::string{search_path} + ")"};
}

} // namespace baton::actors::pty::detail
