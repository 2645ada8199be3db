#include "mcp/tools.hpp"

#include <algorithm>
#include <functional>
#include <thread>

#include "baton/baton.hpp"

namespace baton::mcp {

using nlohmann::json;

namespace {

// -- schemas -----------------------------------------------------------------

json str(std::string description) {
  return {{"type", "string"}, {"description", std::move(description)}};
}

json integer(std::string description, int64_t min, int64_t max) {
  return {{"type", "integer"},
          {"description", std::move(description)},
          {"minimum", min},
          {"maximum", max}};
}

json boolean(std::string description) {
  return {{"type", "boolean"}, {"description", std::move(description)}};
}

json strings(std::string description) {
  return {{"type", "array"},
          {"items", {{"type", "string"}}},
          {"description", std::move(description)}};
}

json choice(std::string description, std::vector<std::string> values) {
  return {{"type", "string"},
          {"enum", std::move(values)},
          {"description", std::move(description)}};
}

json object(json properties, std::vector<std::string> required = {}) {
  json o = {{"type", "object"},
            {"properties", std::move(properties)},
            {"additionalProperties", false}};
  if (!required.empty())
    o["required"] = std::move(required);
  return o;
}

/// An output object: its fields are described, not constrained (a newer
/// engine may add some).
json output(json properties, std::vector<std::string> required) {
  return {{"type", "object"},
          {"properties", std::move(properties)},
          {"required", std::move(required)}};
}

const json agent_schema = output(
  {{"name", {{"type", "string"}}},
   {"role", {{"type", "string"}}},
   {"state", {{"type", "string"}}},
   {"task", {{"type", "string"}}},
   {"progress", {{"type", "string"}}},
   {"last_line", {{"type", "string"}}},
   {"restarts", {{"type", "integer"}}},
   {"exited", {{"type", "boolean"}}},
   {"host", {{"type", "string"}}}},
  {"name", "state"});

const json task_schema = output({{"id", {{"type", "string"}}},
                                 {"title", {{"type", "string"}}},
                                 {"agent", {{"type", "string"}}},
                                 {"status", {{"type", "string"}}},
                                 {"attempts", {{"type", "integer"}}},
                                 {"evidence", {{"type", "string"}}},
                                 {"reason", {{"type", "string"}}}},
                                {"id", "status"});

const json approval_schema = output({{"id", {{"type", "string"}}},
                                     {"agent", {{"type", "string"}}},
                                     {"task", {{"type", "string"}}},
                                     {"tool", {{"type", "string"}}},
                                     {"subject", {{"type", "string"}}},
                                     {"policy", {{"type", "string"}}},
                                     {"answer", {{"type", "string"}}},
                                     {"by", {{"type", "string"}}},
                                     {"why", {{"type", "string"}}}},
                                    {"id", "agent"});

json list_of(const json& item) {
  return {{"type", "array"}, {"items", item}};
}

const json command_schema
  = output({{"command_id", {{"type", "string"}}}}, {"command_id"});

// -- values ------------------------------------------------------------------

json to_json(const agent_status& a) {
  return {{"name", a.name},         {"role", a.role},
          {"state", a.state},       {"task", a.task},
          {"progress", a.progress}, {"last_line", a.last_line},
          {"restarts", a.restarts}, {"exited", a.exited}, {"host", a.host}};
}

json to_json(const task_status& t) {
  return {{"id", t.id},
          {"title", t.title},
          {"agent", t.agent},
          {"status", t.status},
          {"attempts", t.attempts},
          {"evidence", t.evidence},
          {"reason", t.reason}};
}

json to_json(const approval_status& a) {
  return {{"id", a.id},         {"agent", a.agent},     {"task", a.task},
          {"tool", a.tool},     {"subject", a.subject}, {"policy", a.policy},
          {"answer", a.answer}, {"by", a.by},           {"why", a.why}};
}

// -- calls -------------------------------------------------------------------

/// A refusal, for a result with isError.
struct refused {
  std::string why;
};

template <class T>
T take(result<T> r) {
  if (!r)
    throw refused{r.err().message()};
  return std::move(*r);
}

run_status status_of(tool_context& ctx) {
  return take(read_status(ctx.log_dir));
}

std::unique_ptr<remote> engine(tool_context& ctx) {
  return take(connect(ctx.log_dir));
}

const agent_status& find_agent(const run_status& st, const std::string& name) {
  for (auto& a : st.agents)
    if (a.name == name)
      return a;
  std::string names;
  for (auto& a : st.agents)
    names += (names.empty() ? "" : ", ") + a.name;
  throw refused{"no agent " + name + " in this run (agents: " + names + ")"};
}

const task_status& find_task(const run_status& st, const std::string& id) {
  for (auto& t : st.tasks)
    if (t.id == id)
      return t;
  throw refused{"no task " + id + " in this run"};
}

bool settled(const task_status& t) {
  return t.status == "passed" || t.status == "failed";
}

std::chrono::milliseconds wait_of(const json& args, const char* key,
                                  int default_s, tool_context& ctx) {
  auto s = args.contains(key) ? args[key].get<int64_t>() : default_s;
  return std::min<std::chrono::milliseconds>(std::chrono::seconds{s},
                                             ctx.max_wait);
}

// -- the tools -----------------------------------------------------------------

struct tool {
  std::string name;
  std::string title;
  std::string description;
  json input;
  json output;
  /// Whether it only reads.
  bool read_only;
  std::function<json(const json&, tool_context&)> call;
};

json list_agents(const json&, tool_context& ctx) {
  auto st = status_of(ctx);
  json agents = json::array();
  for (auto& a : st.agents)
    agents.push_back(to_json(a));
  return {{"agents", agents}, {"position", st.position}};
}

json agent_status_of(const json& args, tool_context& ctx) {
  auto st = status_of(ctx);
  auto& a = find_agent(st, args["agent"]);
  json out = {{"agent", to_json(a)}, {"position", st.position}};
  json tasks = json::array();
  for (auto& t : st.tasks)
    if (t.agent == a.name)
      tasks.push_back(to_json(t));
  out["tasks"] = tasks;
  json waiting = json::array();
  for (auto& r : st.approvals)
    if (r.agent == a.name && r.answer.empty())
      waiting.push_back(to_json(r));
  out["approvals_waiting"] = waiting;
  return out;
}

json agent_screen(const json& args, tool_context& ctx) {
  auto s = take(engine(ctx)->screen(args["agent"]));
  size_t rows = args.contains("rows") ? args["rows"].get<size_t>()
                                      : s.lines.size();
  // The last rows: what is at the prompt matters most.
  while (!s.lines.empty() && s.lines.back().empty())
    s.lines.pop_back();
  auto from = s.lines.size() > rows ? s.lines.size() - rows : 0;
  json lines(json::array());
  for (auto i = from; i < s.lines.size(); ++i)
    lines.push_back(s.lines[i]);
  return {{"agent", s.agent},      {"columns", s.columns},
          {"rows", s.rows},        {"first_row", from},
          {"lines", lines},        {"position", s.position}};
}

json send_input(const json& args, tool_context& ctx) {
  std::string key = args.value("idempotency_key", "");
  if (!key.empty())
    if (auto i = ctx.sent.find(key); i != ctx.sent.end())
      return {{"delivery_id", i->second}, {"repeated", true}};
  auto id = take(engine(ctx)->send(args["agent"], args["text"], ctx.by));
  if (!key.empty())
    ctx.sent.emplace(key, id);
  return {{"delivery_id", id}, {"repeated", false}};
}

/// A wait of up to `limit`, in slices short enough that a cancellation
/// ends it soon: `slice(wait)` is one wait, true when it is over.
template <class F>
void sliced(std::chrono::milliseconds limit, tool_context& ctx, F slice) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (ctx.cancelled())
      throw cancelled_call{};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (slice(std::max(std::chrono::milliseconds{0},
                       std::min(left, std::chrono::milliseconds{250})))
        || left.count() <= 0)
      return;
  }
}

json delivery_status(const json& args, tool_context& ctx) {
  auto id = args["delivery_id"].get<std::string>();
  auto run = engine(ctx);
  auto d = run->await_delivery(id, std::chrono::milliseconds{0});
  sliced(wait_of(args, "wait_seconds", 0, ctx), ctx, [&](auto wait) {
    d = run->await_delivery(id, wait);
    return d || d.err().code() != ec::timeout;
  });
  if (!d && d.err().code() == ec::timeout)
    return {{"delivery_id", id}, {"state", "pending"}};
  auto v = take(std::move(d));
  return {{"delivery_id", v.id},
          {"state", v.delivered ? "delivered" : "failed"},
          {"agent", v.agent},
          {"attempts", v.attempts},
          {"reason", v.reason}};
}

json list_tasks(const json&, tool_context& ctx) {
  auto st = status_of(ctx);
  json tasks = json::array();
  for (auto& t : st.tasks)
    tasks.push_back(to_json(t));
  return {{"tasks", tasks},          {"started", st.started},
          {"finished", st.finished}, {"ok", st.ok},
          {"outcome", st.outcome},   {"summary", st.summary},
          {"position", st.position}};
}

json task_status_of(const json& args, tool_context& ctx) {
  auto st = status_of(ctx);
  return {{"task", to_json(find_task(st, args["task"]))},
          {"position", st.position}};
}

json add_task(const json& args, tool_context& ctx) {
  task_spec t;
  t.id = args["id"];
  t.prompt = args["prompt"];
  t.agent = args.value("agent", "");
  t.title = args.value("title", "");
  if (args.contains("requires"))
    t.capabilities = args["requires"].get<std::vector<std::string>>();
  if (args.contains("after"))
    t.after = args["after"].get<std::vector<std::string>>();
  if (args.contains("verify"))
    t.verify = args["verify"].get<std::vector<std::string>>();
  for (auto& a : args.value("artifacts", json::array())) {
    if (a.is_string()) {
      t.artifacts.emplace_back(a.get<std::string>());
      continue;
    }
    artifact_spec spec{a["path"].get<std::string>()};
    spec.format = a.value("format", "any");
    spec.pattern = a.value("pattern", "");
    spec.non_empty = a.value("non_empty", true);
    spec.must_contain
      = a.value("must_contain", std::vector<std::string>{});
    t.artifacts.push_back(std::move(spec));
  }
  if (args.contains("retries"))
    t.retries = args["retries"].get<uint32_t>();
  auto id = take(engine(ctx)->add_task(t, ctx.by));
  return {{"task_id", t.id}, {"command_id", id}};
}

json cancel_task(const json& args, tool_context& ctx) {
  return {{"command_id",
           take(engine(ctx)->cancel_task(args["task"],
                                         args.value("reason", ""), ctx.by))}};
}

json rerun_task(const json& args, tool_context& ctx) {
  return {{"command_id",
           take(engine(ctx)->rerun_task(args["task"], args.value("reason", ""),
                                        ctx.by))}};
}

json list_approvals(const json& args, tool_context& ctx) {
  auto st = status_of(ctx);
  bool all = args.value("include_answered", false);
  json out = json::array();
  for (auto& a : st.approvals)
    if (all || a.answer.empty())
      out.push_back(to_json(a));
  return {{"approvals", out}, {"position", st.position}};
}

json decide_approval(const json& args, tool_context& ctx) {
  return {{"command_id", take(engine(ctx)->decide_approval(
                           args["id"], args["decision"],
                           args.value("reason", ""), ctx.by))}};
}

json stop_run(const json& args, tool_context& ctx) {
  return {{"command_id",
           take(engine(ctx)->stop(args.value("immediate", false),
                                  args.value("reason", ""), ctx.by))}};
}

/// An event: where it stands in the log, its kind, and its fields.
json event_json(const event& e) {
  json envelope = json::parse(e.json(), nullptr, false);
  std::string kind{e.kind()};
  json fields;
  if (envelope.is_object() && envelope.contains("event")
      && envelope["event"].is_object() && envelope["event"].contains(kind))
    fields = envelope["event"][kind];
  return {{"position", e.position()},
          {"stream", e.stream()},
          {"sequence", e.sequence()},
          {"logical_time_us", e.logical_time()},
          {"kind", kind},
          {"event_id", envelope.is_object() ? envelope.value("eventId", "")
                                            : std::string{}},
          {"event", fields}};
}

json tail_events(const json& args, tool_context& ctx) {
  auto from = args["from_position"].get<uint64_t>();
  auto max = args.contains("max") ? args["max"].get<uint64_t>() : 100;
  auto c = take(open_events(ctx.log_dir, from));
  json events = json::array();
  while (events.size() < max)
    if (auto* e = c->next(); e != nullptr)
      events.push_back(event_json(*e));
    else
      break;
  if (!c->error())
    throw refused{c->error().err().message()};
  return {{"events", events},
          {"next_position", c->position()},
          {"at_end", c->at_end()}};
}

json wait_for(const json& args, tool_context& ctx) {
  auto condition = args["condition"].get<std::string>();
  auto limit = wait_of(args, "timeout_seconds", 30, ctx);
  auto deadline = std::chrono::steady_clock::now() + limit;
  auto need = [&](const char* key) {
    if (!args.contains(key))
      throw bad_params{"wait_for " + condition + " needs \"" + key + "\""};
    return args[key];
  };
  if (condition == "event_after") {
    auto after = need("position").get<uint64_t>();
    auto c = take(open_events(ctx.log_dir, after + 1));
    const event* e = nullptr;
    sliced(limit, ctx, [&](auto wait) {
      e = c->next(wait);
      return e != nullptr || c->at_end() || !c->error();
    });
    if (e != nullptr)
      return {{"met", true}, {"position", e->position()},
              {"detail", event_json(*e)}};
    return {{"met", false}, {"position", c->position() - 1},
            {"detail", c->at_end() ? "the run is over" : "nothing yet"}};
  }
  std::function<std::pair<bool, json>(const run_status&)> holds;
  if (condition == "task_settled") {
    auto id = need("task").get<std::string>();
    holds = [id](const run_status& st) {
      auto& t = find_task(st, id);
      return std::pair{settled(t), to_json(t)};
    };
  } else if (condition == "agent_idle") {
    auto name = need("agent").get<std::string>();
    holds = [name](const run_status& st) {
      auto& a = find_agent(st, name);
      return std::pair{a.state == "idle" && a.task.empty(), to_json(a)};
    };
  } else { // run_finished (the schema allows no other)
    holds = [](const run_status& st) {
      return std::pair{st.finished, json{{"outcome", st.outcome},
                                         {"summary", st.summary}}};
    };
  }
  // Checked now, then after each event the run records (a status changes
  // only with its events), until the deadline.
  auto st = status_of(ctx);
  auto c = take(open_events(ctx.log_dir, st.position + 1));
  for (;;) {
    auto [met, detail] = holds(st);
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (met || left.count() <= 0 || st.finished)
      return {{"met", met}, {"position", st.position}, {"detail", detail}};
    if (ctx.cancelled())
      throw cancelled_call{};
    // In slices, so that a cancellation ends the wait soon.
    if (c->next(std::min(left, std::chrono::milliseconds{250})) == nullptr) {
      if (!c->at_end() && c->error())
        continue; // nothing in this slice
      st = status_of(ctx);
      auto [now_met, now_detail] = holds(st);
      return {{"met", now_met},
              {"position", st.position},
              {"detail", now_detail}};
    }
    while (c->next() != nullptr) { // what came with it
    }
    st = status_of(ctx);
  }
}

const std::vector<tool>& tools() {
  static const std::vector<tool> all = [] {
    json waiting = integer("Seconds to wait at most (capped at 50).", 0, 600);
    return std::vector<tool>{
      {"list_agents", "List agents",
       "The run's agents: name, role, the state read off each one's screen "
       "(idle, working, waiting_approval, exited, ...), its task, its last "
       "PROGRESS and protocol line.",
       object(json::object()),
       output({{"agents", list_of(agent_schema)},
               {"position", {{"type", "integer"}}}},
              {"agents", "position"}),
       true, list_agents},
      {"agent_status", "An agent's status",
       "One agent: its state, its task and the evidence and reason of each "
       "of its tasks, its last protocol line, and its approval requests "
       "waiting for an answer.",
       object({{"agent", str("The agent's name.")}}, {"agent"}),
       output({{"agent", agent_schema},
               {"tasks", list_of(task_schema)},
               {"approvals_waiting", list_of(approval_schema)},
               {"position", {{"type", "integer"}}}},
              {"agent", "tasks", "approvals_waiting", "position"}),
       true, agent_status_of},
      {"agent_screen", "An agent's screen",
       "The agent's terminal as Baton's screen model renders it (text), the "
       "last `rows` rows, and the log position of the output it shows.",
       object({{"agent", str("The agent's name.")},
               {"rows", integer("How many of the last rows (default: all).",
                                1, 500)}},
              {"agent"}),
       output({{"agent", {{"type", "string"}}},
               {"columns", {{"type", "integer"}}},
               {"rows", {{"type", "integer"}}},
               {"first_row", {{"type", "integer"}}},
               {"lines", list_of({{"type", "string"}})},
               {"position", {{"type", "integer"}}}},
              {"agent", "lines", "position"}),
       true, agent_screen},
      {"send_input", "Send input to an agent",
       "Types text into an agent as a prompt, with acknowledgement (the "
       "agent is seen to take it, retried otherwise). Recorded as the "
       "operator's command. Returns a delivery id for delivery_status. The "
       "same idempotency_key twice sends once.",
       object({{"agent", str("The agent's name.")},
               {"text", str("What to type.")},
               {"idempotency_key",
                str("Any string; a repeated key returns the first call's "
                    "delivery id and sends nothing.")}},
              {"agent", "text"}),
       output({{"delivery_id", {{"type", "string"}}},
               {"repeated", {{"type", "boolean"}}}},
              {"delivery_id"}),
       false, send_input},
      {"delivery_status", "A delivery's outcome",
       "Whether text sent with send_input reached the agent: delivered, "
       "failed (with why) or pending. Waits up to wait_seconds for it to "
       "end.",
       object({{"delivery_id", str("send_input's delivery_id.")},
               {"wait_seconds", waiting}},
              {"delivery_id"}),
       output({{"delivery_id", {{"type", "string"}}},
               {"state", {{"type", "string"},
                          {"enum", {"delivered", "failed", "pending"}}}},
               {"agent", {{"type", "string"}}},
               {"attempts", {{"type", "integer"}}},
               {"reason", {{"type", "string"}}}},
              {"delivery_id", "state"}),
       true, delivery_status},
      {"list_tasks", "List tasks",
       "The run's task board: each task's status (waiting, ready, "
       "dispatched, verifying, passed, failed), agent, attempts, evidence "
       "and reason; and whether the run has finished, and how.",
       object(json::object()),
       output({{"tasks", list_of(task_schema)},
               {"started", {{"type", "boolean"}}},
               {"finished", {{"type", "boolean"}}},
               {"ok", {{"type", "boolean"}}},
               {"outcome", {{"type", "string"}}},
               {"summary", {{"type", "string"}}},
               {"position", {{"type", "integer"}}}},
              {"tasks", "finished", "position"}),
       true, list_tasks},
      {"task_status", "A task's status",
       "One task: status, agent, attempts, the evidence of its last DONE and "
       "why it passed or failed (its gates' results).",
       object({{"task", str("The task's id.")}}, {"task"}),
       output({{"task", task_schema}, {"position", {{"type", "integer"}}}},
              {"task", "position"}),
       true, task_status_of},
      {"add_task", "Add a task",
       "Adds a task to the running run; the engine dispatches, verifies and "
       "retries it like the plan's own. It is checked as `baton check` "
       "checks a plan's tasks (a known agent or capabilities some agent "
       "has, dependencies without cycles, artifacts inside the workspace): "
       "a task that breaks a rule is refused with the reason. Recorded as "
       "the operator's command.",
       object({{"id", str("A new task id.")},
               {"prompt", str("What the agent is asked to do.")},
               {"agent", str("The agent to do it; omit to let `requires` "
                             "pick one.")},
               {"title", str("A short title.")},
               {"requires", strings("Capabilities the agent must have.")},
               {"after", strings("Tasks that must pass first.")},
               {"verify", strings("Commands run in the agent's directory "
                                  "after its DONE; each must exit 0.")},
               {"artifacts",
                {{"type", "array"},
                 {"description",
                  "Files the task must leave, relative to the agent's "
                  "directory: a path (checked non-empty), or its contract — "
                  "format (any, json, toml, markdown, regex), pattern (for "
                  "regex), non_empty, must_contain. Baton checks each before "
                  "the task passes."},
                 {"items",
                  {{"anyOf",
                    {{{"type", "string"}},
                     object({{"path", str("The file.")},
                             {"format", choice("What it must parse as.",
                                               {"any", "json", "toml",
                                                "markdown", "regex"})},
                             {"pattern", str("For regex: what the whole file "
                                             "must match.")},
                             {"non_empty", boolean("It must not be empty "
                                                   "(default true).")},
                             {"must_contain", strings("Texts it must "
                                                      "contain.")}},
                            {"path"})}}}}}},
               {"retries", integer("Attempts after the first.", 0, 20)}},
              {"id", "prompt"}),
       output({{"task_id", {{"type", "string"}}},
               {"command_id", {{"type", "string"}}}},
              {"task_id", "command_id"}),
       false, add_task},
      {"cancel_task", "Cancel a task",
       "Fails a task that has not settled; its agent is told to stop "
       "working on it.",
       object({{"task", str("The task's id.")}, {"reason", str("Why.")}},
              {"task"}),
       command_schema, false, cancel_task},
      {"rerun_task", "Run a task again",
       "Runs a settled task again from attempt 1, with its dependents that "
       "never started because it failed.",
       object({{"task", str("The task's id.")}, {"reason", str("Why.")}},
              {"task"}),
       command_schema, false, rerun_task},
      {"list_approvals", "List approval requests",
       "Agents' permission prompts waiting for an answer (all of them with "
       "include_answered): the tool and what it would do, the agent and "
       "task, and what the plan's policy said.",
       object({{"include_answered",
                boolean("Also the requests already answered.")}}),
       output({{"approvals", list_of(approval_schema)},
               {"position", {{"type", "integer"}}}},
              {"approvals", "position"}),
       true, list_approvals},
      {"decide_approval", "Answer an approval request",
       "Answers an agent's permission prompt. Recorded as the operator's "
       "command.",
       object({{"id", str("The request's id (list_approvals).")},
               {"decision", choice("The answer.",
                                   {"allow", "allow_always", "deny"})},
               {"reason", str("Why.")}},
              {"id", "decision"}),
       command_schema, false, decide_approval},
      {"wait_for", "Wait for a condition",
       "Waits until a task has settled, an agent is idle with no task, any "
       "event after a log position was recorded, or the run finished — or "
       "until timeout_seconds (at most 50). Returns whether it happened and "
       "the log position.",
       object({{"condition",
                choice("What to wait for.", {"task_settled", "agent_idle",
                                             "event_after", "run_finished"})},
               {"task", str("For task_settled.")},
               {"agent", str("For agent_idle.")},
               {"position", integer("For event_after.", 0,
                                    std::numeric_limits<int64_t>::max())},
               {"timeout_seconds", waiting}},
              {"condition"}),
       output({{"met", {{"type", "boolean"}}},
               {"position", {{"type", "integer"}}},
               {"detail", json::object()}},
              {"met", "position"}),
       true, wait_for},
      {"tail_events", "Read the run's events",
       "The run's recorded events from a global log position, in order: "
       "stream, sequence, logical time, kind and the event as JSON.",
       object({{"from_position", integer("The first position (1: the "
                                         "start).",
                                         1,
                                         std::numeric_limits<int64_t>::max())},
               {"max", integer("How many at most (default 100).", 1, 1000)}},
              {"from_position"}),
       output({{"events", list_of(output(
                            {{"position", {{"type", "integer"}}},
                             {"stream", {{"type", "string"}}},
                             {"sequence", {{"type", "integer"}}},
                             {"logical_time_us", {{"type", "integer"}}},
                             {"kind", {{"type", "string"}}},
                             {"event", json::object()}},
                            {"position", "stream", "kind"}))},
               {"next_position", {{"type", "integer"}}},
               {"at_end", {{"type", "boolean"}}}},
              {"events", "next_position", "at_end"}),
       true, tail_events},
      {"stop_run", "Stop the run",
       "Stops the run: tasks not settled fail, agents are asked to exit "
       "(at once with immediate). Recorded as the operator's command.",
       object({{"reason", str("Why.")},
               {"immediate", boolean("Kill the agents at once.")}}),
       command_schema, false, stop_run},
    };
  }();
  return all;
}

} // namespace

std::string schema_problem(const json& schema, const json& value,
                           const std::string& path) {
  if (schema.contains("anyOf")) {
    // When none fits: the problem with the alternative of the value's own
    // type, else with the first.
    std::string first;
    std::string same_type;
    for (auto& alternative : schema["anyOf"]) {
      auto p = schema_problem(alternative, value, path);
      if (p.empty())
        return {};
      if (first.empty())
        first = p;
      auto t = alternative.value("type", "");
      if ((t == "object" && value.is_object())
          || (t == "string" && value.is_string()))
        same_type = p;
    }
    return same_type.empty() ? first : same_type;
  }
  auto type = schema.value("type", "");
  if (type == "object") {
    if (!value.is_object())
      return path + " must be an object";
    auto& props = schema["properties"];
    if (schema.contains("required"))
      for (auto& r : schema["required"])
        if (!value.contains(r.get<std::string>()))
          return path + "." + r.get<std::string>() + " is required";
    for (auto& [key, v] : value.items()) {
      if (!props.contains(key)) {
        if (schema.value("additionalProperties", true))
          continue;
        return path + "." + key + " is not an argument of this tool";
      }
      if (auto p = schema_problem(props[key], v, path + "." + key);
          !p.empty())
        return p;
    }
    return {};
  }
  if (type == "string") {
    if (!value.is_string())
      return path + " must be a string";
    if (schema.contains("enum")) {
      auto& e = schema["enum"];
      if (std::find(e.begin(), e.end(), value) == e.end())
        return path + " must be one of " + e.dump();
    }
    return {};
  }
  if (type == "integer") {
    if (!value.is_number_integer())
      return path + " must be an integer";
    if (schema.contains("minimum") && value.is_number_integer()
        && value.get<int64_t>() < schema["minimum"].get<int64_t>())
      return path + " must be at least " + schema["minimum"].dump();
    if (schema.contains("maximum") && value.is_number_unsigned()
        && value.get<uint64_t>() > schema["maximum"].get<uint64_t>())
      return path + " must be at most " + schema["maximum"].dump();
    if (schema.contains("maximum") && !value.is_number_unsigned()
        && value.get<int64_t>() > schema["maximum"].get<int64_t>())
      return path + " must be at most " + schema["maximum"].dump();
    return {};
  }
  if (type == "boolean")
    return value.is_boolean() ? std::string{} : path + " must be true or false";
  if (type == "array") {
    if (!value.is_array())
      return path + " must be an array";
    for (size_t i = 0; i < value.size(); ++i)
      if (auto p = schema_problem(schema["items"], value[i],
                                  path + "[" + std::to_string(i) + "]");
          !p.empty())
        return p;
    return {};
  }
  return {};
}

json tool_list(const std::string& version) {
  json out = json::array();
  for (auto& t : tools()) {
    json d = {{"name", t.name},
              {"description", t.description},
              {"inputSchema", t.input}};
    if (version == "2025-06-18") {
      d["title"] = t.title;
      d["outputSchema"] = t.output;
    }
    if (version != "2024-11-05")
      d["annotations"] = {{"readOnlyHint", t.read_only},
                          {"destructiveHint", t.name == "stop_run"
                                                || t.name == "cancel_task"},
                          {"openWorldHint", false}};
    out.push_back(std::move(d));
  }
  return out;
}

tool_outcome run_tool(const std::string& name, const json& args,
                      tool_context& ctx) {
  auto t = std::find_if(tools().begin(), tools().end(),
                        [&](auto& x) { return x.name == name; });
  if (t == tools().end())
    throw bad_params{"unknown tool \"" + name + "\""};
  if (auto p = schema_problem(t->input, args, "arguments"); !p.empty())
    throw bad_params{p};
  try {
    return {t->call(args, ctx), {}};
  } catch (const refused& r) {
    return {{}, r.why};
  }
}

std::string instructions(const std::string& log_dir) {
  return "Baton runs a team of coding agents in terminals and verifies "
         "their work; this server drives the run whose log is "
         + log_dir
         + ". Read the team with list_agents and list_tasks; give work with "
           "add_task (Baton dispatches it, checks the agent's STATUS: DONE "
           "evidence and the task's gates, and retries); follow it with "
           "wait_for (task_settled) and task_status. Long work is 'add, then "
           "wait': no call blocks longer than 50 s. Every change you make is "
           "recorded in the run's log as yours.";
}

} // namespace baton::mcp
