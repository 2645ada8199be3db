#include "http/rest.hpp"

#include <charconv>
#include <functional>
#include <map>
#include <vector>

#include "api/detail/json.hpp"
#include "baton/baton.hpp"
#include "engine/inspect/run_inspector.hpp"
#include "http/live_feed.hpp"
#include "replay/explain.hpp"
#include "storage/event_log.hpp"

namespace baton::http {

using nlohmann::json;

namespace {

using params = std::map<std::string, std::string, std::less<>>;

struct request_view {
  params path;
  params query;
  json body;
  std::string by;
  const rest_context& ctx;
  const std::string& log_dir;
};

/// Thrown by a handler: the reply is an error.
struct http_error {
  int status;
  std::string message;
};

template <class T>
T take(result<T> r, int status = 409) {
  if (!r)
    throw http_error{status, r.err().message()};
  return std::move(*r);
}

std::unique_ptr<remote> engine(const request_view& rq) {
  auto r = connect(rq.log_dir);
  if (!r)
    throw http_error{503, r.err().message()};
  return std::move(*r);
}

run_status status_of(const request_view& rq) {
  return take(read_status(rq.log_dir), 503);
}

std::string text(const json& body, const char* key, bool required = true) {
  if (!body.is_object() || !body.contains(key) || body[key].is_null()) {
    if (required)
      throw http_error{400, std::string{"\""} + key + "\" is required"};
    return {};
  }
  if (!body[key].is_string())
    throw http_error{400, std::string{"\""} + key + "\" must be a string"};
  return body[key].get<std::string>();
}

uint64_t number(const params& q, const char* key, uint64_t fallback) {
  auto i = q.find(key);
  if (i == q.end())
    return fallback;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(i->second.data(),
                                   i->second.data() + i->second.size(), v);
  if (ec != std::errc{} || end != i->second.data() + i->second.size())
    throw http_error{400, std::string{"?"} + key + " must be a number"};
  return v;
}

json agent_of(const run_status& st, const std::string& name) {
  auto all = api::detail::to_json(st)["agents"];
  for (auto& a : all)
    if (a.value("name", "") == name)
      return a;
  throw http_error{404, "no agent " + name + " in this run"};
}

json task_of(const run_status& st, const std::string& id) {
  // A copy: a range over a temporary's member would dangle.
  auto all = api::detail::to_json(st)["tasks"];
  for (auto& t : all)
    if (t.value("id", "") == id)
      return t;
  throw http_error{404, "no task " + id + " in this run"};
}

json command(result<std::string> r) {
  return {{"command_id", take(std::move(r))}};
}

struct route {
  std::string method;
  std::string path; // "/api/v1/agents/{agent}"
  std::string summary;
  /// The JSON body's fields, for the description (empty: no body).
  json body_schema;
  std::function<json(const request_view&)> call;
};

json body(std::map<std::string, std::string> fields,
          std::vector<std::string> required = {}) {
  json props = json::object();
  for (auto& [k, type] : fields)
    props[k] = {{"type", type}};
  json s = {{"type", "object"}, {"properties", props}};
  if (!required.empty())
    s["required"] = required;
  return s;
}

const std::vector<route>& routes() {
  static const std::vector<route> all = {
    {"GET", "/api/v1/run", "The run's status: tasks, agents, approvals", {},
     [](const request_view& rq) { return api::detail::to_json(status_of(rq)); }},
    {"GET", "/api/v1/agents", "The run's agents", {},
     [](const request_view& rq) {
       return json{{"agents", api::detail::to_json(status_of(rq))["agents"]}};
     }},
    {"GET", "/api/v1/agents/{agent}", "One agent", {},
     [](const request_view& rq) {
       return agent_of(status_of(rq), rq.path.at("agent"));
     }},
    {"GET", "/api/v1/agents/{agent}/screen",
     "The agent's screen as the engine renders it: text rows; with "
     "?format=cells also each row's styled runs (colours, bold, ...) and "
     "the ANSI bytes that draw it on a fresh terminal",
     {},
     [](const request_view& rq) {
       if (auto f = rq.query.find("format");
           f != rq.query.end() && f->second == "cells") {
         auto* feed = rq.ctx.feed();
         // The feed may not have reached the agent's first bytes yet.
         if (feed != nullptr)
           if (auto s = feed->screen(rq.path.at("agent")))
             return *s;
         status_of(rq); // a log that cannot be read says so
         agent_of(status_of(rq), rq.path.at("agent"));
         throw http_error{404, rq.path.at("agent") + " has shown nothing yet"};
       } else if (f != rq.query.end() && f->second != "text") {
         throw http_error{400, "?format is text or cells"};
       }
       auto s = engine(rq)->screen(rq.path.at("agent"));
       if (!s && s.err().code() == ec::not_found)
         throw http_error{404, s.err().message()};
       return api::detail::to_json(take(std::move(s)));
     }},
    {"POST", "/api/v1/agents/{agent}/input",
     "Text typed into the agent, acknowledged: its delivery's id",
     body({{"text", "string"}}, {"text"}),
     [](const request_view& rq) {
       return json{{"delivery_id",
                    take(engine(rq)->send(rq.path.at("agent"),
                                          text(rq.body, "text"), rq.by))}};
     }},
    {"POST", "/api/v1/agents/{agent}/control",
     "The agent's keyboard given to one viewer (take control); 409 while "
     "another viewer has it",
     body({{"viewer", "string"}}, {"viewer"}),
     [](const request_view& rq) {
       auto& agent = rq.path.at("agent");
       agent_of(status_of(rq), agent);
       auto viewer = text(rq.body, "viewer");
       auto holder = rq.ctx.control->take(agent, viewer);
       if (holder != viewer)
         throw http_error{409, "viewer " + holder + " has control of "
                                 + agent + "; it must release it first"};
       return json{{"agent", agent}, {"holder", holder}};
     }},
    {"DELETE", "/api/v1/agents/{agent}/control",
     "The agent's keyboard given back by ?viewer=", {},
     [](const request_view& rq) {
       auto v = rq.query.find("viewer");
       if (v == rq.query.end())
         throw http_error{400, "?viewer is required"};
       rq.ctx.control->release(rq.path.at("agent"), v->second);
       return json{{"agent", rq.path.at("agent")}, {"holder", nullptr}};
     }},
    {"POST", "/api/v1/agents/{agent}/keys",
     "Keys typed into the agent as they are, by the viewer in control: "
     "recorded as operator input; the command's id once recorded",
     body({{"viewer", "string"}, {"keys", "string"}}, {"viewer", "keys"}),
     [](const request_view& rq) {
       auto& agent = rq.path.at("agent");
       auto viewer = text(rq.body, "viewer");
       if (!rq.ctx.control->holds(agent, viewer))
         throw http_error{409, "viewer " + viewer + " does not have control "
                                 "of " + agent + " (POST its /control first)"};
       return command(engine(rq)->send_keys(agent, text(rq.body, "keys"),
                                            rq.by));
     }},
    {"GET", "/api/v1/deliveries/{id}",
     "A delivery's outcome; ?wait=S waits up to S seconds (at most 50)", {},
     [](const request_view& rq) {
       auto wait = std::min<uint64_t>(number(rq.query, "wait", 0), 50);
       auto d = engine(rq)->await_delivery(rq.path.at("id"),
                                           std::chrono::seconds{wait});
       if (!d && d.err().code() == ec::timeout)
         return json{{"id", rq.path.at("id")}, {"state", "pending"}};
       if (!d && d.err().code() == ec::not_found)
         throw http_error{404, d.err().message()};
       auto out = api::detail::to_json(take(std::move(d)));
       out["state"] = out.value("delivered", false) ? "delivered" : "failed";
       return out;
     }},
    {"GET", "/api/v1/tasks", "The task board", {},
     [](const request_view& rq) {
       return json{{"tasks", api::detail::to_json(status_of(rq))["tasks"]}};
     }},
    {"GET", "/api/v1/tasks/{task}", "One task", {},
     [](const request_view& rq) {
       return task_of(status_of(rq), rq.path.at("task"));
     }},
    {"POST", "/api/v1/tasks",
     "A task added to the running run, checked as `baton check` checks a "
     "plan's",
     body({{"id", "string"},
           {"prompt", "string"},
           {"agent", "string"},
           {"title", "string"},
           {"requires", "array"},
           {"after", "array"},
           {"verify", "array"},
           {"artifacts", "array"},
           {"retries", "integer"}},
          {"id", "prompt"}),
     [](const request_view& rq) {
       auto t = api::detail::task_from_json(rq.body);
       if (!t)
         throw http_error{400, t.err().message()};
       return command(engine(rq)->add_task(*t, rq.by));
     }},
    {"POST", "/api/v1/tasks/{task}/cancel", "A task failed now",
     body({{"reason", "string"}}),
     [](const request_view& rq) {
       return command(engine(rq)->cancel_task(
         rq.path.at("task"), text(rq.body, "reason", false), rq.by));
     }},
    {"POST", "/api/v1/tasks/{task}/rerun",
     "A settled task run again from attempt 1", body({{"reason", "string"}}),
     [](const request_view& rq) {
       return command(engine(rq)->rerun_task(
         rq.path.at("task"), text(rq.body, "reason", false), rq.by));
     }},
    {"GET", "/api/v1/approvals",
     "Every approval request, those waiting for an answer first", {},
     [](const request_view& rq) {
       auto all = api::detail::to_json(status_of(rq))["approvals"];
       json waiting = json::array();
       json answered = json::array();
       for (auto& a : all)
         (a.value("answer", "").empty() ? waiting : answered).push_back(a);
       for (auto& a : answered)
         waiting.push_back(a);
       return json{{"approvals", waiting}};
     }},
    {"POST", "/api/v1/approvals/{id}",
     "An approval request answered: allow, allow_always or deny",
     body({{"decision", "string"}, {"reason", "string"}}, {"decision"}),
     [](const request_view& rq) {
       return command(engine(rq)->decide_approval(
         rq.path.at("id"), text(rq.body, "decision"),
         text(rq.body, "reason", false), rq.by));
     }},
    {"GET", "/api/v1/events",
     "The run's events from ?from= (a global position, default 1), at most "
     "?limit= (default 100, at most 1000)",
     {},
     [](const request_view& rq) {
       auto from = std::max<uint64_t>(number(rq.query, "from", 1), 1);
       auto limit = std::clamp<uint64_t>(number(rq.query, "limit", 100), 1,
                                         1000);
       auto c = take(open_events(rq.log_dir, from), 503);
       json events = json::array();
       while (events.size() < limit)
         if (auto* e = c->next(); e != nullptr)
           events.push_back(json::parse(e->json(), nullptr, false));
         else
           break;
       if (!c->error())
         throw http_error{500, c->error().err().message()};
       return json{{"events", events},
                   {"next", c->position()},
                   {"at_end", c->at_end()}};
     }},
    {"GET", "/api/v1/show",
     "The run as it stood at global position ?at= (default: now) — tasks, "
     "agents, needs, waits and every agent's screen, as `baton show --at` "
     "folds them",
     {},
     [](const request_view& rq) {
       storage::options o;
       o.read_only = true;
       o.create_if_missing = false;
       auto log = take(storage::event_log::open(rq.log_dir, o), 503);
       auto at = number(rq.query, "at", UINT64_MAX);
       engine::run_inspector state;
       auto n = log->read_all(1, UINT64_MAX, [&](storage::recorded_event&& e) {
         if (e.position() > at)
           return false;
         state.apply(e.stream(), e.sequence(), e.position(), e.logical_time(),
                     e.event());
         return true;
       });
       if (!n)
         throw http_error{500, n.err().message()};
       auto out = json::parse(state.to_json(), nullptr, false);
       if (out.is_discarded())
         throw http_error{500, "the state at that position is not JSON"};
       out["beyondEnd"] = at != UINT64_MAX && at > log->last_position();
       return out;
     }},
    {"GET", "/api/v1/why",
     "The recorded decisions about ?subject= (a task's id or an agent's "
     "name), each with the input that caused it, as `baton why` shows them",
     {},
     [](const request_view& rq) {
       auto subject = rq.query.find("subject");
       if (subject == rq.query.end() || subject->second.empty())
         throw http_error{400, "?subject (a task or an agent) is required"};
       storage::options o;
       o.read_only = true;
       o.create_if_missing = false;
       auto log = take(storage::event_log::open(rq.log_dir, o), 503);
       auto x = replay::explain(*log, subject->second);
       if (!x && (x.err().code() == ec::not_found
                  || x.err().code() == ec::invalid_argument))
         throw http_error{404, x.err().message()};
       auto why = take(std::move(x), 500);
       auto step = [](const replay::explained_event& e) {
         return json{{"stream", e.stream},
                     {"sequence", e.sequence},
                     {"position", e.position},
                     {"logical_time_us", e.logical_time_us},
                     {"kind", e.kind},
                     {"text", e.text},
                     {"detail", e.detail},
                     {"occurrence", e.occurrence}};
       };
       json steps = json::array();
       for (auto& s : why.steps) {
         auto j = step(s.event);
         j["cause"] = s.cause ? step(*s.cause) : json(nullptr);
         steps.push_back(std::move(j));
       }
       return json{{"subject", why.subject},
                   {"kind", std::string{replay::to_string(why.kind)}},
                   {"steps", std::move(steps)},
                   {"note", why.unattributed}};
     }},
    {"POST", "/api/v1/stop", "The run stopped (at once with immediate)",
     body({{"immediate", "boolean"}, {"reason", "string"}}),
     [](const request_view& rq) {
       bool immediate = rq.body.is_object() && rq.body.value("immediate", false);
       return command(
         engine(rq)->stop(immediate, text(rq.body, "reason", false), rq.by));
     }},
    {"GET", "/api/v1/openapi.json", "This API, described (OpenAPI 3.1)", {},
     [](const request_view&) { return openapi(); }},
  };
  return all;
}

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    path = slash == std::string_view::npos ? "" : path.substr(slash);
  }
  return out;
}

/// Whether `path` matches the template, with its parameters.
bool match(std::string_view tmpl, std::string_view path, params& out) {
  auto t = segments(tmpl);
  auto p = segments(path);
  if (t.size() != p.size())
    return false;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i].starts_with('{'))
      out.emplace(std::string{t[i].substr(1, t[i].size() - 2)},
                  std::string{p[i]});
    else if (t[i] != p[i])
      return false;
  }
  return true;
}

params parse_query(std::string_view query) {
  params out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (eq != std::string_view::npos)
      out.emplace(std::string{pair.substr(0, eq)},
                  std::string{pair.substr(eq + 1)});
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
  }
  return out;
}

} // namespace

std::string control_table::take(const std::string& agent,
                                const std::string& viewer) {
  std::lock_guard lock{mu_};
  return holders_.try_emplace(agent, viewer).first->second;
}

void control_table::release(const std::string& agent,
                            const std::string& viewer) {
  std::lock_guard lock{mu_};
  if (auto i = holders_.find(agent); i != holders_.end() && i->second == viewer)
    holders_.erase(i);
}

bool control_table::holds(const std::string& agent, const std::string& viewer) {
  std::lock_guard lock{mu_};
  auto i = holders_.find(agent);
  return i != holders_.end() && i->second == viewer;
}

rest_reply handle_rest(std::string_view method, std::string_view path,
                       std::string_view query, std::string_view body,
                       std::string_view by, const rest_context& ctx) {
  bool path_known = false;
  for (auto& r : routes()) {
    params p;
    if (!match(r.path, path, p))
      continue;
    path_known = true;
    if (r.method != method)
      continue;
    request_view rq{std::move(p), parse_query(query), json{},
                    by.empty() ? std::string{"http"}
                               : "http:" + std::string{by},
                    ctx, ctx.log_dir};
    if (!body.empty()) {
      rq.body = json::parse(body, nullptr, false);
      if (rq.body.is_discarded() || !rq.body.is_object())
        return {400, {{"error", "the body must be a JSON object"}}};
    }
    try {
      return {200, r.call(rq)};
    } catch (const http_error& e) {
      return {e.status, {{"error", e.message}}};
    }
  }
  if (path_known)
    return {405, {{"error", std::string{method} + " is not served at "
                              + std::string{path}}}};
  return {404, {{"error", "no route " + std::string{path}
                            + " (see /api/v1/openapi.json)"}}};
}

json openapi() {
  json paths = json::object();
  for (auto& r : routes()) {
    json op = {{"summary", r.summary},
               {"responses",
                {{"200", {{"description", "OK (JSON)"}}},
                 {"400", {{"description", "bad input"}}},
                 {"404", {{"description", "no such agent, task or route"}}},
                 {"409", {{"description", "the run refused it"}}},
                 {"503", {{"description", "no engine runs the log"}}}}}};
    json parameters = json::array();
    for (auto& s : segments(r.path))
      if (s.starts_with('{'))
        parameters.push_back({{"name", std::string{s.substr(1, s.size() - 2)}},
                              {"in", "path"},
                              {"required", true},
                              {"schema", {{"type", "string"}}}});
    if (!parameters.empty())
      op["parameters"] = parameters;
    if (!r.body_schema.is_null())
      op["requestBody"] = {
        {"content", {{"application/json", {{"schema", r.body_schema}}}}}};
    std::string method;
    for (char c : r.method)
      method += static_cast<char>(c - 'A' + 'a');
    paths[r.path][method] = op;
  }
  // Served by the server itself (it holds its connection).
  paths["/api/v1/events/stream"]["get"] = {
    {"summary", "The run's events, live, as server-sent events from ?from= "
                "(each event's id is its global position; a client that "
                "reconnects sends Last-Event-ID and goes on after it); an "
                "`end` event when the run is over"},
    {"responses",
     {{"200", {{"description", "text/event-stream"}}},
      {"503", {{"description", "no run's log there"}}}}}};
  paths["/api/v1/ws"]["get"] = {
    {"summary",
     "The browser view's WebSocket (upgrade; ?since= a position, ?token= "
     "allowed here): first a snapshot (JSON: every agent's screen as ANSI "
     "drawn by the engine's screen model, at a position P), then from P + 1 "
     "every event once and in order — PTY bytes as binary messages (u8 "
     "version 1, u8 name length, the agent's name, u64 big-endian position, "
     "u64 big-endian byte offset in the agent's output, the bytes), other "
     "events as JSON {type: event | agent, position, event}; {type: end} "
     "when the run is over. The client acknowledges with {\"ack\": P}; "
     "beyond 1 MiB unacknowledged it is sent nothing; a client too far "
     "behind gets a new snapshot"},
    {"responses",
     {{"101", {{"description", "switching to the WebSocket protocol"}}},
      {"401", {{"description", "no token"}}},
      {"403", {{"description", "a foreign Origin"}}}}}};
  return {{"openapi", "3.1.0"},
          {"info",
           {{"title", "Baton"},
            {"version", "1"},
            {"description",
             "A run of Baton over HTTP: every change is an operator command "
             "recorded in the run's log. Authorization: Bearer <token>."}}},
          {"components",
           {{"securitySchemes",
             {{"token", {{"type", "http"}, {"scheme", "bearer"}}}}}}},
          {"security", json::array({{{"token", json::array()}}})},
          {"paths", paths}};
}

} // namespace baton::http
