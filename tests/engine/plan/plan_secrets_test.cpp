// Env values kept out of the recorded plan: redacted where they were
// written, the text still a plan, and restored from the plan file.
#include "engine/plan/plan_secrets.hpp"

#include <catch2/catch.hpp>

#include "engine/plan/plan_parser.hpp"

using namespace baton::engine;

namespace {

constexpr std::string_view plan_text = R"(# a plan with secrets
[mcp.servers.files]
command = "npx"
args = ["-y", "fs"]
env = { TOKEN = "mcp-s3cret", "QUOTED" = 'lit\eral' }
[agents.a]
preset = "sim"
env = { API_KEY = "k\"ey-1", LANG_NOTE = "é€ then" }   # a comment
args = ["--role", "a"]
[agents.b]
preset = "sim"
[agents.b.env]
MULTI = """
line one
line two"""
[[tasks]]
id = "t"
prompt = "keep API_KEY in the prompt"
agent = "a"
)";

} // namespace

TEST_CASE("env values of agents and MCP servers are redacted, nothing else",
          "[engine][plan_secrets]") {
  auto r = redact_plan_secrets(plan_text);
  for (auto secret : {"mcp-s3cret", "lit\\eral", "k\\\"ey-1", "é€ then",
                      "line one", "line two"})
    CHECK(r.find(secret) == std::string::npos);
  CHECK(r.find("env = { TOKEN = \"<redacted>\", \"QUOTED\" = \"<redacted>\" }")
        != std::string::npos);
  CHECK(r.find("env = { API_KEY = \"<redacted>\", LANG_NOTE = \"<redacted>\" "
               "}   # a comment")
        != std::string::npos);
  CHECK(r.find("MULTI = \"<redacted>\"\n[[tasks]]") != std::string::npos);
  CHECK(r.find("prompt = \"keep API_KEY in the prompt\"") != std::string::npos);
  CHECK(r.find("args = [\"-y\", \"fs\"]") != std::string::npos);

  // Still the same plan, with the names and "<redacted>" values.
  auto p = parse_plan(r, "recorded");
  REQUIRE(p.ok());
  REQUIRE(p->agents.size() == 2);
  CHECK(p->agents[0].env.at("API_KEY") == "<redacted>");
  CHECK(p->agents[1].env.at("MULTI") == "<redacted>");
  CHECK(p->mcp_servers.front().env.at("TOKEN") == "<redacted>");
  // Redacting twice changes nothing.
  CHECK(redact_plan_secrets(r) == r);
}

TEST_CASE("a plan without env is recorded as it is", "[engine][plan_secrets]") {
  std::string_view text = "[agents.a]\npreset = \"sim\"\n";
  CHECK(redact_plan_secrets(text) == text);
  CHECK(redact_plan_secrets("not [ toml") == "not [ toml");
}

TEST_CASE("resuming takes the env values back from the unchanged plan file",
          "[engine][plan_secrets]") {
  auto recorded = redact_plan_secrets(plan_text);
  auto back = restore_plan_secrets(recorded, plan_text, "plan.toml");
  REQUIRE(back.ok());
  CHECK(*back == plan_text);

  std::string changed{plan_text};
  changed.replace(changed.find("--role"), 6, "--mode");
  auto refused = restore_plan_secrets(recorded, changed, "plan.toml");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.err().message().find("plan.toml") != std::string::npos);
  CHECK_FALSE(restore_plan_secrets(recorded, "", "plan.toml").ok());

  // Nothing redacted (no env, or a log from before): the recorded text.
  std::string_view plain = "[agents.a]\npreset = \"sim\"\n";
  auto same = restore_plan_secrets(plain, "", "gone.toml");
  REQUIRE(same.ok());
  CHECK(*same == plain);
}
