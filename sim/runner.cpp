#include "sim/runner.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "sim/protocol.hpp"

namespace baton::sim {

namespace {

using namespace std::chrono_literals;

/// Nominal milliseconds per spinner frame (before --speed).
constexpr uint64_t frame_millis = 100;

/// Spinner verbs and their past tense for the `✻ Worked for 3s` row.
constexpr std::array<std::pair<std::string_view, std::string_view>, 6> verbs
  = {{{"Working", "Worked"},
      {"Thinking", "Thought"},
      {"Pondering", "Pondered"},
      {"Crafting", "Crafted"},
      {"Brewing", "Brewed"},
      {"Computing", "Computed"}}};

constexpr std::string_view idle_title = "sim: idle";
constexpr std::string_view working_title = "sim: working…";
constexpr std::string_view asking_title = "sim: waiting for approval";

/// Ends escape and string sequences garbage may have opened, resets
/// attributes, margins and character sets (DECSTR), and re-enables
/// bracketed paste.
constexpr std::string_view after_garbage
  = "\x18\x1b\\\x0f\x1b(B\x1b[!p\x1b[0m\x1b[?2004h\r\n";

/// A path the sim may write: relative, with no `..` component.
bool safe_path(std::string_view path) {
  if (path.empty() || path.front() == '/')
    return false;
  size_t at = 0;
  while (at <= path.size()) {
    auto end = std::min(path.find('/', at), path.size());
    if (path.substr(at, end - at) == "..")
      return false;
    at = end + 1;
  }
  return true;
}

} // namespace

runner::runner(port& io, const sim_options& opts, turn_source turns)
  : io_(io), opts_(opts), turns_(std::move(turns)), screen_(io.columns()),
    noise_(opts.seed ^ 0x5eed5eed5eed5eedull) {
}

run_outcome runner::run() {
  std::string welcome
    = "\x1b[38;5;174m✻\x1b[0m Welcome to \x1b[1mbaton sim\x1b[0m";
  std::string about = "\x1b[2m  scenario " + turns_.first_scenario()
                      + (opts_.role.empty() ? "" : " · role " + opts_.role)
                      + " · seed " + std::to_string(opts_.seed) + "\x1b[0m";
  // Bracketed paste on, the title, and a DA1 query as real CLIs send at
  // start (an answer is dropped by the input decoder).
  emit("\x1b[?2004h" + screen::title(idle_title) + "\x1b[c");
  emit(screen_.print({welcome, about}));
  while (!stopped()) {
    auto input = read_prompt();
    if (!input)
      break;
    play(turns_.next(*input));
  }
  if (crash_)
    return {*crash_, true};
  if (closed_)
    return {1, false};
  emit(screen_.erase() + "\x1b[?2004l\x1b[?25h\x1b[0m" + screen::title(""));
  return {exit_.value_or(0), false};
}

bool runner::stopped() const {
  return closed_ || exit_ || crash_;
}

void runner::emit(std::string_view bytes) {
  if (!closed_ && !bytes.empty() && !io_.write(bytes))
    closed_ = true;
}

void runner::absorb(const input_chunk& chunk) {
  if (chunk.resized)
    emit(screen_.resize(io_.columns()));
  if (chunk.eof)
    eof_ = true;
  if (chunk.bytes.empty())
    return;
  std::vector<key_event> keys;
  decoder_.feed(chunk.bytes, keys);
  for (auto& k : keys)
    keys_.push_back(std::move(k));
}

std::optional<key_event> runner::next_key() {
  while (keys_.empty()) {
    if (eof_ || closed_)
      return std::nullopt;
    absorb(io_.read(std::nullopt));
  }
  auto k = std::move(keys_.front());
  keys_.pop_front();
  return k;
}

std::optional<std::string> runner::read_prompt() {
  emit(screen::title(idle_title) + screen_.idle(editor_.display()));
  for (;;) {
    auto key = next_key();
    if (!key)
      return std::nullopt;
    switch (editor_.apply(*key)) {
      case line_editor::outcome::none: break;
      case line_editor::outcome::changed:
        emit(screen_.idle(editor_.display()));
        break;
      case line_editor::outcome::submit: {
        auto text = editor_.take();
        emit(screen_.idle(""));
        emit(screen_.print(screen_.echo(text)));
        return text;
      }
      case line_editor::outcome::interrupt:
      case line_editor::outcome::end: return std::nullopt;
    }
  }
}

bool runner::read_permission() {
  for (;;) {
    auto key = next_key();
    if (!key)
      return false;
    using kind = key_event::kind;
    if (key->what == kind::interrupt) {
      interrupted_ = true;
      return false;
    }
    if (key->what == kind::escape)
      return false;
    if (key->what != kind::text)
      continue;
    if (key->text == "y" || key->text == "Y" || key->text == "1")
      return true;
    if (key->text == "n" || key->text == "N" || key->text == "2")
      return false;
  }
}

void runner::pause(uint64_t millis, bool scaled) {
  if (scaled) {
    if (opts_.speed <= 0)
      return;
    millis = static_cast<uint64_t>(std::llround(millis / opts_.speed));
  }
  auto until = io_.now() + std::chrono::milliseconds(millis);
  while (!closed_ && io_.now() < until) {
    absorb(io_.read(until));
    auto hit = std::find_if(keys_.begin(), keys_.end(), [](auto& k) {
      return k.what == key_event::kind::interrupt;
    });
    if (hit != keys_.end()) {
      keys_.erase(hit);
      interrupted_ = true;
      return;
    }
  }
}

std::string runner::spinner() const {
  return screen::spinner(frame_, verb_, frame_ / 10);
}

void runner::enter_working() {
  emit(screen::title(working_title) + screen_.working(spinner()));
}

void runner::print(const std::vector<std::string>& rows) {
  emit(screen_.print(rows));
}

void runner::play(const turn& t) {
  frame_ = 0;
  turn_over_ = false;
  verb_index_ = noise_.next() % verbs.size();
  verb_ = verbs[verb_index_].first;
  enter_working();
  for (size_t i = 0; i < t.size(); ++i) {
    if (stopped() || interrupted_ || turn_over_)
      break;
    if (t[i].kind == step_kind::protocol)
      i = play_protocol(t, i) - 1;
    else
      play_step(t[i]);
  }
  if (stopped())
    return;
  if (interrupted_) {
    print({"\x1b[2m  ⎿  \x1b[0m\x1b[31mInterrupted by user\x1b[0m"});
    interrupted_ = false;
    return;
  }
  print_worked();
}

void runner::print_worked() {
  print(screen_.note("✻ " + std::string{verbs[verb_index_].second} + " for "
                     + std::to_string(frame_ / 10) + "s"));
}

size_t runner::play_protocol(const turn& t, size_t i) {
  std::string text;
  for (; i < t.size() && t[i].kind == step_kind::protocol; ++i) {
    if (!text.empty())
      text += '\n';
    text += t[i].text;
    for (auto& line : t[i].lines)
      text += "\n" + line;
    bool more = i + 1 < t.size() && t[i + 1].kind == step_kind::protocol;
    if (!t[i].lines.empty() && more)
      text += '\n';
  }
  print(screen_.message(text));
  return i;
}

void runner::play_step(const step& s) {
  switch (s.kind) {
    case step_kind::say: print(screen_.message(s.text)); break;
    case step_kind::tool: print(screen_.tool(s.text, s.lines, s.failed)); break;
    case step_kind::ask: play_ask(s); break;
    case step_kind::work: play_work(s.count, verb_); break;
    case step_kind::protocol: print(screen_.message(s.text)); break;
    case step_kind::wait:
      // The turn ends here as far as the screen shows; the answer starts
      // the next one.
      print_worked();
      if (!read_prompt()) {
        exit_ = 0;
        return;
      }
      frame_ = 0;
      enter_working();
      break;
    case step_kind::compact:
      play_work(10, "Compacting conversation");
      print(screen_.note("✻ Conversation compacted · ctrl+r for history"));
      break;
    case step_kind::crash:
      emit(screen_.erase() + s.text);
      crash_ = static_cast<int>(s.count);
      break;
    case step_kind::stall: pause(s.count, false); break;
    case step_kind::garbage:
    case step_kind::long_line:
    case step_kind::flood: play_noise(s); break;
    case step_kind::write_file: play_write(s); break;
    case step_kind::raw: emit(screen_.erase() + s.text + screen_.draw()); break;
    case step_kind::title: emit(screen::title(s.text)); break;
    case step_kind::exit: exit_ = static_cast<int>(s.count); break;
    case step_kind::mcp: play_mcp(s); break;
    case step_kind::mcp_wait: play_mcp_wait(s); break;
    case step_kind::mcp_report: play_mcp_report(s); break;
  }
}

mcp_client* runner::mcp() {
  if (!mcp_ && mcp_error_.empty()) {
    auto c = mcp_client::start(".", "baton");
    if (c)
      mcp_ = std::move(*c);
    else
      mcp_error_ = c.err().message();
  }
  return mcp_.get();
}

void runner::play_mcp(const step& s) {
  auto row = "baton - " + s.text + " (MCP)";
  auto* c = mcp();
  if (c == nullptr) {
    print(screen_.tool(row, {mcp_error_}, true));
    return;
  }
  auto args = nlohmann::json::parse(s.lines.empty() ? "{}" : s.lines[0],
                                    nullptr, false);
  auto r = c->call(s.text, args.is_discarded() ? nlohmann::json::object()
                                               : args);
  if (!r) {
    print(screen_.tool(row, {r.err().message()}, true));
    return;
  }
  auto shown = r->dump();
  if (shown.size() > 100)
    shown = shown.substr(0, 97) + "...";
  print(screen_.tool(row, {shown}, false));
}

void runner::play_mcp_wait(const step& s) {
  auto* c = mcp();
  if (c == nullptr)
    return;
  // Short waits with the spinner between them: the screen shows work.
  for (;;) {
    if (stopped() || interrupted_)
      return;
    auto r = c->call("wait_for", {{"condition", "task_settled"},
                                  {"task", s.text},
                                  {"timeout_seconds", 5}});
    if (!r) {
      print(screen_.tool("baton - wait_for (MCP)", {r.err().message()}, true));
      settled_.emplace_back(s.text, false);
      return;
    }
    if (r->value("met", false)) {
      auto status = (*r)["detail"].value("status", "");
      print(screen_.tool("baton - wait_for (MCP)",
                         {"task " + s.text + " " + status}, false));
      settled_.emplace_back(s.text, status == "passed");
      return;
    }
    play_work(5, "Waiting for the team");
  }
}

void runner::play_mcp_report(const step& s) {
  if (mcp_ == nullptr) {
    print(screen_.message(status_line(
      status_kind::blocked, "cannot reach Baton's MCP server: " + mcp_error_)));
    return;
  }
  std::string passed;
  std::string failed;
  size_t n = 0;
  for (auto& [task, ok] : settled_) {
    auto& list = ok ? passed : failed;
    list += (list.empty() ? "" : ", ") + task;
    n += ok ? 1 : 0;
  }
  if (!failed.empty())
    print(screen_.message(status_line(status_kind::blocked,
                                      "tasks did not pass: " + failed)));
  else
    print(screen_.message("STATUS: DONE — " + s.text + " + "
                          + std::to_string(n) + " tasks passed: " + passed));
}

void runner::play_ask(const step& s) {
  emit(screen::title(asking_title) + screen_.asking(s.text));
  bool yes = read_permission();
  enter_working();
  if (yes) {
    print(screen_.tool(s.text,
                       s.lines.empty() ? std::vector<std::string>{"(no output)"}
                                       : s.lines,
                       false));
    return;
  }
  print(screen_.tool(s.text, {"User rejected " + s.text}, true));
  if (!interrupted_)
    print(screen_.message(
      status_line(status_kind::blocked, "permission denied for " + s.text)));
  turn_over_ = true;
}

void runner::play_work(uint64_t frames, std::string_view verb) {
  auto saved = verb_;
  verb_ = verb;
  for (uint64_t k = 0; k < frames && !interrupted_ && !closed_; ++k) {
    ++frame_;
    emit(screen_.spin(spinner()));
    pause(frame_millis, true);
  }
  verb_ = saved;
}

void runner::play_noise(const step& s) {
  constexpr size_t chunk = 64 << 10;
  emit(screen_.erase());
  std::string buf;
  uint64_t line = 0;
  for (uint64_t left = s.count; left > 0 && !closed_;) {
    buf.clear();
    while (buf.size() < chunk && buf.size() < left) {
      if (s.kind == step_kind::garbage)
        buf += static_cast<char>(noise_.next() & 0xFF);
      else if (s.kind == step_kind::long_line)
        buf += static_cast<char>('a' + noise_.next() % 26);
      else {
        auto n = std::to_string(++line);
        buf += "flood " + std::string(10 - std::min<size_t>(10, n.size()), '0')
               + n + " the quick brown fox jumps over the lazy dog 0123456789"
               + "\r\n";
      }
    }
    if (buf.size() > left)
      buf.resize(left);
    left -= buf.size();
    emit(buf);
  }
  if (s.kind == step_kind::garbage)
    emit(after_garbage);
  else if (s.kind == step_kind::long_line || !buf.ends_with("\r\n"))
    emit("\r\n");
  emit(screen_.draw());
}

void runner::play_write(const step& s) {
  std::string content;
  for (auto& line : s.lines) {
    content += line;
    if (!line.ends_with('\n'))
      content += '\n';
  }
  std::string problem = safe_path(s.text)
                          ? io_.write_file(s.text, content)
                          : "the sim writes only relative paths without ..";
  if (!problem.empty()) {
    print(screen_.tool("Write(" + s.text + ")", {problem}, true));
    return;
  }
  auto lines = std::count(content.begin(), content.end(), '\n');
  print(screen_.tool("Write(" + s.text + ")",
                     {"Wrote " + std::to_string(lines) + " lines to " + s.text},
                     false));
}

} // namespace baton::sim
