// mcp_client: the simulated orchestrator's MCP client. It starts the server
// named in the agent's .mcp.json (the common project format Baton writes for
// programs that are not a known CLI) as a child process and speaks JSON-RPC
// to it over pipes, one message per line — as a real agent CLI does with
// `baton mcp`.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/result.hpp"

namespace baton::sim {

class mcp_client {
public:
  /// Starts `server` of `dir`/.mcp.json and initializes the session.
  /// Errors: ec::not_found (no such file or server), ec::io_error (it
  /// cannot start, or does not answer initialize).
  static result<std::unique_ptr<mcp_client>> start(const std::string& dir,
                                                   const std::string& server);

  /// Closes the server's input and waits for it to end.
  ~mcp_client();
  mcp_client(const mcp_client&) = delete;
  mcp_client& operator=(const mcp_client&) = delete;

  /// Calls a tool: its structured result; an error's text (a tool error or
  /// a JSON-RPC error) as ec::invalid_argument; ec::io_error when the
  /// server is gone.
  result<nlohmann::json> call(const std::string& tool,
                              const nlohmann::json& args);

private:
  mcp_client() = default;
  result<nlohmann::json> request(const std::string& method,
                                 nlohmann::json params);
  bool send(const nlohmann::json& message);
  std::optional<std::string> read_line();

  pid_t pid_ = -1;
  int to_ = -1;
  int from_ = -1;
  int next_id_ = 1;
  std::string buffer_;
};

} // namespace baton::sim
