// The REST API of a run under /api/v1 (served by http::server; no HTTP
// library here): versioned, JSON, additive. Every route is in one table,
// from which /api/v1/openapi.json is made, so the description cannot drift
// from what is served.
//
//   GET  /api/v1/run                          the run's status
//   GET  /api/v1/agents                       its agents
//   GET  /api/v1/agents/{agent}               one agent
//   GET  /api/v1/agents/{agent}/screen        its screen, as text rows
//   POST /api/v1/agents/{agent}/input         {"text"}: typed, acknowledged
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
//   POST /api/v1/stop                         {"immediate", "reason"}
//   GET  /api/v1/openapi.json                 this, described
//
// Changes are the operator's commands, recorded as "http:<who>" (the
// `X-Baton-By` header, else "http"). Errors are {"error": "..."} with 400
// (bad input), 404 (no such agent, task, route), 409 (the run refused it),
// 503 (no engine runs the log: only reads work then).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace baton::http {

struct rest_reply {
  int status = 200;
  nlohmann::json body;
};

/// Answers one request to /api/v1 for the run in `log_dir`. `path` without
/// its query; `query` without the '?'.
rest_reply handle_rest(std::string_view method, std::string_view path,
                       std::string_view query, std::string_view body,
                       std::string_view by, const std::string& log_dir);

/// The OpenAPI 3.1 description of every route.
nlohmann::json openapi();

} // namespace baton::http
