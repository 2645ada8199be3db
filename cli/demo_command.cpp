// baton demo [--db DIR] [--durability MODE]: records a short sample run — an
// orchestrator and two workers exchanging protocol lines — into a fresh log
// through the real event log, then prints it back as `baton log` would.
#include <chrono>
#include <filesystem>
#include <iostream>

#include <capnp/message.h>

#include "cli/commands.hpp"
#include "api/event_format.hpp"
#include "engine/frame.hpp"
#include "schema/events.capnp.h"
#include "storage/event_log.hpp"

namespace baton::cli {

namespace {

struct demo_args {
  std::string db = "baton-demo.log";
  std::string mode = "group";
};

/// A scripted step: which stream, what happened, at what logical second.
struct step {
  const char* stream;
  double seconds;
  enum { note, started, output, input, exited } kind;
  const char* text;
};

constexpr step script[] = {
  {"orchestrator", 0.0, step::note, "plan: feature build (backend, frontend)"},
  {"worker/backend", 0.1, step::started, "sim --scenario normal"},
  {"worker/frontend", 0.1, step::started, "sim --scenario contract"},
  {"worker/backend", 0.2, step::input, "Build the /api/todos endpoint\r"},
  {"worker/frontend", 0.2, step::input, "Build the todo list page\r"},
  {"worker/backend", 1.4, step::output, "PROGRESS: 1/2 -- schema written\r\n"},
  {"worker/frontend", 1.9,
   step::output, "NEED: api/openapi.yaml -- the endpoint's shape\r\n"},
  {"worker/backend", 2.6,
   step::output, "CONTRACT: GET /api/todos\r\n-> [{id, title, done}]\r\n\r\n"},
  {"worker/backend", 3.1,
   step::output, "STATUS: DONE -- endpoint added + 12 passed\r\n"},
  {"worker/frontend", 4.0,
   step::output, "STATUS: DONE -- list page + 8 passed\r\n"},
  {"worker/backend", 4.2, step::exited, ""},
  {"worker/frontend", 4.3, step::exited, ""},
  {"orchestrator", 4.4, step::note, "2/2 tasks done"},
};

frame encode(const step& s) {
  baton::frame_builder builder;
  auto event = builder.initRoot<schema::Event>();
  std::string_view text{s.text};
  kj::ArrayPtr<const kj::byte> bytes{
    reinterpret_cast<const kj::byte*>(text.data()), text.size()};
  switch (s.kind) {
    case step::note: event.initNote().setText(s.text); break;
    case step::started: {
      auto started = event.initProcessStarted();
      started.setColumns(120);
      started.setRows(30);
      auto argv = started.initArgv(1);
      argv.set(0, s.text);
      break;
    }
    case step::output: event.initPtyOutput().setBytes(bytes); break;
    case step::input: event.initPtyInput().setBytes(bytes); break;
    case step::exited: event.initProcessExited().setExitCode(0); break;
  }
  return frame::from(builder);
}

int run_demo(const demo_args& args) {
  auto mode = storage::parse_durability(args.mode);
  if (!mode) {
    std::cerr << "baton demo: " << mode.err().to_string() << '\n';
    return 2;
  }
  std::error_code ignored;
  std::filesystem::remove_all(args.db, ignored);
  storage::options opts;
  opts.mode = *mode;
  auto log = storage::event_log::open(args.db, opts);
  if (!log) {
    std::cerr << "baton demo: " << log.err().to_string() << '\n';
    return 1;
  }
  uint64_t n = 0;
  for (auto& s : script) {
    storage::new_event ev;
    ev.id = event_id::from_parts(0xba7011, ++n);
    ev.logical_time = static_cast<uint64_t>(s.seconds * 1e6);
    ev.wall_time = std::chrono::duration_cast<std::chrono::nanoseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
    ev.payload = encode(s);
    auto r = (*log)->append(s.stream, storage::expected_version::any(),
                            {&ev, 1});
    if (!r) {
      std::cerr << "baton demo: " << r.err().to_string() << '\n';
      return 1;
    }
  }
  auto printed = (*log)->read_all(1, UINT64_MAX, [](auto&& ev) {
    std::cout << api::format_text(ev) << '\n';
    return true;
  });
  if (!printed) {
    std::cerr << "baton demo: " << printed.err().to_string() << '\n';
    return 1;
  }
  std::cout << "\nrecorded " << *printed << " events in "
            << (*log)->streams().size() << " streams to " << args.db
            << " (durability " << storage::to_string(*mode) << ")\n"
            << "inspect it with: baton log " << args.db
            << " [--stream worker/backend] [--json]\n";
  return 0;
}

} // namespace

void add_demo_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<demo_args>();
  auto* cmd = app.add_subcommand(
    "demo", "Record a short sample run into a fresh log and print it");
  cmd->add_option("--db", args->db, "Log directory to (re)create")
    ->capture_default_str();
  cmd->add_option("--durability", args->mode, "sync, group or async")
    ->capture_default_str();
  cmd->callback([args, &exit_code] { exit_code = run_demo(*args); });
}

} // namespace baton::cli
