#include "sim/scenarios.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "sim/protocol.hpp"
#include "sim/text.hpp"

namespace baton::sim {

namespace {

constexpr std::array<scenario_info, 16> all = {{
  {"normal", "reads, edits, PROGRESS per step, runs the tests, BUILD: PASS, "
             "STATUS: DONE"},
  {"slow", "the normal task with about eight times the work per step"},
  {"permission", "asks `Allow Bash(rm -rf build)? [y/n]`; y continues, n "
                 "ends with STATUS: BLOCKED"},
  {"loop", "the same BUILD: FAIL on every attempt (--steps attempts), then "
           "STATUS: ERROR"},
  {"compact", "`✻ Conversation compacted` midway, then PROGRESS restarts "
              "from 1"},
  {"compact-blocked", "compaction, then STATUS: BLOCKED — context compacted; "
                      "waits for an answer, then finishes"},
  {"blocked", "NEED + STATUS: BLOCKED, waits for an answer typed in, then "
              "finishes (no NEED once a CONTRACT: line was typed in)"},
  {"contract", "publishes a CONTRACT (and writes the role's files) midway"},
  {"error", "a failing test run, then STATUS: ERROR"},
  {"tasks", "discovers work: TASK: lines for a swarm board, then DONE"},
  {"crash", "exits with --crash-code midway, in the middle of a line"},
  {"stall", "no output at all for --stall-seconds, then finishes"},
  {"incomplete", "like normal, but the role's files are drafts a gate "
                 "rejects (the builder's default); the next input, normal, "
                 "writes them in full"},
  {"garbage", "binary garbage (--bytes, 64 KiB), then finishes"},
  {"longline", "one line of --bytes (10 MiB) with no newline, then finishes"},
  {"flood", "--bytes (64 MiB) of lines as fast as possible, then finishes"},
}};

/// Builds a turn step by step from the role's texts.
class builder {
public:
  builder(const scenario_context& ctx, rng& r, turn& out)
    : ctx_(ctx), role_(ctx.role), r_(r), out_(out) {
  }

  int steps() const {
    return std::max(ctx_.steps, 1);
  }

  void say(std::string text) {
    out_.push_back({step_kind::say, std::move(text), {}, 0, false});
  }

  void work(uint64_t frames) {
    out_.push_back({step_kind::work, {}, {}, frames, false});
  }

  /// About a second of spinner, seeded.
  void think() {
    work(r_.between(6, 14) * slow_);
  }

  void tool(std::string call, std::vector<std::string> lines,
            bool failed = false) {
    out_.push_back(
      {step_kind::tool, std::move(call), std::move(lines), 0, failed});
  }

  void protocol(std::string line, std::vector<std::string> body = {}) {
    out_.push_back({step_kind::protocol, std::move(line), std::move(body)});
  }

  const std::string& file(int i) const {
    return role_.files[static_cast<size_t>(i) % role_.files.size()];
  }

  const std::string& step_text(int i) const {
    return role_.steps[static_cast<size_t>(i - 1) % role_.steps.size()];
  }

  void read_first() {
    say(role_.intro);
    think();
    tool("Read(" + file(0) + ")",
         {"Read " + std::to_string(r_.between(40, 400)) + " lines"});
  }

  /// PROGRESS steps `from`..`to` of steps(), each after an edit.
  void progress(int from, int to) {
    for (int i = from; i <= to; ++i) {
      think();
      auto adds = std::to_string(r_.between(2, 60));
      auto removes = std::to_string(r_.between(0, 20));
      tool("Edit(" + file(i) + ")",
           {"Updated " + file(i) + " with " + adds + " additions and " + removes
            + " removals"});
      protocol(progress_line(i, steps(), step_text(i)));
    }
  }

  /// The role's drafts, or its files as placeholders: what a hurried agent
  /// leaves behind. Written instead of the files, not before them.
  void write_drafts() {
    artifacts_written_ = true;
    bool placeholders = role_.drafts.empty();
    for (auto& a : placeholders ? role_.artifacts : role_.drafts) {
      think();
      out_.push_back({step_kind::write_file,
                      a.path,
                      {placeholders ? std::string{"(draft)\n"} : a.content}});
    }
  }

  void write_artifacts() {
    if (artifacts_written_)
      return;
    artifacts_written_ = true;
    for (auto& a : role_.artifacts) {
      think();
      out_.push_back({step_kind::write_file, a.path, {a.content}});
    }
  }

  std::string test_result() {
    if (test_result_.empty())
      test_result_ = role_.test_result.empty()
                       ? std::to_string(r_.between(5, 60)) + " passed"
                       : role_.test_result;
    return test_result_;
  }

  void finish() {
    write_artifacts();
    think();
    tool("Bash(" + role_.test_command + ")", {test_result()});
    protocol(build_line({}));
    auto evidence = role_.evidence.empty() ? test_result() : role_.evidence;
    protocol(status_line(status_kind::done, role_.done + " + " + evidence));
  }

  void contract() {
    if (role_.contract_title.empty())
      protocol(contract_line("interface of " + file(0)),
               {"see " + file(0) + " for the exported names"});
    else
      protocol(contract_line(role_.contract_title), role_.contract_body);
  }

  void need_and_block() {
    protocol(need_line(role_.need_resource, role_.need_why));
    protocol(status_line(status_kind::blocked, role_.blocked));
    out_.push_back({step_kind::wait});
  }

  void set_slow() {
    slow_ = 8;
  }

  uint64_t bytes_or(uint64_t fallback) const {
    return ctx_.bytes ? ctx_.bytes : fallback;
  }

  void push(step s) {
    out_.push_back(std::move(s));
  }

private:
  const scenario_context& ctx_;
  const role_texts& role_;
  rng& r_;
  turn& out_;
  uint64_t slow_ = 1;
  bool artifacts_written_ = false;
  std::string test_result_;
};

void normal(builder& b) {
  b.read_first();
  b.progress(1, b.steps());
  b.finish();
}

void incomplete(builder& b) {
  b.read_first();
  b.progress(1, b.steps());
  b.write_drafts();
  b.finish();
}

void permission(builder& b) {
  b.read_first();
  b.progress(1, b.steps());
  b.think();
  b.push({step_kind::ask, "Bash(rm -rf build)", {"(no output)"}});
  b.finish();
}

void loop(builder& b, const role_texts& role) {
  b.say("I'll build it and fix whatever fails.");
  for (int i = 1; i <= b.steps(); ++i) {
    b.think();
    b.tool("Bash(make)",
           {role.build_error, "make: *** [Makefile:12: all] "
                              "Error 1"},
           true);
    b.protocol(build_line(role.build_summary));
    if (i < b.steps()) {
      b.say("That should be a missing include; let me fix it and rebuild.");
      b.think();
      b.tool("Edit(src/parser.cpp)",
             {"Updated src/parser.cpp with 1 addition and 1 removal"});
    }
  }
  b.protocol(status_line(
    status_kind::error,
    "the build fails the same way after " + std::to_string(b.steps())
      + " attempts (" + role.build_summary
      + "), tried adding the missing include, suggest checking where "
        "token_kind is defined"));
}

void compact(builder& b, bool blocked) {
  int half = std::max(1, b.steps() / 2);
  b.read_first();
  b.progress(1, half);
  b.push({step_kind::compact});
  if (!blocked) {
    b.say("Let me look at the task again.");
    b.progress(1, b.steps());
    b.finish();
    return;
  }
  b.protocol(status_line(status_kind::blocked,
                         "context compacted; send the task summary to "
                         "continue"));
  b.push({step_kind::wait});
  b.say("Thanks, picking up from step " + std::to_string(half + 1) + ".");
  b.progress(half + 1, b.steps());
  b.finish();
}

void blocked(builder& b, const scenario_context& ctx) {
  if (ctx.have_contract) {
    b.say("The contract I need has arrived; building against it.");
    normal(b);
    return;
  }
  b.read_first();
  b.progress(1, std::min(1, b.steps() - 1));
  b.need_and_block();
  b.say("Got it, continuing with that.");
  b.progress(std::min(1, b.steps() - 1) + 1, b.steps());
  b.finish();
}

void contract(builder& b) {
  int half = std::max(1, b.steps() / 2);
  b.read_first();
  b.progress(1, half);
  b.write_artifacts();
  b.contract();
  b.progress(half + 1, b.steps());
  b.finish();
}

void error(builder& b, const role_texts& role) {
  b.read_first();
  b.progress(1, 1);
  b.think();
  b.tool("Bash(" + role.test_command + ")",
         {"1 failed, 4 passed", "FAILED test_roundtrip: expected 200, got 500"},
         true);
  b.protocol(status_line(status_kind::error,
                         "test_roundtrip fails with a 500, tried rerunning "
                         "the suite, suggest checking the server log"));
}

void tasks(builder& b) {
  b.read_first();
  b.progress(1, 1);
  b.protocol(task_line("fix the flaky login test", {"tests"},
                       "tests/login_test.py fails one run in five"));
  b.protocol(task_line("document the config flags", {"docs"},
                       "three flags in src/config.cpp are undocumented"));
  b.progress(2, b.steps());
  b.finish();
}

void crash(builder& b, const scenario_context& ctx) {
  int half = std::max(1, b.steps() / 2);
  b.read_first();
  b.progress(1, half);
  b.think();
  b.push({step_kind::crash,
          "● Running the database migrat",
          {},
          static_cast<uint64_t>(ctx.crash_code)});
}

void noisy(builder& b, step_kind kind, uint64_t bytes) {
  b.read_first();
  b.progress(1, 1);
  b.push({kind, {}, {}, bytes});
  b.progress(2, b.steps());
  b.finish();
}

void stall(builder& b, const scenario_context& ctx) {
  b.read_first();
  b.progress(1, 1);
  b.push({step_kind::stall, {}, {}, ctx.stall_ms});
  b.progress(2, b.steps());
  b.finish();
}

} // namespace

std::span<const scenario_info> scenario_list() {
  return all;
}

bool is_scenario(std::string_view name) {
  return std::any_of(all.begin(), all.end(),
                     [&](auto& s) { return s.name == name; });
}

bool add_scenario(std::string_view name, const scenario_context& ctx, rng& r,
                  turn& out) {
  builder b{ctx, r, out};
  const auto& role = ctx.role;
  if (name == "normal")
    normal(b);
  else if (name == "slow") {
    b.set_slow();
    normal(b);
  } else if (name == "permission")
    permission(b);
  else if (name == "loop")
    loop(b, role);
  else if (name == "compact" || name == "compact-blocked")
    compact(b, name == "compact-blocked");
  else if (name == "blocked")
    blocked(b, ctx);
  else if (name == "contract")
    contract(b);
  else if (name == "error")
    error(b, role);
  else if (name == "tasks")
    tasks(b);
  else if (name == "crash")
    crash(b, ctx);
  else if (name == "stall")
    stall(b, ctx);
  else if (name == "incomplete")
    incomplete(b);
  else if (name == "garbage")
    noisy(b, step_kind::garbage, b.bytes_or(64 << 10));
  else if (name == "longline")
    noisy(b, step_kind::long_line, b.bytes_or(10 << 20));
  else if (name == "flood")
    noisy(b, step_kind::flood, b.bytes_or(64 << 20));
  else
    return false;
  return true;
}

turn need_answer(std::string_view resource, const scenario_context& ctx,
                 rng& r) {
  turn out;
  builder b{ctx, r, out};
  const auto& role = ctx.role;
  std::string res{resource};
  b.say("Someone needs " + res + "; here is what it provides.");
  b.think();
  b.write_artifacts();
  if (role.name.empty() || role.contract_title.empty())
    b.protocol(contract_line(res + " (stub)"),
               {"a stub of " + res + ", to be replaced by the real one"});
  else
    b.contract();
  b.protocol(status_line(status_kind::done, "answered the NEED for " + res
                                              + " + contract published"));
  return out;
}

bool has_contract(std::string_view input) {
  while (!input.empty()) {
    auto nl = input.find('\n');
    auto line = trim(input.substr(0, nl));
    if (line.starts_with("CONTRACT: ")
        && line.find('<') == std::string_view::npos)
      return true;
    input.remove_prefix(nl == std::string_view::npos ? input.size() : nl + 1);
  }
  return false;
}

std::string_view find_need(std::string_view input) {
  size_t at = 0;
  while ((at = input.find("NEED:", at)) != std::string_view::npos) {
    if (at == 0 || input[at - 1] == '\n' || input[at - 1] == ' ') {
      auto rest = input.substr(at + 5);
      rest = rest.substr(0, rest.find('\n'));
      for (std::string_view sep : {" — ", " -- ", " - "})
        rest = rest.substr(0, rest.find(sep));
      return trim(rest);
    }
    at += 5;
  }
  return {};
}

} // namespace baton::sim
