// plan: what a run is asked to do — the team, the tasks, how they are
// orchestrated — as parsed from a plan file (TOML). Value types only; parsing
// is in plan_parser.hpp, checking in plan_check.hpp.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace baton::engine {

/// Where something was written in the plan file, for error messages.
struct plan_location {
  uint32_t line = 0;
  uint32_t column = 0;
};

/// How the orchestrator drives the team.
enum class plan_pattern : uint8_t {
  /// The orchestrator dispatches scoped tasks to workers in parallel.
  hub,
  /// Sequential stages; each stage's artifacts pass a gate before the next.
  pipeline,
  /// Meta-orchestrator, team leads, workers.
  supervisor,
  /// A task board; idle agents take the next task they can do.
  swarm,
  /// No dispatcher; agents coordinate through a shared state folder.
  mesh,
};

/// Run-wide settings ([run] and [policy]).
struct plan_run {
  std::string name;
  plan_pattern pattern = plan_pattern::hub;
  /// Working area of the run, relative to the plan file's directory.
  std::string workspace = "workspace";
  /// Places outside the workspace (relative to it, or absolute) that
  /// workdirs, owned paths and artifacts may name ([run]
  /// outside_workspace). Without them every such path stays inside the
  /// workspace: a plan cannot point an agent at "../../.." or gate on
  /// "/etc/passwd" by accident.
  std::vector<std::string> outside_workspace;
  /// The run's log directory, relative to the plan file; `--db` overrides.
  std::string log = "baton.log";
  /// "sync", "group" or "async".
  std::string durability = "group";
  /// Retries per task after its first attempt (1 + retries attempts)
  /// before it is reassigned or failed.
  uint32_t retries = 2;
  /// Logical seconds a task may take before it is treated as stalled.
  uint64_t task_timeout_s = 600;
  /// Logical seconds without progress before a worker is nudged.
  uint64_t stall_after_s = 300;
  /// The same BUILD: FAIL (or STATUS: ERROR) this many times in a row is a
  /// loop.
  uint32_t loop_repeats = 2;
  /// PROGRESS not advancing across this many attempts is a loop.
  uint32_t loop_attempts = 3;
  /// What happens to a task that cannot be completed within its limits:
  /// "fail" (the run fails), "ship_without" (the run ships without it and
  /// its dependents), "merge" (its scope goes to another capable agent;
  /// failing again, the run ships without it) or "operator" (left for the
  /// operator). Tasks may set their own.
  std::string degrade = "fail";
  /// Mesh: logical seconds a lock is held before it expires.
  uint64_t lock_lease_s = 300;
  /// Logical seconds an agent with a task may sit at its prompt without a
  /// STATUS line before it is asked for one (0: never asked).
  uint64_t status_grace_s = 15;
  /// A worker saves a snapshot of its checkpoint fold every this many
  /// events of its stream, so `baton checkpoint` and `baton resume` read
  /// one snapshot and the stream's tail, not the whole stream (0: never).
  uint32_t snapshot_every = 10'000;
  /// A supervisor chain ([run] chain): each top team's lead runs its
  /// team's scope (dispatch, gates, supervision, NEEDs and CONTRACTs) on
  /// its own stream, and the orchestrator routes between them
  /// (engine/orchestration/chain_nodes.hpp). Pattern supervisor only.
  bool chain = false;
};

/// One rule of the approval policy ([[approvals.rule]]): the first rule
/// whose conditions all hold decides.
struct plan_approval_rule {
  /// The agent it applies to; empty: any.
  std::string agent;
  /// The role it applies to; empty: any.
  std::string role;
  /// A regular expression the tool's name must match (whole name, case
  /// ignored); empty: any tool.
  std::string tool;
  /// A regular expression searched in what is asked (the command, file or
  /// URL); empty: anything.
  std::string match;
  /// "allow", "allow_always", "deny" or "operator".
  std::string decision = "operator";
  plan_location where;
};

/// How an agent's permission prompts are answered ([approvals]). In order:
/// the fixed deny list (built in, plus `deny`), which no rule overrides;
/// then `rules`; then `otherwise`. A request left to the operator and
/// unanswered for `timeout_s` takes `fallback`.
struct plan_approvals {
  /// More patterns for the fixed deny list, searched in "tool subject".
  std::vector<std::string> deny;
  std::vector<plan_approval_rule> rules;
  /// When no rule matches: "operator", "allow" or "deny".
  std::string otherwise = "operator";
  /// Logical seconds an operator has to answer. Default: 300, or half the
  /// task timeout when that is shorter.
  uint64_t timeout_s = 300;
  /// `timeout` was written in the plan.
  bool timeout_set = false;
  /// What an unanswered request gets: "deny" or "allow".
  std::string fallback = "deny";
  plan_location where;
};

/// A team and its supervisor ([teams.<name>]): the plan's agents grouped
/// under team leads, teams nested in teams (supervisor chain).
struct plan_team {
  std::string name;
  /// The team above this one; empty: directly under the orchestrator.
  std::string parent;
  /// Its agents, in start order.
  std::vector<std::string> members;
  /// "one_for_one", "one_for_all" or "rest_for_one".
  std::string strategy = "one_for_one";
  /// More than `intensity` restarts within `period_s` logical seconds stop
  /// the team and escalate to its parent.
  uint32_t intensity = 3;
  uint64_t period_s = 60;
  plan_location where;
};

/// One agent of the team ([agents.<name>]).
struct plan_agent {
  std::string name;
  std::string role;
  /// "sim", "claude", "codex", "gemini", "aider", or empty for `command`.
  std::string preset;
  /// Program and arguments; with a preset, arguments added to it.
  /// "${plan_dir}" in them (and in `env` values) is the plan file's
  /// directory.
  std::vector<std::string> command;
  /// Detector pack; defaults to the preset's.
  std::string pack;
  /// Working directory, relative to the workspace; default: the agent's name.
  std::string workdir;
  /// Environment additions.
  std::map<std::string, std::string> env;
  /// Variables passed through from Baton's environment (besides the basics).
  std::vector<std::string> env_allow;
  /// Paths (globs, relative to the workspace) this agent owns exclusively.
  std::vector<std::string> owns;
  /// Paths it may read.
  std::vector<std::string> reads;
  /// Tools it may use: Baton's names (shell, read, write, edit, web, ...)
  /// or its CLI's own (engine/agent/tool_vocabulary.hpp). Empty: its CLI's
  /// defaults.
  std::vector<std::string> tools;
  /// What it can do, for tasks that ask for capabilities.
  std::vector<std::string> capabilities;
  /// Restart type under its team's supervisor: "permanent" (always
  /// restarted), "transient" (only after an abnormal exit) or "temporary"
  /// (never).
  std::string restart = "permanent";
  plan_location where;
  // -- tools and MCP servers ---------------------------------------------
  /// The plan's MCP servers ([mcp.servers.<name>]) this agent gets, by
  /// name. Default: none.
  std::vector<std::string> mcp;
  /// Where `mcp` and `tools` were written (line 0: not given).
  plan_location mcp_where;
  plan_location tools_where;
  /// The machine it runs on: a [hosts.<name>] of the plan; empty: this one.
  std::string host;
  plan_location host_where;
};

/// A machine agents run on ([hosts.<name>]): `baton host` listens there,
/// and the engine connects to it with mutual TLS.
struct plan_host {
  std::string name;
  /// "HOST:PORT" of its `baton host --listen`.
  std::string address;
  /// The engine's side of the certificates `baton host init-certs` made:
  /// ca.pem, engine.pem, engine.key ("${plan_dir}" allowed; relative to
  /// the plan's directory).
  std::string certs;
  /// How long the host may stay unreachable before its agents count as
  /// exited for their supervisors (seconds). Default: 30.
  uint64_t down_after_s = 30;
  plan_location where;
};

/// An MCP server an agent may be given ([mcp.servers.<name>]), as in a
/// project's .mcp.json: a program started over stdio.
struct plan_mcp_server {
  std::string name;
  /// The program.
  std::string command;
  std::vector<std::string> args;
  /// Its environment. Values are secrets: written only into the agents'
  /// own configuration files, never into the log (plan_secrets.hpp).
  std::map<std::string, std::string> env;
  /// Its tools are used without asking (set by Baton for the server it
  /// gives an orchestrator agent; not a plan key). Written where the CLI
  /// has such a setting (Gemini CLI's `trust`).
  bool trust = false;
  plan_location where;
};

/// What a task must leave behind, and how it is checked.
struct plan_artifact {
  std::string path;
  /// "any", "json", "toml", "markdown" or "regex".
  std::string format = "any";
  /// For format "regex": the pattern the whole file must match.
  std::string pattern;
  bool non_empty = true;
  std::vector<std::string> must_contain;
  plan_location where;
};

/// One task ([[tasks]]).
struct plan_task {
  std::string id;
  std::string title;
  std::string prompt;
  /// The agent to do it, or empty when `requires` picks one.
  std::string agent;
  std::vector<std::string> requires_caps;
  /// Tasks that must complete first.
  std::vector<std::string> after;
  std::vector<plan_artifact> artifacts;
  /// Commands run in the agent's directory to verify a DONE.
  std::vector<std::string> verify;
  /// Attempts; default: the run's retries.
  std::optional<uint32_t> retries;
  /// The degradation policy for this task; default: the run's.
  std::string degrade;
  /// A task of another scope of a supervisor chain that this scope's tasks
  /// depend on (team_scope.hpp): never dispatched here, settled when its
  /// own scope settles it. Never set by a plan file.
  bool external = false;
  plan_location where;
};

/// A pipeline stage ([[stages]]): tasks that may run in parallel.
struct plan_stage {
  std::string name;
  std::vector<std::string> tasks;
  plan_location where;
};

struct plan {
  /// The plan file's name as given, for messages.
  std::string source;
  plan_run run;
  std::vector<plan_agent> agents;
  std::vector<plan_task> tasks;
  std::vector<plan_stage> stages;
  std::vector<plan_team> teams;
  /// The supervisor of agents in no team (strategy, intensity, period).
  plan_team supervision;
  /// How permission prompts are answered.
  plan_approvals approvals;
  /// The orchestrator agent ([orchestrator]): an agent CLI that plans the
  /// work toward `goal` and gives it to the team through Baton's MCP
  /// server. Its name ("orchestrator") when the plan has one, else empty.
  /// It is among `agents`; it takes no task but the goal.
  std::string orchestrator;
  /// What the orchestrator agent is to achieve. With a goal the plan has a
  /// task "goal" for it (first), whose prompt is the goal with the team and
  /// the rules (goal_prompt()).
  std::string goal;
  /// MCP servers agents may be given, in the plan's order.
  std::vector<plan_mcp_server> mcp_servers;
  /// Other machines agents run on, in the plan's order.
  std::vector<plan_host> hosts;
  /// A supervisor chain's scope (team_scope): its top team, or "" for
  /// the agents in no team. Unset for a whole plan. What a scope cannot
  /// settle itself (another scope's NEED, CONTRACT or verdict) it reports
  /// up (orchestrator::take_reports) instead of holding.
  std::optional<std::string> scope;

  const plan_agent* find_agent(std::string_view name) const;
  const plan_host* find_host(std::string_view name) const;
  const plan_task* find_task(std::string_view id) const;
  const plan_mcp_server* find_mcp_server(std::string_view name) const;
};

/// "hub", "pipeline", ...
std::string_view to_string(plan_pattern p);

} // namespace baton::engine
