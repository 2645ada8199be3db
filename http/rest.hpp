// The REST API of a run under /api/v1 (served by http::server; no HTTP
// library here): versioned, JSON, additive. Every route is in one table,
// from which /api/v1/openapi.json is made, so the description cannot drift
// from what is served.
//
//   GET  /api/v1/run                          the run's status
//   GET  /api/v1/agents                       its agents
//   GET  /api/v1/agents/{agent}               one agent
//   GET  /api/v1/agents/{agent}/screen        its screen, as text rows
//                                             (?format=cells: with styled
//                                             runs and the ANSI to draw it)
//   POST /api/v1/agents/{agent}/input         {"text"}: typed, acknowledged
//   POST /api/v1/agents/{agent}/control       {"viewer"}: that viewer alone
//                                             may type into the agent
//   DELETE /api/v1/agents/{agent}/control?viewer=V   released
//   POST /api/v1/agents/{agent}/keys          {"viewer", "keys"}: keys typed
//                                             as they are (the viewer in
//                                             control only)
//   GET  /api/v1/deliveries/{id}?wait=S       a delivery's outcome
//   GET  /api/v1/tasks                        the board
//   GET  /api/v1/tasks/{task}                 one task
//   POST /api/v1/tasks                        a task added (as `baton add-task`)
//   POST /api/v1/tasks/{task}/cancel          {"reason"}
//   POST /api/v1/tasks/{task}/rerun           {"reason"}
//   GET  /api/v1/approvals                    every request, waiting first
//   POST /api/v1/approvals/{id}               {"decision", "reason"}
//   GET  /api/v1/events?from=P&limit=N        the log from a position
//   GET  /api/v1/events/stream?from=P         the same, live: server-sent
//                                             events, id = position (a
//                                             reconnect sends Last-Event-ID;
//                                             served by http::server)
//   GET  /api/v1/show?at=P                    the run at a position (`baton show`)
//   GET  /api/v1/why?subject=S                a task's or an agent's recorded
//                                             decisions and causes (`baton why`)
//   POST /api/v1/stop                         {"immediate", "reason"}
//   GET  /api/v1/openapi.json                 this, described
//
// Changes are the operator's commands, recorded as "http:<who>" (the
// `X-Baton-By` header, else "http"). Errors are {"error": "..."} with 400
// (bad input), 404 (no such agent, task, route), 409 (the run refused it),
// 503 (no engine runs the log: only reads work then).
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace baton::http {

class live_feed;

/// Which viewer may type into which agent ("take control" in the browser):
/// one at a time per agent. Thread-safe.
class control_table {
public:
  /// Gives `agent`'s keyboard to `viewer` unless another viewer has it.
  /// Returns who has it now.
  std::string take(const std::string& agent, const std::string& viewer);
  /// Gives it back, if `viewer` had it.
  void release(const std::string& agent, const std::string& viewer);
  bool holds(const std::string& agent, const std::string& viewer);

private:
  std::mutex mu_;
  std::map<std::string, std::string> holders_;
};

/// What the REST handlers share with the server that calls them.
struct rest_context {
  /// The run's log directory.
  std::string log_dir;
  /// The server's live feed (every agent's screen with its colours),
  /// started on first use; null when none can be.
  std::function<live_feed*()> feed = [] { return nullptr; };
  control_table* control = nullptr;
};

struct rest_reply {
  int status = 200;
  nlohmann::json body;
};

/// Answers one request to /api/v1 for the run in `log_dir`. `path` without
/// its query; `query` without the '?'.
rest_reply handle_rest(std::string_view method, std::string_view path,
                       std::string_view query, std::string_view body,
                       std::string_view by, const rest_context& ctx);

/// The OpenAPI 3.1 description of every route.
nlohmann::json openapi();

} // namespace baton::http
