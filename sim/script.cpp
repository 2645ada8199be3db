#include "sim/script.hpp"

#include <charconv>
#include <cmath>

#include "sim/protocol.hpp"
#include "sim/text.hpp"

namespace baton::sim {

namespace {

/// The parser's state across lines.
class parser {
public:
  parser(const scenario_context& ctx, rng& r) : ctx_(ctx), r_(r) {
    out_.turns.emplace_back();
  }

  /// Parses one line; an error message, or empty.
  std::string line(std::string_view text) {
    text = trim(text);
    if (text.empty() || text.front() == '#')
      return {};
    if (text.front() == '|')
      return row(text.substr(text.size() > 1 && text[1] == ' ' ? 2 : 1));
    auto space = text.find(' ');
    auto verb = text.substr(0, space);
    auto arg = space == std::string_view::npos ? std::string_view{}
                                               : trim(text.substr(space));
    return statement(verb, arg);
  }

  script take() {
    return std::move(out_);
  }

private:
  turn& current() {
    return out_.turns.back();
  }

  void push(step s) {
    current().push_back(std::move(s));
    rows_open_ = true;
  }

  std::string row(std::string_view text) {
    if (!rows_open_ || current().empty())
      return "a `|` row must follow a step (tool, contract, write, say, ...)";
    auto& s = current().back();
    if (s.kind == step_kind::say)
      s.text += "\n" + unescape(text);
    else
      s.lines.push_back(unescape(text));
    return {};
  }

  std::string statement(std::string_view verb, std::string_view arg);
  std::string protocol(std::string_view verb, std::string_view arg);
  std::string sized(std::string_view verb, std::string_view arg);

  const scenario_context& ctx_;
  rng& r_;
  script out_;
  bool rows_open_ = false;
};

/// Parses a non-negative decimal number of seconds into milliseconds.
bool parse_millis(std::string_view text, uint64_t& out) {
  std::string s{text};
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !(v >= 0) || v > 1e9)
    return false;
  out = static_cast<uint64_t>(std::llround(v * 1000));
  return true;
}

bool parse_int(std::string_view text, int& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

std::string parser::protocol(std::string_view verb, std::string_view arg) {
  if (verb == "progress") {
    auto space = arg.find(' ');
    auto frac = arg.substr(0, space);
    auto slash = frac.find('/');
    int x = 0;
    int y = 0;
    if (slash == std::string_view::npos || !parse_int(frac.substr(0, slash), x)
        || !parse_int(frac.substr(slash + 1), y))
      return "progress wants X/Y, e.g. `progress 2/5 wrote the parser`";
    auto text = space == std::string_view::npos ? std::string_view{}
                                                : trim(arg.substr(space));
    push({step_kind::protocol, progress_line(x, y, text)});
  } else if (verb == "build") {
    auto space = arg.find(' ');
    auto word = arg.substr(0, space);
    if (word == "pass" && space == std::string_view::npos)
      push({step_kind::protocol, build_line({})});
    else if (word == "fail" && space != std::string_view::npos)
      push({step_kind::protocol, build_line(trim(arg.substr(space)))});
    else
      return "build wants `pass` or `fail <error>`";
  } else if (verb == "status") {
    auto space = arg.find(' ');
    status_kind kind;
    if (!parse_status_kind(arg.substr(0, space), kind))
      return "status wants done, blocked or error";
    auto text = space == std::string_view::npos ? std::string_view{}
                                                : trim(arg.substr(space));
    push({step_kind::protocol, status_line(kind, text)});
  } else if (verb == "need" || verb == "task" || verb == "contract") {
    if (arg.empty())
      return std::string{verb} + " wants a text";
    std::string head = verb == "need"   ? "NEED: "
                       : verb == "task" ? "TASK: "
                                        : "CONTRACT: ";
    push({step_kind::protocol, head + std::string{arg}});
  } else {
    return "unknown verb `" + std::string{verb} + "`";
  }
  return {};
}

std::string parser::sized(std::string_view verb, std::string_view arg) {
  uint64_t n = 0;
  if (verb == "work" || verb == "stall") {
    if (!parse_millis(arg, n))
      return std::string{verb} + " wants seconds, e.g. `" + std::string{verb}
             + " 2.5`";
    if (verb == "work")
      push({step_kind::work, {}, {}, (n + 50) / 100});
    else
      push({step_kind::stall, {}, {}, n});
    return {};
  }
  if (!parse_size(arg, n))
    return std::string{verb} + " wants a byte count, e.g. `" + std::string{verb}
           + " 64K`";
  auto kind = verb == "garbage"    ? step_kind::garbage
              : verb == "longline" ? step_kind::long_line
                                   : step_kind::flood;
  push({kind, {}, {}, n});
  return {};
}

std::string parser::statement(std::string_view verb, std::string_view arg) {
  rows_open_ = false;
  std::string a{arg};
  if (verb == "turn") {
    if (!current().empty())
      out_.turns.emplace_back();
  } else if (verb == "scenario") {
    if (!add_scenario(arg, ctx_, r_, current()))
      return "unknown scenario `" + a + "`";
  } else if (verb == "say") {
    push({step_kind::say, unescape(arg)});
  } else if (verb == "tool" || verb == "fail" || verb == "ask") {
    if (arg.empty())
      return std::string{verb} + " wants a call, e.g. `tool Bash(make)`";
    auto kind = verb == "ask" ? step_kind::ask : step_kind::tool;
    push({kind, a, {}, 0, verb == "fail"});
  } else if (verb == "work" || verb == "stall" || verb == "garbage"
             || verb == "longline" || verb == "flood") {
    return sized(verb, arg);
  } else if (verb == "wait" || verb == "compact") {
    push({verb == "wait" ? step_kind::wait : step_kind::compact});
  } else if (verb == "crash" || verb == "exit") {
    int code = verb == "crash" ? 3 : 0;
    if (!arg.empty() && !parse_int(arg, code))
      return std::string{verb} + " wants an exit code";
    auto kind = verb == "crash" ? step_kind::crash : step_kind::exit;
    push({kind,
          verb == "crash" ? "● Working on it, almost th" : "",
          {},
          static_cast<uint64_t>(code)});
  } else if (verb == "write") {
    if (arg.empty())
      return "write wants a relative path";
    push({step_kind::write_file, a});
  } else if (verb == "raw" || verb == "title") {
    auto kind = verb == "raw" ? step_kind::raw : step_kind::title;
    push({kind, unescape(arg)});
  } else {
    return protocol(verb, arg);
  }
  return {};
}

} // namespace

result<script> parse_script(std::string_view text, const scenario_context& ctx,
                            rng& r) {
  parser p{ctx, r};
  size_t number = 0;
  while (!text.empty()) {
    ++number;
    auto nl = text.find('\n');
    auto problem = p.line(text.substr(0, nl));
    if (!problem.empty())
      return error{ec::parse_error,
                   "line " + std::to_string(number) + ": " + problem};
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  }
  auto s = p.take();
  if (s.turns.size() > 1 && s.turns.back().empty())
    s.turns.pop_back();
  return s;
}

std::string directives_of(std::string_view input) {
  std::string out;
  while (!input.empty()) {
    auto nl = input.find('\n');
    auto line = trim(input.substr(0, nl));
    if (line.starts_with("@sim ") || line == "@sim") {
      out += line.substr(4);
      out += '\n';
    }
    input.remove_prefix(nl == std::string_view::npos ? input.size() : nl + 1);
  }
  return out;
}

} // namespace baton::sim
