// The checkpoint summary is a fold of the worker's own stream.
#include "engine/checkpoint/checkpoint.hpp"

#include <capnp/message.h>

#include <catch2/catch.hpp>

using namespace baton;
using namespace baton::engine;

namespace {

struct feeder {
  checkpoint_fold fold;
  uint64_t seq = 0;

  void prompt(const std::string& text, const std::string& why) {
    capnp::MallocMessageBuilder b;
    auto p = b.initRoot<schema::Event>().initPromptRequested();
    p.setText(text);
    p.setWhy(why);
    fold.apply(++seq, b.getRoot<schema::Event>().asReader());
  }
  void line(const std::string& kind, const std::string& line, uint32_t done = 0,
            uint32_t total = 0, const std::string& status = {},
            const std::string& resource = {}) {
    capnp::MallocMessageBuilder b;
    auto m = b.initRoot<schema::Event>().initProtocolMessage();
    m.setKind(kind);
    m.setLine(line);
    m.setDone(done);
    m.setTotal(total);
    m.setStatus(status);
    m.setResource(resource);
    m.setText("why");
    fold.apply(++seq, b.getRoot<schema::Event>().asReader());
  }
  void files(const std::string& task, std::vector<std::string> paths) {
    capnp::MallocMessageBuilder b;
    auto f = b.initRoot<schema::Event>().initFilesChanged();
    f.setTask(task);
    f.setAttempt(1);
    auto l = f.initPaths(static_cast<unsigned>(paths.size()));
    for (unsigned i = 0; i < l.size(); ++i)
      l.set(i, paths[i]);
    fold.apply(++seq, b.getRoot<schema::Event>().asReader());
  }
};

} // namespace

TEST_CASE("a worker's checkpoint: task, steps, next step, build, needs, "
          "contracts",
          "[engine][checkpoint]") {
  feeder f;
  CHECK(f.fold.render("backend").find("No task was dispatched")
        != std::string::npos);
  f.prompt("Task api: The todo API\n\nAdd it.",
           "dispatch of task api, attempt 2");
  f.line("progress", "PROGRESS: 1/3 — store", 1, 3);
  f.line("build", "BUILD: FAIL — parser.cpp:42");
  f.line("need", "NEED: docs/schema.md — the schema", 0, 0, {},
         "docs/schema.md");
  auto& s = f.fold.summary();
  CHECK(s.task == "api");
  CHECK(s.attempt == 2);
  CHECK(s.task_title == "Task api: The todo API");
  CHECK(s.completed == std::vector<std::string>{"PROGRESS: 1/3 — store"});
  CHECK(s.next_step == "step 2 of 3");
  CHECK(s.build == "BUILD: FAIL — parser.cpp:42");
  CHECK(s.open_needs == std::vector<std::string>{"docs/schema.md — why"});
  f.prompt("CONTRACT from docs: schema v1\nfields", "contract from docs");
  CHECK(s.open_needs.empty());
  CHECK(s.contracts
        == std::vector<std::string>{"CONTRACT from docs: schema v1"});
  f.line("status", "STATUS: DONE — api + 3 passed", 0, 0, "DONE");
  CHECK(s.next_step == "wait for the task's verification");
  auto text = f.fold.render("backend");
  CHECK(text.find("Task api, attempt 2: Task api: The todo API")
        != std::string::npos);
  CHECK(text.find("Contracts received:\n  - CONTRACT from docs: schema v1")
        != std::string::npos);
  // Typed into the agent, it carries no protocol keyword: the agent's own
  // later lines must not look like echoes of it.
  CHECK(text.find("status DONE — api + 3 passed") != std::string::npos);
  CHECK(text.find("build FAIL — parser.cpp:42") != std::string::npos);
  CHECK(text.find("STATUS:") == std::string::npos);
  CHECK(text.find("BUILD:") == std::string::npos);
  // A new dispatch starts a new summary of steps.
  f.prompt("Task docs: write docs", "dispatch of task docs, attempt 1");
  CHECK(s.completed.empty());
  CHECK(s.task == "docs");
}

TEST_CASE("a line the agent writes again is one step of its checkpoint",
          "[engine][checkpoint]") {
  feeder f;
  f.prompt("Task api: The todo API", "dispatch of task api, attempt 1");
  f.line("progress", "PROGRESS: 1/2 — store", 1, 2);
  f.line("progress", "PROGRESS: 2/2 — routes", 2, 2);
  f.prompt("frontend needs api/openapi.json", "need from frontend");
  f.line("progress", "PROGRESS: 1/2 — store", 1, 2);
  f.line("progress", "PROGRESS: 2/2 — routes", 2, 2);
  CHECK(f.fold.summary().completed
        == std::vector<std::string>{"PROGRESS: 1/2 — store",
                                    "PROGRESS: 2/2 — routes"});
}

TEST_CASE("a worker's checkpoint lists the files the engine saw it change "
          "during its task, once each",
          "[engine][checkpoint]") {
  feeder f;
  f.prompt("Task api: The todo API", "dispatch of task api, attempt 1");
  f.files("api", {"api/openapi.json", "api/todos.py"});
  f.files("other", {"web/index.html"}); // not its task
  f.files("api", {"api/openapi.json"});
  CHECK(f.fold.summary().files_modified
        == std::vector<std::string>{"api/openapi.json", "api/todos.py"});
  CHECK(f.fold.render("backend").find(
          "Files modified: api/openapi.json api/todos.py")
        != std::string::npos);
  // A snapshot keeps them.
  auto restored = checkpoint_fold::restore(f.fold.save());
  REQUIRE(restored.ok());
  CHECK(restored->summary().files_modified == f.fold.summary().files_modified);
  // Another task starts a new list.
  f.prompt("Task docs: write docs", "dispatch of task docs, attempt 1");
  CHECK(f.fold.summary().files_modified.empty());
}
