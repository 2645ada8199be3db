// baton why DIR AGENT|TASK [--json]
//
// The chain of recorded decisions that concern an agent or a task, each with
// the input that caused it (a protocol line, a gate's verdict and reasons, an
// exit status, a time limit, a stop), found by replaying the orchestrator
// from the recorded plan (replay/explain). For an agent, the notable events
// of its own stream are interleaved. An input seen before (digits aside) says
// where and how many times, so a loop shows at a glance. --json prints the
// same steps as one JSON array. Exit code: 0 when explained, 2 when DIR holds
// no run or the subject is not in its plan, 1 when the log cannot be read.
#include <iostream>

#include <capnp/compat/json.h>

#include "cli/commands.hpp"
#include "replay/explain.hpp"
#include "storage/event_log.hpp"

namespace baton::cli {

namespace {

struct why_args {
  std::string dir;
  std::string subject;
  bool json = false;
};

/// Logical µs as seconds with milliseconds: "12.345s".
std::string seconds(uint64_t us) {
  auto ms = us / 1000;
  auto frac = std::to_string(ms % 1000);
  return std::to_string(ms / 1000) + "." + std::string(3 - frac.size(), '0')
         + frac + "s";
}

std::string ordinal(uint32_t n) {
  auto tens = n % 100;
  const char* suffix = (tens >= 11 && tens <= 13) ? "th"
                       : n % 10 == 1              ? "st"
                       : n % 10 == 2              ? "nd"
                       : n % 10 == 3              ? "rd"
                                                  : "th";
  return std::to_string(n) + suffix;
}

std::string place(const replay::explained_event& e) {
  return e.stream + "@" + std::to_string(e.sequence);
}

std::string repeat_note(const replay::explained_event& e) {
  if (e.occurrence < 2)
    return {};
  return "  [the same as at " + e.first_stream + "@"
         + std::to_string(e.first_sequence) + " (" + ordinal(e.occurrence)
         + " time)]";
}

void print_text(const replay::explanation& x) {
  std::cout << "why " << to_string(x.kind) << ' ' << x.subject << ": "
            << x.steps.size() << " steps\n";
  const replay::explained_event* last_cause = nullptr;
  for (auto& s : x.steps) {
    auto& e = s.event;
    std::cout << seconds(e.logical_time_us) << "  " << place(e) << "  "
              << e.text << (s.cause ? "" : repeat_note(e)) << '\n';
    if (!s.cause) {
      last_cause = nullptr;
      continue;
    }
    auto& c = *s.cause;
    bool same = last_cause != nullptr && last_cause->sequence == c.sequence
                && last_cause->stream == c.stream;
    std::cout << "    <- " << place(c) << "  ";
    if (same)
      std::cout << "(the same input)\n";
    else
      std::cout << seconds(c.logical_time_us) << "  " << c.text
                << repeat_note(c) << '\n';
    last_cause = &c;
  }
  if (!x.unattributed.empty())
    std::cout << "note: " << x.unattributed << '\n';
}

std::string quote(const std::string& s) {
  capnp::JsonCodec codec;
  return codec.encode(capnp::Text::Reader{s.c_str(), s.size()}).cStr();
}

std::string to_json(const replay::explained_event& e) {
  std::string out = "{\"stream\":" + quote(e.stream)
                    + ",\"sequence\":" + std::to_string(e.sequence)
                    + ",\"position\":" + std::to_string(e.position)
                    + ",\"logicalTimeUs\":" + std::to_string(e.logical_time_us)
                    + ",\"kind\":" + quote(e.kind) + ",\"text\":"
                    + quote(e.text);
  if (!e.detail.empty())
    out += ",\"detail\":" + quote(e.detail);
  out += ",\"occurrence\":" + std::to_string(e.occurrence);
  if (e.occurrence > 1)
    out += ",\"sameAs\":{\"stream\":" + quote(e.first_stream)
           + ",\"sequence\":" + std::to_string(e.first_sequence) + "}";
  return out + "}";
}

std::string to_json(const replay::explanation& x) {
  std::string out = "[";
  bool first = true;
  for (auto& s : x.steps) {
    out += first ? "" : ",";
    first = false;
    auto step = to_json(s.event);
    step.pop_back(); // reopen the object to add the cause
    out += step + ",\"cause\":" + (s.cause ? to_json(*s.cause) : "null") + "}";
  }
  return out + "]";
}

int run_why(const why_args& args) {
  storage::options opts;
  opts.read_only = true;
  opts.create_if_missing = false;
  auto log = storage::event_log::open(args.dir, opts);
  if (!log) {
    std::cerr << "baton why: " << args.dir << ": " << log.err().to_string()
              << '\n';
    return 2;
  }
  auto x = replay::explain(**log, args.subject);
  if (!x) {
    auto code = x.err().code();
    bool usage = code == ec::not_found || code == ec::invalid_argument;
    std::cerr << "baton why: " << args.dir << ": " << x.err().to_string()
              << '\n';
    return usage ? 2 : 1;
  }
  if (args.json)
    std::cout << to_json(*x) << '\n';
  else
    print_text(*x);
  return 0;
}

} // namespace

void add_why_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<why_args>();
  auto* cmd = app.add_subcommand(
    "why", "The recorded decisions about an agent or a task, and their causes");
  cmd->add_option("dir", args->dir, "The run's log directory")->required();
  cmd->add_option("subject", args->subject, "An agent's name or a task's id")
    ->required();
  cmd->add_flag("--json", args->json, "The steps as one JSON array");
  cmd->callback([args, &exit_code] { exit_code = run_why(*args); });
}

} // namespace baton::cli
