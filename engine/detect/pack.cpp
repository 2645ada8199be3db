#include "engine/detect/pack.hpp"

#include <algorithm>
#include <charconv>

#include <re2/re2.h>
#include <toml++/toml.h>

namespace baton::engine::detect {

namespace {

/// Deeper all/any/not nesting is an error (and bounds the recursion).
constexpr int max_depth = 16;
/// The longest quiet period a rule may ask for: one hour.
constexpr int64_t max_quiet_ms = 3'600'000;

/// Builds "<source>:<line>: <what>" errors.
class reader {
public:
  explicit reader(std::string_view source) : source_(source) {
  }

  error fail(const toml::source_region& where, std::string what) const {
    return fail(where.begin.line, std::move(what));
  }

  error fail(size_t line, std::string what) const {
    return error{ec::parse_error,
                 source_ + ":" + std::to_string(line) + ": " + what};
  }

  result<void> known_keys(const toml::table& t,
                          std::initializer_list<std::string_view> keys,
                          std::string_view where) const {
    for (auto&& [k, v] : t)
      if (std::find(keys.begin(), keys.end(), k.str()) == keys.end())
        return fail(k.source(), "unknown key '" + std::string{k.str()} + "'"
                                  + std::string{where});
    return {};
  }

  result<std::shared_ptr<const re2::RE2>> regex(const toml::node& n,
                                                std::string_view what) const {
    auto text = n.value<std::string>();
    if (!text)
      return fail(n.source(), std::string{what} + " must be a string");
    re2::RE2::Options opts;
    opts.set_log_errors(false);
    auto re = std::make_shared<const re2::RE2>(*text, opts);
    if (!re->ok())
      return fail(n.source(),
                  std::string{what} + " '" + *text
                    + "' is not a valid regular expression: " + re->error());
    return re;
  }

  result<condition> read_condition(const toml::table& t, region inherited,
                                   std::string_view rule, int depth) const;

private:
  std::string source_;
};

std::string in_rule(std::string_view rule) {
  return " in rule '" + std::string{rule} + "'";
}

result<condition> reader::read_condition(const toml::table& t, region inherited,
                                         std::string_view rule,
                                         int depth) const {
  if (depth > max_depth)
    return fail(t.source(), "conditions nested too deeply" + in_rule(rule));
  condition c;
  c.where = inherited;
  if (auto* r = t.get("region")) {
    auto spec = r->value<std::string>();
    if (!spec)
      return fail(r->source(), "region must be a string" + in_rule(rule));
    auto parsed = parse_region(*spec);
    if (!parsed)
      return fail(r->source(), parsed.err().message() + in_rule(rule));
    c.where = *parsed;
  }
  int forms = 0;
  for (auto key : {"pattern", "all", "any", "not"})
    forms += t.contains(key) ? 1 : 0;
  if (forms != 1)
    return fail(t.source(),
                "needs exactly one of pattern, all, any, not" + in_rule(rule));
  if (auto* p = t.get("pattern")) {
    auto re = regex(*p, "pattern");
    if (!re)
      return re.err();
    c.what = condition::op::match;
    c.pattern = (*re)->pattern();
    c.re = std::move(*re);
    return c;
  }
  if (auto* n = t.get("not")) {
    auto* sub = n->as_table();
    if (sub == nullptr)
      return fail(n->source(), "not must be a table" + in_rule(rule));
    auto child = read_condition(*sub, c.where, rule, depth + 1);
    if (!child)
      return child.err();
    c.what = condition::op::none;
    c.children.push_back(std::move(*child));
    return c;
  }
  bool all = t.contains("all");
  auto* list = t.get(all ? "all" : "any");
  auto* arr = list->as_array();
  if (arr == nullptr || arr->empty())
    return fail(list->source(), std::string{all ? "all" : "any"}
                                  + " must be a non-empty array of tables"
                                  + in_rule(rule));
  c.what = all ? condition::op::all : condition::op::any;
  for (auto& item : *arr) {
    auto* sub = item.as_table();
    if (sub == nullptr)
      return fail(item.source(),
                  "a sub-condition must be a table" + in_rule(rule));
    if (auto keys = known_keys(*sub, {"region", "pattern", "all", "any", "not"},
                               in_rule(rule));
        !keys)
      return keys.err();
    auto child = read_condition(*sub, c.where, rule, depth + 1);
    if (!child)
      return child.err();
    c.children.push_back(std::move(*child));
  }
  return c;
}

result<rule> read_rule(const reader& rd, const toml::table& t) {
  auto line = t.source().begin.line;
  auto name = t["name"].value<std::string>();
  if (!name || name->empty())
    return rd.fail(line, "a rule needs a name");
  if (auto keys = rd.known_keys(
        t,
        {"name", "state", "region", "pattern", "all", "any", "not", "quiet_ms"},
        in_rule(*name));
      !keys)
    return keys.err();
  rule r;
  r.name = *name;
  r.line = line;
  auto* st = t.get("state");
  if (st == nullptr)
    return rd.fail(line, "rule '" + r.name + "' needs a state");
  auto state_name = st->value<std::string>();
  auto s = state_name ? state_from_string(*state_name) : std::nullopt;
  if (!s)
    return rd.fail(st->source(),
                   "rule '" + r.name + "': unknown state '"
                     + state_name.value_or("?")
                     + "' (expected starting, working, idle, "
                       "waiting_approval, done, blocked, error, exited or "
                       "unknown)");
  r.state = *s;
  if (auto* q = t.get("quiet_ms")) {
    auto ms = q->value<int64_t>();
    if (!q->is_integer() || !ms || *ms < 0 || *ms > max_quiet_ms)
      return rd.fail(q->source(), "rule '" + r.name
                                    + "': quiet_ms must be an integer from 0 "
                                      "to 3600000");
    r.quiet_us = static_cast<uint64_t>(*ms) * 1000;
  }
  auto when = rd.read_condition(t, region{}, r.name, 0);
  if (!when)
    return when.err();
  r.when = std::move(*when);
  return r;
}

std::optional<std::vector<uint32_t>> parse_version(std::string_view v) {
  auto end = v.find_first_of("-+ ");
  v = v.substr(0, end);
  std::vector<uint32_t> parts;
  while (!v.empty()) {
    uint32_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{})
      return std::nullopt;
    parts.push_back(n);
    v.remove_prefix(static_cast<size_t>(p - v.data()));
    if (v.empty())
      break;
    if (v.front() != '.' || v.size() == 1)
      return std::nullopt;
    v.remove_prefix(1);
  }
  if (parts.empty())
    return std::nullopt;
  return parts;
}

result<std::vector<version_bound>> parse_range(std::string_view range) {
  std::vector<version_bound> out;
  std::string pending_op;
  size_t i = 0;
  while (i < range.size()) {
    while (i < range.size() && (range[i] == ' ' || range[i] == ','))
      ++i;
    auto j = i;
    while (j < range.size() && range[j] != ' ' && range[j] != ',')
      ++j;
    if (j == i)
      break;
    std::string token = pending_op + std::string{range.substr(i, j - i)};
    i = j;
    auto digits = token.find_first_of("0123456789");
    auto op = token.substr(0, digits);
    if (digits == std::string::npos) {
      pending_op = token; // an operator written apart from its version
      continue;
    }
    pending_op.clear();
    version_bound b;
    if (op == ">=")
      b.cmp = version_bound::op::ge;
    else if (op == "<=")
      b.cmp = version_bound::op::le;
    else if (op == ">")
      b.cmp = version_bound::op::gt;
    else if (op == "<")
      b.cmp = version_bound::op::lt;
    else if (op.empty() || op == "=" || op == "==")
      b.cmp = version_bound::op::eq;
    else
      return error{ec::parse_error, "unknown comparison '" + op + "'"};
    auto v = parse_version(std::string_view{token}.substr(digits));
    if (!v)
      return error{ec::parse_error, "bad version '" + token + "'"};
    b.version = std::move(*v);
    out.push_back(std::move(b));
  }
  if (!pending_op.empty() || out.empty())
    return error{ec::parse_error, "no version after '" + pending_op + "'"};
  return out;
}

int compare(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    auto x = i < a.size() ? a[i] : 0;
    auto y = i < b.size() ? b[i] : 0;
    if (x != y)
      return x < y ? -1 : 1;
  }
  return 0;
}

result<void> read_strings(const reader& rd, const toml::table& t, pack& p) {
  auto text = [&](std::string_view key, std::string& out) -> result<void> {
    if (auto* n = t.get(key)) {
      auto v = n->value<std::string>();
      if (!v)
        return rd.fail(n->source(), std::string{key} + " must be a string");
      out = *v;
    }
    return {};
  };
  for (auto [key, field] :
       {std::pair<std::string_view, std::string*>{"name", &p.name},
        {"description", &p.description},
        {"cli", &p.cli},
        {"cli_versions", &p.cli_versions},
        {"submit", &p.submit}})
    if (auto r = text(key, *field); !r)
      return r;
  if (auto* n = t.get("version")) {
    if (n->is_integer())
      p.version = std::to_string(*n->value<int64_t>());
    else if (auto v = n->value<std::string>())
      p.version = *v;
    else
      return rd.fail(n->source(), "version must be a string or an integer");
  }
  return {};
}

result<void> read_header(const reader& rd, const toml::table& t, pack& p) {
  if (auto keys
      = rd.known_keys(t,
                      {"name", "version", "description", "cli", "cli_versions",
                       "input_ready", "submit", "bracketed_paste",
                       "compaction_marker", "unknown_quiet_ms", "rule",
                       "approval", "redraws_in_place", "startup_quiet_ms"},
                      "");
      !keys)
    return keys;
  if (auto r = read_strings(rd, t, p); !r)
    return r;
  if (p.name.empty())
    return rd.fail(1, "the pack needs a name");
  if (p.version.empty())
    return rd.fail(1, "the pack needs a version");
  if (p.submit.empty())
    return rd.fail(t["submit"].node()->source(), "submit must not be empty");
  if (!p.cli_versions.empty()) {
    auto bounds = parse_range(p.cli_versions);
    if (!bounds)
      return rd.fail(t["cli_versions"].node()->source(),
                     "cli_versions: " + bounds.err().message());
    p.cli_bounds = std::move(*bounds);
  }
  if (auto* n = t.get("bracketed_paste")) {
    auto v = n->value<bool>();
    if (!n->is_boolean() || !v)
      return rd.fail(n->source(), "bracketed_paste must be true or false");
    p.bracketed_paste = *v;
  }
  if (auto* n = t.get("redraws_in_place")) {
    auto v = n->value<bool>();
    if (!n->is_boolean() || !v)
      return rd.fail(n->source(), "redraws_in_place must be true or false");
    p.redraws_in_place = *v;
  }
  if (auto* n = t.get("startup_quiet_ms")) {
    auto ms = n->value<int64_t>();
    if (!n->is_integer() || !ms || *ms < 0 || *ms > max_quiet_ms)
      return rd.fail(n->source(), "startup_quiet_ms must be an integer from 0 "
                                  "to 3600000");
    p.startup_quiet_us = static_cast<uint64_t>(*ms) * 1000;
  }
  if (auto* n = t.get("unknown_quiet_ms")) {
    auto ms = n->value<int64_t>();
    if (!n->is_integer() || !ms || *ms < 0 || *ms > max_quiet_ms)
      return rd.fail(n->source(), "unknown_quiet_ms must be an integer from 0 "
                                  "to 3600000");
    p.unknown_quiet_us = static_cast<uint64_t>(*ms) * 1000;
  }
  if (auto* n = t.get("compaction_marker")) {
    auto re = rd.regex(*n, "compaction_marker");
    if (!re)
      return re.err();
    p.compaction_marker = std::move(*re);
  }
  p.input_ready = {state::idle};
  if (auto* n = t.get("input_ready")) {
    auto* arr = n->as_array();
    if (arr == nullptr)
      return rd.fail(n->source(), "input_ready must be an array of states");
    p.input_ready.clear();
    for (auto& item : *arr) {
      auto name = item.value<std::string>();
      auto s = name ? state_from_string(*name) : std::nullopt;
      if (!s)
        return rd.fail(item.source(), "input_ready: unknown state '"
                                        + name.value_or("?") + "'");
      p.input_ready.push_back(*s);
    }
  }
  return {};
}

result<void> read_rules(const reader& rd, const toml::table& t, pack& p) {
  auto* rules = t.get("rule");
  auto* arr = rules != nullptr ? rules->as_array() : nullptr;
  if (rules != nullptr && arr == nullptr)
    return rd.fail(rules->source(), "rule must be an array of tables "
                                    "([[rule]])");
  if (arr == nullptr || arr->empty())
    return rd.fail(1, "the pack has no [[rule]]");
  for (auto& item : *arr) {
    auto* table = item.as_table();
    if (table == nullptr)
      return rd.fail(item.source(), "a rule must be a table");
    auto r = read_rule(rd, *table);
    if (!r)
      return r.err();
    for (auto& other : p.rules)
      if (other.name == r->name)
        return rd.fail(r->line, "duplicate rule name '" + r->name
                                  + "' (first at line "
                                  + std::to_string(other.line) + ")");
    p.rules.push_back(std::move(*r));
  }
  return {};
}

result<void> read_approval(const reader& rd, const toml::table& root,
                           pack& p) {
  auto* n = root.get("approval");
  if (n == nullptr)
    return {};
  auto* t = n->as_table();
  if (t == nullptr)
    return rd.fail(n->source(), "approval must be a table ([approval])");
  if (auto keys = rd.known_keys(*t, {"allow", "allow_always", "deny", "ask"},
                                " in [approval]");
      !keys)
    return keys;
  auto& a = p.approval;
  for (auto [key, field] :
       {std::pair<std::string_view, std::string*>{"allow", &a.allow},
        {"allow_always", &a.allow_always},
        {"deny", &a.deny}})
    if (auto* k = t->get(key)) {
      auto v = k->value<std::string>();
      if (!v || v->empty())
        return rd.fail(k->source(), "approval." + std::string{key}
                                      + " must be a non-empty string");
      *field = *v;
    }
  if (a.allow.empty() || a.deny.empty())
    return rd.fail(n->source(), "[approval] needs the keys for allow and "
                                "deny");
  auto* asks = t->get("ask");
  if (asks == nullptr)
    return {};
  auto* arr = asks->as_array();
  if (arr == nullptr)
    return rd.fail(asks->source(), "approval.ask must be an array of tables "
                                   "([[approval.ask]])");
  for (auto& item : *arr) {
    auto* ask = item.as_table();
    if (ask == nullptr)
      return rd.fail(item.source(), "an approval.ask must be a table");
    if (auto keys = rd.known_keys(*ask, {"region", "pattern", "tool"},
                                  " in [[approval.ask]]");
        !keys)
      return keys;
    approval_ask_rule r;
    r.line = item.source().begin.line;
    if (auto* reg = ask->get("region")) {
      auto spec = reg->value<std::string>();
      if (!spec)
        return rd.fail(reg->source(), "region must be a string");
      auto parsed = parse_region(*spec);
      if (!parsed)
        return rd.fail(reg->source(), parsed.err().message());
      r.where = *parsed;
    }
    auto* pat = ask->get("pattern");
    if (pat == nullptr)
      return rd.fail(item.source(), "an approval.ask needs a pattern");
    auto re = rd.regex(*pat, "pattern");
    if (!re)
      return re.err();
    r.re = std::move(*re);
    if (auto* tool = ask->get("tool")) {
      auto v = tool->value<std::string>();
      if (!v)
        return rd.fail(tool->source(), "tool must be a string");
      r.tool = *v;
    }
    a.asks.push_back(std::move(r));
  }
  return {};
}

} // namespace

std::string approval_spec::keys(std::string_view answer) const {
  if (answer == "allow")
    return allow;
  if (answer == "allow_always")
    return allow_always.empty() ? allow : allow_always;
  if (answer == "deny")
    return deny;
  return {};
}

bool pack::accepts_input(detect::state s) const {
  return std::find(input_ready.begin(), input_ready.end(), s)
         != input_ready.end();
}

bool pack::fits_cli_version(std::string_view v) const {
  if (cli_bounds.empty())
    return true;
  auto version = parse_version(v);
  if (!version)
    return false;
  return std::all_of(cli_bounds.begin(), cli_bounds.end(), [&](auto& b) {
    auto c = compare(*version, b.version);
    switch (b.cmp) {
      case version_bound::op::eq: return c == 0;
      case version_bound::op::lt: return c < 0;
      case version_bound::op::le: return c <= 0;
      case version_bound::op::gt: return c > 0;
      case version_bound::op::ge: return c >= 0;
    }
    return false;
  });
}

input_style pack::input() const {
  input_style style;
  style.bracketed_paste = bracketed_paste;
  style.submit = submit;
  return style;
}

result<pack> parse_pack(std::string_view toml_text, std::string_view source) {
  reader rd{source};
  toml::table root;
  try {
    root = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    // toml++ reports bad TOML by exception; it stops here.
    return rd.fail(e.source(), std::string{e.description()});
  }
  pack p;
  p.source = std::string{source};
  p.text = std::string{toml_text};
  if (auto r = read_header(rd, root, p); !r)
    return r.err();
  if (auto r = read_rules(rd, root, p); !r)
    return r.err();
  if (auto r = read_approval(rd, root, p); !r)
    return r.err();
  return p;
}

} // namespace baton::engine::detect
