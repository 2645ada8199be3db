// baton mcp DIR: the Model Context Protocol server of the run whose log is
// DIR, on stdio — one JSON-RPC message per line in, one reply per line out
// (mcp/server.hpp has the protocol and the tools). Diagnostics go to
// stderr; stdout carries nothing but messages. Ends at the end of its
// input. Exit code: 0, or 2 when DIR holds no run's log.
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

#include "cli/commands.hpp"
#include "mcp/server.hpp"

namespace baton::cli {

void add_mcp_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
    "mcp", "Serve a run to MCP clients (an orchestrator agent, an IDE) on "
           "stdio: its agents, tasks, screens and events, and the operator's "
           "commands, recorded as the client's");
  static std::string dir;
  static std::string as;
  cmd->add_option("dir", dir, "The run's log directory")->required();
  cmd->add_option("--as", as,
                  "Record the changes as NAME's (default: mcp:<the client's "
                  "name>)");
  cmd->callback([&exit_code] {
    if (!std::filesystem::is_directory(dir)) {
      std::cerr << "baton mcp: " << dir << " is not a run's log directory\n";
      exit_code = 2;
      return;
    }
    mcp::server server{{.log_dir = dir, .as = as}};
    std::ios::sync_with_stdio(false);
    // Messages are read as they come, so that a cancellation reaches the
    // call it cancels while that call waits; they are handled in order.
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::string> queue;
    bool eof = false;
    std::thread reader{[&] {
      std::string line;
      while (std::getline(std::cin, line)) {
        if (line.find_first_not_of(" \t\r") == std::string::npos)
          continue;
        if (auto id = mcp::server::cancels(line))
          server.cancel(*id);
        std::lock_guard lock{mu};
        queue.push_back(std::move(line));
        cv.notify_one();
      }
      std::lock_guard lock{mu};
      eof = true;
      cv.notify_one();
    }};
    for (;;) {
      std::string line;
      {
        std::unique_lock lock{mu};
        cv.wait(lock, [&] { return eof || !queue.empty(); });
        if (queue.empty())
          break;
        line = std::move(queue.front());
        queue.pop_front();
      }
      auto reply = server.handle(line);
      if (!reply.empty())
        std::cout << reply << '\n' << std::flush;
    }
    reader.join();
  });
}

} // namespace baton::cli
