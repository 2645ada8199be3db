#include <signal.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "sim/command_line.hpp"

#include "sim/options.hpp"
#include "sim/runner.hpp"
#include "sim/text.hpp"
#include "sim/tty_port.hpp"
#include "sim/turn_source.hpp"

namespace baton::sim {

namespace {

constexpr std::string_view usage_notes = R"(
The screen: a welcome line, then per input the echoed prompt (`> ...`),
messages (`● text`, wrapped at width-2 with a 2-space indent), tool rows
(`● Bash(make test)` / `  ⎿  23 passed`), protocol lines as messages (several
in a row share one message), and at the bottom a spinner row rewritten in
place (`⠋ Working… (3s · ctrl+c to interrupt)`) above the prompt box
(`╭─╮ │ > │ ╰─╯`) and a footer: `  ? for shortcuts` when idle,
`  ctrl+c to interrupt` while working. A turn ends with `✻ Worked for 3s`
(the verb varies). A permission prompt replaces the box with one ending in
`Allow Bash(rm -rf build)? [y/n]`. Window title (OSC 0): `sim: idle`,
`sim: working…`, `sim: waiting for approval`; empty at exit.

Keys: text, or a bracketed paste (ESC[200~ ... ESC[201~), then Enter (CR)
submits. At a permission prompt y/1 allows, n/2/Esc denies (then STATUS:
BLOCKED). Ctrl-C interrupts a turn; Ctrl-C or Ctrl-D at an empty prompt
exits 0, as does the end of input.

What answers an input, first match wins:
  1. `@sim <script line>` lines in the input (this turn only), e.g.
     `@sim scenario blocked` or `@sim status done shipped + 3 passed`;
  2. the next turn of --script FILE;
  3. an input whose first line carries `NEED: <resource>`: the role's
     CONTRACT (or a stub) and STATUS: DONE;
  4. --scenario for the first input, --then for later ones.

Script files (and @sim lines), one step per line:
  # comment                  turn (starts the answer to the next input)
  scenario NAME              say TEXT (\n for a line break)
  tool CALL | fail CALL      ask CALL (a permission prompt)
  | TEXT  (a row of the step above: tool result, CONTRACT body, file text)
  work SECONDS (spinner)     progress X/Y TEXT
  build pass | build fail TEXT
  status done|blocked|error TEXT
  need RESOURCE — WHY        contract TITLE (then | rows)
  task TITLE [requires: a, b] — DESCRIPTION
  wait (the idle prompt, until an answer is submitted)
  compact                    crash [CODE]
  stall SECONDS              garbage|longline|flood BYTES (64K, 10M)
  write PATH (then | rows; relative paths only)
  raw TEXT (\e \r \n \xHH)   title TEXT          exit [CODE]

Determinism: the same options, input and width give the same bytes. Spinner
frames are counted (10 per shown second), not timed; --speed only changes
when bytes are written (0: at once). Stalls are real time.

Examples:
  baton sim                              a normal task, answered at 1x speed
  baton sim --scenario permission --speed 4
  baton sim --role frontend              NEED + BLOCKED, then waits
  baton sim --scenario crash --once .crashed   crash once, normal after
  printf 'go\n' | baton sim --speed 0    no terminal needed
)";

std::string help_footer() {
  std::ostringstream out;
  out << "\nScenarios (--scenario, --then):\n";
  for (auto& s : scenario_list())
    out << "  " << s.name << std::string(17 - s.name.size(), ' ') << s.summary
        << '\n';
  out << "\nRoles (--role; canned texts and files): ";
  auto names = role_names();
  for (size_t i = 0; i < names.size(); ++i)
    out << (i ? ", " : "") << names[i];
  out << ".\n  backend: contract scenario, writes api/openapi.json and "
         "publishes it as a CONTRACT;\n  frontend: blocked scenario, NEED "
         "api/openapi.json; tester: 23 passed;\n  researcher, planner, "
         "builder, verifier: write research/notes.md, plan/steps.toml,\n  "
         "build/app.json (first input: an incomplete draft), "
         "verify/report.md.\n";
  out << usage_notes;
  return out.str();
}

int fail(const std::string& message) {
  std::cerr << "baton sim: " << message << '\n';
  return 2;
}

} // namespace

int run(command_line& args) {
  auto& opts = args.opts;
  if (!(args.stall_seconds >= 0) || !(opts.speed >= 0))
    return fail("--stall-seconds and --speed must not be negative");
  opts.stall_ms = static_cast<uint64_t>(std::llround(args.stall_seconds * 1e3));
  if (!args.bytes.empty() && !parse_size(args.bytes, opts.bytes))
    return fail("--bytes wants a count like 4096, 64K or 10M");
  std::string script_text;
  if (!opts.script.empty()) {
    std::ifstream in{opts.script, std::ios::binary};
    if (!in)
      return fail("cannot read " + opts.script);
    script_text.assign(std::istreambuf_iterator<char>{in}, {});
  }
  if (!args.once.empty()) {
    if (std::filesystem::exists(args.once))
      opts.scenario = opts.then;
    else
      std::ofstream{args.once} << "played\n";
  }
  auto turns = turn_source::make(opts, script_text);
  if (!turns)
    return fail((opts.script.empty() ? "" : opts.script + ": ")
                + turns.err().message());
  ::signal(SIGPIPE, SIG_IGN);
  tty_port io{opts.width};
  runner r{io, opts, std::move(*turns)};
  auto outcome = r.run();
  if (outcome.crashed) {
    io.restore();
    ::_exit(outcome.exit_code);
  }
  return outcome.exit_code;
}

void add_options(CLI::App& cmd_app, command_line& args_ref) {
  auto* cmd = &cmd_app;
  auto* args = &args_ref;
  auto& o = args->opts;
  cmd->add_option("--scenario", o.scenario,
                  "What the first input plays (default: the role's, or "
                  "normal)");
  cmd->add_option("--then", o.then, "What later inputs play")
    ->capture_default_str();
  cmd->add_option("--role", o.role, "Canned texts: backend, frontend, ...");
  cmd->add_option("--steps", o.steps, "PROGRESS steps; attempts of a loop")
    ->capture_default_str()
    ->check(CLI::Range(1, 1000));
  cmd->add_option("--seed", o.seed, "Seeds every choice")
    ->capture_default_str();
  cmd->add_option("--speed", o.speed, "Divides delays; 0 removes them")
    ->capture_default_str();
  cmd
    ->add_option("--stall-seconds", args->stall_seconds,
                 "Silence of a stall (real time)")
    ->capture_default_str();
  cmd->add_option("--bytes", args->bytes,
                  "Size of garbage/longline/flood (e.g. 64K, 10M)");
  cmd->add_option("--crash-code", o.crash_code, "Exit code of a crash")
    ->capture_default_str();
  cmd->add_option("--script,--task-file", o.script,
                  "A script file of turns (format below)");
  cmd->add_option("--width", o.width, "Columns when stdout is no terminal")
    ->capture_default_str()
    ->check(CLI::Range(20, 10000));
  cmd->add_option("--once", args->once,
                  "Play --scenario only if FILE is absent (then create it); "
                  "else play --then");
  cmd->footer(help_footer());
}

} // namespace baton::sim
