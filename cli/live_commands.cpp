// The operator's commands to a running run, from another terminal, through
// its control socket (baton::remote):
//
//   baton send DIR AGENT TEXT [--wait] [--by NAME]
//   baton add-task DIR --id ID --prompt TEXT [--agent A] [--title T]
//                      [--requires CAP]... [--after TASK]... [--verify CMD]...
//                      [--artifact PATH]... [--retries N] [--by NAME]
//   baton cancel-task DIR TASK [--reason TEXT] [--by NAME]
//   baton rerun-task DIR TASK [--reason TEXT] [--by NAME]
//   baton approve DIR ID [--always] [--reason TEXT] [--by NAME]
//   baton deny DIR ID [--reason TEXT] [--by NAME]
//   baton stop DIR [--now] [--reason TEXT] [--by NAME]
//   baton attach DIR AGENT
//   baton approvals DIR [--all] [--json]
//
// Each command is recorded by the run as the operator's (who: --by, default
// the user's login name) before it is applied; it prints the command's id
// and what it did ("o3: sent to backend").
// Exit code: 0 done, 1 refused by the run (the reason is printed) or no
// engine runs DIR, 2 bad usage. `approvals` lists the requests from the
// engine, or from the log when the run is over.
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "baton/baton.hpp"
#include "cli/commands.hpp"

namespace baton::cli {

namespace {

std::string login_name() {
  if (auto* pw = ::getpwuid(::getuid()); pw != nullptr && pw->pw_name[0] != 0)
    return pw->pw_name;
  if (auto* user = std::getenv("USER"); user != nullptr && *user != '\0')
    return user;
  return "operator";
}

struct common_args {
  std::string dir;
  std::string by;
  std::string reason;

  std::string who() const {
    return by.empty() ? login_name() : by;
  }
};

void add_common(CLI::App* cmd, common_args& a, bool reason = true) {
  cmd->add_option("dir", a.dir, "The running run's log directory")->required();
  cmd->add_option("--by", a.by,
                  "Who does it, for the record (default: your login name)");
  if (reason)
    cmd->add_option("--reason", a.reason, "Why, for the record");
}

/// Reaches the run, or says why not (exit 1).
std::unique_ptr<remote> reach(const char* command, const std::string& dir) {
  auto r = connect(dir);
  if (!r) {
    std::cerr << "baton " << command << ": " << r.err().message() << '\n';
    return nullptr;
  }
  return std::move(*r);
}

/// Prints a command's outcome; its exit code.
int done(const char* command, const result<std::string>& id,
         const std::string& what) {
  if (!id) {
    std::cerr << "baton " << command << ": " << id.err().message() << '\n';
    return 1;
  }
  std::cout << *id << ": " << what << '\n';
  return 0;
}

// -- send --------------------------------------------------------------------

struct send_args : common_args {
  std::string agent;
  std::string text;
  bool wait = false;
};

int send(const send_args& a) {
  auto r = reach("send", a.dir);
  if (!r)
    return 1;
  auto id = r->send(a.agent, a.text, a.who());
  if (int rc = done("send", id, "sent to " + a.agent); rc != 0 || !a.wait)
    return rc;
  auto d = r->await_delivery(*id, std::chrono::minutes{10});
  if (!d) {
    std::cerr << "baton send: " << d.err().message() << '\n';
    return 1;
  }
  std::cout << "baton send: " << (d->delivered ? "delivered" : "not delivered")
            << " to " << d->agent << " after " << d->attempts << " attempt"
            << (d->attempts == 1 ? "" : "s") << ": " << d->reason << '\n';
  return d->delivered ? 0 : 1;
}

// -- tasks -------------------------------------------------------------------

struct add_task_args : common_args {
  task_spec task;
  int retries = -1;
};

int add_task(add_task_args& a) {
  auto r = reach("add-task", a.dir);
  if (!r)
    return 1;
  if (a.retries >= 0)
    a.task.retries = static_cast<uint32_t>(a.retries);
  return done("add-task", r->add_task(a.task, a.who()),
              "added task " + a.task.id);
}

struct task_args : common_args {
  std::string task;
};

// -- approvals -------------------------------------------------------------------

struct answer_args : common_args {
  std::string id;
  bool always = false;
};

struct list_args {
  std::string dir;
  bool all = false;
  bool json = false;
};

int list(const list_args& a) {
  auto s = read_status(a.dir);
  if (!s) {
    std::cerr << "baton approvals: " << s.err().message() << '\n';
    return s.err().code() == ec::not_found || s.err().code() == ec::not_a_log
             ? 2
             : 1;
  }
  bool any = false;
  for (auto& x : s->approvals) {
    if (!a.all && !x.answer.empty())
      continue;
    any = true;
    if (a.json) {
      std::cout << nlohmann::ordered_json{{"id", x.id},       {"agent", x.agent},
                                  {"task", x.task},   {"tool", x.tool},
                                  {"subject", x.subject},
                                  {"policy", x.policy},
                                  {"answer", x.answer}, {"by", x.by},
                                  {"why", x.why}, {"logicalTimeUs", x.at_us}}
                     .dump()
                << '\n';
      continue;
    }
    std::cout << x.id << "  " << x.agent << "  "
              << (x.task.empty() ? "(no task)" : "task " + x.task) << "  "
              << x.tool << (x.subject.empty() ? "" : " " + x.subject)
              << "  policy: " << x.policy << "  "
              << (x.answer.empty() ? std::string{"waiting"}
                                   : x.answer + " (" + x.by + ")")
              << '\n';
  }
  if (!any && !a.json)
    std::cout << (a.all ? "no approval requests" : "none waiting") << '\n';
  return 0;
}

void add_answer(CLI::App& app, int& exit_code, const char* name,
                const char* help, bool deny) {
  auto args = std::make_shared<answer_args>();
  auto* cmd = app.add_subcommand(name, help);
  add_common(cmd, *args);
  cmd->add_option("id", args->id, "The request's id (baton approvals DIR)")
    ->required();
  if (!deny)
    cmd->add_flag("--always", args->always,
                  "Allow and stop asking (where the agent's CLI can)");
  cmd->callback([args, &exit_code, name, deny] {
    auto r = reach(name, args->dir);
    if (!r) {
      exit_code = 1;
      return;
    }
    std::string answer = deny           ? "deny"
                         : args->always ? "allow_always"
                                        : "allow";
    // Whose request it is, to say so (the answer is the engine's to check).
    std::string whose;
    if (auto s = r->status(); s)
      for (auto& x : s->approvals)
        if (x.id == args->id)
          whose = " (agent " + x.agent + ")"
                  + (x.task.empty() ? "" : ", task " + x.task);
    exit_code = done(name,
                     r->decide_approval(args->id, answer, args->reason,
                                        args->who()),
                     answer + " " + args->id + whose);
  });
}

// -- attach ------------------------------------------------------------------

std::atomic<bool> detach{false};

void on_signal(int) {
  detach.store(true);
}

/// The terminal in raw mode while it lives (restored on every way out).
class raw_terminal {
public:
  raw_terminal() {
    if (::isatty(STDIN_FILENO) != 1 || ::tcgetattr(STDIN_FILENO, &saved_) != 0)
      return;
    auto raw = saved_;
    ::cfmakeraw(&raw);
    active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
  }
  ~raw_terminal() {
    if (active_)
      ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }

private:
  termios saved_{};
  bool active_ = false;
};

int attach(const common_args& a, const std::string& agent) {
  auto r = reach("attach", a.dir);
  if (!r)
    return 1;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  std::cerr << "baton attach: " << agent << " in " << a.dir
            << " — read-only; Ctrl-] t to type (again: stop typing), "
               "Ctrl-] q (or Ctrl-] Ctrl-]) to leave\r\n";
  raw_terminal raw;
  std::atomic<bool> typing{false};
  // Keys: on this thread's side, sent as the operator's.
  std::thread keys([&] {
    bool escape = false;
    while (!detach.load()) {
      pollfd p{STDIN_FILENO, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0)
        continue;
      char buf[256];
      auto n = ::read(STDIN_FILENO, buf, sizeof buf);
      if (n <= 0)
        return; // no keyboard (stdin is not a terminal): read-only
      std::string out;
      for (ssize_t i = 0; i < n; ++i) {
        char c = buf[i];
        if (escape) {
          escape = false;
          if (c == 'q' || c == 0x1d) {
            detach.store(true);
            return;
          }
          if (c == 't') {
            typing.store(!typing.load());
            std::cerr << (typing.load()
                            ? "\r\n[baton attach: typing to the agent]\r\n"
                            : "\r\n[baton attach: read-only]\r\n");
          }
          continue;
        }
        if (c == 0x1d) {
          escape = true;
          continue;
        }
        if (typing.load())
          out += c;
      }
      if (!out.empty())
        if (auto id = r->send_keys(agent, out, a.who()); !id)
          std::cerr << "\r\n[baton attach: " << id.err().message() << "]\r\n";
    }
  });
  auto result = r->attach(agent, [&](std::string_view bytes) {
    if (detach.load())
      return false;
    if (bytes.empty())
      return true;
    auto n = ::write(STDOUT_FILENO, bytes.data(), bytes.size());
    return n >= 0;
  });
  detach.store(true);
  keys.join();
  if (!result) {
    std::cerr << "\r\nbaton attach: " << result.err().message() << "\r\n";
    return 1;
  }
  std::cerr << "\r\nbaton attach: detached from " << agent << "\r\n";
  return 0;
}

} // namespace

void add_live_commands(CLI::App& app, int& exit_code) {
  {
    auto a = std::make_shared<send_args>();
    auto* cmd = app.add_subcommand(
      "send", "Type text into an agent of a running run (acknowledged)");
    add_common(cmd, *a, false);
    cmd->add_option("agent", a->agent, "The agent")->required();
    cmd->add_option("text", a->text, "What to type")->required();
    cmd->add_flag("--wait", a->wait,
                  "Wait for the agent to take it, and say how it went");
    cmd->callback([a, &exit_code] { exit_code = send(*a); });
  }
  {
    auto a = std::make_shared<add_task_args>();
    auto* cmd = app.add_subcommand(
      "add-task", "Add a task to a running run (checked as baton check "
                  "checks a plan's tasks)");
    add_common(cmd, *a, false);
    cmd->add_option("--id", a->task.id, "The task's id")->required();
    cmd->add_option("--prompt", a->task.prompt, "What the agent is asked")
      ->required();
    cmd->add_option("--agent", a->task.agent,
                    "The agent that does it (default: any with --requires)");
    cmd->add_option("--title", a->task.title, "A title");
    cmd->add_option("--requires", a->task.capabilities,
                    "A capability the agent needs (repeatable)");
    cmd->add_option("--after", a->task.after,
                    "A task that must pass first (repeatable)");
    cmd->add_option("--verify", a->task.verify,
                    "A command that must exit 0 (repeatable)");
    cmd->add_option("--artifact", a->task.artifacts,
                    "A file it must produce (repeatable)");
    cmd->add_option("--retries", a->retries, "Attempts after the first");
    cmd->callback([a, &exit_code] { exit_code = add_task(*a); });
  }
  for (bool rerun : {false, true}) {
    auto a = std::make_shared<task_args>();
    auto* cmd = app.add_subcommand(
      rerun ? "rerun-task" : "cancel-task",
      rerun ? "Run a settled task of a running run again from attempt 1"
            : "Fail a task of a running run now (its agent stops on it)");
    add_common(cmd, *a);
    cmd->add_option("task", a->task, "The task's id")->required();
    cmd->callback([a, &exit_code, rerun] {
      const char* name = rerun ? "rerun-task" : "cancel-task";
      auto r = reach(name, a->dir);
      if (!r) {
        exit_code = 1;
        return;
      }
      exit_code = done(name,
                       rerun ? r->rerun_task(a->task, a->reason, a->who())
                             : r->cancel_task(a->task, a->reason, a->who()),
                       (rerun ? "runs again: " : "cancelled: ") + a->task);
    });
  }
  {
    auto a = std::make_shared<common_args>();
    auto now = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand(
      "stop", "Stop a running run: unsettled tasks fail, agents exit");
    add_common(cmd, *a);
    cmd->add_flag("--now", *now, "Kill the agents at once");
    cmd->callback([a, now, &exit_code] {
      auto r = reach("stop", a->dir);
      if (!r) {
        exit_code = 1;
        return;
      }
      exit_code = done("stop", r->stop(*now, a->reason, a->who()),
                       *now ? "stopping at once" : "stopping");
    });
  }
  {
    auto a = std::make_shared<common_args>();
    auto agent = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand(
      "attach", "An agent's live terminal in yours (read-only until you "
                "ask to type: Ctrl-] t)");
    add_common(cmd, *a, false);
    cmd->add_option("agent", *agent, "The agent")->required();
    cmd->callback(
      [a, agent, &exit_code] { exit_code = attach(*a, *agent); });
  }
  {
    auto a = std::make_shared<list_args>();
    auto* cmd = app.add_subcommand(
      "approvals", "List a run's approval requests (those waiting, or --all)");
    cmd->add_option("dir", a->dir, "The run's log directory")->required();
    cmd->add_flag("--all", a->all, "Every request, answered or not");
    cmd->add_flag("--json", a->json, "One JSON object per request");
    cmd->callback([a, &exit_code] { exit_code = list(*a); });
  }
  add_answer(app, exit_code, "approve",
             "Allow an agent's request in a running run", false);
  add_answer(app, exit_code, "deny",
             "Refuse an agent's request in a running run (it is told why)",
             true);
}

} // namespace baton::cli
