// Event log throughput, each figure beside a raw-RocksDB baseline doing the
// same work with the same value size, in the same run, and their ratio.
//
//   build/benchmarks/event_log_bench [--quick] [--appends] [--dir DIR]
//
// Figures (goals from the foundation issue):
//   append async, 1 appender       vs raw WriteBatch puts, no sync   >= 0.5x
//   append sync, 1 appender        vs raw sync'd puts                >= 0.8x
//   append group, 16 appenders     vs raw sync'd puts, 1 writer      >= 3x
//   read a 100 000-event stream in a 1 M and a 5 M event log         within 20
//   % read_all decode rate           vs raw iteration over all values  >= 0.3x
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <capnp/message.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "schema/events.capnp.h"
#include "storage/event_log.hpp"

namespace fs = std::filesystem;
using namespace baton;
using clock_type = std::chrono::steady_clock;

namespace {

struct config {
  bool quick = false;
  bool appends_only = false;
  std::string dir;
  uint64_t scale(uint64_t n) const {
    return quick ? std::max<uint64_t>(n / 10, 1) : n;
  }
};

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

frame note(size_t text_size, uint64_t i) {
  capnp::MallocMessageBuilder builder;
  std::string text(text_size, 'x');
  auto n = std::to_string(i);
  std::memcpy(text.data(), n.data(), std::min(n.size(), text.size()));
  builder.initRoot<schema::Event>().initNote().setText(text);
  return frame::from(builder);
}

storage::new_event make_event(uint64_t i, size_t text_size = 100) {
  storage::new_event e;
  e.id = event_id::from_parts(0xbe7c4, i + 1);
  e.logical_time = i * 1000;
  e.payload = note(text_size, i);
  return e;
}

std::unique_ptr<storage::event_log> open_log(const std::string& dir,
                                             storage::durability mode) {
  storage::options opts;
  opts.mode = mode;
  auto log = storage::event_log::open(dir, opts);
  if (!log) {
    std::fprintf(stderr, "open %s: %s\n", dir.c_str(),
                 log.err().to_string().c_str());
    std::exit(1);
  }
  return std::move(*log);
}

void check(const result<storage::append_result>& r) {
  if (!r) {
    std::fprintf(stderr, "append: %s\n", r.err().to_string().c_str());
    std::exit(1);
  }
}

std::unique_ptr<rocksdb::DB> open_raw(const std::string& dir) {
  rocksdb::Options o;
  o.create_if_missing = true;
  o.max_background_jobs = 2;
  rocksdb::DB* db = nullptr;
  auto st = rocksdb::DB::Open(o, dir, &db);
  if (!st.ok()) {
    std::fprintf(stderr, "raw open: %s\n", st.ToString().c_str());
    std::exit(1);
  }
  return std::unique_ptr<rocksdb::DB>{db};
}

std::string raw_key(uint64_t i) {
  std::string k(12, '\0');
  for (int b = 0; b < 8; ++b)
    k[4 + b] = static_cast<char>(i >> (56 - 8 * b));
  return k;
}

/// Size of one stored Baton value for a 100-character note, so the raw
/// baselines write the same number of bytes per event.
size_t stored_value_size(const config& cfg) {
  auto dir = cfg.dir + "/size-probe";
  auto log = open_log(dir, storage::durability::async);
  auto e = make_event(0);
  check(log->append("worker/probe", storage::expected_version::any(), {&e, 1}));
  auto read = log->read("worker/probe");
  return read.value().front().bytes().size() + 4; // + checksum header
}

/// Raw baseline: `n` single-put WriteBatches from one thread.
double raw_puts(const std::string& dir, uint64_t n, size_t value_size,
                bool sync) {
  auto db = open_raw(dir);
  std::string value(value_size, 'v');
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  auto start = clock_type::now();
  for (uint64_t i = 0; i < n; ++i) {
    rocksdb::WriteBatch batch;
    static_cast<void>(batch.Put(raw_key(i), value));
    auto st = db->Write(wo, &batch);
    if (!st.ok())
      std::exit(1);
  }
  return n / seconds_since(start);
}

/// Baton: `threads` appenders, `per_thread` single-event appends each.
double baton_appends(const std::string& dir, storage::durability mode,
                     int threads, uint64_t per_thread) {
  auto log = open_log(dir, mode);
  std::vector<std::vector<storage::new_event>> events(threads);
  for (int t = 0; t < threads; ++t)
    for (uint64_t i = 0; i < per_thread; ++i)
      events[t].push_back(make_event(t * per_thread + i));
  auto start = clock_type::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&log, &events, t] {
      auto stream = "worker/" + std::to_string(t);
      for (auto& e : events[t])
        check(log->append(stream, storage::expected_version::any(), {&e, 1}));
    });
  for (auto& th : pool)
    th.join();
  return threads * per_thread / seconds_since(start);
}

void row(const char* what, double baton, const char* base_what, double base,
         const char* goal) {
  std::printf(
    "%-34s %12.0f ev/s | %-28s %12.0f ev/s | ratio %5.2fx  (goal %s)\n", what,
    baton, base_what, base, baton / base, goal);
}

void appends(const config& cfg, size_t value_size) {
  auto n_async = cfg.scale(200000);
  auto n_sync = cfg.scale(3000);
  auto raw_async = raw_puts(cfg.dir + "/raw-async", n_async, value_size, false);
  auto b_async = baton_appends(cfg.dir + "/b-async", storage::durability::async,
                               1, n_async);
  row("append async, 1 appender", b_async, "raw puts, no sync", raw_async,
      ">= 0.5x");
  auto raw_sync = raw_puts(cfg.dir + "/raw-sync", n_sync, value_size, true);
  auto b_sync
    = baton_appends(cfg.dir + "/b-sync", storage::durability::sync, 1, n_sync);
  row("append sync, 1 appender", b_sync, "raw sync'd puts", raw_sync,
      ">= 0.8x");
  auto b_group = baton_appends(cfg.dir + "/b-group", storage::durability::group,
                               16, n_sync);
  row("append group, 16 appenders", b_group, "raw sync'd puts, 1 writer",
      raw_sync, ">= 3x");
}

/// Builds a log of `total` events in 50 streams plus "worker/target", which
/// gets `target` events spread evenly through the log.
void build_log(const std::string& dir, uint64_t total, uint64_t target) {
  auto log = open_log(dir, storage::durability::async);
  uint64_t every = total / target;
  std::vector<storage::new_event> batch;
  std::string stream;
  uint64_t i = 0;
  auto flush = [&] {
    if (!batch.empty())
      check(log->append(stream, storage::expected_version::any(), batch));
    batch.clear();
  };
  while (i < total) {
    // Runs of `every` events: one for the target, the rest to the others.
    stream = "worker/target";
    batch.push_back(make_event(i++));
    flush();
    stream = "worker/other" + std::to_string((i / every) % 50);
    for (uint64_t k = 1; k < every && i < total; ++k)
      batch.push_back(make_event(i++));
    flush();
  }
}

double read_stream_seconds(const std::string& dir, uint64_t expected) {
  std::vector<double> runs;
  for (int r = 0; r < 5; ++r) {
    auto log = open_log(dir, storage::durability::async);
    auto start = clock_type::now();
    uint64_t bytes = 0;
    auto n = log->read("worker/target", 1, UINT64_MAX, UINT64_MAX,
                       [&](storage::recorded_event&& ev) {
                         bytes += ev.event().getNote().getText().size();
                         return true;
                       });
    runs.push_back(seconds_since(start));
    if (!n || *n != expected || bytes == 0) {
      std::fprintf(stderr, "read_stream: read %lu of %lu\n",
                   n ? static_cast<unsigned long>(*n) : 0UL,
                   static_cast<unsigned long>(expected));
      std::exit(1);
    }
  }
  std::sort(runs.begin(), runs.end());
  return runs[runs.size() / 2];
}

void reads(const config& cfg, size_t value_size) {
  auto target = cfg.scale(100000);
  auto small = cfg.scale(1000000);
  auto large = cfg.scale(5000000);
  std::printf("building logs of %lu and %lu events ...\n",
              static_cast<unsigned long>(small),
              static_cast<unsigned long>(large));
  std::fflush(stdout);
  build_log(cfg.dir + "/log-small", small, target);
  build_log(cfg.dir + "/log-large", large, target);
  auto t_small = read_stream_seconds(cfg.dir + "/log-small", target);
  auto t_large = read_stream_seconds(cfg.dir + "/log-large", target);
  std::printf("read %lu-event stream: %.1f ms in %lu-event log, %.1f ms in "
              "%lu-event log: large/small %.2f  (goal within 20%%)\n",
              static_cast<unsigned long>(target), t_small * 1e3,
              static_cast<unsigned long>(small), t_large * 1e3,
              static_cast<unsigned long>(large), t_large / t_small);

  // read_all over the small log vs raw iteration of as many values.
  auto raw_dir = cfg.dir + "/raw-all";
  {
    auto db = open_raw(raw_dir);
    std::string value(value_size, 'v');
    rocksdb::WriteOptions wo;
    for (uint64_t i = 0; i < small; i += 1000) {
      rocksdb::WriteBatch batch;
      for (uint64_t k = i; k < std::min(small, i + 1000); ++k)
        static_cast<void>(batch.Put(raw_key(k), value));
      static_cast<void>(db->Write(wo, &batch));
    }
  }
  double raw_rate = 0;
  {
    auto db = open_raw(raw_dir);
    auto start = clock_type::now();
    std::unique_ptr<rocksdb::Iterator> it{db->NewIterator({})};
    uint64_t n = 0, sum = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++n)
      sum += static_cast<uint8_t>(it->value()[0]);
    raw_rate = n / seconds_since(start);
    if (n != small || sum == 0)
      std::exit(1);
  }
  auto log = open_log(cfg.dir + "/log-small", storage::durability::async);
  auto start = clock_type::now();
  uint64_t bytes = 0;
  auto n = log->read_all(1, UINT64_MAX, [&](storage::recorded_event&& ev) {
    bytes += ev.event().getNote().getText().size();
    return true;
  });
  auto rate = (n ? *n : 0) / seconds_since(start);
  if (!n || *n != small) {
    std::fprintf(stderr, "read_all: %s\n",
                 n ? "short" : n.err().to_string().c_str());
    std::exit(1);
  }
  row("read_all decode", rate, "raw iteration", raw_rate, ">= 0.3x");
}

} // namespace

int main(int argc, char** argv) {
  config cfg;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick")
      cfg.quick = true;
    else if (a == "--appends")
      cfg.appends_only = true;
    else if (a == "--dir" && i + 1 < argc)
      cfg.dir = argv[++i];
    else {
      std::fprintf(stderr, "usage: %s [--quick] [--appends] [--dir DIR]\n",
                   argv[0]);
      return 2;
    }
  }
  bool own_dir = cfg.dir.empty();
  if (own_dir)
    cfg.dir = (fs::temp_directory_path() / "baton-bench-event-log").string();
  fs::remove_all(cfg.dir);
  fs::create_directories(cfg.dir);
  auto value_size = stored_value_size(cfg);
  std::printf("event_log_bench%s: stored value %zu bytes (a 100-char note), "
              "%u cores\n",
              cfg.quick ? " --quick" : "", value_size,
              std::thread::hardware_concurrency());
  appends(cfg, value_size);
  if (!cfg.appends_only)
    reads(cfg, value_size);
  if (own_dir)
    fs::remove_all(cfg.dir);
  return 0;
}
