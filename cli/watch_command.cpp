// baton watch [--pack NAME|--pack-file FILE] [--log FILE] [--record F.cast]
//             -- CMD ARGS...
//
// Runs one program in a PTY inside an agent session, with the user's
// terminal passed through: its output goes to stdout, the user's keys to
// the program. When stdin and stdout are a terminal it is put in raw mode
// (restored on exit and on SIGTERM, SIGHUP, SIGINT, SIGQUIT), its size is
// given to the program and followed (SIGWINCH), and the real terminal
// answers the program's queries; otherwise (a pipe) the screen model
// answers them. State changes and protocol lines go to stderr, or to --log.
// --record writes an asciinema v2 cast: "o" output, "i" input (keys and
// deliveries), "r" resizes. Exits with the program's exit code (128 + N
// when signal N ended it).
//
// Threads: the main thread polls stdin and a self-pipe (signals, the
// program's exit); the session's driver thread writes the output, the log
// and the recording's "o"/"i" events.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "actors/pty/reactor.hpp"
#include "actors/terminal/agent_session.hpp"
#include "actors/terminal/pack_loader.hpp"
#include "cli/commands.hpp"
#include "engine/recording/cast.hpp"

namespace baton::cli {

namespace {

struct watch_args {
  std::string pack = "generic";
  std::string pack_file;
  std::string log;
  std::string record;
  std::vector<std::string> argv;
};

// -- the user's terminal -----------------------------------------------------

/// The self-pipe: signal handlers and the session's exit write one byte.
int wake_fds[2] = {-1, -1};
/// The terminal settings to restore, when raw mode is on.
termios saved_termios;
volatile sig_atomic_t raw_on = 0;
volatile sig_atomic_t last_signal = 0;

void restore_terminal() {
  if (raw_on) {
    ::tcsetattr(0, TCSAFLUSH, &saved_termios);
    raw_on = 0;
  }
}

void on_signal(int sig) {
  int saved = errno;
  if (sig != SIGWINCH) {
    restore_terminal();
    last_signal = sig;
  }
  char c = static_cast<char>(sig);
  ssize_t n = ::write(wake_fds[1], &c, 1);
  static_cast<void>(n);
  errno = saved;
}

void install_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  ::sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int sig : {SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGQUIT})
    ::sigaction(sig, &sa, nullptr);
}

bool enter_raw_mode() {
  if (::tcgetattr(0, &saved_termios) != 0)
    return false;
  termios raw = saved_termios;
  ::cfmakeraw(&raw);
  if (::tcsetattr(0, TCSAFLUSH, &raw) != 0)
    return false;
  raw_on = 1;
  return true;
}

std::optional<actors::pty::term_size> terminal_size() {
  winsize ws{};
  for (int fd : {1, 0})
    if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0)
      return actors::pty::term_size{ws.ws_col, ws.ws_row};
  return std::nullopt;
}

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

// -- what is printed and recorded --------------------------------------------

/// "  1.234s" from logical microseconds since the start.
std::string seconds(uint64_t micros) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%8.3fs", static_cast<double>(micros) / 1e6);
  return buf;
}

std::string describe(const actors::terminal::session_event& e) {
  using kind = actors::terminal::session_event::kind;
  switch (e.what) {
    case kind::state: {
      auto& c = e.observation.change;
      return "state " + std::string{engine::detect::to_string(c.to)}
             + " (rule '" + c.evidence.rule + "' " + c.evidence.region
             + ": " + c.evidence.matched + ")";
    }
    case kind::protocol:
      return "protocol " + e.observation.message.message.line;
    case kind::compaction:
      return "compaction (" + e.observation.marker.matched + ")";
    case kind::delivery:
      return "input " + std::to_string(e.delivery.delivery_id)
             + (e.delivery.delivered ? " delivered: " : " failed: ")
             + e.delivery.reason;
    case kind::exited: return "exited " + e.status.to_string();
  }
  return {};
}

/// The .cast file, written from two threads.
class recorder {
public:
  bool open(const std::string& path, actors::pty::term_size size) {
    out_.open(path, std::ios::binary | std::ios::trunc);
    if (!out_)
      return false;
    engine::cast_header h;
    h.width = size.cols;
    h.height = size.rows;
    h.timestamp = static_cast<int64_t>(std::time(nullptr));
    h.title = "baton watch";
    out_ << engine::cast_writer::header_line(h);
    return true;
  }

  void event(uint64_t micros, char kind, std::string_view bytes) {
    std::lock_guard<std::mutex> guard{mutex_};
    if (!out_.is_open())
      return;
    out_ << writer_.event_line(static_cast<double>(micros) / 1e6, kind,
                               bytes);
    out_.flush();
  }

private:
  std::mutex mutex_;
  std::ofstream out_;
  engine::cast_writer writer_;
};

int fail(const std::string& message) {
  std::cerr << "baton watch: " << message << '\n';
  return 2;
}

// -- the command -------------------------------------------------------------

int exit_code_of(const actors::pty::exit_status& s) {
  if (s.exited())
    return s.code;
  return s.signaled() ? 128 + s.signal : 1;
}

int run_watch(const watch_args& args) {
  auto pack = args.pack_file.empty()
                ? actors::terminal::builtin_pack(args.pack)
                : actors::terminal::pack_from_file(args.pack_file);
  if (!pack)
    return fail(pack.err().message());
  std::ofstream log_file;
  if (!args.log.empty()) {
    log_file.open(args.log, std::ios::trunc);
    if (!log_file)
      return fail("cannot write " + args.log);
  }
  std::ostream& log = args.log.empty() ? std::cerr : log_file;
  bool tty = ::isatty(0) && ::isatty(1);
  actors::pty::spawn_options spawn;
  spawn.argv = args.argv;
  if (auto size = terminal_size(); size && tty)
    spawn.size = *size;
  auto rec = std::make_shared<recorder>();
  if (!args.record.empty() && !rec->open(args.record, spawn.size))
    return fail("cannot write " + args.record);
  auto reactor = actors::pty::reactor::make();
  if (!reactor)
    return fail(reactor.err().message());
  if (::pipe2(wake_fds, O_CLOEXEC) != 0)
    return fail("cannot create a pipe");
  install_handlers();

  auto clock = actors::terminal::steady_clock_us();
  auto start = clock();
  std::optional<actors::pty::exit_status> status;
  actors::terminal::session_options opts;
  opts.spawn = spawn;
  opts.pack = *pack;
  opts.clock = clock;
  opts.core.answer_queries = !tty;
  opts.on_output = [rec, start](std::string_view bytes, uint64_t now) {
    write_all(1, bytes);
    rec->event(now - start, 'o', bytes);
  };
  opts.on_input = [rec, start](const actors::terminal::session_write& w,
                               uint64_t now) {
    if (w.from != actors::terminal::session_write::source::reply)
      rec->event(now - start, 'i', w.bytes);
  };
  // The session tells of the exit (and the wake byte goes) just before
  // wait() has its status.
  std::atomic<bool> exit_told{false};
  opts.on_event = [&log, start,
                   &exit_told](const actors::terminal::session_event& e) {
    log << seconds(e.at - start) << " " << describe(e)
        << (raw_on ? "\r\n" : "\n") << std::flush;
    if (e.what == actors::terminal::session_event::kind::exited) {
      exit_told = true;
      char c = 0;
      ssize_t n = ::write(wake_fds[1], &c, 1);
      static_cast<void>(n);
    }
  };
  auto session = actors::terminal::agent_session::make(**reactor, opts);
  if (!session)
    return fail(session.err().message());
  if (tty && !enter_raw_mode())
    return fail("cannot put the terminal in raw mode");

  bool stdin_open = true;
  bool stopping = false;
  for (;;) {
    // (Once the exit was told, its status follows at once: wait for it.)
    if (auto s = (*session)->wait(std::chrono::milliseconds{
          exit_told ? 10'000 : 0})) {
      status = s;
      break;
    }
    pollfd fds[2] = {{wake_fds[0], POLLIN, 0}, {0, POLLIN, 0}};
    int n = ::poll(fds, stdin_open ? 2 : 1, -1);
    if (n < 0 && errno != EINTR)
      break;
    if (fds[0].revents & POLLIN) {
      char sig;
      if (::read(wake_fds[0], &sig, 1) == 1 && sig == SIGWINCH) {
        if (auto size = terminal_size(); size && tty) {
          ignore((*session)->resize(*size));
          rec->event(clock() - start, 'r',
                     std::to_string(size->cols) + "x"
                       + std::to_string(size->rows));
        }
      } else if (last_signal != 0 && !stopping) {
        stopping = true;
        ignore((*session)->stop(std::chrono::milliseconds{2000}));
      }
    }
    if (stdin_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      char buf[4096];
      auto got = ::read(0, buf, sizeof buf);
      if (got > 0)
        (*session)->type(std::string{buf, static_cast<size_t>(got)});
      else if (got == 0 || errno != EINTR)
        stdin_open = false;
    }
  }
  restore_terminal();
  session->reset();
  if (!status)
    return fail("lost the program");
  return exit_code_of(*status);
}

} // namespace

void add_watch_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<watch_args>();
  auto* cmd = app.add_subcommand(
    "watch", "Run one program in a PTY with your terminal passed through, "
             "printing its states and protocol lines");
  auto* pack = cmd->add_option("--pack", args->pack,
                               "A built-in detector pack (generic, sim, "
                               "claude, codex, gemini, aider)")
                 ->capture_default_str();
  cmd->add_option("--pack-file", args->pack_file, "A detector pack file")
    ->excludes(pack);
  cmd->add_option("--log", args->log,
                  "Write states and protocol lines here, not to stderr");
  cmd->add_option("--record", args->record,
                  "Record an asciinema v2 .cast (output, input, resizes)");
  cmd->add_option("command", args->argv, "The program and its arguments")
    ->required();
  cmd->callback([args, &exit_code] { exit_code = run_watch(*args); });
}

} // namespace baton::cli
