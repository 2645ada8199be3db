// baton detect (--pack NAME | --pack-file FILE) [--json] [--explain T]
//              [--chunk BYTES] RECORDING
//
// Re-runs detection over a recording, through the same agent_monitor a
// live agent session uses (screen model + the pack's detector + protocol
// tracker), so what it prints is what Baton would have seen live.
//
// RECORDING is an asciinema v2 .cast (a file named *.cast, or any file
// whose first line is a JSON object): its "o" events are the agent's
// output and "i" events the keys typed into it (never taken for the
// agent's own protocol lines), at the recording's times; "m" markers are
// ignored; "r" resizes are not replayed (the screen keeps the header's
// size; a note goes to stderr). The end of a cast is the end of the
// program: the screen settles until the last event's time, then the
// state becomes `exited`. Any other file is raw output bytes, fed at
// t=0 (in --chunk sized pieces when given) and left to settle: quiet
// periods run out, the program is not taken to have exited.
//
// Prints one line per state change, protocol line and compaction marker:
//
//     3.214s  state working          rule=spinner region=bottom:8
//             evidence="esc to interrupt"
//     9.870s  protocol STATUS: DONE — x + y  kind=status from=screen
//
// (one line each), or with --json one object per line: {"t": seconds,
// "state": ..., "from": ..., "rule": ..., "region": ..., "evidence": ...},
// {"t", "protocol": line, "kind", "rule": "protocol:<kind>", "evidence":
// the text after the keyword, "from": "screen"|"scrollback"} or {"t",
// "compaction": matched, "rule": "compaction_marker", "evidence"}.
// --explain T plays the recording up to T seconds and prints the screen
// (numbered rows, title, cursor) and every rule's verdict at T instead.
//
// Exit status: 0 done; 2 bad usage (unknown pack, unreadable file, a
// malformed pack or cast, named with its line).
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "actors/terminal/pack_loader.hpp"
#include "cli/commands.hpp"
#include "engine/monitor/agent_monitor.hpp"
#include "engine/recording/cast.hpp"

namespace baton::cli {

namespace {

struct detect_args {
  std::string pack;
  std::string pack_file;
  std::string recording;
  bool json = false;
  std::optional<double> explain;
  size_t chunk = 0;
};

int usage_error(const std::string& message) {
  std::cerr << "baton detect: " << message << '\n';
  return 2;
}

std::string seconds_text(uint64_t micros) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%8.3fs", static_cast<double>(micros) / 1e6);
  return buf;
}

std::string seconds_json(uint64_t micros) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", static_cast<double>(micros) / 1e6);
  return buf;
}

/// A rule name as a field value: bare when it is one word, else quoted.
std::string field(std::string_view s) {
  if (!s.empty() && s.find_first_of(" \t\"=") == std::string_view::npos)
    return std::string{s};
  return engine::json_string(s);
}

std::string pad(std::string s, size_t width) {
  if (s.size() < width)
    s.append(width - s.size(), ' ');
  return s;
}

/// Prints observations as text lines or JSON objects.
class printer {
public:
  explicit printer(bool json) : json_(json) {
  }

  void operator()(const std::vector<engine::observation>& obs) {
    for (auto& o : obs)
      print(o);
  }

private:
  void print(const engine::observation& o) {
    using kind = engine::observation::kind;
    switch (o.what) {
      case kind::state: {
        auto& c = o.change;
        auto to = std::string{engine::detect::to_string(c.to)};
        if (json_)
          std::cout << "{\"t\":" << seconds_json(o.at)
                    << ",\"state\":" << engine::json_string(to) << ",\"from\":"
                    << engine::json_string(engine::detect::to_string(c.from))
                    << ",\"rule\":" << engine::json_string(c.evidence.rule)
                    << ",\"region\":" << engine::json_string(c.evidence.region)
                    << ",\"evidence\":"
                    << engine::json_string(c.evidence.matched) << "}\n";
        else
          std::cout << seconds_text(o.at) << "  state " << pad(to, 17)
                    << "rule=" << field(c.evidence.rule)
                    << " region=" << field(c.evidence.region)
                    << " evidence=" << engine::json_string(c.evidence.matched)
                    << '\n';
        return;
      }
      case kind::protocol: {
        auto& m = o.message.message;
        auto k = std::string{engine::protocol::to_string(m.kind)};
        const char* from = o.message.final ? "scrollback" : "screen";
        if (json_)
          std::cout << "{\"t\":" << seconds_json(o.at)
                    << ",\"protocol\":" << engine::json_string(m.line)
                    << ",\"kind\":" << engine::json_string(k)
                    << ",\"rule\":" << engine::json_string("protocol:" + k)
                    << ",\"evidence\":" << engine::json_string(m.text)
                    << ",\"from\":" << engine::json_string(from) << "}\n";
        else
          std::cout << seconds_text(o.at) << "  protocol " << m.line
                    << "  kind=" << k << " from=" << from << '\n';
        return;
      }
      case kind::compaction:
        if (json_)
          std::cout << "{\"t\":" << seconds_json(o.at) << ",\"compaction\":"
                    << engine::json_string(o.marker.matched)
                    << ",\"rule\":\"compaction_marker\",\"region\":"
                    << engine::json_string(o.marker.region)
                    << ",\"evidence\":" << engine::json_string(o.marker.matched)
                    << "}\n";
        else
          std::cout << seconds_text(o.at)
                    << "  compaction rule=compaction_marker region="
                    << field(o.marker.region)
                    << " evidence=" << engine::json_string(o.marker.matched)
                    << '\n';
        return;
    }
  }

  bool json_;
};

bool looks_like_cast(const std::string& path, std::string_view text) {
  if (path.size() >= 5 && path.compare(path.size() - 5, 5, ".cast") == 0)
    return true;
  auto first = text.substr(0, text.find('\n'));
  auto start = first.find_first_not_of(" \t\r");
  return start != std::string_view::npos && first[start] == '{'
         && first.find("\"version\"") != std::string_view::npos;
}

uint64_t micros(double seconds) {
  return seconds <= 0 ? 0 : static_cast<uint64_t>(std::llround(seconds * 1e6));
}

/// Runs the monitor's pending deadlines up to and including `until`.
template<class Sink>
void settle(engine::agent_monitor& m, uint64_t until, Sink&& sink) {
  while (m.next_deadline() != 0 && m.next_deadline() <= until)
    sink(m.tick(m.next_deadline()));
}

/// Prints the screen and every rule's verdict at `at`.
void explain(const engine::agent_monitor& m, uint64_t at) {
  auto view = m.screen().view();
  std::cout << "screen at " << seconds_text(at) << " (" << view.cols << "x"
            << view.rows << (view.alt_screen ? ", alternate screen" : "")
            << "), cursor " << view.cursor.row + 1 << ":" << view.cursor.col + 1
            << "\n";
  std::cout << "title " << engine::json_string(view.title) << "\n";
  for (size_t r = 0; r < view.lines.size(); ++r) {
    auto num = std::to_string(r + 1);
    std::cout << std::string(num.size() < 3 ? 3 - num.size() : 0, ' ') << num
              << " |" << view.lines[r] << "\n";
  }
  std::cout << "state " << engine::detect::to_string(m.state());
  if (!m.detector().evidence().rule.empty())
    std::cout << " (rule " << field(m.detector().evidence().rule) << ")";
  std::cout << "\nrules:\n";
  for (auto& v : m.detector().explain(view, at))
    std::cout << "  " << engine::detect::to_string(v) << "\n";
}

int run_detect(const detect_args& args) {
  auto pack = args.pack_file.empty()
                ? actors::terminal::builtin_pack(args.pack)
                : actors::terminal::pack_from_file(args.pack_file);
  if (!pack)
    return usage_error(pack.err().message());
  std::ifstream in{args.recording, std::ios::binary};
  if (!in)
    return usage_error("cannot read " + args.recording + ": "
                       + std::strerror(errno));
  std::stringstream buf;
  buf << in.rdbuf();
  if (in.bad())
    return usage_error("cannot read " + args.recording);
  auto text = buf.str();

  std::optional<uint64_t> stop;
  if (args.explain) {
    if (!std::isfinite(*args.explain) || *args.explain < 0)
      return usage_error("--explain wants a time in seconds >= 0");
    stop = micros(*args.explain);
  }
  printer print{args.json};
  auto sink = [&](const std::vector<engine::observation>& obs) {
    if (!stop)
      print(obs);
  };

  if (looks_like_cast(args.recording, text)) {
    auto c = engine::parse_cast(text, args.recording);
    if (!c)
      return usage_error(c.err().message());
    engine::agent_monitor m{*pack, {c->header.width, c->header.height}};
    uint64_t now = 0;
    bool resized = false;
    for (auto& ev : c->events) {
      auto t = micros(ev.time);
      if (stop && t > *stop)
        break;
      now = std::max(now, t);
      settle(m, now, sink);
      if (ev.kind == 'o')
        sink(m.feed(ev.data, now));
      else if (ev.kind == 'i')
        m.typed(ev.data);
      else if (ev.kind == 'r')
        resized = true;
    }
    if (resized)
      std::cerr << "baton detect: " << args.recording
                << ": resize events are not replayed; the screen stays "
                << c->header.width << "x" << c->header.height << "\n";
    if (stop) {
      settle(m, *stop, sink);
      explain(m, *stop);
      return 0;
    }
    settle(m, now, sink);
    sink(m.exited(now, "end of recording"));
    return 0;
  }

  engine::agent_monitor m{*pack};
  std::string_view rest{text};
  size_t step = args.chunk == 0 ? rest.size() : args.chunk;
  while (!rest.empty()) {
    auto piece = rest.substr(0, step);
    rest.remove_prefix(piece.size());
    sink(m.feed(piece, 0));
  }
  if (stop) {
    settle(m, *stop, sink);
    explain(m, *stop);
    return 0;
  }
  // Let quiet periods and the coalescing window run out: the output has
  // stopped, which is all a raw file says about time.
  while (m.next_deadline() != 0)
    sink(m.tick(m.next_deadline()));
  return 0;
}

} // namespace

void add_detect_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<detect_args>();
  auto* cmd = app.add_subcommand(
    "detect", "Re-run state detection over a recording (.cast or raw bytes) "
              "and print each state change and protocol line");
  auto* pack = cmd->add_option("--pack", args->pack,
                               "A built-in detector pack (generic, sim, "
                               "claude, codex, gemini, aider)");
  auto* file
    = cmd->add_option("--pack-file", args->pack_file, "A detector pack file")
        ->excludes(pack);
  pack->excludes(file);
  cmd->add_flag("--json", args->json, "One JSON object per line");
  cmd->add_option("--explain", args->explain,
                  "Show the screen and every rule's verdict at T seconds");
  cmd->add_option("--chunk", args->chunk,
                  "Raw files: feed this many bytes at a time (all at t=0)");
  cmd
    ->add_option("recording", args->recording,
                 "An asciinema v2 .cast, or a file of raw output bytes")
    ->required();
  cmd->callback([args, &exit_code] {
    if (args->pack.empty() && args->pack_file.empty()) {
      exit_code = usage_error("give --pack NAME or --pack-file FILE");
      return;
    }
    exit_code = run_detect(*args);
  });
}

} // namespace baton::cli
