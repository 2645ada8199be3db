#include "mcp/server.hpp"

#include <algorithm>
#include <functional>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "baton/baton.hpp"
#include "mcp/tools.hpp"

namespace baton::mcp {

using nlohmann::json;

namespace {

constexpr std::string_view latest = "2025-06-18";
constexpr std::string_view supported[] = {"2025-06-18", "2025-03-26",
                                          "2024-11-05"};

// JSON-RPC 2.0 error codes, and MCP's "server not initialized".
constexpr int parse_error = -32700;
constexpr int invalid_request = -32600;
constexpr int method_not_found = -32601;
constexpr int invalid_params = -32602;
constexpr int internal_error = -32603;
constexpr int not_initialized = -32002;

json error_reply(const json& id, int code, const std::string& message) {
  return {{"jsonrpc", "2.0"},
          {"id", id},
          {"error", {{"code", code}, {"message", message}}}};
}

json result_reply(const json& id, json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

/// A request's id: a string or an integer (JSON-RPC allows no other in
/// MCP); null when absent or ill-typed.
bool valid_id(const json& m) {
  if (!m.contains("id"))
    return false;
  auto& id = m["id"];
  return id.is_string() || id.is_number_integer();
}

} // namespace

server::server(server_options opts) : opts_(std::move(opts)) {
  if (!opts_.as.empty())
    by_ = opts_.as;
}

server::~server() = default;

std::string server::handle(std::string_view message) {
  json in;
  try {
    in = json::parse(message);
  } catch (const json::parse_error& e) {
    return error_reply(nullptr, parse_error,
                       std::string{"not JSON: "} + e.what())
      .dump();
  }
  if (in.is_array()) {
    // A batch (revision 2025-03-26 and before): the replies in one array.
    if (in.empty())
      return error_reply(nullptr, invalid_request, "an empty batch").dump();
    json out = json::array();
    for (auto& m : in)
      if (auto r = one(m); !r.is_null())
        out.push_back(std::move(r));
    return out.empty() ? std::string{} : out.dump();
  }
  auto r = one(in);
  return r.is_null() ? std::string{} : r.dump();
}

json server::one(const json& m) {
  if (!m.is_object() || m.value("jsonrpc", "") != "2.0")
    return error_reply(valid_id(m) ? m["id"] : json{}, invalid_request,
                       "not a JSON-RPC 2.0 message");
  if (!m.contains("method")) {
    // A response to a request of ours: none are sent, nothing to do.
    if (m.contains("result") || m.contains("error"))
      return {};
    return error_reply(valid_id(m) ? m["id"] : json{}, invalid_request,
                       "a message with no method");
  }
  if (!m["method"].is_string())
    return error_reply(valid_id(m) ? m["id"] : json{}, invalid_request,
                       "method must be a string");
  auto method = m["method"].get<std::string>();
  bool notification = !m.contains("id");
  if (notification) {
    if (method == "notifications/initialized")
      initialized_ = !version_.empty();
    // A cancellation that arrives between calls (a transport that reads
    // while handle() runs calls cancel() itself).
    if (method == "notifications/cancelled" && m.contains("params")
        && m["params"].is_object() && m["params"].contains("requestId"))
      cancel(m["params"]["requestId"]);
    return {};
  }
  if (!valid_id(m))
    return error_reply(nullptr, invalid_request,
                       "id must be a string or an integer");
  auto& id = m["id"];
  json params = m.value("params", json::object());
  if (!params.is_object())
    return error_reply(id, invalid_params, "params must be an object");
  try {
    if (method == "initialize")
      return result_reply(id, initialize(params));
    if (method == "ping")
      return result_reply(id, json::object());
    if (version_.empty())
      return error_reply(id, not_initialized,
                         "the session is not initialized (send initialize "
                         "first)");
    if (method == "tools/list")
      return result_reply(id, {{"tools", tool_list(version_)}});
    if (method == "tools/call") {
      {
        std::lock_guard lock{cancel_mu_};
        current_ = id.dump();
        cancelled_ = false;
      }
      struct done {
        server& s;
        ~done() {
          std::lock_guard lock{s.cancel_mu_};
          s.current_.clear();
        }
      } clear{*this};
      try {
        return result_reply(id, call_tool(params));
      } catch (const cancelled_call&) {
        return {}; // the client no longer waits for it
      }
    }
    return error_reply(id, method_not_found,
                       "unknown method \"" + method + "\"");
  } catch (const bad_params& e) {
    return error_reply(id, invalid_params, e.what());
  } catch (const std::exception& e) {
    return error_reply(id, internal_error, e.what());
  }
}

void server::cancel(const json& id) {
  std::lock_guard lock{cancel_mu_};
  if (!current_.empty() && current_ == id.dump())
    cancelled_ = true;
}

std::optional<json> server::cancels(std::string_view message) {
  auto m = json::parse(message, nullptr, false);
  if (m.is_object() && m.value("method", "") == "notifications/cancelled"
      && !m.contains("id") && m.contains("params") && m["params"].is_object()
      && m["params"].contains("requestId"))
    return m["params"]["requestId"];
  return std::nullopt;
}

json server::initialize(const json& params) {
  auto asked = params.value("protocolVersion", "");
  version_ = std::string{latest};
  for (auto v : supported)
    if (asked == v)
      version_ = asked;
  if (auto c = params.find("clientInfo");
      opts_.as.empty() && c != params.end() && c->is_object()
      && c->contains("name")
      && (*c)["name"].is_string() && !(*c)["name"].get<std::string>().empty())
    by_ = "mcp:" + (*c)["name"].get<std::string>();
  return {{"protocolVersion", version_},
          {"capabilities", {{"tools", {{"listChanged", false}}}}},
          {"serverInfo",
           {{"name", "baton"}, {"title", "Baton"}, {"version", "0.1.0"}}},
          {"instructions", instructions(opts_.log_dir)}};
}

json server::call_tool(const json& params) {
  if (!params.contains("name") || !params["name"].is_string())
    throw bad_params{"tools/call needs the tool's \"name\""};
  json args = params.value("arguments", json::object());
  if (args.is_null())
    args = json::object();
  if (!args.is_object())
    throw bad_params{"arguments must be an object"};
  tool_context ctx{opts_.log_dir, by_, opts_.max_wait, sent_,
                   [this] { return cancelled_.load(); }};
  auto outcome = run_tool(params["name"].get<std::string>(), args, ctx);
  json result;
  if (outcome.error.empty()) {
    result["content"] = json::array(
      {{{"type", "text"}, {"text", outcome.value.dump()}}});
    // Structured results came with revision 2025-06-18.
    if (version_ == latest)
      result["structuredContent"] = outcome.value;
  } else {
    result["content"] = json::array(
      {{{"type", "text"}, {"text", outcome.error}}});
    result["isError"] = true;
  }
  return result;
}

} // namespace baton::mcp
