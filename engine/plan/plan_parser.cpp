#include "engine/plan/plan_parser.hpp"

#include <sstream>

#include <algorithm>
#include <initializer_list>

// Parse errors come back as values: engine code does not catch exceptions.
// Debian's toml++ library is built with exceptions, so this file compiles the
// no-exceptions parser itself (header-only mode; its own ABI namespace).
#undef TOML_SHARED_LIB
#define TOML_SHARED_LIB 0
#undef TOML_HEADER_ONLY
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <re2/re2.h>
#include <toml++/toml.h>

namespace baton::engine {

namespace {

/// Collects problems with their location.
class diagnostics {
public:
  explicit diagnostics(std::string_view source) : source_(source) {
  }

  void add(const toml::source_region& at, const std::string& what) {
    add(plan_location{static_cast<uint32_t>(at.begin.line),
                      static_cast<uint32_t>(at.begin.column)},
        what);
  }

  void add(plan_location at, const std::string& what) {
    lines_.push_back(source_ + ":" + std::to_string(at.line) + ":"
                     + std::to_string(at.column) + ": " + what);
  }

  bool empty() const {
    return lines_.empty();
  }

  std::string joined() const {
    std::string out;
    for (auto& l : lines_) {
      if (!out.empty())
        out += '\n';
      out += l;
    }
    return out;
  }

private:
  std::string source_;
  std::vector<std::string> lines_;
};

plan_location location_of(const toml::node& n) {
  return {static_cast<uint32_t>(n.source().begin.line),
          static_cast<uint32_t>(n.source().begin.column)};
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

/// Reports keys of `table` that are not in `known`, with a suggestion.
void check_keys(const toml::table& table, std::string_view where,
                const std::vector<std::string_view>& known,
                diagnostics& diag) {
  for (auto& [key, node] : table) {
    auto k = key.str();
    if (std::find(known.begin(), known.end(), k) != known.end())
      continue;
    std::string msg = "unknown key \"" + std::string{k} + "\" in " + std::string{where};
    for (auto candidate : known)
      if (edit_distance(k, candidate) <= 2) {
        msg += " (did you mean \"" + std::string{candidate} + "\"?)";
        break;
      }
    diag.add(key.source(), msg);
  }
}

/// Reads a string field; reports a wrong type.
void read(const toml::table& t, std::string_view key, std::string& out,
          diagnostics& diag) {
  auto* n = t.get(key);
  if (n == nullptr)
    return;
  if (auto s = n->value<std::string>())
    out = *s;
  else
    diag.add(n->source(), "\"" + std::string{key} + "\" must be a string");
}

void read(const toml::table& t, std::string_view key, bool& out,
          diagnostics& diag) {
  auto* n = t.get(key);
  if (n == nullptr)
    return;
  if (auto b = n->value<bool>())
    out = *b;
  else
    diag.add(n->source(), "\"" + std::string{key} + "\" must be true or false");
}

void read(const toml::table& t, std::string_view key,
          std::vector<std::string>& out, diagnostics& diag) {
  auto* n = t.get(key);
  if (n == nullptr)
    return;
  auto* arr = n->as_array();
  if (arr == nullptr) {
    diag.add(n->source(),
             "\"" + std::string{key} + "\" must be a list of strings");
    return;
  }
  for (auto& item : *arr) {
    if (auto s = item.value<std::string>())
      out.push_back(*s);
    else
      diag.add(item.source(), "\"" + std::string{key}
                                + "\" must hold only strings");
  }
}

void read_count(const toml::table& t, std::string_view key, uint32_t& out,
                diagnostics& diag, int64_t max = 1000) {
  auto* n = t.get(key);
  if (n == nullptr)
    return;
  auto v = n->value<int64_t>();
  if (v && *v >= 0 && *v <= max)
    out = static_cast<uint32_t>(*v);
  else
    diag.add(n->source(), "\"" + std::string{key}
                            + "\" must be a whole number from 0 to "
                            + std::to_string(max));
}

void read_duration(const toml::table& t, std::string_view key, uint64_t& out,
                   diagnostics& diag) {
  auto* n = t.get(key);
  if (n == nullptr)
    return;
  std::optional<uint64_t> v;
  if (auto i = n->value<int64_t>(); i && *i >= 0)
    v = static_cast<uint64_t>(*i);
  else if (auto s = n->value<std::string>())
    v = parse_duration_seconds(*s);
  if (v)
    out = *v;
  else
    diag.add(n->source(), "\"" + std::string{key}
                            + "\" must be seconds or a duration like \"10m\"");
}

void read_degrade(const toml::table& t, std::string& out, diagnostics& diag) {
  auto* n = t.get("degrade");
  if (n == nullptr)
    return;
  read(t, "degrade", out, diag);
  if (out != "fail" && out != "ship_without" && out != "merge"
      && out != "operator")
    diag.add(n->source(), "unknown degrade policy \"" + out
                            + "\" (expected fail, ship_without, merge or "
                              "operator)");
}

void read_choice(const toml::table& t, std::string_view key, std::string& out,
                 std::initializer_list<std::string_view> allowed,
                 diagnostics& diag) {
  auto* n = t.get(key);
  if (n == nullptr)
    return;
  read(t, key, out, diag);
  std::replace(out.begin(), out.end(), '-', '_');
  if (std::find(allowed.begin(), allowed.end(), out) != allowed.end())
    return;
  std::string expected;
  for (auto a : allowed)
    expected += (expected.empty() ? "" : ", ") + std::string{a};
  diag.add(n->source(), "unknown " + std::string{key} + " \"" + out
                          + "\" (expected " + expected + ")");
}

/// strategy, intensity and period of a team's supervisor.
void read_supervision(const toml::table& t, plan_team& team,
                      diagnostics& diag) {
  read_choice(t, "strategy", team.strategy,
              {"one_for_one", "one_for_all", "rest_for_one"}, diag);
  // A supervisor over thousands of agents may see thousands of restarts
  // within its period.
  read_count(t, "intensity", team.intensity, diag, 1'000'000);
  read_duration(t, "period", team.period_s, diag);
}

void parse_run(const toml::table& root, plan& p, diagnostics& diag) {
  if (auto* run = root.get_as<toml::table>("run")) {
    check_keys(*run, "[run]",
               {"name", "pattern", "workspace", "log", "durability",
                "outside_workspace", "chain"},
               diag);
    read(*run, "name", p.run.name, diag);
    read(*run, "workspace", p.run.workspace, diag);
    read(*run, "outside_workspace", p.run.outside_workspace, diag);
    read(*run, "log", p.run.log, diag);
    read(*run, "durability", p.run.durability, diag);
    if (auto* d = run->get("durability");
        d && p.run.durability != "sync" && p.run.durability != "group"
        && p.run.durability != "async")
      diag.add(d->source(), "durability must be \"sync\", \"group\" or "
                            "\"async\"");
    std::string pattern = "hub";
    read(*run, "pattern", pattern, diag);
    constexpr plan_pattern all[] = {plan_pattern::hub, plan_pattern::pipeline,
                                    plan_pattern::supervisor,
                                    plan_pattern::swarm, plan_pattern::mesh};
    bool known = false;
    for (auto candidate : all)
      if (pattern == to_string(candidate)) {
        p.run.pattern = candidate;
        known = true;
      }
    if (!known)
      diag.add(run->get("pattern")->source(),
               "unknown pattern \"" + pattern
                 + "\" (expected hub, pipeline, supervisor, swarm or mesh)");
    read(*run, "chain", p.run.chain, diag);
    if (p.run.chain && known && p.run.pattern != plan_pattern::supervisor)
      diag.add(run->get("chain")->source(),
               "chain = true needs pattern = \"supervisor\" (a chain's "
               "teams are run by their leads)");
  }
  if (auto* policy = root.get_as<toml::table>("policy")) {
    check_keys(*policy, "[policy]",
               {"retries", "task_timeout", "stall_after", "loop_repeats",
                "loop_attempts", "degrade", "lock_lease", "status_grace",
                "snapshot_every"},
               diag);
    read_duration(*policy, "status_grace", p.run.status_grace_s, diag);
    read_count(*policy, "retries", p.run.retries, diag);
    read_duration(*policy, "task_timeout", p.run.task_timeout_s, diag);
    read_duration(*policy, "stall_after", p.run.stall_after_s, diag);
    read_count(*policy, "loop_repeats", p.run.loop_repeats, diag);
    read_count(*policy, "loop_attempts", p.run.loop_attempts, diag);
    read_count(*policy, "snapshot_every", p.run.snapshot_every, diag,
               100'000'000);
    read_degrade(*policy, p.run.degrade, diag);
    read_duration(*policy, "lock_lease", p.run.lock_lease_s, diag);
  }
  if (auto* sup = root.get_as<toml::table>("supervision")) {
    p.supervision.name = "team";
    p.supervision.where = location_of(*root.get("supervision"));
    read_supervision(*sup, p.supervision, diag);
  }
}

void parse_env(const toml::table& t, plan_agent& a, diagnostics& diag) {
  auto* n = t.get("env");
  if (n == nullptr)
    return;
  auto* env = n->as_table();
  if (env == nullptr) {
    diag.add(n->source(), "\"env\" must be a table of strings");
    return;
  }
  for (auto& [key, value] : *env) {
    if (auto s = value.value<std::string>())
      a.env[std::string{key.str()}] = *s;
    else
      diag.add(value.source(), "env." + std::string{key.str()}
                                 + " must be a string");
  }
}

// -- tools and MCP servers -------------------------------------------------

/// An agent's `mcp` list, and where it and `tools` were written.
void parse_agent_mcp(const toml::table& t, plan_agent& a, diagnostics& diag) {
  if (auto* n = t.get("tools"))
    a.tools_where = location_of(*n);
  auto* n = t.get("mcp");
  if (n == nullptr)
    return;
  a.mcp_where = location_of(*n);
  read(t, "mcp", a.mcp, diag);
}

/// A table of strings (an MCP server's env).
void read_string_table(const toml::node& n, const std::string& what,
                       std::map<std::string, std::string>& out,
                       diagnostics& diag) {
  auto* table = n.as_table();
  if (table == nullptr) {
    diag.add(n.source(), "\"" + what + "\" must be a table of strings");
    return;
  }
  for (auto& [key, value] : *table) {
    if (auto s = value.value<std::string>())
      out[std::string{key.str()}] = *s;
    else
      diag.add(value.source(), what + "." + std::string{key.str()}
                                 + " must be a string");
  }
}

/// [mcp.servers.<name>]: command, args, env.
void parse_mcp_servers(const toml::table& root, plan& p, diagnostics& diag) {
  auto* n = root.get("mcp");
  if (n == nullptr)
    return;
  auto* mcp = n->as_table();
  if (mcp == nullptr) {
    diag.add(n->source(), "\"mcp\" must be a table ([mcp.servers.<name>])");
    return;
  }
  check_keys(*mcp, "[mcp]", {"servers"}, diag);
  auto* s = mcp->get("servers");
  if (s == nullptr)
    return;
  auto* servers = s->as_table();
  if (servers == nullptr) {
    diag.add(s->source(), "mcp.servers must be a table of [mcp.servers.<name>]");
    return;
  }
  for (auto& [name, value] : *servers) {
    plan_mcp_server server;
    server.name = name.str();
    server.where = location_of(value);
    auto where = "[mcp.servers." + server.name + "]";
    auto* t = value.as_table();
    if (t == nullptr) {
      diag.add(value.source(), where + " must be a table");
      continue;
    }
    check_keys(*t, where, {"command", "args", "env"}, diag);
    read(*t, "command", server.command, diag);
    read(*t, "args", server.args, diag);
    if (auto* env = t->get("env"))
      read_string_table(*env, "env", server.env, diag);
    if (server.command.empty())
      diag.add(server.where, where + " needs a \"command\"");
    p.mcp_servers.push_back(std::move(server));
  }
}

/// [hosts.<name>]: address, certs, down_after.
void parse_hosts(const toml::table& root, plan& p, diagnostics& diag) {
  auto* n = root.get("hosts");
  if (n == nullptr)
    return;
  auto* hosts = n->as_table();
  if (hosts == nullptr) {
    diag.add(n->source(), "\"hosts\" must be a table ([hosts.<name>])");
    return;
  }
  for (auto& [name, value] : *hosts) {
    plan_host h;
    h.name = name.str();
    h.where = location_of(value);
    auto where = "[hosts." + h.name + "]";
    auto* t = value.as_table();
    if (t == nullptr) {
      diag.add(value.source(), where + " must be a table");
      continue;
    }
    check_keys(*t, where, {"address", "certs", "down_after"}, diag);
    read(*t, "address", h.address, diag);
    read(*t, "certs", h.certs, diag);
    read_duration(*t, "down_after", h.down_after_s, diag);
    p.hosts.push_back(std::move(h));
  }
}

const std::vector<std::string_view> agent_keys = {
  "role",  "preset",       "command", "args",    "pack", "workdir", "env",
  "env_allow", "owns", "reads", "tools", "capabilities", "restart", "mcp",
  "host"};

plan_agent read_agent(std::string name, const toml::node& value,
                      diagnostics& diag);

void parse_agents(const toml::table& root, plan& p, diagnostics& diag) {
  auto* node = root.get("agents");
  if (node == nullptr)
    return;
  auto* agents = node->as_table();
  if (agents == nullptr) {
    diag.add(node->source(), "[agents] must be a table of agents");
    return;
  }
  for (auto& [name, value] : *agents) {
    auto* t = value.as_table();
    if (t == nullptr) {
      diag.add(value.source(), "agents." + std::string{name.str()}
                                 + " must be a table");
      continue;
    }
    check_keys(*t, "[agents." + std::string{name.str()} + "]", agent_keys,
               diag);
    p.agents.push_back(read_agent(std::string{name.str()}, value, diag));
  }
}

/// An agent's settings, from [agents.<name>] or [orchestrator].
plan_agent read_agent(std::string name, const toml::node& value,
                      diagnostics& diag) {
  auto* t = value.as_table();
  {
    plan_agent a;
    a.name = std::move(name);
    a.where = location_of(value);
    read_choice(*t, "restart", a.restart,
                {"permanent", "transient", "temporary"}, diag);
    read(*t, "role", a.role, diag);
    read(*t, "preset", a.preset, diag);
    read(*t, "command", a.command, diag);
    std::vector<std::string> args;
    read(*t, "args", args, diag);
    a.command.insert(a.command.end(), args.begin(), args.end());
    read(*t, "pack", a.pack, diag);
    read(*t, "workdir", a.workdir, diag);
    if (a.workdir.empty())
      a.workdir = a.name;
    parse_env(*t, a, diag);
    read(*t, "env_allow", a.env_allow, diag);
    read(*t, "owns", a.owns, diag);
    read(*t, "reads", a.reads, diag);
    read(*t, "tools", a.tools, diag);
    read(*t, "capabilities", a.capabilities, diag);
    parse_agent_mcp(*t, a, diag);
    read(*t, "host", a.host, diag);
    if (auto* h = t->get("host"))
      a.host_where = location_of(*h);
    return a;
  }
}

void parse_artifacts(const toml::table& t, plan_task& task,
                     diagnostics& diag) {
  auto* n = t.get("artifacts");
  if (n == nullptr)
    return;
  auto* arr = n->as_array();
  if (arr == nullptr) {
    diag.add(n->source(), "\"artifacts\" must be a list of tables "
                          "([[tasks.artifacts]])");
    return;
  }
  for (auto& item : *arr) {
    auto* at = item.as_table();
    if (at == nullptr) {
      diag.add(item.source(), "an artifact must be a table");
      continue;
    }
    plan_artifact a;
    a.where = location_of(item);
    check_keys(*at, "an artifact of task " + task.id,
               {"path", "format", "pattern", "non_empty", "must_contain"},
               diag);
    read(*at, "path", a.path, diag);
    read(*at, "format", a.format, diag);
    read(*at, "pattern", a.pattern, diag);
    read(*at, "non_empty", a.non_empty, diag);
    read(*at, "must_contain", a.must_contain, diag);
    if (a.path.empty())
      diag.add(a.where, "an artifact of task " + task.id + " needs a path");
    constexpr std::string_view formats[] = {"any", "json", "toml", "markdown",
                                            "regex"};
    if (std::find(std::begin(formats), std::end(formats), a.format)
        == std::end(formats))
      diag.add(at->get("format")->source(),
               "unknown artifact format \"" + a.format
                 + "\" (expected any, json, toml, markdown or regex)");
    if (a.format == "regex" && a.pattern.empty())
      diag.add(a.where, "a regex artifact needs a \"pattern\"");
    task.artifacts.push_back(std::move(a));
  }
}

void parse_tasks(const toml::table& root, plan& p, diagnostics& diag) {
  auto* node = root.get("tasks");
  if (node == nullptr)
    return;
  auto* arr = node->as_array();
  if (arr == nullptr) {
    diag.add(node->source(), "tasks must be written as [[tasks]] tables");
    return;
  }
  for (auto& item : *arr) {
    auto* t = item.as_table();
    if (t == nullptr) {
      diag.add(item.source(), "a task must be a table");
      continue;
    }
    plan_task task;
    task.where = location_of(item);
    read(*t, "id", task.id, diag);
    check_keys(*t, "task " + (task.id.empty() ? "?" : task.id),
               {"id", "title", "prompt", "agent", "requires", "after",
                "artifacts", "verify", "retries", "degrade"},
               diag);
    read_degrade(*t, task.degrade, diag);
    read(*t, "title", task.title, diag);
    read(*t, "prompt", task.prompt, diag);
    read(*t, "agent", task.agent, diag);
    read(*t, "requires", task.requires_caps, diag);
    read(*t, "after", task.after, diag);
    read(*t, "verify", task.verify, diag);
    if (t->get("retries")) {
      uint32_t r = 0;
      read_count(*t, "retries", r, diag);
      task.retries = r;
    }
    parse_artifacts(*t, task, diag);
    if (task.id.empty())
      diag.add(task.where, "a task needs an \"id\"");
    if (task.prompt.empty() && task.title.empty())
      diag.add(task.where, "task " + task.id + " needs a prompt or a title");
    p.tasks.push_back(std::move(task));
  }
}

void parse_stages(const toml::table& root, plan& p, diagnostics& diag) {
  auto* node = root.get("stages");
  if (node == nullptr)
    return;
  auto* arr = node->as_array();
  if (arr == nullptr) {
    diag.add(node->source(), "stages must be written as [[stages]] tables");
    return;
  }
  for (auto& item : *arr) {
    auto* t = item.as_table();
    if (t == nullptr) {
      diag.add(item.source(), "a stage must be a table");
      continue;
    }
    plan_stage s;
    s.where = location_of(item);
    check_keys(*t, "a stage", {"name", "tasks"}, diag);
    read(*t, "name", s.name, diag);
    read(*t, "tasks", s.tasks, diag);
    if (s.tasks.empty())
      diag.add(s.where, "stage " + s.name + " lists no tasks");
    p.stages.push_back(std::move(s));
  }
}

/// A regular expression in a plan field: reported when RE2 rejects it.
void check_regex(const toml::table& t, std::string_view key,
                 const std::string& pattern, diagnostics& diag) {
  if (pattern.empty())
    return;
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  re2::RE2 re{pattern, opts};
  if (!re.ok())
    diag.add(t.get(key)->source(), "\"" + std::string{key} + "\" is not a "
                                     "valid regular expression: " + re.error());
}

void parse_approvals(const toml::table& root, plan& p, diagnostics& diag) {
  auto* n = root.get("approvals");
  if (n == nullptr)
    return;
  auto* t = n->as_table();
  if (t == nullptr) {
    diag.add(n->source(), "\"approvals\" must be a table ([approvals])");
    return;
  }
  auto& a = p.approvals;
  a.where = location_of(*n);
  check_keys(*t, "[approvals]",
             {"deny", "rule", "otherwise", "timeout", "fallback"}, diag);
  read(*t, "deny", a.deny, diag);
  for (auto& d : a.deny) {
    re2::RE2::Options opts;
    opts.set_log_errors(false);
    if (re2::RE2 re{d, opts}; !re.ok())
      diag.add(t->get("deny")->source(), "deny pattern \"" + d
                                           + "\" is not a valid regular "
                                             "expression: " + re.error());
  }
  read_choice(*t, "otherwise", a.otherwise, {"operator", "allow", "deny"},
              diag);
  read_duration(*t, "timeout", a.timeout_s, diag);
  a.timeout_set = t->contains("timeout");
  read_choice(*t, "fallback", a.fallback, {"deny", "allow"}, diag);
  auto* rules = t->get("rule");
  if (rules == nullptr)
    return;
  auto* arr = rules->as_array();
  if (arr == nullptr) {
    diag.add(rules->source(), "approvals.rule must be a list of tables "
                              "([[approvals.rule]])");
    return;
  }
  for (auto& item : *arr) {
    auto* r = item.as_table();
    if (r == nullptr) {
      diag.add(item.source(), "an approval rule must be a table");
      continue;
    }
    plan_approval_rule rule;
    rule.where = location_of(item);
    check_keys(*r, "an approval rule",
               {"agent", "role", "tool", "match", "decision"}, diag);
    read(*r, "agent", rule.agent, diag);
    read(*r, "role", rule.role, diag);
    read(*r, "tool", rule.tool, diag);
    read(*r, "match", rule.match, diag);
    if (!r->contains("decision"))
      diag.add(rule.where, "an approval rule needs a \"decision\" (allow, "
                           "allow_always, deny or operator)");
    read_choice(*r, "decision", rule.decision,
                {"allow", "allow_always", "deny", "operator"}, diag);
    check_regex(*r, "tool", rule.tool, diag);
    check_regex(*r, "match", rule.match, diag);
    a.rules.push_back(std::move(rule));
  }
}

} // namespace

std::optional<uint64_t> parse_duration_seconds(std::string_view text) {
  if (text.empty())
    return std::nullopt;
  uint64_t total = 0;
  uint64_t number = 0;
  bool have_digits = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      number = number * 10 + static_cast<uint64_t>(c - '0');
      have_digits = true;
      if (number > 10'000'000)
        return std::nullopt;
      continue;
    }
    if (!have_digits)
      return std::nullopt;
    switch (c) {
      case 's': total += number; break;
      case 'm': total += number * 60; break;
      case 'h': total += number * 3600; break;
      default: return std::nullopt;
    }
    number = 0;
    have_digits = false;
  }
  if (have_digits) // a bare number: seconds
    total += number;
  return total;
}

void parse_teams(const toml::table& root, plan& p, diagnostics& diag) {
  auto* n = root.get("teams");
  if (n == nullptr)
    return;
  auto* teams = n->as_table();
  if (teams == nullptr) {
    diag.add(n->source(), "\"teams\" must be a table of [teams.<name>]");
    return;
  }
  for (auto& [name, value] : *teams) {
    auto* t = value.as_table();
    if (t == nullptr) {
      diag.add(value.source(),
               "teams." + std::string{name.str()} + " must be a table");
      continue;
    }
    plan_team team;
    team.name = name.str();
    team.where = location_of(value);
    auto where = "[teams." + team.name + "]";
    check_keys(*t, where,
               {"parent", "members", "strategy", "intensity", "period"}, diag);
    read(*t, "parent", team.parent, diag);
    read(*t, "members", team.members, diag);
    read_supervision(*t, team, diag);
    p.teams.push_back(std::move(team));
  }
}

/// [orchestrator]: the orchestrator agent (an agent's keys, and `goal`).
void parse_orchestrator(const toml::table& root, plan& p, diagnostics& diag) {
  auto* node = root.get("orchestrator");
  if (node == nullptr)
    return;
  auto* t = node->as_table();
  if (t == nullptr) {
    diag.add(node->source(), "[orchestrator] must be a table");
    return;
  }
  auto keys = agent_keys;
  keys.push_back("goal");
  check_keys(*t, "[orchestrator]", keys, diag);
  if (p.find_agent("orchestrator") != nullptr)
    diag.add(node->source(),
             "an agent is named \"orchestrator\": the name is the "
             "orchestrator agent's ([orchestrator])");
  auto a = read_agent("orchestrator", *node, diag);
  if (a.role.empty())
    a.role = "orchestrator";
  read(*t, "goal", p.goal, diag);
  p.orchestrator = a.name;
  p.agents.push_back(std::move(a));
  if (p.goal.empty())
    return;
  plan_task goal;
  goal.id = "goal";
  goal.title = "the goal";
  goal.agent = p.orchestrator;
  goal.where = location_of(*node);
  goal.prompt = goal_prompt(p);
  p.tasks.insert(p.tasks.begin(), std::move(goal));
}

result<plan> parse_plan(std::string_view text, std::string_view source) {
  diagnostics diag{source};
  auto parsed = toml::parse(text, source);
  if (!parsed) {
    diag.add(parsed.error().source(),
             std::string{parsed.error().description()});
    return error{ec::parse_error, diag.joined()};
  }
  auto root = std::move(parsed).table();
  plan p;
  p.source = source;
  check_keys(root, "the plan",
             {"run", "policy", "agents", "tasks", "stages", "teams",
              "supervision", "approvals", "mcp", "orchestrator", "hosts"},
             diag);
  parse_run(root, p, diag);
  parse_agents(root, p, diag);
  parse_tasks(root, p, diag);
  parse_stages(root, p, diag);
  parse_teams(root, p, diag);
  parse_approvals(root, p, diag);
  parse_mcp_servers(root, p, diag);
  parse_hosts(root, p, diag);
  // Last: the goal's prompt describes the team and the board.
  parse_orchestrator(root, p, diag);
  if (!diag.empty())
    return error{ec::parse_error, diag.joined()};
  return p;
}

result<plan_task> parse_task(std::string_view text, std::string_view source) {
  diagnostics diag{source};
  auto parsed = toml::parse(text, source);
  if (!parsed) {
    diag.add(parsed.error().source(),
             std::string{parsed.error().description()});
    return error{ec::parse_error, diag.joined()};
  }
  // As the one entry of a plan's [[tasks]]: the same keys, the same checks.
  toml::table root;
  toml::array tasks;
  tasks.push_back(std::move(parsed).table());
  root.insert("tasks", std::move(tasks));
  plan p;
  p.source = source;
  parse_tasks(root, p, diag);
  if (!diag.empty())
    return error{ec::parse_error, diag.joined()};
  return std::move(p.tasks.front());
}

std::string task_to_toml(const plan_task& t) {
  auto strings = [](const std::vector<std::string>& v) {
    toml::array a;
    for (auto& s : v)
      a.push_back(s);
    return a;
  };
  toml::table out;
  out.insert("id", t.id);
  if (!t.title.empty())
    out.insert("title", t.title);
  if (!t.prompt.empty())
    out.insert("prompt", t.prompt);
  if (!t.agent.empty())
    out.insert("agent", t.agent);
  if (!t.requires_caps.empty())
    out.insert("requires", strings(t.requires_caps));
  if (!t.after.empty())
    out.insert("after", strings(t.after));
  if (!t.verify.empty())
    out.insert("verify", strings(t.verify));
  if (t.retries)
    out.insert("retries", static_cast<int64_t>(*t.retries));
  if (!t.degrade.empty())
    out.insert("degrade", t.degrade);
  if (!t.artifacts.empty()) {
    toml::array artifacts;
    for (auto& a : t.artifacts) {
      toml::table at;
      at.insert("path", a.path);
      at.insert("format", a.format);
      if (!a.pattern.empty())
        at.insert("pattern", a.pattern);
      at.insert("non_empty", a.non_empty);
      if (!a.must_contain.empty())
        at.insert("must_contain", strings(a.must_contain));
      artifacts.push_back(std::move(at));
    }
    out.insert("artifacts", std::move(artifacts));
  }
  std::ostringstream text;
  text << out;
  return text.str();
}

const plan_agent* plan::find_agent(std::string_view name) const {
  for (auto& a : agents)
    if (a.name == name)
      return &a;
  return nullptr;
}

const plan_mcp_server* plan::find_mcp_server(std::string_view name) const {
  for (auto& s : mcp_servers)
    if (s.name == name)
      return &s;
  return nullptr;
}

const plan_host* plan::find_host(std::string_view name) const {
  for (auto& h : hosts)
    if (h.name == name)
      return &h;
  return nullptr;
}

const plan_task* plan::find_task(std::string_view id) const {
  for (auto& t : tasks)
    if (t.id == id)
      return &t;
  return nullptr;
}

std::string_view to_string(plan_pattern p) {
  switch (p) {
    case plan_pattern::hub: return "hub";
    case plan_pattern::pipeline: return "pipeline";
    case plan_pattern::supervisor: return "supervisor";
    case plan_pattern::swarm: return "swarm";
    case plan_pattern::mesh: return "mesh";
  }
  return "unknown";
}

std::string goal_prompt(const plan& p) {
  auto list = [](const std::vector<std::string>& v) {
    std::string out;
    for (auto& x : v)
      out += (out.empty() ? "" : ", ") + x;
    return out;
  };
  std::string team;
  for (auto& a : p.agents) {
    if (a.name == p.orchestrator)
      continue;
    team += "- " + a.name + (a.role.empty() ? "" : " (" + a.role + ")");
    if (!a.owns.empty())
      team += "; owns " + list(a.owns);
    if (!a.reads.empty())
      team += "; may read " + list(a.reads);
    if (!a.capabilities.empty())
      team += "; can: " + list(a.capabilities);
    team += "\n";
  }
  std::string board;
  for (auto& t : p.tasks)
    board += "- " + t.id + " (" + t.agent
             + (t.after.empty() ? "" : ", after " + list(t.after)) + "): "
             + (t.title.empty() ? t.prompt.substr(0, 80) : t.title) + "\n";
  return "Your goal: " + p.goal
         + "\n\nYou are the orchestrator of a team of coding agents that "
           "Baton runs. Do not write the code yourself: break the goal into "
           "scoped tasks and give them to the team with the tools of the MCP "
           "server \"baton\" — add_task (an id, a prompt, the agent or the "
           "capabilities it needs, the tasks it comes after, its artifacts "
           "and verify commands), then wait_for (task_settled) and "
           "task_status; list_agents, agent_screen and send_input when a "
           "worker needs guidance; list_approvals and decide_approval when "
           "one asks permission.\n\nThe team:\n"
         + team
         + (board.empty() ? std::string{}
                          : "\nTasks already on the board:\n" + board)
         + "\nBaton enforces on every task you add: its agent exists (or some "
           "agent has the capabilities), its dependencies have no cycles, "
           "its artifacts stay inside the workspace, and an agent changes "
           "only what it owns; a task that breaks a rule is refused with the "
           "reason. Each worker ends a task with `STATUS: DONE — <what> + "
           "<evidence>`, and Baton checks the evidence, the artifacts and the "
           "verify commands before the task passes; a failed attempt is "
           "retried.\n\nWhen every task you added has passed and the goal is "
           "met, end with one line: STATUS: DONE — <what the team built> + "
           "<how many tasks passed, and which>. If it cannot be met, end "
           "with STATUS: BLOCKED — <why>.";
}

} // namespace baton::engine
