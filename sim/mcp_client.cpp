#include "sim/mcp_client.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

extern char** environ;

namespace baton::sim {

using nlohmann::json;

result<std::unique_ptr<mcp_client>> mcp_client::start(const std::string& dir,
                                                      const std::string& server) {
  auto path = dir + "/.mcp.json";
  std::ifstream in{path};
  if (!in)
    return error{ec::not_found, "no " + path + " (Baton writes it for an "
                                "orchestrator agent)"};
  std::stringstream text;
  text << in.rdbuf();
  auto config = json::parse(text.str(), nullptr, false);
  if (config.is_discarded() || !config.contains("mcpServers")
      || !config["mcpServers"].contains(server))
    return error{ec::not_found, path + " names no MCP server \"" + server
                                  + "\""};
  auto& s = config["mcpServers"][server];
  std::vector<std::string> argv{s.value("command", "")};
  for (auto& a : s.value("args", json::array()))
    argv.push_back(a.get<std::string>());
  std::vector<char*> cargv;
  for (auto& a : argv)
    cargv.push_back(a.data());
  cargv.push_back(nullptr);
  int to[2];
  int from[2];
  if (::pipe(to) != 0 || ::pipe(from) != 0)
    return error{ec::io_error, "cannot make pipes for the MCP server"};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to[0], 0);
  posix_spawn_file_actions_adddup2(&actions, from[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  for (int fd : {to[0], to[1], from[0], from[1]})
    posix_spawn_file_actions_addclose(&actions, fd);
  std::unique_ptr<mcp_client> c{new mcp_client};
  int rc = ::posix_spawnp(&c->pid_, cargv[0], &actions, nullptr, cargv.data(),
                          environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(to[0]);
  ::close(from[1]);
  c->to_ = to[1];
  c->from_ = from[0];
  if (rc != 0) {
    c->pid_ = -1;
    return error{ec::io_error, "cannot start " + argv[0] + ": "
                                 + std::string{::strerror(rc)}};
  }
  auto init = c->request(
    "initialize", {{"protocolVersion", "2025-06-18"},
                   {"capabilities", json::object()},
                   {"clientInfo", {{"name", "baton-sim"}, {"version", "1"}}}});
  if (!init)
    return error{ec::io_error, "the MCP server did not initialize: "
                                 + init.err().message()};
  c->send({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  return c;
}

mcp_client::~mcp_client() {
  if (to_ >= 0)
    ::close(to_);
  if (pid_ > 0) {
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (from_ >= 0)
    ::close(from_);
}

bool mcp_client::send(const json& message) {
  auto line = message.dump() + "\n";
  for (size_t done = 0; done < line.size();) {
    auto n = ::write(to_, line.data() + done, line.size() - done);
    if (n <= 0)
      return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::optional<std::string> mcp_client::read_line() {
  for (;;) {
    if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
      auto line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    char chunk[4096];
    auto n = ::read(from_, chunk, sizeof chunk);
    if (n <= 0)
      return std::nullopt;
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

result<json> mcp_client::request(const std::string& method, json params) {
  int id = next_id_++;
  if (!send({{"jsonrpc", "2.0"},
             {"id", id},
             {"method", method},
             {"params", std::move(params)}}))
    return error{ec::io_error, "the MCP server is gone"};
  for (;;) {
    auto line = read_line();
    if (!line)
      return error{ec::io_error, "the MCP server is gone"};
    auto m = json::parse(*line, nullptr, false);
    if (m.is_discarded() || !m.is_object() || m.value("id", -1) != id)
      continue; // a notification, or not for this request
    if (m.contains("error"))
      return error{ec::invalid_argument,
                   m["error"].value("message", std::string{"error"})};
    return m.value("result", json::object());
  }
}

result<json> mcp_client::call(const std::string& tool, const json& args) {
  auto r = request("tools/call", {{"name", tool}, {"arguments", args}});
  if (!r)
    return r.err();
  if (r->value("isError", false)) {
    std::string text;
    for (auto& c : r->value("content", json::array()))
      text += c.value("text", "");
    return error{ec::invalid_argument, text};
  }
  return r->value("structuredContent", json::object());
}

} // namespace baton::sim
