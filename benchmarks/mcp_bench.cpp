// `baton mcp`'s tool call round trip over stdio, each beside the raw
// baseline in the same run: a JSON-RPC ping to the same server process (the
// pipes, the JSON and the server's loop, no run behind it).
//
//  - read: tools/call list_agents (the run's status, asked of the engine
//    through its control socket);
//  - write: tools/call add_task, until the reply — which comes once the
//    orchestrator has recorded the command in the log and applied it.
//
// The run: two simulated agents, the first waiting for an operator's
// approval (so the run stays up), the tasks added coming after the second's
// (so none starts). The client is the simulated orchestrator's (sim/).
//
//   build/benchmarks/mcp_bench [--quick] [--dir DIR]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "baton/baton.hpp"
#include "sim/mcp_client.hpp"

using namespace baton;
using clock_type = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "mcp_bench: %s\n", what.c_str());
  std::exit(1);
}

double ms_since(clock_type::time_point start) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - start)
    .count();
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

void report(const char* what, const std::vector<double>& ms,
            const std::vector<double>& ping) {
  std::printf("%-36s p50 %6.2f ms  p99 %6.2f ms   ping (same server) p50 "
              "%6.3f ms  p99 %6.3f ms   (%zu calls)\n",
              what, percentile(ms, 0.5), percentile(ms, 0.99),
              percentile(ping, 0.5), percentile(ping, 0.99), ms.size());
}

} // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::string dir;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick")
      quick = true;
    else if (a == "--dir" && i + 1 < argc)
      dir = argv[++i];
    else
      fail("usage: mcp_bench [--quick] [--dir DIR]");
  }
  if (dir.empty())
    dir = (fs::temp_directory_path()
           / ("mcp_bench." + std::to_string(::getpid())))
            .string();
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto baton_exe = (fs::read_symlink("/proc/self/exe").parent_path()
                      .parent_path()
                    / "cli" / "baton")
                     .string();
  if (!std::getenv("BATON_EXECUTABLE"))
    ::setenv("BATON_EXECUTABLE", baton_exe.c_str(), 1);
  int reads = quick ? 50 : 300;
  int writes = quick ? 20 : 100;

  auto rt = runtime::open();
  if (!rt)
    fail(rt.err().to_string());
  run_options opts;
  // The live-run tests' plan: agent a waits for an operator's approval.
  {
    std::ifstream plan{std::string{BATON_SOURCE_DIR}
                       + "/tests/support/waiting_plan.toml"};
    std::stringstream text;
    text << plan.rdbuf();
    opts.plan_text = text.str();
    if (opts.plan_text.empty())
      fail("cannot read tests/support/waiting_plan.toml");
  }
  opts.log_dir = dir + "/run.log";
  opts.workspace = dir + "/work";
  auto r = (*rt)->start(opts);
  if (!r)
    fail(r.err().to_string());
  auto& run = **r;
  {
    std::ofstream mcp{dir + "/.mcp.json"};
    mcp << R"({"mcpServers":{"baton":{"command":")" << baton_exe
        << R"(","args":["mcp",")" << run.log_dir() << R"("]}}})";
  }
  auto client = sim::mcp_client::start(dir, "baton");
  if (!client)
    fail(client.err().to_string());
  auto& c = **client;
  std::printf("mcp_bench: tool calls through `baton mcp` on stdio, beside a "
              "ping to the same server\n");

  std::vector<double> ping;
  for (int i = 0; i < reads; ++i) {
    auto start = clock_type::now();
    // An unknown tool is answered by the server alone: the transport's cost.
    auto p = c.call("no_such_tool", nlohmann::json::object());
    ping.push_back(ms_since(start));
    if (p)
      fail("an unknown tool was called");
  }
  std::vector<double> read_ms;
  for (int i = 0; i < reads; ++i) {
    auto start = clock_type::now();
    auto agents = c.call("list_agents", nlohmann::json::object());
    read_ms.push_back(ms_since(start));
    if (!agents || (*agents)["agents"].size() != 2)
      fail("list_agents: " + (agents ? agents->dump() : agents.err().message()));
  }
  std::vector<double> write_ms;
  for (int i = 0; i < writes; ++i) {
    nlohmann::json args = {{"id", "bench-" + std::to_string(i)},
                           {"prompt", "Later."},
                           {"agent", "b"},
                           {"after", {"t2"}}};
    auto start = clock_type::now();
    auto added = c.call("add_task", args);
    write_ms.push_back(ms_since(start));
    if (!added)
      fail("add_task: " + added.err().message());
  }
  report("read (list_agents)", read_ms, ping);
  report("write (add_task, until recorded)", write_ms, ping);
  client->reset();
  ignore(run.stop(true, "benchmark over"));
  run.wait(std::chrono::seconds{30});
  fs::remove_all(dir);
}
