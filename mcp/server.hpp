// mcp::server: Baton's Model Context Protocol server (revision 2025-06-18)
// for one run, written on the public API (include/baton/) like every other
// door into a run. An MCP client — an orchestrator agent, an IDE, a script —
// lists the run's agents and tasks, reads screens and events, sends input,
// adds, cancels and re-runs tasks, decides approvals and waits for
// conditions; every call that changes something goes through the run's
// control socket and is recorded as the operator's command, by
// "mcp:<client name>", so a run steered over MCP replays identically and
// `baton why` names the call.
//
// Transport-free: handle() takes one JSON-RPC message (an object, or a
// batch array from a client of revision 2025-03-26) and returns the reply to
// send, or "" when there is none (a notification, a client's response).
// `baton mcp DIR` puts it on stdio (newline-delimited messages).
//
// Protocol, as the specification says:
// - initialize: the client's protocolVersion is answered with the same one
//   when supported (2025-06-18, 2025-03-26, 2024-11-05), else with
//   2025-06-18; capabilities: tools. Requests other than initialize and ping
//   before it are refused (-32002).
// - tools/list (no pagination: about a dozen tools), tools/call, ping.
// - Unknown method: -32601. A message that is not JSON: -32700; not a
//   request: -32600. A tool that does not exist, or arguments that do not
//   match its input schema: -32602 (invalid params), naming the field. An
//   action the run refuses (an unknown agent, a task that breaks the plan's
//   rules, no engine running): a tool result with isError and the reason.
// - Results carry structuredContent (matching the tool's outputSchema) and
//   the same JSON as text content, for clients of older revisions.
//
// Long work is "add, then wait": wait_for and delivery_status wait at most
// max_wait (50 s), under the clients' usual 60 s tool timeout.
//
// Not thread-safe: one server per session, called from one thread — but
// for cancel(), which a transport calls as the cancellation arrives.
#pragma once

#include <chrono>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace baton::mcp {

struct server_options {
  /// The run's log directory.
  std::string log_dir;
  /// The longest a tool call waits.
  std::chrono::seconds max_wait{50};
  /// Who the changes are recorded as, whatever the client calls itself
  /// ("orchestrator": the server Baton gives its orchestrator agent).
  /// Empty: "mcp:<client name>".
  std::string as = {};
};

class server {
public:
  explicit server(server_options opts);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// One message in, the reply out ("" when none is due; none for a
  /// request the client cancelled meanwhile).
  std::string handle(std::string_view message);

  /// The client cancelled request `id` (notifications/cancelled): if it is
  /// the one handle() works on, its waits end and it gets no reply. The one
  /// call that may come from another thread while handle() runs.
  void cancel(const nlohmann::json& id);

  /// `message` is a notifications/cancelled, and the id it cancels.
  static std::optional<nlohmann::json> cancels(std::string_view message);

  /// Who the changes are recorded as: "mcp:<client name>" once the client
  /// introduced itself, "mcp" before.
  const std::string& by() const {
    return by_;
  }

  /// The revision agreed at initialize ("" before).
  const std::string& protocol_version() const {
    return version_;
  }

private:
  nlohmann::json one(const nlohmann::json& message);
  nlohmann::json initialize(const nlohmann::json& params);
  nlohmann::json call_tool(const nlohmann::json& params);

  server_options opts_;
  std::string by_ = "mcp";
  std::string version_;
  bool initialized_ = false;
  /// send_input's idempotency keys: key -> delivery id, for this session.
  std::map<std::string, std::string> sent_;
  /// The request being handled (its id, dumped), and whether the client
  /// cancelled it.
  std::mutex cancel_mu_;
  std::string current_;
  std::atomic<bool> cancelled_{false};
};

} // namespace baton::mcp
