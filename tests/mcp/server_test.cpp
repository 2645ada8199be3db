// The MCP server's protocol (mcp/server.hpp) message by message, without a
// client library: revision negotiation, the lifecycle, JSON-RPC errors for
// what is not a request, invalid params for arguments the tool's schema
// refuses, a run's refusal as a tool error, batches, notifications.
#include "mcp/server.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "mcp/tools.hpp"
#include "tests/support/temp_dir.hpp"

using nlohmann::json;
using baton::mcp::server;

namespace {

json ask(server& s, const json& m) {
  auto reply = s.handle(m.dump());
  REQUIRE_FALSE(reply.empty());
  return json::parse(reply);
}

json request(int id, const std::string& method, json params = json::object()) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method},
          {"params", std::move(params)}};
}

json init(const std::string& version) {
  return request(1, "initialize",
                 {{"protocolVersion", version},
                  {"capabilities", json::object()},
                  {"clientInfo", {{"name", "probe"}, {"version", "1"}}}});
}

} // namespace

TEST_CASE("initialize answers the client's revision when supported, else "
          "the latest",
          "[mcp]") {
  for (auto v : {"2025-06-18", "2025-03-26", "2024-11-05"}) {
    server s{{.log_dir = "nowhere"}};
    auto r = ask(s, init(v));
    CHECK(r["result"]["protocolVersion"] == v);
    CHECK(r["result"]["serverInfo"]["name"] == "baton");
    CHECK(r["result"]["capabilities"].contains("tools"));
    CHECK(s.by() == "mcp:probe");
  }
  server s{{.log_dir = "nowhere"}};
  CHECK(ask(s, init("2099-01-01"))["result"]["protocolVersion"]
        == "2025-06-18");
}

TEST_CASE("before initialize only ping is answered, notifications get no "
          "reply",
          "[mcp]") {
  server s{{.log_dir = "nowhere"}};
  CHECK(ask(s, request(1, "ping"))["result"] == json::object());
  auto r = ask(s, request(2, "tools/list"));
  CHECK(r["error"]["code"] == -32002);
  CHECK(s.handle(R"({"jsonrpc":"2.0","method":"notifications/initialized"})")
          .empty());
  ask(s, init("2025-06-18"));
  CHECK(s.handle(R"({"jsonrpc":"2.0","method":"notifications/initialized"})")
          .empty());
  // A response to a request of the server's: nothing to answer.
  CHECK(s.handle(R"({"jsonrpc":"2.0","id":9,"result":{}})").empty());
}

TEST_CASE("what is not a request gets the JSON-RPC error for it", "[mcp]") {
  server s{{.log_dir = "nowhere"}};
  ask(s, init("2025-06-18"));
  auto garbage = json::parse(s.handle("{not json"));
  CHECK(garbage["error"]["code"] == -32700);
  CHECK(garbage["id"].is_null());
  CHECK(ask(s, json{{"id", 1}, {"method", "ping"}})["error"]["code"]
        == -32600); // no "jsonrpc"
  CHECK(ask(s, json{{"jsonrpc", "2.0"}, {"id", 1.5}, {"method", "ping"}})
          ["error"]["code"]
        == -32600); // a fractional id
  CHECK(ask(s, request(3, "resources/list"))["error"]["code"] == -32601);
  auto unknown_tool = ask(
    s, request(4, "tools/call", {{"name", "nope"}, {"arguments", {}}}));
  CHECK(unknown_tool["error"]["code"] == -32602);
  CHECK(unknown_tool["error"]["message"] == "unknown tool \"nope\"");
}

TEST_CASE("arguments are checked against the tool's input schema, naming the "
          "field",
          "[mcp]") {
  server s{{.log_dir = "nowhere"}};
  ask(s, init("2025-06-18"));
  auto call = [&](json args) {
    return ask(s, request(5, "tools/call",
                          {{"name", "add_task"}, {"arguments", args}}));
  };
  CHECK(call({{"id", "t"}})["error"]["message"]
        == "arguments.prompt is required");
  CHECK(call({{"id", "t"}, {"prompt", 3}})["error"]["message"]
        == "arguments.prompt must be a string");
  CHECK(call({{"id", "t"}, {"prompt", "p"}, {"after", {"a", 2}}})["error"]
            ["message"]
        == "arguments.after[1] must be a string");
  CHECK(call({{"id", "t"}, {"prompt", "p"}, {"retries", -1}})["error"]
            ["message"]
        == "arguments.retries must be at least 0");
  CHECK(call({{"id", "t"}, {"prompt", "p"}, {"colour", "red"}})["error"]
            ["message"]
        == "arguments.colour is not an argument of this tool");
  // An artifact is a path, or its contract.
  CHECK(call({{"id", "t"}, {"prompt", "p"},
              {"artifacts", {{{"format", "json"}}}}})["error"]["message"]
        == "arguments.artifacts[0].path is required");
  CHECK(call({{"id", "t"}, {"prompt", "p"},
              {"artifacts", {{{"path", "a.json"}, {"format", "yaml"}}}}})
          ["error"]["message"]
          .get<std::string>()
          .starts_with("arguments.artifacts[0].format must be one of"));
  CHECK(call({{"id", "t"}, {"prompt", "p"}, {"artifacts", {3}}})["error"]
            ["message"]
        == "arguments.artifacts[0] must be a string");
  auto decide = ask(s, request(6, "tools/call",
                               {{"name", "decide_approval"},
                                {"arguments",
                                 {{"id", "a1"}, {"decision", "maybe"}}}}));
  CHECK(decide["error"]["code"] == -32602);
}

TEST_CASE("a run that is not there is the tool's error, not the protocol's",
          "[mcp]") {
  baton::test::temp_dir dir;
  server s{{.log_dir = dir / "log"}};
  ask(s, init("2025-06-18"));
  auto r = ask(s, request(7, "tools/call",
                          {{"name", "send_input"},
                           {"arguments", {{"agent", "a"}, {"text", "hi"}}}}));
  CHECK(r["result"]["isError"] == true);
  CHECK(r["result"]["content"][0]["text"].get<std::string>().find(
          "no engine runs")
        != std::string::npos);
}

TEST_CASE("tools/list describes every tool, output schemas and titles from "
          "revision 2025-06-18 on",
          "[mcp]") {
  server latest{{.log_dir = "nowhere"}};
  ask(latest, init("2025-06-18"));
  auto tools = ask(latest, request(2, "tools/list"))["result"]["tools"];
  CHECK(tools.size() == 15);
  for (auto& t : tools) {
    INFO(t["name"]);
    CHECK(t["inputSchema"]["type"] == "object");
    CHECK(t["outputSchema"]["type"] == "object");
    CHECK_FALSE(t["description"].get<std::string>().empty());
  }
  server old{{.log_dir = "nowhere"}};
  ask(old, init("2024-11-05"));
  for (auto& t : ask(old, request(2, "tools/list"))["result"]["tools"]) {
    CHECK_FALSE(t.contains("outputSchema"));
    CHECK_FALSE(t.contains("annotations"));
  }
}

TEST_CASE("a batch gets one array of replies, notifications left out",
          "[mcp]") {
  server s{{.log_dir = "nowhere"}};
  auto batch = json::array(
    {init("2025-03-26"),
     {{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}},
     request(2, "ping")});
  auto r = json::parse(s.handle(batch.dump()));
  REQUIRE(r.is_array());
  REQUIRE(r.size() == 2);
  CHECK(r[0]["id"] == 1);
  CHECK(r[1]["id"] == 2);
  CHECK(json::parse(s.handle("[]"))["error"]["code"] == -32600);
}
