// baton init [FILE]: write a commented example plan to start from.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.hpp"
#include "example_plan.hpp"

namespace baton::cli {

namespace {

int run_init(const std::string& path, bool force) {
  if (path == "-") {
    std::cout << example_feature_plan;
    return 0;
  }
  if (std::filesystem::exists(path) && !force) {
    std::cerr << "baton init: " << path
              << " exists; choose another name or pass --force\n";
    return 1;
  }
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  out << example_feature_plan;
  out.close();
  if (!out) {
    std::cerr << "baton init: cannot write " << path << '\n';
    return 1;
  }
  std::cout << "wrote " << path << " (a team of simulated agents); try: baton "
            << "check " << path << '\n';
  return 0;
}

} // namespace

void add_init_command(CLI::App& app, int& exit_code) {
  auto path = std::make_shared<std::string>("baton.toml");
  auto force = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("init", "Write a commented example plan");
  cmd->add_option("FILE", *path, "Where to write it (- for stdout)")
    ->capture_default_str();
  cmd->add_flag("--force", *force, "Overwrite an existing file");
  cmd->callback([path, force, &exit_code] {
    exit_code = run_init(*path, *force);
  });
}

} // namespace baton::cli
