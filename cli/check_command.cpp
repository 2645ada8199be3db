// baton check PLAN: validate a plan without running anything.
#include <iostream>

#include "cli/commands.hpp"
#include "api/plan_loader.hpp"

namespace baton::cli {

namespace {

int run_check(const std::string& path) {
  auto loaded = api::load_plan(path);
  if (!loaded) {
    std::cerr << "baton check: " << loaded.err().message() << '\n';
    return 2;
  }
  for (auto& line : loaded->problems)
    std::cerr << line << '\n';
  if (!loaded->problems.empty()) {
    std::cerr << "baton check: " << path << ": " << loaded->problems.size()
              << " problem" << (loaded->problems.size() == 1 ? "" : "s")
              << '\n';
    return 2;
  }
  auto& p = loaded->plan;
  std::cout << path << ": ok — " << p.agents.size() << " agents, "
            << p.tasks.size() << " tasks, pattern "
            << engine::to_string(p.run.pattern) << '\n';
  return 0;
}

} // namespace

void add_check_command(CLI::App& app, int& exit_code) {
  auto path = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
    "check", "Validate a plan file (exit 2 and every problem when invalid)");
  cmd->add_option("PLAN", *path, "The plan file (TOML)")->required();
  cmd->callback([path, &exit_code] { exit_code = run_check(*path); });
}

} // namespace baton::cli
