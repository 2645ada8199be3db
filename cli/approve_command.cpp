// baton approvals DIR [--all] [--json]
// baton approve DIR ID [--always] [--reason TEXT] [--by NAME]
// baton deny DIR ID [--reason TEXT] [--by NAME]
//
// The operator's side of approvals. `approvals` lists the requests of a run
// from its log (read-only: a running or a finished run): by default those
// still waiting for an answer. `approve` and `deny` answer one in a running
// run through its control socket (control.sock in the log directory); the
// run records the answer as an input, then the agent's pack types it. Exit
// code: 0 answered (or listed), 1 the run refused the answer (no such
// request waiting, the run finished) or no run is reachable, 2 bad usage or
// DIR holds no run.
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include <capnp/compat/json.h>

#include "cli/commands.hpp"
#include "cli/control_socket.hpp"
#include "engine/orchestration/run_view.hpp"
#include "storage/event_log.hpp"

namespace baton::cli {

namespace {

struct answer_args {
  std::string dir;
  std::string id;
  bool always = false;
  std::string reason;
  std::string by;
};

struct list_args {
  std::string dir;
  bool all = false;
  bool json = false;
};

std::string one_field(std::string s) {
  for (auto& c : s)
    if (c == '\t' || c == '\n' || c == '\r')
      c = ' ';
  return s;
}

std::string operator_name(const std::string& given) {
  if (!given.empty())
    return given;
  if (auto* user = std::getenv("USER"); user != nullptr && *user != '\0')
    return user;
  return "operator";
}

int answer(const answer_args& args, const std::string& what,
           const char* command) {
  auto reply = control_request(
    control_path(args.dir),
    "approve\t" + one_field(args.id) + "\t" + what + "\t"
      + one_field(operator_name(args.by)) + "\t" + one_field(args.reason));
  if (!reply) {
    std::cerr << "baton " << command << ": " << args.dir << ": "
              << reply.err().message() << '\n';
    return 1;
  }
  bool ok = reply->starts_with("ok");
  (ok ? std::cout : std::cerr) << "baton " << command << ": " << *reply
                               << '\n';
  return ok ? 0 : 1;
}

std::string quote(const std::string& s) {
  capnp::JsonCodec codec;
  return codec.encode(capnp::Text::Reader{s.c_str(), s.size()}).cStr();
}

int list(const list_args& args) {
  storage::options opts;
  opts.read_only = true;
  opts.create_if_missing = false;
  auto log = storage::event_log::open(args.dir, opts);
  if (!log) {
    std::cerr << "baton approvals: " << log.err().to_string() << '\n';
    return 2;
  }
  if ((*log)->highest("orchestrator") == 0) {
    std::cerr << "baton approvals: " << args.dir
              << " holds no run (no orchestrator stream)\n";
    return 2;
  }
  engine::run_view view;
  auto n = (*log)->read("orchestrator", 1, UINT64_MAX, UINT64_MAX,
                        [&](storage::recorded_event&& e) {
                          view.apply("orchestrator", e.logical_time(),
                                     e.event());
                          return true;
                        });
  if (!n) {
    std::cerr << "baton approvals: " << n.err().to_string() << '\n';
    return 1;
  }
  auto shown = args.all ? view.approvals() : view.open_approvals();
  for (auto& a : shown) {
    if (args.json) {
      std::cout << "{\"id\":" << quote(a.id) << ",\"agent\":" << quote(a.agent)
                << ",\"task\":" << quote(a.task) << ",\"tool\":"
                << quote(a.tool) << ",\"subject\":" << quote(a.subject)
                << ",\"policy\":" << quote(a.policy)
                << ",\"answer\":" << quote(a.answer) << ",\"by\":"
                << quote(a.by) << ",\"why\":" << quote(a.why)
                << ",\"logicalTimeUs\":" << a.at_us << "}\n";
      continue;
    }
    std::cout << a.id << "  " << a.agent << "  "
              << (a.task.empty() ? "(no task)" : "task " + a.task) << "  "
              << a.tool << (a.subject.empty() ? "" : " " + a.subject)
              << "  policy: " << a.policy << "  "
              << (a.answer.empty() ? std::string{"waiting"}
                                   : a.answer + " (" + a.by + ")")
              << '\n';
  }
  if (shown.empty() && !args.json)
    std::cout << (args.all ? "no approval requests" : "none waiting") << '\n';
  return 0;
}

void add_answer(CLI::App& app, int& exit_code, const char* name,
                const char* help, bool deny) {
  auto args = std::make_shared<answer_args>();
  auto* cmd = app.add_subcommand(name, help);
  cmd->add_option("dir", args->dir, "The running run's log directory")
    ->required();
  cmd->add_option("id", args->id, "The request's id (baton approvals DIR)")
    ->required();
  if (!deny)
    cmd->add_flag("--always", args->always,
                  "Allow and stop asking (where the agent's CLI can)");
  cmd->add_option("--reason", args->reason, "Why, for the record");
  cmd->add_option("--by", args->by,
                  "Who answers, for the record (default: $USER)");
  cmd->callback([args, &exit_code, name, deny] {
    exit_code = answer(*args,
                       deny             ? "deny"
                       : args->always ? "allow_always"
                                      : "allow",
                       name);
  });
}

} // namespace

void add_approval_commands(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<list_args>();
  auto* cmd = app.add_subcommand(
    "approvals", "List a run's approval requests (those waiting, or --all)");
  cmd->add_option("dir", args->dir, "The run's log directory")->required();
  cmd->add_flag("--all", args->all, "Every request, answered or not");
  cmd->add_flag("--json", args->json, "One JSON object per request");
  cmd->callback([args, &exit_code] { exit_code = list(*args); });
  add_answer(app, exit_code, "approve",
             "Allow an agent's request in a running run", false);
  add_answer(app, exit_code, "deny",
             "Refuse an agent's request in a running run (it is told why)",
             true);
}

} // namespace baton::cli
