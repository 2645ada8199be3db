// A program that embeds Baton: runs a team of agents from a plan, adds a
// task while it runs, follows its events and ends with its verdict.
#include <baton/baton.hpp>

#include <iostream>

int main(int argc, char** argv) {
  auto rt = baton::runtime::open();
  baton::run_options opts{.plan_path = argc > 1 ? argv[1] : "plan.toml"};
  opts.replace = true;
  auto started = rt ? (*rt)->start(opts) : rt.err();
  if (!started) {
    std::cerr << started.err().message() << '\n';
    return 2;
  }
  baton::run& run = **started;
  // Steering: checked like the plan's own tasks, recorded as the operator's.
  auto added = run.add_task({.id = "summary",
                             .prompt = "Summarise the notes.",
                             .agent = "writer",
                             .after = {"draft"}},
                            "embed-example");
  std::cout << "added: " << (added ? *added : added.err().message()) << '\n';
  // Pull the run's events from the start; no callback runs on its threads.
  auto events = run.events(1);
  while (!events->at_end())
    if (auto* e = events->next(std::chrono::milliseconds{200}))
      if (e->kind() == "taskSettled" || e->kind() == "operatorCommand")
        std::cout << '#' << e->position() << ' ' << e->json() << '\n';
  auto status = run.status();
  for (auto& t : status->tasks)
    std::cout << t.id << ": " << t.status << " (" << t.reason << ")\n";
  std::cout << status->summary << '\n';
  return run.exit_code();
}
