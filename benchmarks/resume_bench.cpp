// Crash resume with a full team: `baton run` of N sim agents (default 64),
// one long task each (`--scenario slow`), is killed (SIGKILL) once every
// task has been dispatched; then `baton resume` of its log is timed from the
// process's start to the first task re-dispatched (the first taskDispatched
// in the orchestrator stream after the resumed runStarted), and to all N
// re-dispatched. Raw baseline in the same run: the killed `baton run`'s own
// cold start, from its spawn to its first taskDispatched (N agents started
// from nothing). Times are the recorded events' wall times minus the wall
// time at spawn. The resumed run is then stopped (SIGINT). Median of 3
// (--quick: 1). Goal (resume issue): first re-dispatch <= 2 s with 64 agents.
//
//   build/benchmarks/resume_bench [--quick] [--agents N] [--chain TEAMS]
//                                 [--dir DIR]
//
// --chain TEAMS: the agents split into a supervisor chain of TEAMS teams
// (plan [run] chain): each lead dispatches its team's tasks on its stream,
// and resume rebuilds each node from its own.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "storage/event_log.hpp"

extern char** environ;

namespace fs = std::filesystem;
using namespace baton;
using steady = std::chrono::steady_clock;

namespace {

std::string baton_exe;

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "resume_bench: %s\n", what.c_str());
  std::exit(1);
}

/// The plan: `agents` sim agents, one slow task each.
/// With `teams` > 0: a supervisor chain of that many teams, each lead
/// running its team.
std::string plan_text(size_t agents, size_t teams) {
  std::string t = "[run]\nname = \"resume-bench\"\n";
  t += teams > 0 ? "pattern = \"supervisor\"\nchain = true\n"
                 : "pattern = \"hub\"\n";
  t += "durability = \"group\"\n\n[policy]\nretries = 0\n\n";
  for (size_t k = 0; k < teams; ++k) {
    t += "[teams.t" + std::to_string(k) + "]\nmembers = [";
    for (size_t a = k; a < agents; a += teams)
      t += (a == k ? "\"a" : ", \"a") + std::to_string(a) + "\"";
    t += "]\n\n";
  }
  for (size_t a = 0; a < agents; ++a)
    t += "[agents.a" + std::to_string(a)
         + "]\npreset = \"sim\"\nargs = [\"--role\", \"backend\", "
           "\"--scenario\", \"slow\", \"--then\", \"slow\", \"--steps\", "
           "\"20\"]\n\n";
  for (size_t a = 0; a < agents; ++a)
    t += "[[tasks]]\nid = \"t" + std::to_string(a) + "\"\nprompt = \"Make "
         + "change t" + std::to_string(a) + ".\"\nagent = \"a"
         + std::to_string(a) + "\"\n\n";
  return t;
}

/// Starts `baton <args...>` with stdout and stderr in `out`.
pid_t spawn_baton(const std::vector<std::string>& args,
                  const std::string& out) {
  std::vector<std::string> argv{baton_exe};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv)
    cargv.push_back(a.data());
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, cargv[0], &fa, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0)
    fail("cannot start " + baton_exe + ": " + std::strerror(rc));
  return pid;
}

/// Waits up to `limit` for `pid` to end; true when it did (reaped).
bool wait_ended(pid_t pid, std::chrono::milliseconds limit) {
  auto deadline = steady::now() + limit;
  while (true) {
    auto r = ::waitpid(pid, nullptr, WNOHANG);
    if (r == pid || r < 0)
      return true;
    if (steady::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
}

/// Stops a baton process it started: SIGINT, a second SIGINT, then SIGKILL.
void stop(pid_t pid) {
  ::kill(pid, SIGINT);
  if (wait_ended(pid, std::chrono::seconds{30}))
    return;
  ::kill(pid, SIGINT);
  if (wait_ended(pid, std::chrono::seconds{10}))
    return;
  ::kill(pid, SIGKILL);
  static_cast<void>(::waitpid(pid, nullptr, 0));
}

std::unique_ptr<storage::event_log> open_read_only(const std::string& db) {
  storage::options opts;
  opts.read_only = true;
  opts.create_if_missing = false;
  auto log = storage::event_log::open(db, opts);
  return log.ok() ? std::move(*log) : nullptr;
}

/// What the orchestrator stream shows of one engine's part of the run.
struct dispatches {
  /// Wall times (ns) of the first and the `want`-th taskDispatched after
  /// the runStarted looked for; of that runStarted.
  std::optional<int64_t> first, all, started;
};

/// Follows the orchestrator stream of the log at `db` while `pid` runs,
/// until `want` tasks were dispatched after a runStarted whose resumed
/// field is `resumed`, or `limit` passes.
dispatches watch(const std::string& db, pid_t pid, bool resumed, size_t want,
                 std::chrono::seconds limit,
                 const std::vector<std::string>& streams) {
  dispatches d;
  auto deadline = steady::now() + limit;
  std::unique_ptr<storage::event_log> log;
  std::map<std::string, uint64_t> next;
  size_t count = 0;
  int64_t last = 0;
  while (steady::now() < deadline) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid)
      fail("baton ended before " + std::to_string(want)
           + " tasks were dispatched; see its output beside " + db);
    if (!log) {
      log = open_read_only(db);
      if (!log) {
        std::this_thread::sleep_for(std::chrono::milliseconds{10});
        continue;
      }
    }
    static_cast<void>(log->refresh());
    // (A chain's streams, one after another: the first and last by time.)
    for (auto& stream : streams) {
      auto& from = next.try_emplace(stream, 1).first->second;
      auto n = log->read(
        stream, from, UINT64_MAX, UINT64_MAX, [&](storage::recorded_event&& e) {
          from = e.sequence() + 1;
          auto ev = e.event();
          auto at = e.envelope().getWallTime();
          if (ev.isRunStarted() && ev.getRunStarted().getResumed() == resumed) {
            d.started = d.started ? std::min(*d.started, at) : at;
          } else if (d.started && ev.isTaskDispatched()) {
            d.first = d.first ? std::min(*d.first, at) : at;
            last = std::max(last, at);
            if (++count == want)
              d.all = last;
          }
          return true;
        });
      if (!n)
        fail("read " + stream + " of " + db + ": " + n.err().to_string());
    }
    if (d.all)
      return d;
    log->wait_beyond(log->last_position(), std::chrono::milliseconds{20});
  }
  fail("no " + std::to_string(want) + " dispatches in " + db + " within "
       + std::to_string(limit.count()) + " s");
}

/// Ends agent processes the log shows started and not exited, when they
/// still run baton (their process groups: baton makes each a leader).
void end_leftover_agents(const std::string& db) {
  auto log = open_read_only(db);
  if (!log)
    return;
  for (auto& s : log->streams()) {
    if (!s.name.starts_with("worker/"))
      continue;
    int32_t pid = 0;
    static_cast<void>(log->read(s.name, 1, UINT64_MAX, UINT64_MAX,
                                [&](storage::recorded_event&& e) {
                                  auto ev = e.event();
                                  if (ev.isProcessStarted())
                                    pid = ev.getProcessStarted().getPid();
                                  else if (ev.isProcessExited())
                                    pid = 0;
                                  return true;
                                }));
    if (pid <= 0)
      continue;
    std::ifstream in{"/proc/" + std::to_string(pid) + "/cmdline"};
    std::string first;
    std::getline(in, first, '\0');
    if (!first.empty()
        && fs::path{first}.filename() == fs::path{baton_exe}.filename()) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
    }
  }
}

struct round {
  double cold_started_ms = 0, cold_first_ms = 0, cold_all_ms = 0;
  double refold_ms = 0, resume_first_ms = 0, resume_all_ms = 0;
};

double ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }

round one_round(const fs::path& plan, const fs::path& dir, size_t agents,
                size_t teams) {
  // Where tasks are dispatched: the orchestrator's stream, or each lead's.
  std::vector<std::string> streams;
  for (size_t k = 0; k < teams; ++k)
    streams.push_back("lead/t" + std::to_string(k));
  if (teams == 0)
    streams.push_back("orchestrator");
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto db = (dir / "log").string();
  round r;
  // The run, killed once every task is out.
  auto t0 = wall_ns();
  auto run = spawn_baton({"run", plan.string(), "--db", db, "--workspace",
                          (dir / "work").string()},
                         (dir / "run.txt").string());
  auto cold = watch(db, run, false, agents, std::chrono::seconds{180}, streams);
  ::kill(run, SIGKILL);
  static_cast<void>(::waitpid(run, nullptr, 0));
  r.cold_started_ms = ms(*cold.started - t0);
  r.cold_first_ms = ms(*cold.first - t0);
  r.cold_all_ms = ms(*cold.all - t0);
  // Its agents are left running, as after a real crash: resume ends them.
  auto t1 = wall_ns();
  auto resume = spawn_baton({"resume", db}, (dir / "resume.txt").string());
  auto again
    = watch(db, resume, true, agents, std::chrono::seconds{180}, streams);
  r.refold_ms = ms(*again.started - t1);
  r.resume_first_ms = ms(*again.first - t1);
  r.resume_all_ms = ms(*again.all - t1);
  stop(resume);
  end_leftover_agents(db);
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
  size_t agents = 64;
  size_t teams = 0;
  int reps = 3;
  bool quick = false;
  std::string dir;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick")
      quick = true, reps = 1;
    else if (a == "--agents" && i + 1 < argc)
      agents = std::strtoul(argv[++i], nullptr, 10);
    else if (a == "--dir" && i + 1 < argc)
      dir = argv[++i];
    else if (a == "--chain" && i + 1 < argc)
      teams = std::strtoul(argv[++i], nullptr, 10);
    else {
      std::fprintf(stderr,
                   "usage: %s [--quick] [--agents N] [--chain TEAMS] "
                   "[--dir DIR]\n",
                   argv[0]);
      return 2;
    }
  }
  if (agents == 0) {
    std::fprintf(stderr, "%s: --agents must be at least 1\n", argv[0]);
    return 2;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  baton_exe = (fs::canonical("/proc/self/exe").parent_path().parent_path()
               / "cli" / "baton")
                .string();
  bool own_dir = dir.empty();
  if (own_dir)
    dir = (fs::temp_directory_path()
           / ("baton-bench-resume-" + std::to_string(::getpid())))
            .string();
  fs::create_directories(dir);
  auto plan = fs::path{dir} / "plan.toml";
  std::ofstream{plan} << plan_text(agents, teams);

  std::vector<round> rounds;
  for (int i = 0; i < reps; ++i)
    rounds.push_back(one_round(plan, fs::path{dir} / ("r" + std::to_string(i)),
                               agents, teams));
  auto med = [&](double round::*f) {
    std::vector<double> v;
    for (auto& r : rounds)
      v.push_back(r.*f);
    return median(v);
  };
  auto cold_first = med(&round::cold_first_ms);
  auto resume_first = med(&round::resume_first_ms);
  std::printf("resume_bench%s: %zu sim agents, one slow task each%s; baton "
              "run killed (SIGKILL) once all were dispatched, then baton "
              "resume (median of %d)\n",
              quick ? " --quick" : "", agents,
              teams > 0 ? (", a chain of " + std::to_string(teams)
                           + " teams, each lead running its team")
                            .c_str()
                        : "",
              reps);
  std::printf("  cold start (baton run)  spawn -> first dispatch %8.0f ms | "
              "all %zu dispatched %8.0f ms\n",
              cold_first, agents, med(&round::cold_all_ms));
  std::printf("  baton resume            spawn -> first re-dispatch %5.0f ms "
              "| all %zu re-dispatched %5.0f ms\n",
              resume_first, agents, med(&round::resume_all_ms));
  std::printf("  ... runStarted recorded at: baton run %.0f ms, baton resume "
              "%.0f ms (log re-folded, checkpoints folded); the rest is the "
              "agents starting\n",
              med(&round::cold_started_ms), med(&round::refold_ms));
  std::printf("  ratio resume / cold start (first dispatch) %5.2fx  "
              "(goal: first re-dispatch <= 2000 ms: %s)\n",
              resume_first / cold_first,
              resume_first <= 2000 ? "met" : "missed");
  if (own_dir)
    fs::remove_all(dir);
  return 0;
}
