#include "cli/run_table.hpp"

#include <algorithm>
#include <cstdio>

namespace baton::cli {

namespace {

size_t columns_of(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    n += (c & 0xC0) != 0x80;
  return n;
}

std::string pad(const std::string& s, size_t columns) {
  auto t = fit(s, columns);
  auto n = columns_of(t);
  if (n < columns)
    t.append(columns - n, ' ');
  return t;
}

const char* state_colour(const std::string& state) {
  if (state == "working")
    return "\x1b[33m";
  if (state == "idle" || state == "done")
    return "\x1b[32m";
  if (state == "waiting_approval" || state == "blocked")
    return "\x1b[35m";
  if (state == "error" || state == "exited")
    return "\x1b[31m";
  return "\x1b[2m";
}

std::string paint(const std::string& text, const char* colour, bool on) {
  return on ? colour + text + "\x1b[0m" : text;
}

} // namespace

std::string duration(uint64_t us) {
  auto s = us / 1'000'000;
  char buf[32];
  if (s < 60)
    std::snprintf(buf, sizeof buf, "%llus", static_cast<unsigned long long>(s));
  else if (s < 3600)
    std::snprintf(buf, sizeof buf, "%llum%02llus",
                  static_cast<unsigned long long>(s / 60),
                  static_cast<unsigned long long>(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%lluh%02llum",
                  static_cast<unsigned long long>(s / 3600),
                  static_cast<unsigned long long>(s / 60 % 60));
  return buf;
}

std::string fit(const std::string& text, size_t columns) {
  if (columns_of(text) <= columns)
    return text;
  if (columns == 0)
    return {};
  std::string out;
  size_t n = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    bool starts = (c & 0xC0) != 0x80;
    if (starts && ++n == columns)
      break;
    out += text[i];
  }
  return out + "…";
}

std::string render_table(const engine::run_view& v, const table_style& s) {
  // name role state task progress | last line (the rest) | time
  size_t name_w = 10, role_w = 12, state_w = 16, task_w = 10, prog_w = 6,
         time_w = 7;
  // Every state's name fits whole, with its restart count (no
  // "waiting_approva…").
  auto state_of = [](const engine::run_view_agent& a) {
    return a.state
           + (a.restarts > 0 ? " (" + std::to_string(a.restarts) + "x)"
                             : std::string{});
  };
  // An agent on another machine is shown as name@host.
  auto name_of = [](const engine::run_view_agent& a) {
    return a.host.empty() ? a.name : a.name + "@" + a.host;
  };
  for (auto& a : v.agents()) {
    state_w = std::max(state_w, columns_of(state_of(a)));
    name_w = std::max(name_w, std::min<size_t>(columns_of(name_of(a)), 24));
    role_w = std::max(role_w, std::min<size_t>(columns_of(a.role), 20));
    task_w = std::max(task_w, std::min<size_t>(columns_of(a.task), 16));
  }
  auto now = std::max(s.now_us, v.now_us());
  size_t fixed = name_w + role_w + state_w + task_w + prog_w + time_w + 6;
  size_t line_w = s.width > fixed + 10 ? s.width - fixed : 10;
  std::string out;
  auto row = [&](const std::string& name, const std::string& role,
                 const std::string& state, const char* colour,
                 const std::string& task, const std::string& progress,
                 const std::string& last, const std::string& time) {
    out += pad(name, name_w) + " " + pad(role, role_w) + " "
           + paint(pad(state, state_w), colour, s.colour && colour) + " "
           + pad(task, task_w) + " " + pad(progress, prog_w) + " "
           + pad(last, line_w) + " " + fit(time, time_w) + "\n";
  };
  row("AGENT", "ROLE", "STATE", nullptr, "TASK", "PROG", "LAST LINE", "TIME");
  for (auto& a : v.agents()) {
    row(name_of(a), a.role, state_of(a), state_colour(a.state), a.task, a.progress,
        a.last_line, duration(now >= a.since_us ? now - a.since_us : 0));
  }
  auto passed = v.tasks_passed();
  auto failed = v.tasks_failed();
  std::string footer = "tasks " + std::to_string(passed) + "/"
                       + std::to_string(v.tasks().size()) + " passed";
  if (failed > 0)
    footer += " · "
              + paint(std::to_string(failed) + " failed", "\x1b[31m", s.colour);
  footer += " · " + duration(now);
  if (v.finished)
    footer += v.ok
                ? " · run finished: " + paint("ok", "\x1b[32m", s.colour)
                : " · run finished: " + paint("not ok", "\x1b[31m", s.colour);
  out += footer + "\n";
  out += render_open_approvals(v, s);
  return out;
}

std::string render_open_approvals(const engine::run_view& v,
                                  const table_style& s) {
  std::string out;
  for (auto& a : v.open_approvals())
    // How to answer first: a long command is what gets cut.
    out += paint("approval " + a.id, "\x1b[33m", s.colour)
           + fit(" (baton approve|deny LOG " + a.id + ") " + a.agent
                   + (a.task.empty() ? "" : " (task " + a.task + ")")
                   + " asks " + a.tool
                   + (a.subject.empty() ? "" : " " + a.subject),
                 s.width > 20 ? s.width - 14 : 20)
           + "\n";
  return out;
}

std::string render_report(const engine::run_view& v, const table_style& s) {
  std::string out = "Report: " + (v.name.empty() ? v.plan : v.name) + "\n";
  for (auto& t : v.tasks()) {
    std::string outcome = t.status == "passed" ? "passed"
                          : t.status == "failed"
                            ? (t.attempts == 0 ? "not started" : "failed")
                            : "unfinished (" + t.status + ")";
    const char* colour = t.status == "passed" ? "\x1b[32m" : "\x1b[31m";
    if (outcome.size() < 12)
      outcome.append(12 - outcome.size(), ' ');
    out += "  " + pad(t.id, 12) + " " + paint(outcome, colour, s.colour) + " "
           + pad(t.agent, 12) + " attempts " + std::to_string(t.attempts)
           + "\n";
    if (t.status == "passed") {
      if (!t.evidence.empty())
        out += "      evidence: " + t.evidence + "\n";
    } else if (!t.reason.empty()) {
      out += "      why: " + t.reason + "\n";
    }
  }
  for (auto& x : v.violations())
    out += "  scope violation: " + x + "\n";
  if (!v.approvals().empty()) {
    out += "Approvals:\n";
    for (auto& a : v.approvals())
      out += "  " + a.id + " " + a.agent + " asked " + a.tool
             + (a.subject.empty() ? "" : " " + a.subject) + ": "
             + (a.answer.empty() ? "unanswered"
                                 : a.answer + " (" + a.by + ")")
             + "\n";
  }
  if (!v.recoveries().empty()) {
    out += "Recovery (what the engine did on its own):\n";
    for (auto& r : v.recoveries())
      out += "  " + r + "\n";
  }
  if (!v.finished)
    out += "Result: the run has not finished\n";
  else if (v.ok)
    out += "Result: every task passed its gates (" + v.summary + ")\n";
  else if (v.outcome == "reduced")
    out += "Result: shipped without some tasks, as the plan allows ("
           + v.summary + ")\n";
  else if (v.outcome == "operator")
    out += "Result: left for the operator (" + v.summary + ")\n";
  else
    out += "Result: NOT every task passed (" + v.summary + ")\n";
  return out;
}

std::string live_table::redraw(const std::string& table) {
  std::string out = clear();
  out += table;
  lines_ = static_cast<size_t>(std::count(table.begin(), table.end(), '\n'));
  return out;
}

std::string live_table::clear() {
  std::string out;
  if (lines_ > 0)
    out = "\x1b[" + std::to_string(lines_) + "F\x1b[J";
  lines_ = 0;
  return out;
}

} // namespace baton::cli
