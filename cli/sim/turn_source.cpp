#include "cli/sim/turn_source.hpp"

#include "cli/sim/protocol.hpp"
#include "cli/sim/text.hpp"

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
