#include "engine/plan/plan_parser.hpp"

#include <catch2/catch.hpp>

using namespace baton;
using namespace baton::engine;

namespace {

constexpr std::string_view good = R"(
[run]
name = "feature"
pattern = "hub"
durability = "sync"

[policy]
retries = 3
task_timeout = "15m"
stall_after = 90

[agents.backend]
role = "backend developer"
preset = "sim"
args = ["--scenario", "normal"]
owns = ["api/**"]
env = { LOG_LEVEL = "debug" }
capabilities = ["go"]

[agents.frontend]
command = ["node", "agent.js"]
pack = "generic"
owns = ["web/**"]
reads = ["api/openapi.yaml"]

[[tasks]]
id = "api"
title = "Build the API"
prompt = "Write the /todos endpoint"
agent = "backend"
verify = ["make test"]
[[tasks.artifacts]]
path = "api/openapi.yaml"
format = "any"
must_contain = ["/todos"]

[[tasks]]
id = "page"
prompt = "Build the page"
requires = ["go"]
after = ["api"]
retries = 1
)";

std::string problems(std::string_view text) {
  auto r = parse_plan(text, "plan.toml");
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code() == ec::parse_error);
  return r.err().message();
}

} // namespace

TEST_CASE("a plan file parses into run settings, agents and tasks",
          "[engine][plan]") {
  auto r = parse_plan(good, "plan.toml");
  REQUIRE(r.ok());
  auto& p = *r;
  CHECK(p.run.name == "feature");
  CHECK(p.run.durability == "sync");
  CHECK(p.run.retries == 3);
  CHECK(p.run.task_timeout_s == 900);
  CHECK(p.run.stall_after_s == 90);
  REQUIRE(p.agents.size() == 2);
  auto* backend = p.find_agent("backend");
  REQUIRE(backend != nullptr);
  CHECK(backend->command == std::vector<std::string>{"--scenario", "normal"});
  CHECK(backend->workdir == "backend");
  CHECK(backend->env.at("LOG_LEVEL") == "debug");
  CHECK(backend->where.line == 12);
  auto* frontend = p.find_agent("frontend");
  REQUIRE(frontend != nullptr);
  CHECK(frontend->command == std::vector<std::string>{"node", "agent.js"});
  REQUIRE(p.tasks.size() == 2);
  CHECK(p.tasks[0].artifacts.size() == 1);
  CHECK(p.tasks[0].artifacts[0].must_contain[0] == "/todos");
  CHECK(p.tasks[1].after == std::vector<std::string>{"api"});
  CHECK(p.tasks[1].retries == 1u);
  CHECK_FALSE(p.tasks[0].retries.has_value());
}

TEST_CASE("unknown keys are reported with their line and a suggestion",
          "[engine][plan]") {
  auto msg = problems("[agents.a]\npreset = \"sim\"\ncomand = [\"x\"]\n");
  CHECK(msg == "plan.toml:3:1: unknown key \"comand\" in [agents.a] (did you "
               "mean \"command\"?)");
}

TEST_CASE("every problem is reported, not only the first", "[engine][plan]") {
  auto msg = problems(R"([run]
pattern = "star"
durability = "fast"
[[tasks]]
title = "no id"
retries = -1
)");
  CHECK(msg.find("plan.toml:2:") != std::string::npos);
  CHECK(msg.find("unknown pattern \"star\"") != std::string::npos);
  CHECK(msg.find("plan.toml:3:") != std::string::npos);
  CHECK(msg.find("a task needs an \"id\"") != std::string::npos);
  CHECK(msg.find("\"retries\" must be a whole number") != std::string::npos);
}

TEST_CASE("a supervisor's intensity may reach a million restarts, a "
          "retry count a thousand, snapshots every 100 million events",
          "[engine][plan]") {
  auto big = parse_plan(R"([supervision]
strategy = "one_for_one"
intensity = 5000
period = "60s"
[agents.a]
preset = "sim"
)",
                        "plan.toml");
  REQUIRE(big.ok());
  CHECK(big->supervision.intensity == 5000);
  CHECK(big->run.snapshot_every == 10'000); // the default
  auto msg = problems(R"([supervision]
intensity = 1000001
[policy]
retries = 1001
snapshot_every = -1
)");
  CHECK(msg.find("\"intensity\" must be a whole number from 0 to 1000000")
        != std::string::npos);
  CHECK(msg.find("\"retries\" must be a whole number from 0 to 1000")
        != std::string::npos);
  CHECK(msg.find("\"snapshot_every\" must be a whole number from 0 to "
                 "100000000")
        != std::string::npos);
}

TEST_CASE("TOML syntax errors name the line", "[engine][plan]") {
  auto msg = problems("[run]\nname = \"unterminated\n");
  CHECK(msg.rfind("plan.toml:2:", 0) == 0);
}

TEST_CASE("wrong value types are reported", "[engine][plan]") {
  auto msg = problems("[agents.a]\npreset = 3\nowns = \"api/**\"\n");
  CHECK(msg.find("plan.toml:2:10: \"preset\" must be a string")
        != std::string::npos);
  CHECK(msg.find("plan.toml:3:8: \"owns\" must be a list of strings")
        != std::string::npos);
}

TEST_CASE("durations accept seconds and unit strings", "[engine][plan]") {
  CHECK(parse_duration_seconds("90") == 90u);
  CHECK(parse_duration_seconds("90s") == 90u);
  CHECK(parse_duration_seconds("10m") == 600u);
  CHECK(parse_duration_seconds("1h30m") == 5400u);
  CHECK_FALSE(parse_duration_seconds("").has_value());
  CHECK_FALSE(parse_duration_seconds("m").has_value());
  CHECK_FALSE(parse_duration_seconds("10d").has_value());
}
