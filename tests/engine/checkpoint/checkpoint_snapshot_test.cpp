// A checkpoint fold restored from its saved state and folded on equals the
// fold from the first event — at every position of a worker-like stream —
// both in memory and through the log's snapshots (rebuild_checkpoint).
#include <capnp/message.h>

#include <catch2/catch.hpp>

#include "engine/checkpoint/checkpoint.hpp"
#include "replay/checkpoint_rebuild.hpp"
#include "tests/support/temp_dir.hpp"

using namespace baton;
using namespace baton::engine;

namespace {

/// A deterministic worker stream: dispatch prompts (new tasks and
/// attempts), retries, answers and contracts, PROGRESS / BUILD / DONE /
/// NEED / CONTRACT lines, and terminal output noise between them.
std::vector<frame> worker_stream(size_t count, uint64_t seed) {
  std::vector<frame> out;
  uint64_t x = seed;
  auto next = [&x](uint64_t n) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return (x >> 33) % n;
  };
  uint32_t task = 0, step = 0;
  for (size_t i = 0; i < count; ++i) {
    capnp::MallocMessageBuilder b;
    auto e = b.initRoot<schema::Event>();
    auto pick = i == 0 ? 0 : next(20);
    auto t = "t" + std::to_string(task);
    if (pick == 0) {
      ++task;
      step = 0;
      auto p = e.initPromptRequested();
      auto id = "t" + std::to_string(task);
      p.setText("Task " + id + ": part " + std::to_string(task) + "\n\nDo it.");
      p.setWhy("dispatch of task " + id + ", attempt "
               + std::to_string(1 + next(3)));
    } else if (pick == 1) {
      auto p = e.initPromptRequested();
      p.setText("CONTRACT from docs: schema v" + std::to_string(i) + "\nbody");
      p.setWhy("contract from docs");
    } else if (pick == 2) {
      auto p = e.initPromptRequested();
      p.setText("The gate failed: test " + std::to_string(i) + "\nfix it");
      p.setWhy("retry of task " + t);
    } else if (pick == 3) {
      auto p = e.initPromptRequested();
      p.setText("NEED from frontend: api.md\nplease");
      p.setWhy("need from frontend");
    } else if (pick < 8) {
      auto m = e.initProtocolMessage();
      m.setKind("progress");
      ++step;
      m.setDone(step);
      m.setTotal(step + static_cast<uint32_t>(next(3)));
      m.setText("step " + std::to_string(step));
      m.setLine("PROGRESS: " + std::to_string(step) + " — step");
    } else if (pick == 8) {
      auto m = e.initProtocolMessage();
      m.setKind("build");
      auto pass = next(2) == 0;
      m.setPassed(pass);
      m.setLine(pass ? "BUILD: PASS" : "BUILD: FAIL — x.cpp:" + std::to_string(i));
    } else if (pick == 9) {
      auto m = e.initProtocolMessage();
      m.setKind("status");
      const char* statuses[] = {"DONE", "ERROR", "BLOCKED"};
      auto s = statuses[next(3)];
      m.setStatus(s);
      m.setLine(std::string{"STATUS: "} + s + " — " + t);
    } else if (pick == 10) {
      auto m = e.initProtocolMessage();
      m.setKind("need");
      auto r = "docs/" + std::to_string(next(4)) + ".md";
      m.setResource(r);
      m.setText("the schema");
      m.setLine("NEED: " + r + " — the schema");
    } else if (pick == 11) {
      auto m = e.initProtocolMessage();
      m.setKind("contract");
      m.setText("api v1");
      m.setLine("CONTRACT: api v1");
    } else {
      std::string noise(40 + next(200), 'x');
      e.initPtyOutput().setBytes(kj::ArrayPtr<const kj::byte>{
        reinterpret_cast<const kj::byte*>(noise.data()), noise.size()});
    }
    out.push_back(frame::from(b));
  }
  return out;
}

schema::Event::Reader root(capnp::FlatArrayMessageReader& r) {
  return r.getRoot<schema::Event>();
}

void apply(checkpoint_fold& f, uint64_t seq, const frame& e) {
  capnp::FlatArrayMessageReader r{e.words(), frame_reader_options()};
  f.apply(seq, root(r));
}

} // namespace

TEST_CASE("a checkpoint restored from its saved state and folded on equals "
          "the fold from the first event, at every position",
          "[engine][checkpoint][snapshot]") {
  auto events = worker_stream(600, 7);
  // The fold from the start, and its state after each event.
  checkpoint_fold full;
  std::vector<checkpoint_summary> after{full.summary()};
  for (size_t i = 0; i < events.size(); ++i) {
    apply(full, i + 1, events[i]);
    after.push_back(full.summary());
  }
  REQUIRE(!full.summary().task.empty());
  for (size_t at = 0; at <= events.size(); ++at) {
    auto saved = checkpoint_fold{};
    for (size_t i = 0; i < at; ++i)
      apply(saved, i + 1, events[i]);
    auto state = saved.save();
    // Deterministic: the same state gives the same bytes.
    REQUIRE(state == checkpoint_fold::restore(state).value().save());
    auto restored = checkpoint_fold::restore(state);
    REQUIRE(restored.ok());
    REQUIRE(restored->summary() == after[at]);
    for (size_t i = at; i < events.size(); ++i)
      apply(*restored, i + 1, events[i]);
    REQUIRE(restored->summary() == full.summary());
    REQUIRE(restored->render("backend") == full.render("backend"));
  }
}

TEST_CASE("restoring a state that is not a CheckpointState is corruption",
          "[engine][checkpoint][snapshot]") {
  auto garbage = std::vector<std::byte>(16, std::byte{0xff});
  auto r = checkpoint_fold::restore(frame::from_bytes(garbage).value());
  REQUIRE(!r.ok());
  CHECK(r.err().code() == ec::corruption);
}

TEST_CASE("rebuild_checkpoint from any snapshot equals the fold from the "
          "first event, and reads only the tail",
          "[replay][checkpoint][snapshot]") {
  test::temp_dir tmp;
  auto log = storage::event_log::open(tmp / "log").value();
  auto events = worker_stream(300, 11);
  std::vector<storage::new_event> batch;
  for (size_t i = 0; i < events.size(); ++i) {
    storage::new_event e;
    e.id = event_id::from_parts(1, i + 1);
    e.logical_time = (i + 1) * 1000;
    e.payload = events[i];
    batch.push_back(std::move(e));
    // Another worker's events interleave; they must not matter.
    storage::new_event other;
    other.id = event_id::from_parts(2, i + 1);
    other.payload = events[(i * 7) % events.size()];
    REQUIRE(log->append("worker/other", storage::expected_version::any(),
                        {&other, 1})
              .ok());
    if (batch.size() == 10 || i + 1 == events.size()) {
      REQUIRE(log->append("worker/a", storage::expected_version::any(), batch)
                .ok());
      batch.clear();
    }
  }
  // The folds from the first event, as of every sequence.
  std::vector<std::string> expected{""};
  checkpoint_fold full;
  for (size_t i = 0; i < events.size(); ++i) {
    apply(full, i + 1, events[i]);
    expected.push_back(full.render("a"));
  }
  for (uint64_t at = 1; at <= events.size(); at += 13) {
    auto plain = replay::rebuild_checkpoint(*log, "a", at, false);
    REQUIRE(plain.ok());
    REQUIRE(plain->fold.render("a") == expected[at]);
  }
  // A snapshot at every 23rd sequence, saved by save_checkpoint_snapshot as
  // the stream grows would; then every `at` rebuilds from the one below it.
  for (uint64_t s = 23; s <= events.size(); s += 23) {
    auto r = replay::rebuild_checkpoint(*log, "a", s, false);
    REQUIRE(r.ok());
    REQUIRE(log->save_snapshot("worker/a", {s, s * 1000, r->fold.save()})
              .ok());
  }
  for (uint64_t at = 1; at <= events.size(); ++at) {
    auto r = replay::rebuild_checkpoint(*log, "a", at);
    REQUIRE(r.ok());
    REQUIRE(r->fold.render("a") == expected[at]);
    CHECK(r->stats.snapshot_sequence == at / 23 * 23);
    CHECK(r->stats.events_applied == at % 23);
  }
  // save_checkpoint_snapshot snapshots the end of the stream.
  auto saved = replay::save_checkpoint_snapshot(*log, "a");
  REQUIRE(saved.ok());
  CHECK(*saved == events.size());
  auto end = replay::rebuild_checkpoint(*log, "a");
  REQUIRE(end.ok());
  CHECK(end->stats.snapshot_sequence == events.size());
  CHECK(end->stats.events_applied == 0);
  CHECK(end->fold.render("a") == expected.back());
}

TEST_CASE("rebuild_checkpoint names a stream the log does not hold",
          "[replay][checkpoint]") {
  test::temp_dir tmp;
  auto log = storage::event_log::open(tmp / "log").value();
  auto r = replay::rebuild_checkpoint(*log, "ghost");
  REQUIRE(!r.ok());
  CHECK(r.err().code() == ec::not_found);
  CHECK(r.err().message().find("worker/ghost") != std::string::npos);
}

TEST_CASE("a snapshot that is not a checkpoint state is passed over: the "
          "rebuild folds from the first event",
          "[replay][checkpoint][snapshot]") {
  test::temp_dir tmp;
  auto log = storage::event_log::open(tmp / "log").value();
  auto events = worker_stream(50, 3);
  std::vector<storage::new_event> batch;
  for (size_t i = 0; i < events.size(); ++i) {
    storage::new_event e;
    e.id = event_id::from_parts(1, i + 1);
    e.payload = events[i];
    batch.push_back(std::move(e));
  }
  REQUIRE(
    log->append("worker/a", storage::expected_version::any(), batch).ok());
  auto garbage = std::vector<std::byte>(16, std::byte{0xff});
  REQUIRE(log->save_snapshot("worker/a",
                             {40, 0, frame::from_bytes(garbage).value()})
            .ok());
  auto plain = replay::rebuild_checkpoint(*log, "a", UINT64_MAX, false);
  REQUIRE(plain.ok());
  auto r = replay::rebuild_checkpoint(*log, "a");
  REQUIRE(r.ok());
  CHECK(r->stats.snapshot_sequence == 0);
  CHECK(r->stats.events_applied == 50);
  CHECK(r->fold.render("a") == plain->fold.render("a"));
  // A snapshot saved now replaces it as the latest.
  auto saved = replay::save_checkpoint_snapshot(*log, "a");
  REQUIRE(saved.ok());
  CHECK(*saved == 50);
  auto again = replay::rebuild_checkpoint(*log, "a");
  REQUIRE(again.ok());
  CHECK(again->stats.snapshot_sequence == 50);
  CHECK(again->fold.render("a") == plain->fold.render("a"));
}
