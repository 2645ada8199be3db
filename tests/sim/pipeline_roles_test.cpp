// The pipeline roles (researcher, planner, builder, verifier) against the
// plan they were written for, examples/pipeline.toml: what each writes, that
// it is written before STATUS: DONE, that it passes its task's gate, and that
// the builder's first answer (a draft) fails the gate while its answer to the
// retry passes.
#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include <catch2/catch.hpp>

#include "sim/scenarios.hpp"
#include "sim/turn_source.hpp"
#include "engine/orchestration/artifact_check.hpp"
#include "engine/plan/plan_parser.hpp"

using namespace baton;
using namespace baton::sim;

namespace {

/// ctest runs the tests in the source tree.
engine::plan example() {
  std::ifstream in{"examples/pipeline.toml"};
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  auto p = engine::parse_plan(text.str(), "examples/pipeline.toml");
  INFO((p.ok() ? "" : p.err().message()));
  REQUIRE(p.ok());
  return std::move(*p);
}

/// The `--role` argument of the agent doing `task`.
std::string role_of(const engine::plan& p, const engine::plan_task& task) {
  auto* agent = p.find_agent(task.agent);
  REQUIRE(agent != nullptr);
  auto& cmd = agent->command;
  auto at = std::find(cmd.begin(), cmd.end(), "--role");
  REQUIRE(at != cmd.end());
  REQUIRE(at + 1 != cmd.end());
  return *(at + 1);
}

turn scenario(std::string_view name, std::string_view role) {
  scenario_context ctx;
  ctx.role = *find_role(role);
  rng r{1};
  turn out;
  REQUIRE(add_scenario(name, ctx, r, out));
  return out;
}

/// What a turn wrote, path -> content, the last write of a path winning.
std::map<std::string, std::string> written(const turn& t) {
  std::map<std::string, std::string> out;
  for (auto& s : t)
    if (s.kind == step_kind::write_file) {
      std::string content;
      for (auto& line : s.lines)
        content += line;
      out[s.text] = content;
    }
  return out;
}

/// The text of the turn's last protocol line.
std::string last_protocol(const turn& t) {
  for (auto s = t.rbegin(); s != t.rend(); ++s)
    if (s->kind == step_kind::protocol)
      return s->text;
  return {};
}

/// Every write comes before the STATUS: DONE (the gate reads the files as
/// soon as it is seen).
bool writes_before_done(const turn& t) {
  auto done = std::find_if(t.begin(), t.end(), [](auto& s) {
    return s.kind == step_kind::protocol && s.text.starts_with("STATUS: DONE");
  });
  return done != t.end() && std::none_of(done, t.end(), [](auto& s) {
           return s.kind == step_kind::write_file;
         });
}

/// The gate's reasons for task `task` over the files `files`.
std::vector<std::string> gate(const engine::plan_task& task,
                              const std::map<std::string, std::string>& files) {
  std::vector<std::string> reasons;
  for (auto& a : task.artifacts) {
    auto f = files.find(a.path);
    auto content
      = f == files.end() ? std::nullopt : std::optional<std::string>{f->second};
    for (auto& r : engine::check_artifact(a, content))
      reasons.push_back(r);
  }
  return reasons;
}

} // namespace

TEST_CASE("the pipeline example runs one sim role per stage, in order",
          "[sim][pipeline]") {
  auto p = example();
  CHECK(p.run.pattern == engine::plan_pattern::pipeline);
  REQUIRE(p.tasks.size() == 4);
  std::vector<std::string> roles;
  for (auto& t : p.tasks) {
    roles.push_back(role_of(p, t));
    CHECK(p.find_agent(t.agent)->workdir == ".");
    CHECK_FALSE(t.artifacts.empty());
  }
  CHECK(roles
        == std::vector<std::string>{"researcher", "planner", "builder",
                                    "verifier"});
  REQUIRE(p.stages.size() == 4);
  for (size_t i = 0; i < 4; ++i)
    CHECK(p.stages[i].tasks == std::vector<std::string>{p.tasks[i].id});
}

TEST_CASE("each pipeline role writes what its task's gate asks for, then "
          "reports DONE with its evidence",
          "[sim][pipeline]") {
  auto p = example();
  const std::map<std::string, std::string> done
    = {{"researcher",
        "STATUS: DONE — findings written to research/notes.md + 5 sources "
        "summarised"},
       {"planner",
        "STATUS: DONE — plan written to plan/steps.toml + 4 steps planned"},
       {"builder",
        "STATUS: DONE — app built, recorded in build/app.json + build passed, "
        "14 tests passed"},
       {"verifier",
        "STATUS: DONE — build verified, report in verify/report.md + all 14 "
        "checks passed"}};
  for (auto& task : p.tasks) {
    auto role = role_of(p, task);
    INFO(task.id << " by " << role);
    auto t = scenario("normal", role);
    CHECK(writes_before_done(t));
    CHECK(last_protocol(t) == done.at(role));
    auto files = written(t);
    CHECK(files.size() == task.artifacts.size());
    CHECK(gate(task, files).empty());
  }
}

TEST_CASE("the pipeline roles' files hold what the next stage reads",
          "[sim][pipeline]") {
  auto notes = written(scenario("normal", "researcher"))["research/notes.md"];
  CHECK(notes.starts_with("# Findings\n"));
  CHECK(std::count(notes.begin(), notes.end(), '\n') > 5);
  size_t bullets = 0;
  for (size_t at = 0; (at = notes.find("\n- ", at)) != std::string::npos; ++at)
    ++bullets;
  CHECK(bullets == 5);
  auto steps = written(scenario("normal", "planner"))["plan/steps.toml"];
  size_t tables = 0;
  for (size_t at = 0; (at = steps.find("[[steps]]", at)) != std::string::npos;
       ++at)
    ++tables;
  CHECK(tables == 4);
  auto app = written(scenario("normal", "builder"))["build/app.json"];
  CHECK(app.find(R"("version": "1.0.0")") != std::string::npos);
  CHECK(app.find(R"("steps_done": ["store", "api", "page", "tests"])")
        != std::string::npos);
  auto report = written(scenario("normal", "verifier"))["verify/report.md"];
  CHECK(report.ends_with("Result: PASS\n"));
}

TEST_CASE("incomplete writes each pipeline role's draft, valid in its format "
          "but failing its gate, and still reports DONE",
          "[sim][pipeline]") {
  auto p = example();
  for (auto& task : p.tasks) {
    auto role = role_of(p, task);
    INFO(task.id << " by " << role);
    auto t = scenario("incomplete", role);
    CHECK(writes_before_done(t));
    CHECK(last_protocol(t) == last_protocol(scenario("normal", role)));
    auto files = written(t);
    REQUIRE(files.size() == 1);
    CHECK(files.begin()->first == task.artifacts.front().path);
    auto reasons = gate(task, files);
    REQUIRE_FALSE(reasons.empty());
    // Only missing content, never a broken format.
    for (auto& r : reasons)
      CHECK(r.find(" does not contain ") != std::string::npos);
  }
  auto build = p.find_task("build");
  REQUIRE(build != nullptr);
  CHECK(gate(*build, written(scenario("incomplete", "builder")))
        == std::vector<std::string>{
          R"(build/app.json does not contain "steps_done")"});
}

TEST_CASE("a role without drafts leaves placeholders when incomplete",
          "[sim][pipeline]") {
  auto files = written(scenario("incomplete", "backend"));
  CHECK(
    files
    == std::map<std::string, std::string>{{"api/openapi.json", "(draft)\n"}});
}

TEST_CASE("the builder drafts on its first input and finishes on the retry",
          "[sim][pipeline][turns]") {
  auto p = example();
  auto build = p.find_task("build");
  REQUIRE(build != nullptr);
  CHECK(find_role("builder")->default_scenario == "incomplete");
  sim_options o;
  o.role = "builder";
  auto ts = turn_source::make(o, "");
  REQUIRE(ts.ok());
  CHECK(ts->first_scenario() == "incomplete");
  auto first = ts->next("Task build: Build the app\n\nBuild every step.");
  auto reasons = gate(*build, written(first));
  REQUIRE(reasons.size() == 1);
  auto second
    = ts->next("Attempt 2 of 3 for task build: the gate failed: "
               + reasons.front() + ". Fix it, then report STATUS again.");
  CHECK(writes_before_done(second));
  CHECK(gate(*build, written(second)).empty());
  CHECK(last_protocol(second).starts_with("STATUS: DONE — app built"));
}
