#include "api/plan_loader.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

// Parse results, not exceptions: the no-exceptions parser, header-only (its
// own ABI namespace), as in engine/plan.
#undef TOML_SHARED_LIB
#define TOML_SHARED_LIB 0
#undef TOML_HEADER_ONLY
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include "engine/plan/plan_check.hpp"
#include "engine/plan/plan_parser.hpp"

namespace fs = std::filesystem;

namespace baton::api {

std::string agent_program(const engine::plan_agent& agent) {
  if (agent.preset == "sim")
    return "baton"; // the built-in simulated agent: this executable
  if (!agent.preset.empty())
    return agent.preset; // claude, codex, gemini, aider
  return agent.command.empty() ? std::string{} : agent.command.front();
}

std::string find_executable(const std::string& program) {
  if (program.empty())
    return {};
  if (program.find('/') != std::string::npos)
    return access(program.c_str(), X_OK) == 0 ? program : std::string{};
  const char* path = std::getenv("PATH");
  std::stringstream dirs{path ? path : "/usr/bin:/bin"};
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    auto candidate = (fs::path{dir.empty() ? "." : dir} / program).string();
    if (access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate))
      return candidate;
  }
  return {};
}

result<loaded_plan> load_plan(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return error{ec::not_found, "cannot read plan file " + path};
  std::stringstream text;
  text << in.rdbuf();
  return load_plan_text(text.str(), path);
}

loaded_plan load_plan_text(const std::string& text, const std::string& path) {
  loaded_plan out;
  auto parsed = engine::parse_plan(text, path);
  if (!parsed) {
    std::stringstream lines{parsed.err().message()};
    std::string line;
    while (std::getline(lines, line))
      out.problems.push_back(line);
    return out;
  }
  out.plan = std::move(*parsed);
  out.problems = engine::check_plan(out.plan);
  // The engine's certificates for each host (the host is reached only
  // when the run starts: `baton run` refuses to start without it).
  std::error_code fec;
  auto plan_dir = std::filesystem::absolute(path, fec).parent_path().string();
  for (auto& h : out.plan.hosts) {
    if (h.certs.empty())
      continue;
    auto certs = h.certs;
    for (auto i = certs.find("${plan_dir}"); i != std::string::npos;
         i = certs.find("${plan_dir}"))
      certs.replace(i, 11, plan_dir);
    std::filesystem::path dir = certs;
    if (dir.is_relative())
      dir = std::filesystem::path{plan_dir} / dir;
    for (auto* f : {"ca.pem", "cert.pem", "key.pem"})
      if (!std::filesystem::is_regular_file(dir / f, fec))
        out.problems.push_back(
          path + ":" + std::to_string(h.where.line) + ":"
          + std::to_string(h.where.column) + ": host " + h.name + ": "
          + (dir / f).string()
          + " is missing (make the certificates with `baton host "
            "init-certs`)");
  }
  for (auto& agent : out.plan.agents) {
    // Its program is its host's to have.
    if (agent.preset == "sim" || !agent.host.empty())
      continue;
    auto program = agent_program(agent);
    if (agent.preset == "sim")
      continue; // this very executable
    if (!program.empty() && find_executable(program).empty())
      out.problems.push_back(path + ":" + std::to_string(agent.where.line)
                             + ":" + std::to_string(agent.where.column)
                             + ": agent " + agent.name + ": executable \""
                             + program + "\" not found on PATH");
  }
  return out;
}

result<std::string> with_goal(const std::string& text, const std::string& goal,
                              const std::string& preset) {
  auto parsed = toml::parse(text);
  if (!parsed) {
    auto at = parsed.error().source().begin;
    return error{ec::invalid_argument,
                 std::to_string(at.line) + ":" + std::to_string(at.column)
                   + ": " + std::string{parsed.error().description()}};
  }
  std::ostringstream quoted;
  quoted << toml::value<std::string>{goal};
  auto line = "goal = " + quoted.str() + "\n";
  auto* orchestrator = parsed.table().get_as<toml::table>("orchestrator");
  if (orchestrator == nullptr) {
    std::ostringstream name;
    name << toml::value<std::string>{preset.empty() ? "claude" : preset};
    return text + (text.empty() || text.back() == '\n' ? "" : "\n")
           + "\n[orchestrator]\npreset = " + name.str() + "\n" + line;
  }
  if (auto* goal = orchestrator->get("goal")) {
    auto at = goal->source().begin;
    return error{ec::invalid_argument,
                 std::to_string(at.line) + ":" + std::to_string(at.column)
                   + ": the plan's [orchestrator] has a goal already: give "
                     "the goal there or on the command line, not both"};
  }
  // Right under the [orchestrator] header.
  auto header = orchestrator->source().begin.line;
  size_t at = std::string::npos; // the end of line l
  for (uint32_t l = 1, from = 0; l <= header; ++l, from = at + 1)
    if (at = text.find('\n', from); at == std::string::npos)
      break;
  if (at == std::string::npos)
    return text + "\n" + line;
  return text.substr(0, at + 1) + line + text.substr(at + 1);
}

} // namespace baton::api
