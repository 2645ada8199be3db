#include "engine/orchestration/artifact_check.hpp"

#include <re2/re2.h>

#include "engine/text/json.hpp"

// Parse errors come back as values (see plan_parser.cpp for why this file
// compiles toml++'s no-exceptions parser itself).
#undef TOML_SHARED_LIB
#define TOML_SHARED_LIB 0
#undef TOML_HEADER_ONLY
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

namespace baton::engine {

namespace {

bool blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

std::optional<std::string> format_problem(const plan_artifact& a,
                                          const std::string& content) {
  if (a.format == "json") {
    auto parsed = text::parse_json(content);
    if (!parsed)
      return "is not valid JSON (" + parsed.err().message() + ")";
  } else if (a.format == "toml") {
    auto parsed = toml::parse(content, a.path);
    if (!parsed)
      return "is not valid TOML (line "
             + std::to_string(parsed.error().source().begin.line) + ": "
             + std::string{parsed.error().description()} + ")";
  } else if (a.format == "markdown") {
    if (content.find('\0') != std::string::npos)
      return "is not Markdown text (it holds NUL bytes)";
  } else if (a.format == "regex") {
    RE2 re{a.pattern, RE2::Quiet};
    if (!re.ok())
      return "cannot be checked: the plan's pattern is invalid (" + re.error()
             + ")";
    if (!RE2::FullMatch(content, re))
      return "does not match the pattern " + a.pattern;
  }
  return std::nullopt;
}

} // namespace

std::vector<std::string>
check_artifact(const plan_artifact& a,
               const std::optional<std::string>& content) {
  std::vector<std::string> reasons;
  if (!content) {
    reasons.push_back(a.path + " does not exist");
    return reasons;
  }
  if (a.non_empty && blank(*content)) {
    reasons.push_back(a.path + " is empty");
    return reasons;
  }
  if (auto problem = format_problem(a, *content))
    reasons.push_back(a.path + " " + *problem);
  for (auto& needle : a.must_contain)
    if (content->find(needle) == std::string::npos)
      reasons.push_back(a.path + " does not contain \"" + needle + "\"");
  return reasons;
}

} // namespace baton::engine
