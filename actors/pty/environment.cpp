#include "actors/pty/environment.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>

namespace baton::actors::pty {

namespace {

// Exact names, and prefixes (ending in '_') of agent-session variables.
constexpr std::array<std::string_view, 2> session_names = {
  "CLAUDECODE",
  "GOOGLE_API_KEY",
};
constexpr std::array<std::string_view, 8> session_prefixes = {
  "CLAUDE_CODE_", "ANTHROPIC_",     "CODEX_",        "OPENAI_",
  "GEMINI_",      "GOOGLE_GEMINI_", "GOOGLE_GENAI_", "BATON_",
};

std::string_view name_of(std::string_view entry) {
  return entry.substr(0, entry.find('='));
}

bool allowed(const std::vector<std::string>& allow, std::string_view name) {
  bool session = is_agent_session_variable(name);
  return std::any_of(allow.begin(), allow.end(), [&](const std::string& a) {
    if (!a.empty() && a.back() == '*')
      return !session && name.starts_with(a.substr(0, a.size() - 1));
    return a == name;
  });
}

bool valid_name(std::string_view name) {
  return !name.empty() && name.find('=') == std::string_view::npos
         && name.find('\0') == std::string_view::npos;
}

/// Sets `name` to `value` in `env`, replacing an earlier entry in place.
void assign(std::vector<std::string>& env, std::string_view name,
            std::string_view value) {
  std::string entry{name};
  entry += '=';
  entry += value;
  auto same = [&](const std::string& e) { return name_of(e) == name; };
  if (auto i = std::find_if(env.begin(), env.end(), same); i != env.end())
    *i = std::move(entry);
  else
    env.push_back(std::move(entry));
}

} // namespace

bool is_agent_session_variable(std::string_view name) {
  auto is = [&](std::string_view n) { return n == name; };
  auto starts = [&](std::string_view p) { return name.starts_with(p); };
  return std::any_of(session_names.begin(), session_names.end(), is)
         || std::any_of(session_prefixes.begin(), session_prefixes.end(),
                        starts);
}

std::vector<std::string> parent_environment() {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e)
    out.emplace_back(*e);
  return out;
}

result<std::vector<std::string>>
make_environment(const env_options& opts,
                 const std::vector<std::string>& parent) {
  std::vector<std::string> env;
  for (const auto& entry : parent) {
    if (entry.find('=') == std::string::npos)
      continue;
    auto name = name_of(entry);
    bool keep = opts.base == env_base::inherit
                  ? !is_agent_session_variable(name)
                  : allowed(opts.allow, name);
    if (keep)
      assign(env, name, std::string_view{entry}.substr(name.size() + 1));
  }
  if (!opts.term.empty())
    assign(env, "TERM", opts.term);
  for (const auto& [name, value] : opts.set) {
    if (!valid_name(name) || value.find('\0') != std::string::npos)
      return error{ec::invalid_argument,
                   "bad environment variable name '" + name + "'"};
    assign(env, name, value);
  }
  return env;
}

std::optional<std::string_view>
find_variable(const std::vector<std::string>& env, std::string_view name) {
  for (const auto& entry : env)
    if (entry.size() > name.size() && name_of(entry) == name)
      return std::string_view{entry}.substr(name.size() + 1);
  return std::nullopt;
}

} // namespace baton::actors::pty
