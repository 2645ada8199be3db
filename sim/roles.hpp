// Canned texts per role, so a plan can run a team of simulated agents
// (`--role backend`) whose NEED, CONTRACT, DONE and files fit together: the
// frontend needs the backend's API description, the backend publishes it as a
// CONTRACT and writes it to api/openapi.json, the tester reports its counts.
//
// The pipeline roles (examples/pipeline.toml) each leave one artifact for the
// next stage: researcher research/notes.md (Markdown, "# Findings" and
// bullets), planner plan/steps.toml (TOML, [[steps]]), builder build/app.json
// (JSON, "version" and "steps_done"), verifier verify/report.md ("Result:
// PASS"). Each also has a draft of it, what the `incomplete` scenario writes:
// valid in its format but missing what the example's gate looks for. The
// builder plays `incomplete` first by default, so its first gate fails and
// the retry (played as `normal`) passes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace baton::sim {

/// A file the role writes while it works (relative to its directory).
struct artifact {
  std::string path;
  std::string content;
};

struct role_texts {
  std::string name;
  /// The scenario the first input plays when --scenario is not given.
  std::string default_scenario = "normal";
  /// First message of a task.
  std::string intro;
  /// PROGRESS texts, used in order and cycled.
  std::vector<std::string> steps;
  /// Files shown in Read/Edit rows, cycled.
  std::vector<std::string> files;
  std::string test_command;
  /// The test command's result row, e.g. "12 passed"; empty: seeded count.
  std::string test_result;
  /// STATUS: DONE text without its evidence ("<what>"); " + <evidence>" is
  /// appended.
  std::string done;
  /// The evidence of STATUS: DONE. Default: empty, meaning the test result.
  std::string evidence;
  /// NEED resource and reason, and the BLOCKED text that follows.
  std::string need_resource;
  std::string need_why;
  std::string blocked;
  /// CONTRACT title and body. An empty title: the role has no contract of
  /// its own and answers a NEED with a stub.
  std::string contract_title;
  std::vector<std::string> contract_body;
  /// Files written, in order, before every STATUS: DONE the role reports
  /// (`incomplete` writes `drafts` instead).
  std::vector<artifact> artifacts;
  /// What the `incomplete` scenario writes instead of `artifacts`: the same
  /// paths, left unfinished. Default: empty, meaning each artifact's path
  /// with the one line "(draft)".
  std::vector<artifact> drafts;
  /// The compiler error a looping build repeats, and its BUILD: FAIL summary.
  std::string build_error;
  std::string build_summary;
};

/// The texts of role `name`; empty `name` gives the generic texts. Unknown
/// names give nullopt.
std::optional<role_texts> find_role(std::string_view name);

/// The names `find_role` knows, for help texts.
std::vector<std::string> role_names();

} // namespace baton::sim
