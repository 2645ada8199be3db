#include "api/agent_setup.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "actors/terminal/pack_loader.hpp"
#include "api/plan_loader.hpp"
#include "engine/agent/agent_config.hpp"
#include "engine/agent/tool_vocabulary.hpp"

namespace fs = std::filesystem;

namespace baton::api {

namespace {

/// The `baton` executable whose `sim` subcommand is the simulated agent:
/// $BATON_EXECUTABLE; this process when it is baton; the one installed
/// beside this library (<prefix>/lib/libbaton.so -> <prefix>/bin/baton);
/// else baton on PATH.
std::string sim_executable() {
  if (const char* env = std::getenv("BATON_EXECUTABLE"); env && *env)
    return env;
  std::error_code ec;
  auto self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && self.filename() == "baton")
    return self.string();
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&sim_executable), &info) != 0
      && info.dli_fname != nullptr) {
    auto lib = fs::weakly_canonical(info.dli_fname, ec);
    for (auto candidate : {lib.parent_path().parent_path() / "bin" / "baton",
                           lib.parent_path().parent_path().parent_path()
                             / "bin" / "baton"})
      if (!ec && ::access(candidate.c_str(), X_OK) == 0)
        return candidate.string();
  }
  auto found = find_executable("baton");
  return found.empty() ? std::string{"baton"} : found;
}

/// The simulated agent's program and first arguments: `baton-sim`, the
/// agent as a program of its own, beside the baton executable (installed:
/// the same bin directory; in the build tree: build/sim/). It loads none of
/// the engine's shared libraries, so it starts in about a quarter of the
/// time `baton sim` takes (10 against 37 ms here), which a run starting 64
/// agents at once pays 64 times. Without it: `baton sim`.
std::vector<std::string> sim_argv() {
  auto baton = sim_executable();
  auto dir = fs::path{baton}.parent_path();
  if (!dir.empty())
    for (auto candidate :
         {dir / "baton-sim", dir.parent_path() / "sim" / "baton-sim"})
      if (::access(candidate.c_str(), X_OK) == 0)
        return {candidate.lexically_normal().string()};
  return {baton, "sim"};
}

/// `text` with every "${plan_dir}" replaced by the plan file's directory:
/// an agent's arguments and environment may name files beside the plan
/// wherever the workspace is.
std::string expand_plan_dir(std::string text, const std::string& plan_dir) {
  constexpr std::string_view var = "${plan_dir}";
  for (auto at = text.find(var); at != std::string::npos;
       at = text.find(var, at + plan_dir.size()))
    text.replace(at, var.size(), plan_dir);
  return text;
}

/// Writes `file` under `dir`: a secret one owner-only (0600) from its
/// creation on, through a temporary file renamed over the old one.
result<void> write_file(const fs::path& dir,
                        const engine::agent::agent_file& file) {
  auto path = dir / file.path;
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  auto tmp = path.string() + ".baton-tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                  file.secret ? 0600 : 0644);
  bool ok = fd >= 0;
  if (ok && file.secret)
    ok = ::fchmod(fd, 0600) == 0; // an older file kept its mode
  for (size_t done = 0; ok && done < file.content.size();) {
    auto n = ::write(fd, file.content.data() + done,
                     file.content.size() - done);
    ok = n > 0;
    done += ok ? static_cast<size_t>(n) : 0;
  }
  if (fd >= 0 && ::close(fd) != 0)
    ok = false;
  if (ok)
    ok = ::rename(tmp.c_str(), path.c_str()) == 0;
  if (!ok) {
    ::unlink(tmp.c_str());
    return error{ec::io_error, "cannot write " + path.string()};
  }
  return {};
}

/// The program and arguments of `a` before its CLI configuration.
std::vector<std::string> base_argv(const engine::plan_agent& a,
                                   const std::string& plan_dir) {
  std::vector<std::string> argv;
  if (a.preset == "sim")
    argv = sim_argv();
  else if (!a.preset.empty())
    argv = {a.preset};
  for (auto& arg : a.command)
    argv.push_back(expand_plan_dir(arg, plan_dir));
  return argv;
}

/// The environment of `a`: the basics plus its `env_allow` when it has
/// one (else everything Baton has), and its `env`.
void set_environment(const engine::plan_agent& a, const std::string& plan_dir,
                     actors::pty::spawn_options& spawn) {
  if (!a.env_allow.empty()) {
    spawn.env.base = actors::pty::env_base::allow_list;
    spawn.env.allow = {"PATH", "HOME", "USER", "LANG", "LC_*", "TMPDIR"};
    spawn.env.allow.insert(spawn.env.allow.end(), a.env_allow.begin(),
                           a.env_allow.end());
  }
  for (auto& [k, v] : a.env)
    spawn.env.set.emplace_back(k, expand_plan_dir(v, plan_dir));
}

result<std::shared_ptr<const engine::detect::pack>>
pack_of(const engine::plan_agent& a) {
  auto name = !a.pack.empty()     ? a.pack
              : !a.preset.empty() ? a.preset
                                  : std::string{"generic"};
  auto pack = name.ends_with(".toml") ? actors::terminal::pack_from_file(name)
                                      : actors::terminal::builtin_pack(name);
  if (!pack)
    return error{pack.err().code(),
                 "agent " + a.name + ": " + pack.err().message()};
  return *pack;
}

} // namespace

namespace {

/// The orchestrator agent's tools: Baton's MCP server on this run.
engine::plan with_baton_mcp(const engine::plan& recorded,
                            const fs::path& log_dir) {
  auto plan = recorded;
  if (!plan.orchestrator.empty()) {
    engine::plan_mcp_server baton;
    baton.name = "baton";
    baton.command = sim_executable();
    baton.args = {"mcp", fs::absolute(log_dir).lexically_normal().string(),
                  "--as", plan.orchestrator};
    baton.trust = true;
    plan.mcp_servers.push_back(std::move(baton));
    for (auto& a : plan.agents)
      if (a.name == plan.orchestrator)
        a.mcp.push_back("baton");
  }
  return plan;
}

result<actors::team_agent> setup_one(const engine::plan& plan,
                                     const engine::plan_agent& a,
                                     const fs::path& workspace,
                                     const std::string& plan_dir,
                                     actors::pty::reactor& reactor) {
  auto dir = (workspace / (a.workdir.empty() ? a.name : a.workdir))
               .lexically_normal();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return error{ec::io_error, "cannot create the directory of agent "
                                 + a.name + " (" + dir.string()
                                 + "): " + ec.message()};
  auto absolute_dir = fs::absolute(dir).string();
  // Its tools and MCP servers, as its CLI's own configuration.
  auto config = engine::agent::configure_agent(plan, a, absolute_dir, plan_dir);
  for (auto& file : config.files)
    if (auto r = write_file(dir, file); !r)
      return error{ec::io_error, "agent " + a.name + ": " + r.err().message()};
  actors::pty::spawn_options spawn;
  spawn.argv = base_argv(a, plan_dir);
  spawn.argv.insert(spawn.argv.end(), config.args.begin(), config.args.end());
  if (a.name == plan.orchestrator
      && engine::agent::cli_of(a) == engine::agent::cli_kind::claude)
    spawn.argv.push_back("--allowedTools=mcp__baton");
  spawn.working_dir = dir.string();
  set_environment(a, plan_dir, spawn);
  auto pack = pack_of(a);
  if (!pack)
    return pack.err();
  actors::team_agent t;
  t.name = a.name;
  t.pack = *pack;
  t.workdir = absolute_dir;
  t.core.screen.cols = spawn.size.cols;
  t.core.screen.rows = spawn.size.rows;
  t.terminal = actors::make_pty_terminal(reactor, std::move(spawn));
  return t;
}

} // namespace

result<std::vector<actors::team_agent>>
setup_agents(const engine::plan& recorded, const fs::path& workspace,
             const fs::path& log_dir, actors::pty::reactor& reactor) {
  std::vector<actors::team_agent> out;
  std::error_code dir_ec;
  auto plan_dir
    = fs::absolute(fs::path{recorded.source}, dir_ec).parent_path().string();
  auto plan = with_baton_mcp(recorded, log_dir);
  for (auto& a : plan.agents) {
    if (!a.host.empty()) {
      // It runs on its host, which makes it ready there (setup_agent);
      // here it is only its directory, where its gates run.
      actors::team_agent t;
      t.name = a.name;
      t.host = a.host;
      auto dir = (workspace / (a.workdir.empty() ? a.name : a.workdir))
                   .lexically_normal();
      std::error_code ec;
      fs::create_directories(dir, ec);
      t.workdir = fs::absolute(dir).string();
      out.push_back(std::move(t));
      continue;
    }
    auto t = setup_one(plan, a, workspace, plan_dir, reactor);
    if (!t)
      return t.err();
    out.push_back(std::move(*t));
  }
  return out;
}

result<actors::team_agent>
setup_agent(const engine::plan& recorded, const std::string& agent,
            const fs::path& workspace, const fs::path& log_dir,
            const std::string& plan_dir, actors::pty::reactor& reactor) {
  auto plan = with_baton_mcp(recorded, log_dir);
  auto* a = plan.find_agent(agent);
  if (a == nullptr)
    return error{ec::not_found, "the plan has no agent " + agent};
  return setup_one(plan, *a, workspace, plan_dir, reactor);
}

} // namespace baton::api
