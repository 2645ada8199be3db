#include "engine/plan/plan_secrets.hpp"

#include <algorithm>
#include <utility>
#include <vector>

// Compiled like plan_parser.cpp: the no-exceptions, header-only toml++.
#undef TOML_SHARED_LIB
#define TOML_SHARED_LIB 0
#undef TOML_HEADER_ONLY
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

namespace baton::engine {

namespace {

/// Byte offset of a toml++ position (1-based line; 1-based column counted
/// in code points), or npos when the text has no such position.
size_t offset_of(std::string_view text, const toml::source_position& pos) {
  size_t i = 0;
  for (toml::source_index line = 1; line < pos.line; ++line) {
    i = text.find('\n', i);
    if (i == std::string_view::npos)
      return i;
    ++i;
  }
  for (toml::source_index col = 1; col < pos.column; ++col) {
    if (i >= text.size())
      return std::string_view::npos;
    ++i;
    while (i < text.size()
           && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80)
      ++i; // a UTF-8 continuation byte: the same code point
  }
  return i;
}

/// The source spans of the string values of `table`.<name>.env, for each
/// entry of `table`.
void env_spans(const toml::node* table, std::string_view text,
               std::vector<std::pair<size_t, size_t>>& out) {
  if (table == nullptr || !table->is_table())
    return;
  for (auto& [name, entry] : *table->as_table()) {
    auto* t = entry.as_table();
    auto* env = t ? t->get("env") : nullptr;
    if (env == nullptr || !env->is_table())
      continue;
    for (auto& [key, value] : *env->as_table()) {
      if (!value.is_string())
        continue;
      auto b = offset_of(text, value.source().begin);
      auto e = offset_of(text, value.source().end);
      if (b != std::string_view::npos && e != std::string_view::npos && b < e)
        out.emplace_back(b, e);
    }
  }
}

/// The spans of every env value of the plan's agents and MCP servers, in
/// order; empty when `text` does not parse.
std::vector<std::pair<size_t, size_t>> secret_spans(std::string_view text) {
  std::vector<std::pair<size_t, size_t>> spans;
  auto parsed = toml::parse(text, std::string_view{"plan"});
  if (!parsed)
    return spans;
  auto& root = parsed.table();
  env_spans(root.get("agents"), text, spans);
  if (auto* mcp = root.get_as<toml::table>("mcp"))
    env_spans(mcp->get("servers"), text, spans);
  std::sort(spans.begin(), spans.end());
  return spans;
}

std::string literal() {
  return "\"" + std::string{redacted_value} + "\"";
}

} // namespace

std::string redact_plan_secrets(std::string_view text) {
  auto spans = secret_spans(text);
  // From the end, so earlier offsets stay valid.
  std::string out{text};
  for (auto it = spans.rbegin(); it != spans.rend(); ++it)
    out.replace(it->first, it->second - it->first, literal());
  return out;
}

result<std::string> restore_plan_secrets(std::string_view recorded,
                                         std::string_view original,
                                         std::string_view original_name) {
  auto spans = secret_spans(recorded);
  bool redacted = std::any_of(spans.begin(), spans.end(), [&](auto& s) {
    return recorded.substr(s.first, s.second - s.first) == literal();
  });
  if (!redacted) // nothing was taken out (or a log from before redaction)
    return std::string{recorded};
  if (!original.empty() && redact_plan_secrets(original) == recorded)
    return std::string{original};
  return error{ec::invalid_argument,
               "the recorded plan's env values are redacted (secrets stay "
               "out of the log), and " + std::string{original_name}
                 + " is not the plan they came from (changed or gone): "
                   "restore it, or start a new run"};
}

} // namespace baton::engine
