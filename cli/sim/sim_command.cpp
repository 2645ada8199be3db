// baton sim: the built-in simulated coding agent. A stand-in for an agent CLI
// (Claude Code, Codex, ...) that looks and behaves like a real TUI, so demos
// and tests run with no model and no API key.
#include <signal.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/sim/options.hpp"
#include "cli/sim/runner.hpp"
#include "cli/sim/text.hpp"
#include "cli/sim/tty_port.hpp"
#include "cli/sim/turn_source.hpp"

namespace baton::cli {

namespace {

struct sim_args {
  sim::sim_options opts;
  double stall_seconds = 60;
  std::string bytes;
  std::string once;
};

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
  for (auto& s : sim::scenario_list())
    out << "  " << s.name << std::string(17 - s.name.size(), ' ') << s.summary
        << '\n';
  out << "\nRoles (--role; canned texts and files): ";
  auto names = sim::role_names();
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

int run_sim(sim_args& args) {
  auto& opts = args.opts;
  if (!(args.stall_seconds >= 0) || !(opts.speed >= 0))
    return fail("--stall-seconds and --speed must not be negative");
  opts.stall_ms = static_cast<uint64_t>(std::llround(args.stall_seconds * 1e3));
  if (!args.bytes.empty() && !sim::parse_size(args.bytes, opts.bytes))
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
  auto turns = sim::turn_source::make(opts, script_text);
  if (!turns)
    return fail((opts.script.empty() ? "" : opts.script + ": ")
                + turns.err().message());
  ::signal(SIGPIPE, SIG_IGN);
  sim::tty_port io{opts.width};
  sim::runner r{io, opts, std::move(*turns)};
  auto outcome = r.run();
  if (outcome.crashed) {
    io.restore();
    ::_exit(outcome.exit_code);
  }
  return outcome.exit_code;
}

} // namespace

void add_sim_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<sim_args>();
  auto& o = args->opts;
  auto* cmd = app.add_subcommand(
    "sim", "A simulated coding agent in the terminal, for demos and tests");
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
  cmd->callback([args, &exit_code] { exit_code = run_sim(*args); });
}

} // namespace baton::cli
