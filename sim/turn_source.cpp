#include "sim/turn_source.hpp"

#include <nlohmann/json.hpp>

#include "sim/protocol.hpp"
#include "sim/text.hpp"

namespace baton::sim {

namespace {

/// The first line of `input` that is not blank.
std::string_view first_line(std::string_view input) {
  while (!input.empty()) {
    auto nl = input.find('\n');
    auto line = trim(input.substr(0, nl));
    if (!line.empty())
      return line;
    input.remove_prefix(nl == std::string_view::npos ? input.size() : nl + 1);
  }
  return {};
}

/// The orchestrator role's answer to Baton's goal prompt (engine
/// goal_prompt()): one task per member of "The team:", each that member's
/// part of the goal, added through Baton's MCP server; then a wait for each
/// to settle, and the STATUS line of what came of them. Anything else typed
/// to it is acknowledged.
turn orchestrator_turn(std::string_view input) {
  turn out;
  auto at = input.find("Your goal: ");
  if (at == std::string_view::npos) {
    out.push_back({step_kind::say, "Noted."});
    return out;
  }
  auto rest = input.substr(at + 11);
  auto goal = std::string{trim(rest.substr(0, rest.find('\n')))};
  std::vector<std::string> team;
  if (auto t = input.find("The team:\n"); t != std::string_view::npos) {
    auto lines = input.substr(t + 10);
    while (lines.starts_with("- ")) {
      auto line = lines.substr(2, lines.find('\n') - 2);
      team.emplace_back(line.substr(0, line.find_first_of(" ;(")));
      auto nl = lines.find('\n');
      if (nl == std::string_view::npos)
        break;
      lines.remove_prefix(nl + 1);
    }
  }
  if (team.empty()) {
    out.push_back({step_kind::protocol,
                   status_line(status_kind::blocked,
                               "the goal's prompt names no team to plan for")});
    return out;
  }
  std::string names;
  for (auto& m : team)
    names += (names.empty() ? "" : ", ") + m;
  out.push_back({step_kind::say, "I'll give each of " + names
                                   + " a part of the goal, then check what "
                                     "Baton verified."});
  nlohmann::json ids = nlohmann::json::array();
  for (auto& m : team) {
    nlohmann::json args = {{"id", m + "-part"},
                           {"title", m + "'s part"},
                           {"prompt", "Your part of the goal: " + goal},
                           {"agent", m}};
    out.push_back({step_kind::mcp, "add_task", {args.dump()}});
  }
  for (auto& m : team)
    out.push_back({step_kind::mcp_wait, m + "-part"});
  out.push_back({step_kind::mcp_report, "the team did its parts of: " + goal});
  return out;
}

} // namespace

result<turn_source> turn_source::make(const sim_options& opts,
                                      std::string_view script_text) {
  auto role = find_role(opts.role);
  if (!role)
    return error{ec::invalid_argument, "unknown role `" + opts.role + "`"};
  scenario_context ctx;
  ctx.role = std::move(*role);
  ctx.steps = opts.steps;
  ctx.stall_ms = opts.stall_ms;
  ctx.bytes = opts.bytes;
  ctx.crash_code = opts.crash_code;
  turn_source out{std::move(ctx), opts.seed};
  out.first_
    = opts.scenario.empty() ? out.ctx_.role.default_scenario : opts.scenario;
  out.then_ = opts.then;
  for (auto* name : {&out.first_, &out.then_})
    if (!is_scenario(*name))
      return error{ec::invalid_argument, "unknown scenario `" + *name + "`"};
  if (!script_text.empty()) {
    auto parsed = parse_script(script_text, out.ctx_, out.rng_);
    if (!parsed)
      return parsed.err();
    out.script_ = std::move(*parsed);
  }
  return out;
}

turn turn_source::next(std::string_view input) {
  if (ctx_.role.name == "orchestrator")
    return orchestrator_turn(input);
  bool first = inputs_++ == 0;
  if (has_contract(input))
    ctx_.have_contract = true;
  if (auto text = directives_of(input); !text.empty())
    return from_directives(text);
  if (scripted_ < script_.turns.size())
    return script_.turns[scripted_++];
  auto need = find_need(first_line(input));
  if (!need.empty() && need.find('<') == std::string_view::npos)
    return need_answer(need, ctx_, rng_);
  turn out;
  auto ok = add_scenario(first ? first_ : then_, ctx_, rng_, out);
  static_cast<void>(ok); // checked in make()
  return out;
}

turn turn_source::from_directives(const std::string& text) {
  auto parsed = parse_script(text, ctx_, rng_);
  turn out;
  if (!parsed) {
    out.push_back({step_kind::say, "I could not read the @sim lines: "
                                     + parsed.err().message()});
    out.push_back({step_kind::protocol,
                   status_line(status_kind::error,
                               "bad @sim directive (" + parsed.err().message()
                                 + "), tried nothing, fix the directive")});
    return out;
  }
  for (auto& t : parsed->turns)
    out.insert(out.end(), t.begin(), t.end());
  return out;
}

} // namespace baton::sim
