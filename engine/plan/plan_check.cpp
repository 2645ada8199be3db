#include "engine/plan/plan_check.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "engine/agent/agent_config.hpp"

namespace baton::engine {

namespace {

// -- glob intersection -------------------------------------------------------

enum class token_kind : uint8_t { literal, one, star, globstar };

struct token {
  token_kind kind;
  char c = 0;
};

std::vector<token> tokenize(std::string_view glob) {
  std::vector<token> out;
  for (size_t i = 0; i < glob.size(); ++i) {
    if (glob[i] == '*' && i + 1 < glob.size() && glob[i + 1] == '*') {
      out.push_back({token_kind::globstar});
      ++i;
    } else if (glob[i] == '*') {
      out.push_back({token_kind::star});
    } else if (glob[i] == '?') {
      out.push_back({token_kind::one});
    } else {
      out.push_back({token_kind::literal, glob[i]});
    }
  }
  return out;
}

bool is_star(const token& t) {
  return t.kind == token_kind::star || t.kind == token_kind::globstar;
}

/// Can one character be consumed by both tokens?
bool share_a_char(const token& a, const token& b) {
  auto slash_ok = [](const token& t) {
    return t.kind == token_kind::globstar
           || (t.kind == token_kind::literal && t.c == '/');
  };
  if (a.kind == token_kind::literal && b.kind == token_kind::literal)
    return a.c == b.c;
  if (a.kind == token_kind::literal)
    return a.c != '/' || slash_ok(b);
  if (b.kind == token_kind::literal)
    return b.c != '/' || slash_ok(a);
  return true; // two wildcards share every non-slash character
}

/// Where a token goes after consuming a character: stars stay.
size_t after_char(const std::vector<token>& p, size_t i) {
  return is_star(p[i]) ? i : i + 1;
}

// -- reporting ---------------------------------------------------------------

class report {
public:
  explicit report(const plan& p) : source_(p.source) {
  }

  void add(plan_location at, const std::string& what) {
    lines_.push_back(source_ + ":" + std::to_string(at.line) + ":"
                     + std::to_string(at.column) + ": " + what);
  }

  std::vector<std::string> take() {
    return std::move(lines_);
  }

private:
  std::string source_;
  std::vector<std::string> lines_;
};

constexpr std::string_view presets[] = {"sim", "claude", "codex", "gemini",
                                        "aider"};

void check_agents(const plan& p, report& r) {
  if (p.agents.empty())
    r.add({1, 1}, "the plan has no agents ([agents.<name>])");
  for (auto& a : p.agents) {
    if (a.preset.empty() && a.command.empty())
      r.add(a.where, "agent " + a.name + " needs a \"preset\" or a "
                                         "\"command\"");
    if (!a.preset.empty()
        && std::find(std::begin(presets), std::end(presets), a.preset)
             == std::end(presets))
      r.add(a.where, "agent " + a.name + " has unknown preset \"" + a.preset
                       + "\" (expected sim, claude, codex, gemini or aider)");
  }
  for (size_t i = 0; i < p.agents.size(); ++i)
    for (size_t j = i + 1; j < p.agents.size(); ++j)
      for (auto& x : p.agents[i].owns)
        for (auto& y : p.agents[j].owns)
          if (globs_overlap(x, y))
            r.add(p.agents[j].where,
                  "agents " + p.agents[i].name + " and " + p.agents[j].name
                    + " both own paths matching \"" + x + "\" and \"" + y
                    + "\" (ownership must be exclusive)");
}

/// Hosts have an address "HOST:PORT" and certificates; agents name hosts
/// the plan has. The orchestrator agent runs beside the engine (it talks
/// to the engine's MCP server over stdio).
void check_hosts(const plan& p, report& r) {
  for (auto& h : p.hosts) {
    auto colon = h.address.rfind(':');
    auto port = colon == std::string::npos ? std::string{}
                                           : h.address.substr(colon + 1);
    bool numeric = !port.empty() && port.size() <= 5
                   && std::all_of(port.begin(), port.end(),
                                  [](char c) { return c >= '0' && c <= '9'; });
    if (h.address.empty())
      r.add(h.where, "host " + h.name + " needs an \"address\" (HOST:PORT)");
    else if (colon == 0 || !numeric || std::stoul(port) == 0
             || std::stoul(port) > 65535)
      r.add(h.where, "host " + h.name + ": address \"" + h.address
                       + "\" is not HOST:PORT");
    if (h.certs.empty())
      r.add(h.where, "host " + h.name
                       + " needs \"certs\" (the engine's certificates from "
                         "`baton host init-certs`)");
  }
  for (auto& a : p.agents) {
    if (a.host.empty())
      continue;
    if (p.find_host(a.host) == nullptr)
      r.add(a.host_where.line ? a.host_where : a.where,
            "agent " + a.name + " names host \"" + a.host
              + "\", which the plan does not have ([hosts." + a.host + "])");
    else if (a.name == p.orchestrator)
      r.add(a.host_where.line ? a.host_where : a.where,
            "the orchestrator agent runs beside the engine (it cannot have "
            "a host)");
  }
}

void check_tasks(const plan& p, report& r) {
  if (p.tasks.empty())
    r.add({1, 1}, "the plan has no tasks ([[tasks]])");
  std::set<std::string> seen;
  for (auto& t : p.tasks) {
    if (!t.id.empty() && !seen.insert(t.id).second)
      r.add(t.where, "task id \"" + t.id + "\" is used twice");
    if (!t.agent.empty() && p.find_agent(t.agent) == nullptr)
      r.add(t.where, "task " + t.id + " names unknown agent \"" + t.agent
                       + "\"");
    if (!p.orchestrator.empty() && t.agent == p.orchestrator
        && (t.id != "goal" || p.goal.empty()))
      r.add(t.where, "task " + t.id + " names the orchestrator agent, which "
                     "plans and gives tasks but takes none");
    if (t.agent.empty() && !t.requires_caps.empty()
        && std::none_of(p.agents.begin(), p.agents.end(),
                        [&t](auto& a) { return can_do(a, t.requires_caps); }))
      r.add(t.where, "no agent has every capability task " + t.id
                       + " requires");
    if (t.agent.empty() && t.requires_caps.empty()
        && p.run.pattern != plan_pattern::swarm)
      r.add(t.where, "task " + t.id + " needs an \"agent\" or the "
                                      "capabilities it \"requires\"");
    if (!t.after.empty() && p.run.pattern == plan_pattern::mesh)
      r.add(t.where, "task " + t.id
                       + " comes \"after\" others, but a mesh has no "
                         "dispatcher to order it: agents coordinate through "
                         "state/ (remove \"after\", or use pattern = "
                         "\"hub\")");
    for (auto& dep : t.after)
      if (p.find_task(dep) == nullptr)
        r.add(t.where, "task " + t.id + " comes after unknown task \"" + dep
                         + "\"");
  }
}

/// Reports each dependency cycle once, as "a -> b -> a".
void check_cycles(const plan& p, report& r) {
  enum class mark : uint8_t { none, active, done };
  std::map<std::string, mark> marks;
  std::vector<std::string> path;
  std::function<void(const plan_task&)> visit = [&](const plan_task& t) {
    marks[t.id] = mark::active;
    path.push_back(t.id);
    for (auto& dep : t.after) {
      auto* d = p.find_task(dep);
      if (d == nullptr)
        continue;
      if (marks[d->id] == mark::active) {
        std::string cycle;
        auto from = std::find(path.begin(), path.end(), d->id);
        for (auto i = from; i != path.end(); ++i)
          cycle += *i + " -> ";
        r.add(t.where, "dependency cycle: " + cycle + d->id);
      } else if (marks[d->id] == mark::none) {
        visit(*d);
      }
    }
    path.pop_back();
    marks[t.id] = mark::done;
  };
  for (auto& t : p.tasks)
    if (marks[t.id] == mark::none)
      visit(t);
}

void check_stages(const plan& p, report& r) {
  if (p.run.pattern != plan_pattern::pipeline) {
    if (!p.stages.empty())
      r.add(p.stages.front().where,
            "[[stages]] need pattern = \"pipeline\" in [run]");
    return;
  }
  if (p.stages.empty())
    r.add({1, 1}, "a pipeline needs [[stages]]");
  std::map<std::string, std::string> stage_of;
  for (auto& s : p.stages)
    for (auto& id : s.tasks) {
      if (p.find_task(id) == nullptr)
        r.add(s.where, "stage " + s.name + " names unknown task \"" + id
                         + "\"");
      else if (auto [it, fresh] = stage_of.emplace(id, s.name); !fresh)
        r.add(s.where, "task " + id + " is in stages " + it->second + " and "
                         + s.name);
    }
  for (auto& t : p.tasks)
    if (!stage_of.contains(t.id))
      r.add(t.where, "task " + t.id + " is in no stage");
}

/// Teams: members are known agents in one team each; parents are known
/// teams, without cycles.
void check_teams(const plan& p, report& r) {
  std::map<std::string, std::string> team_of;
  std::map<std::string, const plan_team*> by_name;
  for (auto& t : p.teams)
    by_name[t.name] = &t;
  for (auto& t : p.teams) {
    if (!t.parent.empty() && !by_name.contains(t.parent))
      r.add(t.where, "team " + t.name + " names unknown parent team \""
                       + t.parent + "\"");
    for (auto& m : t.members) {
      if (p.find_agent(m) == nullptr)
        r.add(t.where, "team " + t.name + " names unknown agent \"" + m
                         + "\"");
      else if (auto [it, fresh] = team_of.emplace(m, t.name); !fresh)
        r.add(t.where, "agent " + m + " is in teams " + it->second + " and "
                         + t.name);
    }
    // Walk up: a team may not be its own ancestor.
    std::set<std::string> seen{t.name};
    for (auto* up = &t; !up->parent.empty();) {
      auto next = by_name.find(up->parent);
      if (next == by_name.end())
        break;
      if (!seen.insert(next->first).second) {
        r.add(t.where, "team " + t.name + " is its own ancestor");
        break;
      }
      up = next->second;
    }
  }
  if (p.run.pattern == plan_pattern::supervisor && p.teams.empty())
    r.add({1, 1}, "a supervisor chain needs [teams.<name>]");
}

/// Approval rules name known agents and roles.
void check_approvals(const plan& p, report& r) {
  // An operator's time to answer runs inside the task's own time limit.
  if (p.run.task_timeout_s > 0 && p.approvals.timeout_set
      && p.approvals.timeout_s >= p.run.task_timeout_s)
    r.add(p.approvals.where,
          "[approvals] timeout (" + std::to_string(p.approvals.timeout_s)
            + " s) must be shorter than [policy] task_timeout ("
            + std::to_string(p.run.task_timeout_s)
            + " s): a task would time out while its agent waits for an "
              "answer");
  for (auto& rule : p.approvals.rules) {
    if (!rule.agent.empty() && p.find_agent(rule.agent) == nullptr)
      r.add(rule.where, "approval rule names unknown agent \"" + rule.agent
                          + "\"");
    if (!rule.role.empty()
        && std::none_of(p.agents.begin(), p.agents.end(),
                        [&](auto& a) { return a.role == rule.role; }))
      r.add(rule.where, "approval rule names role \"" + rule.role
                          + "\", which no agent has");
  }
}

// -- paths -------------------------------------------------------------------

/// `path`, relative to `base` (itself relative to the workspace), as a path
/// relative to the workspace with "." and ".." resolved by its text alone
/// (the plan's places need not exist yet); an absolute path stays absolute.
/// "" is the workspace itself.
std::string resolve(std::string_view base, std::string_view path) {
  std::vector<std::string_view> parts;
  bool absolute = !path.empty() && path.front() == '/';
  auto walk = [&parts, absolute](std::string_view text) {
    while (!text.empty()) {
      auto slash = text.find('/');
      auto part = text.substr(0, slash);
      text = slash == std::string_view::npos ? "" : text.substr(slash + 1);
      if (part.empty() || part == ".")
        continue;
      if (part == ".." && !parts.empty() && parts.back() != "..")
        parts.pop_back();
      else if (part != ".." || !absolute) // "/.." is "/"
        parts.push_back(part);
    }
  };
  if (!absolute)
    walk(base);
  walk(path);
  std::string out = absolute ? "/" : "";
  for (auto& part : parts) {
    if (!out.empty() && out.back() != '/')
      out += '/';
    out += part;
  }
  return out;
}

/// Whether a resolved path leaves the workspace.
bool leaves(std::string_view resolved) {
  return resolved.starts_with('/') || resolved == ".."
         || resolved.starts_with("../");
}

/// Whether `resolved` is `place` or inside it.
bool within(std::string_view resolved, std::string_view place) {
  if (place == "/")
    return true;
  if (place.empty()) // the workspace itself
    return !leaves(resolved);
  if (resolved == place)
    return true;
  if (!resolved.starts_with(place) || resolved[place.size()] != '/')
    return false;
  // "../../x" is not inside "..": it only starts like it.
  auto rest = resolved.substr(place.size() + 1);
  return rest != ".." && !rest.starts_with("../");
}

/// Workdirs, owned paths and artifacts stay inside the workspace, or inside
/// a place [run] outside_workspace names.
void check_paths(const plan& p, report& r) {
  std::vector<std::string> allowed;
  for (auto& place : p.run.outside_workspace)
    allowed.push_back(resolve("", place));
  auto refuse = [&](std::string_view resolved) {
    return leaves(resolved)
           && std::none_of(allowed.begin(), allowed.end(), [&](auto& place) {
                return within(resolved, place);
              });
  };
  auto explain = [](const std::string& path) {
    return "\"" + path
           + "\" is outside the workspace (name the place in [run] "
             "outside_workspace to allow it)";
  };
  std::map<std::string, std::string> workdir_of;
  for (auto& a : p.agents) {
    auto dir = resolve("", a.workdir.empty() ? a.name : a.workdir);
    workdir_of[a.name] = dir;
    if (refuse(dir))
      r.add(a.where, "agent " + a.name + "'s workdir "
                       + explain(a.workdir.empty() ? a.name : a.workdir));
    for (auto& glob : a.owns)
      if (refuse(resolve("", glob)))
        r.add(a.where, "agent " + a.name + " owns " + explain(glob));
  }
  // Artifacts are read in the working directory of the agent that does the
  // task: any agent it could go to.
  for (auto& t : p.tasks)
    for (auto& artifact : t.artifacts)
      for (auto& a : p.agents) {
        bool could = t.agent.empty() ? can_do(a, t.requires_caps)
                                     : a.name == t.agent;
        if (!could)
          continue;
        auto resolved = resolve(workdir_of[a.name], artifact.path);
        if (refuse(resolved)) {
          r.add(artifact.where, "task " + t.id + "'s artifact "
                                  + explain(artifact.path));
          break;
        }
        // What a task must leave, its agent writes: not in what another
        // agent owns.
        bool clash = false;
        for (auto& other : p.agents)
          for (auto& glob : other.owns)
            if (!clash && other.name != a.name
                && globs_overlap(resolved, glob)) {
              r.add(artifact.where,
                    "task " + t.id + "'s artifact \"" + artifact.path
                      + "\" is in what agent " + other.name + " owns (\""
                      + glob + "\"), but agent " + a.name
                      + " would write it");
              clash = true;
            }
        if (clash)
          break;
      }
}

} // namespace

bool globs_overlap(std::string_view a, std::string_view b) {
  auto pa = tokenize(a);
  auto pb = tokenize(b);
  std::set<std::pair<size_t, size_t>> seen;
  std::vector<std::pair<size_t, size_t>> todo{{0, 0}};
  while (!todo.empty()) {
    auto [i, j] = todo.back();
    todo.pop_back();
    if (!seen.insert({i, j}).second)
      continue;
    if (i == pa.size() && j == pb.size())
      return true;
    if (i < pa.size() && is_star(pa[i]))
      todo.push_back({i + 1, j}); // the star matches nothing
    if (j < pb.size() && is_star(pb[j]))
      todo.push_back({i, j + 1});
    if (i < pa.size() && j < pb.size() && share_a_char(pa[i], pb[j]))
      todo.push_back({after_char(pa, i), after_char(pb, j)});
  }
  return false;
}

std::vector<std::string> check_plan(const plan& p) {
  report r{p};
  check_agents(p, r);
  check_hosts(p, r);
  check_tasks(p, r);
  check_cycles(p, r);
  check_stages(p, r);
  check_teams(p, r);
  check_approvals(p, r);
  check_paths(p, r);
  auto lines = r.take();
  // Tools and MCP servers, per agent's CLI.
  for (auto& line : agent::check_agent_tools(p))
    lines.push_back(std::move(line));
  return lines;
}

std::vector<std::string> check_added_task(const plan& current,
                                          const plan_task& t,
                                          std::string_view stage) {
  auto before = check_plan(current);
  auto with = current;
  with.tasks.push_back(t);
  for (auto& s : with.stages)
    if (s.name == stage)
      s.tasks.push_back(t.id);
  std::vector<std::string> out;
  // Where the plan file's lines are is nothing to the one adding a task:
  // each problem without its "<source>:<line>:<column>: ".
  auto bare = [&](const std::string& line) {
    auto at = line.find(": ", current.source.size());
    return line.starts_with(current.source + ":") && at != std::string::npos
             ? line.substr(at + 2)
             : line;
  };
  for (auto& p : check_plan(with))
    if (std::find(before.begin(), before.end(), p) == before.end())
      out.push_back(bare(p));
  // A task already there by that id (check_plan names duplicates by the
  // plan's lines; say it plainly).
  if (out.empty() && current.find_task(t.id) != nullptr)
    out.push_back("task " + t.id + " exists already");
  return out;
}

bool can_do(const plan_agent& a, const std::vector<std::string>& caps) {
  return std::all_of(caps.begin(), caps.end(), [&a](auto& c) {
    return std::find(a.capabilities.begin(), a.capabilities.end(), c)
           != a.capabilities.end();
  });
}

} // namespace baton::engine
