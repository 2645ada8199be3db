// baton-sim: the simulated coding agent as a program of its own (the same
// as `baton sim`, with the same exit codes: 2 for a bad option).
#include "sim/command_line.hpp"

int main(int argc, char** argv) {
  CLI::App app{"baton-sim: a simulated coding agent in the terminal, for "
               "demos and tests"};
  baton::sim::command_line args;
  baton::sim::add_options(app, args);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    static_cast<void>(app.exit(e));
    return 2;
  }
  return baton::sim::run(args);
}
