// baton serve DIR [--listen ADDR:PORT] [--token TOKEN]: the run whose log is
// DIR over HTTP (http/server.hpp) — for now its MCP server at /mcp — until
// Ctrl-C or SIGTERM. Prints where it listens and the token clients must
// present; with --json, one object {"url","mcp","token"} for automation.
// Exit code: 0 after a signal, 2 on bad usage or a DIR that holds no run's
// log, 1 when it cannot listen.
#include <signal.h>

#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "http/server.hpp"

namespace baton::cli {

void add_serve_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
    "serve", "Serve a run over HTTP on loopback: its MCP server at /mcp "
             "(Streamable HTTP), with a token");
  static http::server_options opts;
  static bool json = false;
  cmd->add_option("dir", opts.log_dir, "The run's log directory")->required();
  cmd->add_option("--listen", opts.listen,
                  "ADDR:PORT to listen on (default 127.0.0.1:0, a free port)");
  cmd->add_option("--token", opts.token,
                  "The token clients present (default: a random one)");
  cmd->add_flag("--json", json, "Where it listens, as one JSON object");
  cmd->callback([&exit_code] {
    if (!std::filesystem::is_directory(opts.log_dir)) {
      std::cerr << "baton serve: " << opts.log_dir
                << " is not a run's log directory\n";
      exit_code = 2;
      return;
    }
    // The signals are taken here, by sigwait: block them before any thread
    // starts, so that none of the server's threads gets them.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);
    auto s = http::server::start(opts);
    if (!s) {
      std::cerr << "baton serve: " << s.err().message() << "\n";
      exit_code = s.err().code() == ec::invalid_argument ? 2 : 1;
      return;
    }
    auto url = (*s)->url();
    if (json)
      std::cout << nlohmann::json{{"url", url},
                                  {"mcp", url + "/mcp"},
                                  {"view", url + "/?token=" + (*s)->token()},
                                  {"token", (*s)->token()}}
                     .dump()
                << std::endl;
    else
      std::cout << "baton serve: " << opts.log_dir << " on " << url
                << "\n  browser view: " << url << "/?token=" << (*s)->token()
                << "\n  MCP (Streamable HTTP): " << url
                << "/mcp\n  token: " << (*s)->token()
                << "  (Authorization: Bearer <token>)" << std::endl;
    int sig = 0;
    sigwait(&stop, &sig);
    s->reset();
    exit_code = 0;
  });
}

} // namespace baton::cli
