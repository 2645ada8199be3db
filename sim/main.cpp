// baton-sim: the simulated coding agent as a program of its own (the same
// as `baton sim`).
#include "sim/command_line.hpp"

int main(int argc, char** argv) {
  CLI::App app{"baton-sim: a simulated coding agent in the terminal, for "
               "demos and tests"};
  baton::sim::command_line args;
  baton::sim::add_options(app, args);
  CLI11_PARSE(app, argc, argv);
  return baton::sim::run(args);
}
