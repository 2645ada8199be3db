#include "cli/sim/roles.hpp"

namespace baton::sim {

namespace {

role_texts generic() {
  role_texts r;
  r.name = "";
  r.intro = "I'll start by reading the code involved, then make the change "
            "step by step.";
  r.steps = {"made the change", "updated the callers", "added tests",
             "cleaned up", "documented the change"};
  r.files
    = {"src/main.cpp", "src/app.cpp", "src/app.hpp", "tests/app_test.cpp"};
  r.test_command = "make test";
  r.done = "the requested change is in place";
  r.need_resource = "docs/interface.md";
  r.need_why = "the interface this change must follow";
  r.blocked = "waiting for docs/interface.md from its owner";
  r.contract_title = "app interface v1";
  r.contract_body = {"run(config) -> result", "result = {ok: bool, log: text}"};
  r.build_error = "src/parser.cpp:42:10: error: 'token_kind' was not "
                  "declared in this scope";
  r.build_summary = "src/parser.cpp:42: 'token_kind' was not declared in this "
                    "scope";
  return r;
}

constexpr std::string_view openapi = R"({
  "openapi": "3.0.0",
  "info": {"title": "todos", "version": "1"},
  "paths": {
    "/api/todos": {
      "get": {"responses": {"200": {"description": "the todo list"}}},
      "post": {"responses": {"201": {"description": "the created todo"}}}
    }
  }
}
)";

role_texts backend() {
  auto r = generic();
  r.name = "backend";
  r.default_scenario = "contract";
  r.intro = "I'll add the todo endpoints and describe them in "
            "api/openapi.json.";
  r.steps = {"added the todo store", "added GET and POST /api/todos",
             "wrote api/openapi.json", "added API tests"};
  r.files
    = {"api/todos.py", "api/store.py", "api/openapi.json", "api/todos_test.py"};
  r.test_command = "make test-api";
  r.test_result = "12 passed";
  r.done = "todo API added (GET, POST /api/todos)";
  r.contract_title = "todo API v1 (api/openapi.json)";
  r.contract_body
    = {R"(GET /api/todos -> 200 [{"id": int, "title": string, "done": bool}])",
       R"(POST /api/todos {"title": string} -> 201 {"id": int, "title": )"
       R"(string, "done": false})"};
  r.artifacts = {{"api/openapi.json", std::string{openapi}}};
  return r;
}

role_texts frontend() {
  auto r = generic();
  r.name = "frontend";
  r.default_scenario = "blocked";
  r.contract_title.clear();
  r.intro = "I'll build the todo list page; first I need the API's shape.";
  r.steps = {"laid out the todo page", "wired the list to GET /api/todos",
             "wired the form to POST /api/todos", "added page tests"};
  r.files
    = {"web/todos.html", "web/todos.js", "web/todos.css", "web/todos_test.js"};
  r.test_command = "npm test";
  r.test_result = "8 passed";
  r.done = "todo page built against the API contract";
  r.need_resource = "api/openapi.json";
  r.need_why = "the request and response shapes of /api/todos for the page";
  r.blocked = "waiting for the todo API contract (api/openapi.json)";
  r.artifacts
    = {{"web/todos.html",
        "<!doctype html>\n<title>todos</title>\n"
        "<ul id=\"todos\"></ul>\n<script src=\"todos.js\"></script>\n"}};
  return r;
}

role_texts tester() {
  auto r = generic();
  r.name = "tester";
  r.contract_title.clear();
  r.intro = "I'll write end-to-end tests for the API and the page and run "
            "them.";
  r.steps = {"wrote API tests", "wrote page tests", "ran the suite"};
  r.files = {"tests/api_test.py", "tests/page_test.js", "tests/conftest.py"};
  r.test_command = "make e2e";
  r.test_result = "23 passed";
  r.done = "end-to-end tests for the API and the page";
  r.artifacts = {{"tests/report.txt", "23 passed, 0 failed\n"}};
  return r;
}

role_texts stage(std::string name, std::string intro, std::string done,
                 std::string path, std::string content) {
  auto r = generic();
  r.name = std::move(name);
  r.contract_title.clear();
  r.intro = std::move(intro);
  r.done = std::move(done);
  r.steps = {"gathered the inputs", "wrote " + path, "checked " + path};
  r.files = {path};
  r.test_command = "test -s " + path;
  r.test_result = "1 passed";
  r.artifacts = {{std::move(path), std::move(content)}};
  return r;
}

} // namespace

std::optional<role_texts> find_role(std::string_view name) {
  if (name.empty())
    return generic();
  if (name == "backend")
    return backend();
  if (name == "frontend")
    return frontend();
  if (name == "tester")
    return tester();
  if (name == "researcher")
    return stage("researcher", "I'll survey the options and write them up.",
                 "research notes written to docs/research.md",
                 "docs/research.md",
                 "# Research\n\n- option A: a REST API\n- option B: GraphQL\n"
                 "\nRecommendation: option A.\n");
  if (name == "planner")
    return stage("planner", "I'll turn the research into a plan.",
                 "plan written to docs/plan.md", "docs/plan.md",
                 "# Plan\n\n1. API\n2. page\n3. tests\n");
  if (name == "builder")
    return stage("builder", "I'll build what the plan describes.",
                 "build finished, output in build/app.txt", "build/app.txt",
                 "app built from docs/plan.md\n");
  if (name == "verifier")
    return stage("verifier", "I'll verify the build against the plan.",
                 "verification report in reports/verify.json",
                 "reports/verify.json", "{\"passed\": 3, \"failed\": 0}\n");
  return std::nullopt;
}

std::vector<std::string> role_names() {
  return {"backend", "frontend", "tester",  "researcher",
          "planner", "builder",  "verifier"};
}

} // namespace baton::sim
