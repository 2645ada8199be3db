// A worker stream that carries out operator commands replays byte for byte:
// a prompt and an answer with a ref (the operator command's id) finish with
// an InputFinished carrying it, and raw keys a person typed pass through as
// they are (no paste, no submit key, no delivery). The stream is recorded
// here as the worker actor records it: each input, then what the session
// core derived from it.
#include "replay/worker_replay.hpp"

#include <capnp/message.h>
#include <catch2/catch.hpp>

#include "engine/session/session_record.hpp"
#include "schema/events.capnp.h"
#include "tests/support/temp_dir.hpp"

using namespace baton;
using engine::session_effects;

namespace {

constexpr std::string_view steer_pack_text = R"(
name = "steer"
version = "1"
input_ready = ["idle"]
bracketed_paste = false

[[rule]]
name = "asks"
state = "waiting_approval"
region = "last_line"
pattern = 'Allow\? \(y/n\)'

[[rule]]
name = "working"
state = "working"
region = "last_line"
pattern = '^working\.\.\.'

[[rule]]
name = "prompt"
state = "idle"
region = "last_line"
pattern = '^>'

[approval]
allow = "y"
deny = "n"
)";

std::string frame_of(std::initializer_list<std::string_view> rows) {
  std::string out = "\x1b[H\x1b[J";
  bool first = true;
  for (auto r : rows) {
    out += first ? "" : "\r\n";
    out += r;
    first = false;
  }
  return out;
}

template<class F>
frame event(F&& fill) {
  capnp::MallocMessageBuilder b;
  fill(b.initRoot<schema::Event>());
  return frame::from(b);
}

struct prompt_input {
  std::string text;
  std::string ref;
  bool answer = false;
  bool raw = false;
};

/// Records a worker's stream as the worker actor does. `ref_to_core`:
/// whether the live core is given a prompt's ref (false records a stream
/// whose InputFinished events lack the ref its prompt carries).
class worker_recorder {
public:
  explicit worker_recorder(bool ref_to_core = true)
    : ref_to_core_(ref_to_core) {
    auto pack = engine::detect::parse_pack(steer_pack_text, "steer");
    REQUIRE(pack.ok());
    auto p = std::make_shared<const engine::detect::pack>(std::move(*pack));
    engine::session_core_options opts;
    opts.coalesce_us = 0;
    opts.submit_delay_us = 0;
    add(engine::session_opened_event(*p, opts, false, engine::record_version),
        0);
    core_ = std::make_unique<engine::session_core>(p, opts);
  }

  void output(const std::string& bytes, uint64_t now) {
    step(event([&](schema::Event::Builder e) {
           e.initPtyOutput().setBytes(
             {reinterpret_cast<const kj::byte*>(bytes.data()), bytes.size()});
         }),
         now, [&](session_effects& fx) { core_->output(bytes, now, fx); });
  }

  void prompt(const prompt_input& p, uint64_t now) {
    auto recorded = event([&](schema::Event::Builder e) {
      auto b = e.initPromptRequested();
      b.setText(p.text);
      b.setWhy(p.raw ? "operator keys" : "operator send");
      b.setAnswer(p.answer);
      if (!p.ref.empty())
        b.setRef(p.ref);
      if (p.raw)
        b.setRaw(true);
    });
    step(std::move(recorded), now, [&](session_effects& fx) {
      auto ref = ref_to_core_ ? p.ref : std::string{};
      if (p.raw)
        core_->user_input(p.text, fx);
      else if (p.answer)
        core_->answer(p.text, now, fx, ref);
      else
        core_->prompt(p.text, now, fx, ref);
    });
  }

  void exited(uint64_t now) {
    step(event([](schema::Event::Builder e) {
           auto x = e.initProcessExited();
           x.setExitCode(0);
           x.setSignal(0);
         }),
         now, [&](session_effects& fx) {
           core_->exited({0, 0}, now, fx);
         });
  }

  /// The stream's sequence of the first InputFinished recorded (0: none).
  uint64_t first_finished() const {
    return first_finished_;
  }

  std::unique_ptr<storage::event_log> store(const std::string& dir) const {
    auto log = storage::event_log::open(dir);
    REQUIRE(log.ok());
    REQUIRE((*log)
              ->append("worker/a", storage::expected_version::any(), events_)
              .ok());
    return std::move(*log);
  }

private:
  template<class F>
  void step(frame input, uint64_t now, F&& apply) {
    add(std::move(input), now);
    session_effects fx;
    apply(fx);
    for (auto& f : engine::session_records(fx, engine::record_version)) {
      if (first_finished_ == 0) {
        capnp::FlatArrayMessageReader in{f.words(), frame_reader_options()};
        if (in.getRoot<schema::Event>().isInputFinished())
          first_finished_ = events_.size() + 1;
      }
      add(std::move(f), now);
    }
  }

  void add(frame f, uint64_t now) {
    storage::new_event e;
    e.id = event_id::from_parts(7, events_.size() + 1);
    e.logical_time = now;
    e.payload = std::move(f);
    events_.push_back(std::move(e));
  }

  bool ref_to_core_;
  std::unique_ptr<engine::session_core> core_;
  std::vector<storage::new_event> events_;
  uint64_t first_finished_ = 0;
};

/// A session steered by an operator: a prompt (o3), raw keys (o4: Escape,
/// then a line typed by hand), a permission answer (o5) and the engine's
/// own prompt, then the exit.
void steer(worker_recorder& w) {
  w.output(frame_of({"> "}), 1000);
  w.prompt({"fix the failing test", "o3"}, 2000);
  w.output(frame_of({"> fix the failing test", "working..."}), 3000);
  w.prompt({"\x1b", "o4", false, true}, 4000);
  w.output(frame_of({"> fix the failing test", "> "}), 5000);
  w.prompt({"run make\r", "o4", false, true}, 6000);
  w.output(frame_of({"> run make", "working..."}), 7000);
  w.output(frame_of({"> run make", "Allow? (y/n)"}), 8000);
  w.prompt({"y", "o5", true}, 9000);
  w.output(frame_of({"> run make", "working..."}), 10000);
  w.output(frame_of({"> run make", "> "}), 11000);
  w.prompt({"go on", ""}, 12000);
  w.output(frame_of({"> go on", "working..."}), 13000);
  w.exited(14000);
}

/// Every InputFinished of the stream as (delivered, ref), and every
/// ptyInput's bytes, in order.
struct recorded_stream {
  std::vector<std::pair<bool, std::string>> finished;
  std::vector<std::string> typed;
};

recorded_stream read_stream(const storage::event_log& log) {
  recorded_stream out;
  auto n = log.read(
    "worker/a", 1, UINT64_MAX, UINT64_MAX, [&](storage::recorded_event&& e) {
      auto ev = e.event();
      if (ev.isInputFinished())
        out.finished.emplace_back(ev.getInputFinished().getDelivered(),
                                  ev.getInputFinished().getRef().cStr());
      if (ev.isPtyInput()) {
        auto b = ev.getPtyInput().getBytes();
        out.typed.emplace_back(reinterpret_cast<const char*>(b.begin()),
                               b.size());
      }
      return true;
    });
  REQUIRE(n.ok());
  return out;
}

} // namespace

TEST_CASE("a worker stream with operator prompts and raw keys replays byte "
          "for byte",
          "[replay][worker][ref]") {
  test::temp_dir tmp;
  worker_recorder w;
  steer(w);
  auto log = w.store(tmp / "log");

  // What was recorded: each delivery's end with its operator command, and
  // the raw keys typed as they are.
  auto s = read_stream(*log);
  using fin = std::pair<bool, std::string>;
  CHECK(s.finished == std::vector<fin>{{true, "o3"}, {true, "o5"}, {true, ""}});
  CHECK(s.typed
        == std::vector<std::string>{"fix the failing test\r", "\x1b",
                                    "run make\r", "y", "go on\r"});

  auto r = replay::replay_worker(*log, "a");
  REQUIRE(r.ok());
  if (r->first_divergence)
    FAIL(r->first_divergence->stream
         << "@" << r->first_divergence->sequence
         << "\n  replay derived:   " << r->first_divergence->expected
         << "\n  the run recorded: " << r->first_divergence->found);
  // The session's opening and the 14 inputs steer() recorded.
  CHECK(r->inputs == 15);
  CHECK(r->decisions > 0);
}

TEST_CASE("replay gives a prompt's ref to the session, so an InputFinished "
          "recorded without it diverges",
          "[replay][worker][ref]") {
  test::temp_dir tmp;
  worker_recorder w{false};
  steer(w);
  auto log = w.store(tmp / "log");
  auto r = replay::replay_worker(*log, "a");
  REQUIRE(r.ok());
  REQUIRE(r->first_divergence);
  CHECK(r->first_divergence->sequence == w.first_finished());
  CHECK(r->first_divergence->expected.find("o3") != std::string::npos);
  CHECK(r->first_divergence->found.find("o3") == std::string::npos);
}
