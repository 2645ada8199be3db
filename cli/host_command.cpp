// baton host: runs agents on this machine for runs whose engine (and log)
// is elsewhere.
//
//   baton host --listen ADDR:PORT --certs DIR [--spool DIR]
//     A daemon: publishes its door (actors/remote/host_door.hpp) on
//     ADDR:PORT over mutual TLS with the certificates in DIR (ca.pem,
//     cert.pem, key.pem), until Ctrl-C or SIGTERM. Agents' events are
//     spooled under --spool (default ./baton-spool) until the engine has
//     them.
//   baton host init-certs DIR [--host NAME ...]
//     Makes a CA (DIR/ca.pem, DIR/ca.key) and a certificate for the
//     engine (DIR/engine/) and each host (DIR/<name>/), each directory
//     holding what that side needs: ca.pem, cert.pem, key.pem. With a CA
//     already in DIR, adds the hosts named. Uses the openssl program.
//
// Exit codes: 0 after a signal (or certificates made), 1 when it cannot
// listen or a certificate cannot be made, 2 on bad usage.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include "actors/pty/reactor.hpp"
#include "actors/remote/host_door.hpp"
#include "actors/remote/net.hpp"
#include "actors/team.hpp"
#include "api/agent_setup.hpp"
#include "cli/commands.hpp"
#include "engine/plan/plan_parser.hpp"

extern char** environ;

namespace baton::cli {

namespace fs = std::filesystem;

namespace {

/// Runs `argv` (no shell), its output into `log`; true when it exits 0.
bool run(const std::vector<std::string>& argv, const fs::path& log) {
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = 0;
  auto rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0)
    return false;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string read_all(const fs::path& p) {
  std::ifstream in{p};
  return {std::istreambuf_iterator<char>{in}, {}};
}

/// A key and a certificate signed by the CA in `dir`, in `dir/name/`.
result<void> make_party(const fs::path& dir, const std::string& name,
                        const fs::path& log) {
  auto party = dir / name;
  std::error_code ec;
  fs::create_directories(party, ec);
  if (ec)
    return error{ec::io_error, "cannot create " + party.string() + ": "
                                 + ec.message()};
  ::chmod(party.c_str(), 0700);
  auto key = (party / "key.pem").string();
  auto csr = (party / "request.csr").string();
  auto cert = (party / "cert.pem").string();
  if (!run({"openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes",
            "-keyout", key, "-out", csr, "-subj", "/CN=" + name},
           log)
      || !run({"openssl", "x509", "-req", "-in", csr, "-CA",
               (dir / "ca.pem").string(), "-CAkey", (dir / "ca.key").string(),
               "-CAcreateserial", "-out", cert, "-days", "825", "-sha256"},
              log))
    return error{ec::io_error, "openssl could not make the certificate of "
                                 + name + ":\n" + read_all(log)};
  fs::remove(csr, ec);
  ::chmod(key.c_str(), 0600);
  fs::copy_file(dir / "ca.pem", party / "ca.pem",
                fs::copy_options::overwrite_existing, ec);
  if (ec)
    return error{ec::io_error, "cannot copy the CA to " + party.string()};
  return {};
}

int init_certs(const std::string& dir_arg, std::vector<std::string> hosts) {
  fs::path dir = dir_arg;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    std::cerr << "baton host init-certs: cannot create " << dir << ": "
              << ec.message() << "\n";
    return 1;
  }
  ::chmod(dir.c_str(), 0700);
  auto log = dir / "openssl.log";
  fs::remove(log, ec);
  bool new_ca = !fs::exists(dir / "ca.key");
  if (new_ca
      && !run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
               "-keyout", (dir / "ca.key").string(), "-out",
               (dir / "ca.pem").string(), "-days", "3650", "-sha256", "-subj",
               "/CN=Baton CA"},
              log)) {
    std::cerr << "baton host init-certs: openssl could not make the CA:\n"
              << read_all(log);
    return 1;
  }
  ::chmod((dir / "ca.key").c_str(), 0600);
  if (hosts.empty() && new_ca)
    hosts = {"host"};
  std::vector<std::string> parties = hosts;
  if (new_ca || !fs::exists(dir / "engine" / "cert.pem"))
    parties.insert(parties.begin(), "engine");
  for (auto& p : parties) {
    if (p.empty() || p == "." || p == ".." || p.find('/') != std::string::npos) {
      std::cerr << "baton host init-certs: \"" << p
                << "\" is not a host name\n";
      return 2;
    }
    if (fs::exists(dir / p / "cert.pem")) {
      std::cerr << "baton host init-certs: " << (dir / p).string()
                << " has a certificate already; left as it is\n";
      continue;
    }
    if (auto r = make_party(dir, p, log); !r) {
      std::cerr << "baton host init-certs: " << r.err().message() << "\n";
      return 1;
    }
  }
  fs::remove(log, ec);
  std::cout << "baton host init-certs: " << (new_ca ? "a new CA in " : "the CA in ")
            << dir.string() << " (keep ca.key there, private)\n";
  for (auto& p : parties)
    std::cout << "  " << p << ": " << (dir / p).string()
              << (p == "engine" ? "   (the plan's hosts: certs = this)"
                                : "   (baton host --certs this)")
              << "\n";
  return 0;
}

struct host_args {
  std::string listen;
  std::string certs;
  std::string spool = "baton-spool";
};

int serve_host(const host_args& a) {
  if (a.listen.empty() || a.certs.empty()) {
    std::cerr << "baton host: needs --listen ADDR:PORT and --certs DIR (or "
                 "init-certs DIR)\n";
    return 2;
  }
  if (auto addr = actors::remote::split_address(a.listen); !addr) {
    std::cerr << "baton host: --listen " << addr.err().message() << "\n";
    return 2;
  }
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  caf::actor_system_config cfg;
  actors::configure_actor_system(cfg);
  cfg.set("logger.console", caf::atom("none"));
  if (auto r = actors::remote::configure_net(cfg, a.certs); !r) {
    std::cerr << "baton host: " << r.err().message() << "\n";
    return 2;
  }
  std::error_code ec;
  fs::create_directories(a.spool, ec);
  if (ec) {
    std::cerr << "baton host: cannot create the spool " << a.spool << ": "
              << ec.message() << "\n";
    return 1;
  }
  auto reactor = actors::pty::reactor::make();
  if (!reactor) {
    std::cerr << "baton host: " << reactor.err().message() << "\n";
    return 1;
  }
  caf::actor_system sys{cfg};
  auto opts = std::make_shared<actors::remote::door_options>();
  opts->spool_dir = fs::absolute(a.spool).string();
  opts->version = BATON_VERSION;
  auto* r = reactor->get();
  opts->make_agent = [r](const actors::remote::host_hello& h,
                         const std::string& agent)
    -> result<actors::team_agent> {
    auto plan = engine::parse_plan(h.plan_text, "the plan of run " + h.run);
    if (!plan)
      return plan.err();
    return api::setup_agent(*plan, agent, h.workspace, h.log_dir, h.plan_dir,
                            *r);
  };
  opts->log = [](const std::string& line) {
    std::cerr << "baton host: " << line << std::endl;
  };
  auto door = sys.spawn<caf::detached>(actors::remote::host_door_impl, opts);
  auto port = actors::remote::publish_door(door, a.listen);
  if (!port) {
    std::cerr << "baton host: " << port.err().message() << "\n";
    caf::anon_send_exit(door, caf::exit_reason::user_shutdown);
    return 1;
  }
  auto host = a.listen.substr(0, a.listen.rfind(':'));
  std::cout << "baton host: listening on " << host << ":" << *port
            << " (mutual TLS, certificates in " << a.certs << "; spool "
            << opts->spool_dir << ")" << std::endl;
  int sig = 0;
  sigwait(&stop, &sig);
  std::cout << "baton host: stopping (its agents end)" << std::endl;
  caf::anon_send_exit(door, caf::exit_reason::user_shutdown);
  return 0;
}

} // namespace

void add_host_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
    "host", "Run agents on this machine for an engine elsewhere (mutual TLS)");
  static host_args args;
  cmd->add_option("--listen", args.listen,
                  "ADDR:PORT to listen on (port 0: a free one)");
  cmd->add_option("--certs", args.certs,
                  "This host's certificates: ca.pem, cert.pem, key.pem (from "
                  "init-certs)");
  cmd->add_option("--spool", args.spool,
                  "Where agents' events wait until the engine has them "
                  "(default ./baton-spool)");
  auto* init = cmd->add_subcommand(
    "init-certs", "Make a CA and certificates for the engine and hosts");
  static std::string dir;
  static std::vector<std::string> hosts;
  init->add_option("dir", dir, "Where to put them")->required();
  init->add_option("--host", hosts, "A host's name (repeat; default: host)");
  init->callback([&exit_code] { exit_code = init_certs(dir, hosts); });
  cmd->callback([&exit_code, cmd, init] {
    if (init->parsed())
      return;
    exit_code = serve_host(args);
  });
}

} // namespace baton::cli
