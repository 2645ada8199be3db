// Rebuilding a worker's checkpoint summary (replay::rebuild_checkpoint) in
// a large log, beside reading the same stream without folding (the raw
// baseline, event_log::read), in the same run.
//
//   build/benchmarks/checkpoint_bench [--quick] [--dir DIR]
//
// Each log holds one worker stream of 100 000 events shaped like a real
// worker's (terminal output chunks of ~200 bytes, with dispatch prompts,
// PROGRESS / BUILD / STATUS / NEED lines and contracts among them), spread
// evenly through the log among 50 other workers' output, up to 500 000 and
// 5 000 000 events in all. Figures (goals from the checkpoint issue):
//   rebuild without a snapshot, 5 M-event log         <= 1 s
//   rebuild from a snapshot 1 000 events before the end <= 100 ms
//   each in the 5 M log vs the 500 k log              within 20 %
// --quick divides every count by 10.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <capnp/message.h>

#include "replay/checkpoint_rebuild.hpp"
#include "schema/events.capnp.h"
#include "storage/event_log.hpp"

namespace fs = std::filesystem;
using namespace baton;
using clock_type = std::chrono::steady_clock;

namespace {

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

[[noreturn]] void fail(const std::string& what, const error& e) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), e.to_string().c_str());
  std::exit(1);
}

frame pty_output(size_t size, uint64_t i) {
  capnp::MallocMessageBuilder b;
  std::string bytes(size, 'o');
  auto n = std::to_string(i);
  std::memcpy(bytes.data(), n.data(), std::min(n.size(), bytes.size()));
  b.initRoot<schema::Event>().initPtyOutput().setBytes(
    kj::ArrayPtr<const kj::byte>{reinterpret_cast<const kj::byte*>(bytes.data()),
                                 bytes.size()});
  return frame::from(b);
}

/// Event `i` of the target worker's stream: a task dispatched every 1 000
/// events, a protocol line every 20, terminal output otherwise.
frame worker_event(uint64_t i) {
  capnp::MallocMessageBuilder b;
  auto e = b.initRoot<schema::Event>();
  auto task = "t" + std::to_string(i / 1000);
  if (i % 1000 == 0) {
    auto p = e.initPromptRequested();
    p.setText("Task " + task + ": part " + task + "\n\nBuild it, then test it.");
    p.setWhy("dispatch of task " + task + ", attempt 1");
  } else if (i % 1000 == 500) {
    auto p = e.initPromptRequested();
    p.setText("CONTRACT from docs: schema v" + std::to_string(i) + "\nfields");
    p.setWhy("contract from docs");
  } else if (i % 20 == 0) {
    auto m = e.initProtocolMessage();
    auto step = static_cast<uint32_t>(i % 1000 / 20);
    switch (i / 20 % 5) {
    case 0:
    case 1:
      m.setKind("progress");
      m.setDone(step);
      m.setTotal(50);
      m.setLine("PROGRESS: " + std::to_string(step) + "/50 — step");
      break;
    case 2:
      m.setKind("build");
      m.setPassed(true);
      m.setLine("BUILD: PASS");
      break;
    case 3:
      m.setKind("need");
      m.setResource("docs/schema.md");
      m.setText("the schema");
      m.setLine("NEED: docs/schema.md — the schema");
      break;
    default:
      m.setKind("status");
      m.setStatus("DONE");
      m.setLine("STATUS: DONE — " + task + " + 3 passed");
      break;
    }
  } else {
    return pty_output(200, i);
  }
  return frame::from(b);
}

storage::new_event make(uint64_t high, uint64_t n, frame payload) {
  storage::new_event e;
  e.id = event_id::from_parts(high, n);
  e.logical_time = n * 1000;
  e.payload = std::move(payload);
  return e;
}

/// A log of `total` events: "worker/target" gets `target` of them, spread
/// evenly; 50 other workers the rest. Returns the seconds it took.
double build_log(const std::string& dir, uint64_t total, uint64_t target) {
  auto start = clock_type::now();
  storage::options opts;
  opts.mode = storage::durability::async;
  auto log = storage::event_log::open(dir, opts);
  if (!log)
    fail("open " + dir, log.err());
  uint64_t every = total / target;
  // A few distinct terminal chunks for the others, copied (as a real
  // worker's output differs, but its size is what matters here).
  std::vector<frame> noise;
  for (uint64_t k = 0; k < 16; ++k)
    noise.push_back(pty_output(200, k));
  std::vector<uint64_t> next_of(51, 1);
  std::vector<storage::append_request> group;
  auto commit = [&] {
    for (auto& r : (*log)->append_many(group))
      if (!r)
        fail("append to " + dir, r.err());
    group.clear();
  };
  uint64_t i = 0, t = 0;
  while (i < total) {
    if (t < target) {
      storage::append_request r;
      r.stream = "worker/target";
      r.events.push_back(make(1000, t + 1, worker_event(t)));
      ++t;
      ++i;
      group.push_back(std::move(r));
    }
    auto other = (i / every) % 50;
    storage::append_request r;
    r.stream = "worker/other" + std::to_string(other);
    r.relaxed = true;
    for (uint64_t k = 1; k < every && i < total; ++k, ++i) {
      auto n = next_of[other]++;
      r.events.push_back(make(other + 1, n, noise[n % noise.size()]));
    }
    if (!r.events.empty())
      group.push_back(std::move(r));
    if (group.size() >= 200)
      commit();
  }
  commit();
  return seconds_since(start);
}

struct timing {
  double seconds = 0;
  uint64_t events = 0;
};

storage::event_log& open_read_only(const std::string& dir,
                                   std::unique_ptr<storage::event_log>& keep) {
  storage::options opts;
  opts.read_only = true;
  opts.create_if_missing = false;
  auto log = storage::event_log::open(dir, opts);
  if (!log)
    fail("open " + dir, log.err());
  keep = std::move(*log);
  return *keep;
}

/// Runs `raw` and `baton` alternately, 15 times each, on one read-only log;
/// the first of each warms the caches and is not counted. Returns the
/// medians of the other 14. (The log is opened once: a read-only open
/// replays the write-ahead log the writer left, which is timed on its own.)
template<class Raw, class Baton>
std::pair<timing, timing> medians(const storage::event_log& log, Raw&& raw,
                                  Baton&& baton) {
  std::vector<timing> a, b;
  auto once = [&log](auto& f, std::vector<timing>& out) {
    auto start = clock_type::now();
    auto n = f(log);
    out.push_back({seconds_since(start), n});
  };
  for (int r = 0; r < 15; ++r) {
    once(raw, a);
    once(baton, b);
  }
  auto median = [](std::vector<timing> v) {
    v.erase(v.begin());
    std::sort(v.begin(), v.end(),
              [](auto& x, auto& y) { return x.seconds < y.seconds; });
    return v[v.size() / 2];
  };
  return {median(a), median(b)};
}

struct figures {
  timing read;          // event_log::read of the whole stream, no fold
  timing rebuild;       // rebuild_checkpoint, no snapshot
  timing read_tail;     // event_log::read of the events after the snapshot
  timing from_snapshot; // rebuild_checkpoint from the snapshot
  double open_seconds = 0; // opening the log read-only
  std::string summary;
};

figures measure(const std::string& dir, uint64_t target, uint64_t before) {
  figures f;
  auto read_from = [](uint64_t from) {
    return [from](const storage::event_log& log) {
      uint64_t bytes = 0;
      auto n = log.read("worker/target", from, UINT64_MAX, UINT64_MAX,
                        [&](storage::recorded_event&& e) {
                          bytes += e.bytes().size();
                          return true;
                        });
      if (!n || bytes == 0)
        fail("read", n ? error{ec::corruption, "empty"} : n.err());
      return *n;
    };
  };
  std::unique_ptr<storage::event_log> keep;
  auto start = clock_type::now();
  auto& log = open_read_only(dir, keep);
  f.open_seconds = seconds_since(start);
  std::tie(f.read, f.rebuild) = medians(
    log, read_from(1), [&f](const storage::event_log& log) {
      auto r = replay::rebuild_checkpoint(log, "target", UINT64_MAX, false);
      if (!r)
        fail("rebuild", r.err());
      f.summary = r->fold.render("target");
      return r->stats.events_applied;
    });
  // A snapshot `before` events before the end, as `baton checkpoint
  // --snapshot` would have saved it then.
  auto snap_at = target - before;
  keep.reset();
  {
    storage::options opts;
    opts.create_if_missing = false;
    auto log = storage::event_log::open(dir, opts);
    if (!log)
      fail("open " + dir, log.err());
    auto r = replay::rebuild_checkpoint(**log, "target", snap_at, false);
    if (!r)
      fail("rebuild", r.err());
    storage::snapshot snap{snap_at, snap_at * 1000, r->fold.save()};
    if (auto ok = (*log)->save_snapshot("worker/target", snap); !ok)
      fail("save snapshot", ok.err());
  }
  auto& reopened = open_read_only(dir, keep);
  std::tie(f.read_tail, f.from_snapshot) = medians(
    reopened, read_from(snap_at + 1), [&f](const storage::event_log& log) {
      auto r = replay::rebuild_checkpoint(log, "target");
      if (!r)
        fail("rebuild", r.err());
      if (r->fold.render("target") != f.summary) {
        std::fprintf(stderr, "the rebuild from the snapshot differs\n");
        std::exit(1);
      }
      return r->stats.events_applied;
    });
  return f;
}

void print(const char* name, uint64_t total, const figures& f) {
  auto ms = [](const timing& t) { return t.seconds * 1e3; };
  std::printf("  %s log (%lu events), opened read-only in %.0f ms:\n", name,
              static_cast<unsigned long>(total), f.open_seconds * 1e3);
  std::printf("    rebuild, no snapshot   %8.1f ms (%lu events) | read stream, "
              "no fold %8.1f ms | ratio %5.2fx\n",
              ms(f.rebuild), static_cast<unsigned long>(f.rebuild.events),
              ms(f.read), f.rebuild.seconds / f.read.seconds);
  std::printf("    rebuild from snapshot  %8.2f ms (%lu events) | read tail, "
              "no fold   %8.2f ms | ratio %5.2fx\n",
              ms(f.from_snapshot),
              static_cast<unsigned long>(f.from_snapshot.events),
              ms(f.read_tail), f.from_snapshot.seconds / f.read_tail.seconds);
}

} // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::string dir;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick")
      quick = true;
    else if (a == "--dir" && i + 1 < argc)
      dir = argv[++i];
    else {
      std::fprintf(stderr, "usage: %s [--quick] [--dir DIR]\n", argv[0]);
      return 2;
    }
  }
  auto scale = [quick](uint64_t n) { return quick ? n / 10 : n; };
  bool own_dir = dir.empty();
  if (own_dir)
    dir = (fs::temp_directory_path() / "baton-bench-checkpoint").string();
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto target = scale(100000);
  auto small = scale(500000);
  auto large = scale(5000000);
  uint64_t before = 1000;
  std::printf("checkpoint_bench%s: a %lu-event worker stream in logs of %lu "
              "and %lu events\n",
              quick ? " --quick" : "", static_cast<unsigned long>(target),
              static_cast<unsigned long>(small),
              static_cast<unsigned long>(large));
  std::fflush(stdout);
  auto b_small = build_log(dir + "/small", small, target);
  auto b_large = build_log(dir + "/large", large, target);
  std::printf("  built the logs (append_many, durability async) in %.1f s and "
              "%.1f s\n",
              b_small, b_large);
  std::fflush(stdout);
  auto f_small = measure(dir + "/small", target, before);
  auto f_large = measure(dir + "/large", target, before);
  print("small", small, f_small);
  print("large", large, f_large);
  std::printf("  rebuild, no snapshot, large log: %.1f ms (goal <= 1000 ms); "
              "large/small %.2f (goal within 20%%)\n",
              f_large.rebuild.seconds * 1e3,
              f_large.rebuild.seconds / f_small.rebuild.seconds);
  std::printf("  rebuild from a snapshot %lu events before the end, large "
              "log: %.2f ms (goal <= 100 ms); large/small %.2f (goal within "
              "20%%)\n",
              static_cast<unsigned long>(before),
              f_large.from_snapshot.seconds * 1e3,
              f_large.from_snapshot.seconds / f_small.from_snapshot.seconds);
  if (own_dir)
    fs::remove_all(dir);
  return 0;
}
