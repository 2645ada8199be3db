// The claude, codex and gemini packs over the real-CLI recordings in
// tests/agents/recordings (Claude Code 2.1.197, Codex 0.169.0, Gemini CLI
// 0.61.0; see tests/agents/SCREENS.md), played through agent_monitor — the
// fold a live agent session runs — with the built-in packs:
//
//  - at every "m" marker the recording driver wrote, the detected state is
//    the one the driver saw (its markers are ground truth);
//  - every protocol line of the scenario's model turns
//    (tests/agents/scenarios/<scenario>.json) is reported exactly once;
//  - nothing else is: the echoed prompts, which carry `STATUS: DONE —
//    <what> + <evidence>.` mid-sentence (wrapped onto a row of its own),
//    are never reported.
//
// Run from the repository root (ctest does).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "engine/detect/pack.hpp"
#include "engine/monitor/agent_monitor.hpp"
#include "engine/recording/cast.hpp"
#include "packs/builtin_packs.hpp"
#include "tests/engine/detect/builtin_pack.hpp"

using namespace baton;
using namespace baton::engine;
using detect::state;

namespace {

std::string read(const std::string& path) {
  return test::read_fixture(path);
}

std::shared_ptr<const detect::pack> builtin(std::string_view name) {
  return test::builtin_pack(name);
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

/// Every value of a `"text": "..."` member in a scenario file (the model's
/// turns), JSON escapes decoded. The scenarios are plain JSON written by
/// the test suite; this reads just what the test needs.
std::vector<std::string> turn_texts(const std::string& json) {
  std::vector<std::string> out;
  const std::string key = "\"text\"";
  for (auto at = json.find(key); at != std::string::npos;
       at = json.find(key, at + 1)) {
    auto q = json.find('"', json.find(':', at + key.size()));
    REQUIRE(q != std::string::npos);
    std::string s;
    size_t i = q + 1;
    for (; i < json.size() && json[i] != '"'; ++i) {
      if (json[i] != '\\') {
        s += json[i];
        continue;
      }
      char e = json[++i];
      switch (e) {
        case 'n': s += '\n'; break;
        case 't': s += '\t'; break;
        case 'r': s += '\r'; break;
        case 'u':
          append_utf8(s, static_cast<uint32_t>(
                           std::stoul(json.substr(i + 1, 4), nullptr, 16)));
          i += 4;
          break;
        default: s += e; // \" \\ \/
      }
    }
    out.push_back(std::move(s));
    at = i;
  }
  return out;
}

/// The protocol lines in the scenario's turns, as the CLIs render them:
/// markdown inline code loses its backticks, blanks collapse.
std::vector<std::string> expected_lines(const std::string& scenario) {
  std::vector<std::string> out;
  for (auto& text :
       turn_texts(read("tests/agents/scenarios/" + scenario + ".json"))) {
    std::istringstream in{text};
    for (std::string line; std::getline(in, line);) {
      bool protocol = false;
      for (std::string_view k :
           {"STATUS:", "PROGRESS:", "BUILD:", "NEED:", "CONTRACT:"})
        protocol = protocol || line.starts_with(k);
      if (!protocol)
        continue;
      std::string clean;
      for (char c : line)
        if (c != '`' && !(c == ' ' && !clean.empty() && clean.back() == ' '))
          clean += c;
      out.push_back(clean);
    }
  }
  return out;
}

struct marker_check {
  double t = 0;
  std::string label;
  state seen = state::unknown;
  /// Compaction observations since the previous marker.
  size_t compactions = 0;
};

struct played {
  std::vector<marker_check> markers;
  /// Protocol lines reported, and the time of each.
  std::vector<std::pair<uint64_t, std::string>> lines;
  std::vector<std::string> log;
  /// When the driver started the CLI's exit (its first "exiting" marker).
  uint64_t exit_started = UINT64_MAX;
};

played play(const std::string& recording, std::string_view pack) {
  auto c = parse_cast(read("tests/agents/recordings/" + recording + ".cast"),
                      recording);
  REQUIRE(c);
  agent_monitor m{builtin(pack), {c->header.width, c->header.height}};
  played r;
  size_t compactions = 0;
  auto take = [&](const std::vector<observation>& obs) {
    for (auto& o : obs) {
      auto t = std::to_string(static_cast<double>(o.at) / 1e6);
      if (o.what == observation::kind::state) {
        r.log.push_back(t + " state " + std::string{to_string(o.change.to)}
                        + " (" + o.change.evidence.rule + ")");
      } else if (o.what == observation::kind::protocol) {
        r.lines.emplace_back(o.at, o.message.message.line);
        r.log.push_back(t + " protocol " + o.message.message.line);
      } else {
        ++compactions;
        r.log.push_back(t + " compaction " + o.marker.matched);
      }
    }
  };
  // The driver marks a state the moment its own screen shows it, which is
  // when the output arrives; the monitor evaluates output at most one
  // coalescing window later (agent_monitor.hpp). So a marker's state is
  // taken when that window has passed.
  constexpr uint64_t window = agent_monitor::default_coalesce_us;
  std::vector<std::pair<uint64_t, marker_check>> due;
  auto settle = [&](uint64_t until) {
    while (m.next_deadline() != 0 && m.next_deadline() <= until)
      take(m.tick(m.next_deadline()));
  };
  auto capture = [&](uint64_t until) {
    while (!due.empty() && due.front().first <= until) {
      settle(due.front().first);
      due.front().second.seen = m.state();
      due.front().second.compactions = compactions;
      compactions = 0;
      r.markers.push_back(std::move(due.front().second));
      due.erase(due.begin());
    }
  };
  uint64_t now = 0;
  for (auto& ev : c->events) {
    now = std::max(now, static_cast<uint64_t>(ev.time * 1e6));
    capture(now);
    settle(now);
    if (ev.kind == 'o') {
      take(m.feed(ev.data, now));
    } else if (ev.kind == 'i') {
      m.typed(ev.data);
    } else if (ev.kind == 'm') {
      if (ev.data.starts_with("exiting"))
        r.exit_started = std::min(r.exit_started, now);
      if (ev.data.starts_with("exited")) {
        capture(now);
        take(m.exited(now, ev.data));
        due.push_back({now, {ev.time, ev.data}});
        capture(now);
      } else {
        due.push_back({now + window, {ev.time, ev.data}});
      }
    }
  }
  capture(UINT64_MAX);
  return r;
}

/// The state a driver marker stands for, or nothing for markers that name
/// no state (inputs, exit keys).
bool check_marker(const marker_check& mk, state done_state) {
  INFO("marker '" << mk.label << "' at " << mk.t << "s: detected "
                  << to_string(mk.seen));
  const auto& l = mk.label;
  if (l == "idle" || l == "working" || l == "waiting_approval") {
    CHECK(to_string(mk.seen) == l);
  } else if (l == "done") {
    // The driver's "done": the final text is there and the CLI is back at
    // its prompt. Claude Code and Codex show an end-of-turn line (`✻
    // Churned for 6s`, `Worked for 8s`), so their packs say `done`; Gemini
    // CLI shows none, so its pack says `idle`. A turn that ended with
    // `STATUS: BLOCKED` leaves the agent `blocked` whatever the CLI shows
    // (the agent monitor's judgement; scenario `blocked`).
    CHECK(mk.seen == done_state);
  } else if (l == "compacted") {
    // The compaction marker was observed during the step, and the CLI is
    // back at its prompt (idle, or done after Codex's "Worked for" line).
    CHECK(mk.compactions >= 1);
    CHECK((mk.seen == state::idle || mk.seen == state::done));
  } else if (l == "error" || l == "context-limit") {
    // An HTTP 400 ends the turn with the CLI's error line above its
    // prompt: `error`. Claude Code's "Context limit reached · /compact or
    // /clear to continue" needs someone to compact: `blocked`. Codex and
    // Gemini CLI show the too-long prompt as an ordinary API error.
    CHECK((mk.seen == state::error || mk.seen == state::blocked));
  } else if (l == "retrying") {
    // The CLI retries a failed request (HTTP 529 overloaded) and says so
    // where its spinner was: the error is on screen (scenario `retry`).
    CHECK(mk.seen == state::error);
  } else if (l == "interrupted") {
    // A turn the user interrupted with Esc: the CLI is back at its prompt,
    // waiting for the next one — not an error (scenario `interrupt`).
    CHECK(mk.seen == state::idle);
  } else if (l == "unknown") {
    // A startup screen no rule knows: `unknown` once it has stood still,
    // not `starting` for ever (scenario `startup`).
    CHECK(mk.seen == state::unknown);
  } else if (l.starts_with("exited")) {
    CHECK(mk.seen == state::exited);
  } else {
    return false;
  }
  return true;
}

/// The recorded scenarios of each CLI (tests/agents/recordings/<cli>-<scenario>.cast).
const std::vector<std::string> claude_scenarios{"normal", "blocked", "compact",
                                                "retry", "interrupt",
                                                "startup"};
const std::vector<std::string> codex_scenarios{"normal", "blocked", "compact",
                                               "retry", "reconnect", "interrupt",
                                               "startup"};
const std::vector<std::string> gemini_scenarios{"normal", "blocked",
                                                "compact", "retry", "interrupt",
                                                "startup"};

struct cli_case {
  const char* recording;
  const char* pack;
  const char* scenario;
  state done_state;
};

/// The state a finished turn leaves in `scenario`: its last STATUS line
/// decides over the CLI's own end-of-turn screen (`done` or `idle`).
state turn_end(std::string_view scenario, state cli_done) {
  return scenario == "blocked" ? state::blocked : cli_done;
}

void run_case(const cli_case& k) {
  INFO(k.recording << " with the " << k.pack << " pack");
  auto r = play(k.recording, k.pack);
  for (auto& l : r.log)
    UNSCOPED_INFO(l);

  size_t checked = 0;
  for (auto& mk : r.markers)
    checked += check_marker(mk, k.done_state) ? 1 : 0;
  CHECK(checked >= 5);

  auto expected = expected_lines(k.scenario);
  REQUIRE(!expected.empty());
  std::vector<std::string> before_exit;
  std::vector<std::string> after_exit;
  for (auto& [at, line] : r.lines)
    (at < r.exit_started ? before_exit : after_exit).push_back(line);
  // Each of the model's lines once, in order, and nothing else: no echo of
  // the prompt's `STATUS: DONE — <what> + <evidence>.`.
  CHECK(before_exit == expected);
  for (auto& [at, line] : r.lines) {
    INFO(line);
    CHECK(line.find("<what>") == std::string::npos);
    CHECK(line.find("needed>") == std::string::npos);
  }
  // Nothing is reported twice, not even when Gemini CLI clears the screen
  // and the scrollback at exit (ESC[2J ESC[3J) and prints the whole
  // transcript again above its goodbye box: a repaint of lines already
  // reported, the same occurrences.
  for (auto& line : after_exit)
    UNSCOPED_INFO("reported again at exit: " << line);
  CHECK(after_exit.empty());
}

} // namespace

TEST_CASE("claude pack over the Claude Code 2.1.197 recordings",
          "[engine][detect][packs][claude]") {
  for (const auto& scenario : claude_scenarios) {
    auto rec = std::string{"claude-"} + scenario;
    run_case(
      {rec.c_str(), "claude", scenario.c_str(), turn_end(scenario, state::done)});
  }
}

TEST_CASE("codex pack over the Codex 0.169.0 recordings",
          "[engine][detect][packs][codex]") {
  for (const auto& scenario : codex_scenarios) {
    auto rec = std::string{"codex-"} + scenario;
    run_case({rec.c_str(), "codex", scenario.c_str(), turn_end(scenario, state::done)});
  }
}

TEST_CASE("gemini pack over the Gemini CLI 0.61.0 recordings",
          "[engine][detect][packs][gemini]") {
  for (const auto& scenario : gemini_scenarios) {
    auto rec = std::string{"gemini-"} + scenario;
    run_case(
      {rec.c_str(), "gemini", scenario.c_str(), turn_end(scenario, state::idle)});
  }
}

namespace {

/// Draws a whole screen: the window title, then `rows` from the top.
std::string screen_of(std::string_view title,
                      std::initializer_list<std::string_view> rows) {
  std::string out = "\x1b]0;" + std::string{title} + "\x07\x1b[H\x1b[J";
  bool first = true;
  for (auto r : rows) {
    out += first ? "" : "\r\n";
    out += r;
    first = false;
  }
  return out;
}

/// The state once the screen has stood still for `ms` milliseconds.
state after(agent_monitor& m, std::string_view bytes, uint64_t at,
            uint64_t ms = 0) {
  m.feed(bytes, at);
  while (m.next_deadline() != 0 && m.next_deadline() <= at + ms * 1000)
    m.tick(m.next_deadline());
  return m.state();
}

std::string claude_box() {
  std::string r;
  for (int i = 0; i < 120; ++i)
    r += "─";
  return r;
}

} // namespace

TEST_CASE("claude: a turn in progress is working whatever the title and "
          "the footer say",
          "[engine][detect][packs][claude]") {
  // Screens as Claude Code 2.1.197 draws them (SCREENS.md); the title
  // renamed to the session's, the footer as it reads for a few seconds
  // after a paste.
  agent_monitor m{builtin("claude"), {120, 30}, 0};
  auto box = claude_box();
  auto spinner = [&](std::string_view row, std::string_view footer) {
    return screen_of("✳ Fix the build", {"❯ Fix the build", "", row, "", box,
                                         "❯\u00a0", box, footer});
  };
  CHECK(
    after(m,
          spinner("✶ Shimmying… (2s · ↓ 28 tokens)", "  paste again to expand"),
          1000)
    == state::working);
  CHECK(m.evidence().rule == "working");
  CHECK(
    after(m, spinner("✢ Compacting conversation…", "  ? for shortcuts"), 2000)
    == state::working);
  // Retrying after an overloaded API: the error is on screen.
  CHECK(after(m,
              spinner("✻ API error · Retrying in 5s · attempt 2/10",
                      "  esc to interrupt · ← for agents"),
              3000)
        == state::error);
  CHECK(m.evidence().rule == "api error, retrying");
  CHECK(after(m,
              spinner("✻ Rate limit reached · Retrying in 30s · attempt 1/10",
                      "  esc to interrupt · ← for agents"),
              4000)
        == state::error);
  // The retry got through: the spinner is back.
  CHECK(after(m,
              spinner("✽ Herding… (9s · ↓ 12 tokens)",
                      "  esc to interrupt · ← for agents"),
              5000)
        == state::working);
  // The turn ended: `✻ Churned for 6s` is not a spinner.
  CHECK(after(m, spinner("✻ Churned for 6s", "  ? for shortcuts"), 6000, 500)
        == state::done);
}

TEST_CASE("codex: retrying after an API error is error, an interrupted turn "
          "idle",
          "[engine][detect][packs][codex]") {
  agent_monitor m{builtin("codex"), {120, 30}, 0};
  auto composer = [](std::string_view title, std::string_view above) {
    return screen_of(title, {"› fix the build", "", above, "",
                             "› Ask Codex to do anything", "",
                             "  GPT-5.5 default · /w · Fix the build",
                             "  ← for agents · ? for shortcuts"});
  };
  CHECK(
    after(m,
          composer("⠋ Fix the build | w", "• Working (3s • esc to interrupt)"),
          1000)
    == state::working);
  CHECK(after(m,
              composer("⠙ Fix the build | w",
                       "• Reconnecting... 2/5 (5s • esc to interrupt)"),
              2000)
        == state::error);
  CHECK(
    after(m,
          composer("⠹ Fix the build | w", "• Working (9s • esc to interrupt)"),
          3000)
    == state::working);
  // Esc: the turn was interrupted, the CLI is back at its prompt.
  CHECK(after(m,
              composer("Fix the build | w",
                       "■ Conversation interrupted - use /feedback if "
                       "something went wrong"),
              4000, 500)
        == state::idle);
  // An API error that ended the turn is still an error.
  CHECK(after(m,
              composer("Fix the build | w",
                       "■ {\"error\":{\"message\":\"mock: scripted "
                       "failure\"}}"),
              5000, 500)
        == state::error);
}

TEST_CASE("every real-CLI recording has a pack test",
          "[engine][detect][packs]") {
  // A recording added to tests/agents/recordings gets a case above.
  std::set<std::string> known;
  for (auto& [cli, scenarios] :
       {std::pair{"claude", &claude_scenarios}, std::pair{"codex", &codex_scenarios},
        std::pair{"gemini", &gemini_scenarios}})
    for (auto& scenario : *scenarios)
      known.insert(std::string{cli} + "-" + scenario + ".cast");
  std::set<std::string> found;
  for (auto& e : std::filesystem::directory_iterator{"tests/agents/recordings"})
    if (e.path().extension() == ".cast")
      found.insert(e.path().filename().string());
  CHECK(found == known);
}
