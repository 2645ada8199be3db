#include "engine/plan/plan_check.hpp"

#include <catch2/catch.hpp>

#include "engine/plan/plan_parser.hpp"

using namespace baton::engine;

namespace {

std::vector<std::string> check(std::string_view text) {
  auto p = parse_plan(text, "p.toml");
  REQUIRE(p.ok());
  return check_plan(*p);
}

bool mentions(const std::vector<std::string>& lines, std::string_view what) {
  for (auto& l : lines)
    if (l.find(what) != std::string::npos)
      return true;
  return false;
}

} // namespace

TEST_CASE("a sound plan has no problems", "[engine][plan_check]") {
  auto lines = check(R"(
[agents.a]
preset = "sim"
owns = ["api/**"]
[agents.b]
preset = "sim"
owns = ["web/**", "README.md"]
[[tasks]]
id = "one"
prompt = "x"
agent = "a"
[[tasks]]
id = "two"
prompt = "y"
agent = "b"
after = ["one"]
)");
  CHECK(lines.empty());
}

TEST_CASE("unknown agents and tasks are reported with their line",
          "[engine][plan_check]") {
  auto lines = check(R"([agents.a]
preset = "sim"
[[tasks]]
id = "one"
prompt = "x"
agent = "nobody"
after = ["ghost"]
)");
  CHECK(mentions(lines, "p.toml:3:1: task one names unknown agent \"nobody\""));
  CHECK(mentions(lines, "task one comes after unknown task \"ghost\""));
}

TEST_CASE("dependency cycles are reported with their members",
          "[engine][plan_check]") {
  auto lines = check(R"([agents.a]
preset = "sim"
[[tasks]]
id = "x"
prompt = "x"
agent = "a"
after = ["z"]
[[tasks]]
id = "y"
prompt = "y"
agent = "a"
after = ["x"]
[[tasks]]
id = "z"
prompt = "z"
agent = "a"
after = ["y"]
)");
  CHECK(mentions(lines, "dependency cycle: x -> z -> y -> x"));
}

TEST_CASE("overlapping exclusive ownership is reported",
          "[engine][plan_check]") {
  auto lines = check(R"([agents.a]
preset = "sim"
owns = ["src/**"]
[agents.b]
preset = "sim"
owns = ["src/api/*.go"]
[[tasks]]
id = "t"
prompt = "x"
agent = "a"
)");
  CHECK(mentions(lines, "agents a and b both own paths matching \"src/**\" "
                        "and \"src/api/*.go\""));
}

TEST_CASE("glob overlap is decided exactly for the usual shapes",
          "[engine][plan_check]") {
  CHECK(globs_overlap("api/**", "api/v1/x.go"));
  CHECK(globs_overlap("**/*.go", "cmd/main.go"));
  CHECK(globs_overlap("*.md", "README.md"));
  CHECK(globs_overlap("src/*", "src/?ain.c"));
  CHECK_FALSE(globs_overlap("api/**", "web/**"));
  CHECK_FALSE(globs_overlap("*.md", "docs/README.md")); // * stops at '/'
  CHECK_FALSE(globs_overlap("src/*.go", "src/*.rs"));
  CHECK_FALSE(globs_overlap("a/b", "a/c"));
}

TEST_CASE("pipelines need stages that name every task once",
          "[engine][plan_check]") {
  auto lines = check(R"([run]
pattern = "pipeline"
[agents.a]
preset = "sim"
[[tasks]]
id = "r"
prompt = "research"
agent = "a"
[[tasks]]
id = "b"
prompt = "build"
agent = "a"
[[stages]]
name = "research"
tasks = ["r", "nope"]
[[stages]]
name = "again"
tasks = ["r"]
)");
  CHECK(mentions(lines, "stage research names unknown task \"nope\""));
  CHECK(mentions(lines, "task r is in stages research and again"));
  CHECK(mentions(lines, "task b is in no stage"));
}

TEST_CASE("agents need a preset or a command, and presets must exist",
          "[engine][plan_check]") {
  auto lines = check(R"([agents.a]
role = "nothing to run"
[agents.b]
preset = "gpt"
[[tasks]]
id = "t"
prompt = "x"
agent = "a"
)");
  CHECK(mentions(lines, "agent a needs a \"preset\" or a \"command\""));
  CHECK(mentions(lines, "agent b has unknown preset \"gpt\""));
}

TEST_CASE("workdirs, owned paths and artifacts stay inside the workspace",
          "[engine][plan_check]") {
  constexpr std::string_view escaping = R"([agents.a]
preset = "sim"
workdir = "../../../somewhere"
owns = ["../**"]
[agents.b]
preset = "sim"
workdir = "b/./deep/../.."
owns = ["src/../lib/**"]
capabilities = ["x"]
[[tasks]]
id = "one"
prompt = "x"
agent = "b"
[[tasks.artifacts]]
path = "/etc/passwd"
[[tasks]]
id = "two"
prompt = "x"
requires = ["x"]
[[tasks.artifacts]]
path = "../../x.md"
[[tasks]]
id = "three"
prompt = "x"
agent = "b"
[[tasks.artifacts]]
path = "out/../ok.md"
)";
  auto lines = check(escaping);
  CHECK(mentions(lines, "p.toml:1:1: agent a's workdir \"../../../somewhere\" "
                        "is outside the workspace (name the place in [run] "
                        "outside_workspace to allow it)"));
  CHECK(mentions(lines, "agent a owns \"../**\" is outside"));
  CHECK(mentions(lines, "task one's artifact \"/etc/passwd\" is outside"));
  // b works in the workspace itself: "../../x.md" is two levels up.
  CHECK(mentions(lines, "task two's artifact \"../../x.md\" is outside"));
  // What resolves inside is fine, however it is written.
  CHECK_FALSE(mentions(lines, "agent b"));
  CHECK_FALSE(mentions(lines, "task three"));
  CHECK(lines.size() == 4);

  // Named places outside are allowed, and only those.
  auto allowed = check(
    "[run]\noutside_workspace = [\"../../../somewhere\", \"/etc\", \"..\"]\n"
    + std::string{escaping});
  // ".." holds "../**" but not "../../x.md", which is above it.
  CHECK(allowed.size() == 1);
  CHECK(mentions(allowed, "task two's artifact \"../../x.md\""));
}

TEST_CASE("a task's artifact in what another agent owns is refused",
          "[engine][plan_check]") {
  auto lines = check(R"([agents.api]
preset = "sim"
workdir = "."
owns = ["api/**"]
[agents.web]
preset = "sim"
workdir = "."
owns = ["web/**"]
[[tasks]]
id = "page"
prompt = "x"
agent = "web"
[[tasks.artifacts]]
path = "api/openapi.json"
[[tasks]]
id = "spec"
prompt = "x"
agent = "api"
[[tasks.artifacts]]
path = "api/openapi.json"
)");
  REQUIRE(lines.size() == 1);
  CHECK(mentions(lines, "task page's artifact \"api/openapi.json\" is in what "
                        "agent api owns (\"api/**\"), but agent web would "
                        "write it"));
}

TEST_CASE("hosts: agents name hosts the plan has, each with an address and "
          "certificates",
          "[engine][plan_check][hosts]") {
  auto sound = R"(
[agents.a]
preset = "sim"
host = "build1"
[agents.b]
preset = "sim"
[hosts.build1]
address = "10.0.0.2:7400"
certs = "certs/engine"
down_after = "1m"
[[tasks]]
id = "one"
prompt = "x"
agent = "a"
)";
  auto p = parse_plan(sound, "p.toml");
  REQUIRE(p.ok());
  CHECK(check_plan(*p).empty());
  REQUIRE(p->hosts.size() == 1);
  CHECK(p->hosts[0].address == "10.0.0.2:7400");
  CHECK(p->hosts[0].down_after_s == 60);
  CHECK(p->find_agent("a")->host == "build1");
  CHECK(p->find_agent("b")->host.empty());

  auto lines = check(R"(
[agents.a]
preset = "sim"
host = "nowhere"
[hosts.bad]
address = "10.0.0.2"
[hosts.port]
address = "h:99999"
certs = "c"
)");
  CHECK(mentions(lines, "p.toml:4:"));
  CHECK(mentions(lines, "agent a names host \"nowhere\", which the plan does "
                        "not have"));
  CHECK(mentions(lines, "host bad: address \"10.0.0.2\" is not HOST:PORT"));
  CHECK(mentions(lines, "host bad needs \"certs\""));
  CHECK(mentions(lines, "host port: address \"h:99999\" is not HOST:PORT"));
}

TEST_CASE("hosts: unknown keys are reported", "[engine][plan_check][hosts]") {
  auto p = parse_plan(R"(
[agents.a]
preset = "sim"
[hosts.h]
adress = "x:1"
)",
                      "p.toml");
  REQUIRE(!p.ok());
  CHECK(p.err().message().find("unknown key \"adress\" in [hosts.h] (did you "
                               "mean \"address\"?)")
        != std::string::npos);
}
