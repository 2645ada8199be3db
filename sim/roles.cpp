#include "sim/roles.hpp"

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

// -- the pipeline: research -> plan -> build -> verify ------------------------

/// A pipeline stage's role: reads the previous stage's artifact (`input`),
/// then edits its own (`output`) once per step, and checks it with `check`.
role_texts stage(std::string name, const std::string& input,
                 const std::string& output, std::string check) {
  auto r = generic();
  r.name = std::move(name);
  r.contract_title.clear();
  r.files = {input, output, output, output};
  r.test_command = std::move(check);
  return r;
}

role_texts researcher() {
  auto r = stage("researcher", "README.md", "research/notes.md",
                 "grep -c '^- ' research/notes.md");
  r.intro = "I'll read the five sources on the todo app and write the "
            "findings to research/notes.md.";
  r.steps = {"summarised the five sources", "compared the options",
             "wrote the findings to research/notes.md"};
  r.test_result = "5";
  r.done = "findings written to research/notes.md";
  r.evidence = "5 sources summarised";
  r.artifacts = {{"research/notes.md",
                  "# Findings\n\n"
                  "- REST fits the todo list: GET and POST /api/todos\n"
                  "- GraphQL adds a schema layer the list does not need\n"
                  "- SQLite is enough storage at this size\n"
                  "- The page renders from one GET and appends on POST\n"
                  "- API round trips and one page test cover the behaviour\n"
                  "\nRecommendation: a REST API over SQLite, and a plain "
                  "page.\n"}};
  r.drafts = {{"research/notes.md", "# Findings\n\n(to be written)\n"}};
  return r;
}

role_texts planner() {
  auto r = stage("planner", "research/notes.md", "plan/steps.toml",
                 "grep -c '^\\[\\[steps\\]\\]' plan/steps.toml");
  r.intro = "I'll turn research/notes.md into the build steps in "
            "plan/steps.toml.";
  r.steps = {"read research/notes.md", "split the work into 4 steps",
             "wrote plan/steps.toml"};
  r.test_result = "4";
  r.done = "plan written to plan/steps.toml";
  r.evidence = "4 steps planned";
  r.artifacts
    = {{"plan/steps.toml", "# The build, from research/notes.md.\n"
                           "source = \"research/notes.md\"\n\n"
                           "[[steps]]\nid = \"store\"\n"
                           "title = \"a SQLite todo store\"\n\n"
                           "[[steps]]\nid = \"api\"\n"
                           "title = \"GET and POST /api/todos\"\n"
                           "after = [\"store\"]\n\n"
                           "[[steps]]\nid = \"page\"\n"
                           "title = \"the todo page\"\nafter = [\"api\"]\n\n"
                           "[[steps]]\nid = \"tests\"\n"
                           "title = \"API and page tests\"\n"
                           "after = [\"api\", \"page\"]\n"}};
  r.drafts = {{"plan/steps.toml", "# The steps are still to be planned.\n"
                                  "source = \"research/notes.md\"\n"}};
  return r;
}

role_texts builder() {
  auto r = stage("builder", "plan/steps.toml", "build/app.json", "make test");
  r.default_scenario = "incomplete";
  r.files
    = {"plan/steps.toml", "build/store.py", "build/api.py", "build/app.json"};
  r.intro = "I'll build the steps in plan/steps.toml and record the result "
            "in build/app.json.";
  r.steps = {"built the todo store", "built the API and the page",
             "wrote build/app.json"};
  r.test_result = "14 passed";
  r.done = "app built, recorded in build/app.json";
  r.evidence = "build passed, 14 tests passed";
  r.artifacts
    = {{"build/app.json", "{\n"
                          "  \"app\": \"todos\",\n"
                          "  \"version\": \"1.0.0\",\n"
                          "  \"built_from\": \"plan/steps.toml\",\n"
                          "  \"steps_done\": [\"store\", \"api\", \"page\", "
                          "\"tests\"],\n"
                          "  \"tests\": {\"passed\": 14, \"failed\": 0}\n"
                          "}\n"}};
  r.drafts = {{"build/app.json", "{\n"
                                 "  \"app\": \"todos\",\n"
                                 "  \"version\": \"1.0.0\",\n"
                                 "  \"built_from\": \"plan/steps.toml\"\n"
                                 "}\n"}};
  return r;
}

role_texts verifier() {
  auto r = stage("verifier", "build/app.json", "verify/report.md",
                 "./verify.sh build/app.json plan/steps.toml");
  r.intro = "I'll check build/app.json against plan/steps.toml and report in "
            "verify/report.md.";
  r.steps = {"checked every planned step was built", "ran the 14 checks",
             "wrote verify/report.md"};
  r.test_result = "14/14 checks passed";
  r.done = "build verified, report in verify/report.md";
  r.evidence = "all 14 checks passed";
  r.artifacts
    = {{"verify/report.md", "# Verification\n\n"
                            "Checked build/app.json (version 1.0.0) against "
                            "plan/steps.toml.\n\n"
                            "- steps done: store, api, page, tests (4 of 4)\n"
                            "- checks: 14 passed, 0 failed\n\n"
                            "Result: PASS\n"}};
  r.drafts = {{"verify/report.md", "# Verification\n\nResult: PENDING\n"}};
  return r;
}

} // namespace

std::optional<role_texts> find_role(std::string_view name) {
  if (name.empty())
    return generic();
  if (name == "orchestrator") {
    // Plans instead of working: see turn_source (orchestrator_turn).
    auto r = generic();
    r.name = "orchestrator";
    return r;
  }
  if (name == "backend")
    return backend();
  if (name == "frontend")
    return frontend();
  if (name == "tester")
    return tester();
  if (name == "researcher")
    return researcher();
  if (name == "planner")
    return planner();
  if (name == "builder")
    return builder();
  if (name == "verifier")
    return verifier();
  return std::nullopt;
}

std::vector<std::string> role_names() {
  return {"backend", "frontend", "tester",  "researcher",
          "planner", "builder",  "verifier", "orchestrator"};
}

} // namespace baton::sim
