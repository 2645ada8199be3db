// http::server: Baton's HTTP door to one run, on loopback by default:
//   /                 the browser view (web/, embedded in the binary)
//   /api/v1/...       the REST API (rest.hpp) and the live event stream (SSE)
//   /api/v1/ws        the browser view's WebSocket (below)
//   /mcp              the run's MCP server over Streamable HTTP (2025-06-18)
//
// Security, as the MCP specification asks of a local server:
// - it binds where it is told (default 127.0.0.1, a free port);
// - every request needs the server's token: `Authorization: Bearer <token>`,
//   or the cookie the login page sets. The token is accepted in the query
//   string only where a browser cannot send a header: `/?token=` (the login:
//   answered with an HttpOnly SameSite=Strict cookie and a redirect that
//   drops the token from the address bar) and the WebSocket's upgrade.
//   401 otherwise. The token is also written to <log>/http.token (0600);
// - a request with an Origin header that is not this server's own
//   (http://127.0.0.1:<port> or http://localhost:<port>) is refused (403):
//   no web page elsewhere can drive the run through the browser;
// - a request must arrive whole within 30 s (request_time; slow clients get
//   408 and are cut, so a slowloris holds a connection that long), a body
//   may hold 1 MiB (413).
//
// /api/v1/ws[?since=P]: one per browser page. Server to page: a snapshot
// (JSON: every agent's screen drawn by the engine's screen model, at a
// position P), then live from P + 1: each agent's PTY bytes as binary
// messages (version 1, agent name, global position, the agent's byte
// offset, the bytes), every other event as JSON. The page acknowledges
// ({"ack": P}) what it rendered; above 1 MiB unacknowledged it is sent
// nothing until it does; a page too far behind — or reconnecting with a
// `since` whose bytes left the feed's memory — gets a new snapshot and
// continues live from there. One shared reader of the log feeds every page
// (live_feed.hpp): pages never slow the agents, and a page's memory on the
// server is bounded.
//
// /mcp, as the specification's Streamable HTTP transport:
// - POST a JSON-RPC message (or a batch): a request is answered with
//   application/json; a notification or a response alone gets 202 and no
//   body. The initialize reply carries `Mcp-Session-Id`; every later
//   message must carry it (400 without, 404 for a session that is not or no
//   longer there).
// - GET: 405 (this server sends nothing unasked). DELETE: ends the session.
// - An `MCP-Protocol-Version` header naming a revision the server does not
//   speak: 400.
//
// Threads: one accepts; one cuts late requests; each connection (at most 64
// at once; the next is refused with 503) is served on its own thread, since
// a tool call may wait up to 50 s; a WebSocket runs its own I/O context on
// its thread. A session's calls are taken one at a time.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "baton/event_cursor.hpp"

#include "engine/result.hpp"

namespace baton::http {

struct server_options {
  /// The run's log directory.
  std::string log_dir;
  /// "ADDR:PORT"; port 0 picks a free one. Default: 127.0.0.1:0.
  std::string listen = "127.0.0.1:0";
  /// The token clients must present. Default: empty, meaning a random one.
  std::string token = {};
  /// How long a client has to send a whole request once its connection is
  /// idle: slower ones are answered 408 and cut. Default: 30 s.
  std::chrono::seconds request_time{30};
  /// The run's events from a position, when this process runs it
  /// (baton::run::events, woken as each event is recorded). Default: none,
  /// the log directory is read (it polls the writer).
  std::function<std::unique_ptr<event_cursor>(uint64_t)> events = {};
};

class server {
public:
  /// Binds and starts serving. Errors: ec::invalid_argument (a bad
  /// address), ec::io_error (cannot bind).
  static result<std::unique_ptr<server>> start(server_options opts);

  /// Stops accepting, and waits for the connections being served.
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// "http://127.0.0.1:PORT".
  std::string url() const;
  const std::string& token() const;

  struct impl;

private:
  explicit server(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace baton::http
