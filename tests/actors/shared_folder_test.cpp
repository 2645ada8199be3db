// The state/ folder of a swarm or mesh on disk: what agents write there is
// collected once (and again when rewritten), what the engine files itself is
// never taken for an agent's, even while a collect runs on another thread.
#include "actors/shared_folder.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "engine/orchestration/shared_state.hpp"
#include "tests/support/temp_dir.hpp"

using namespace baton;
namespace fs = std::filesystem;

namespace {

/// Written whole, as agents are asked to: a temporary file renamed.
void write(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path{path}.parent_path());
  std::ofstream{path + ".tmp"} << text;
  fs::rename(path + ".tmp", path);
}

engine::protocol_seen contract(std::string agent, std::string title) {
  engine::protocol_seen p;
  p.agent = std::move(agent);
  p.kind = engine::protocol_kind::contract;
  p.text = std::move(title);
  p.body = "GET /x -> y";
  return p;
}

} // namespace

TEST_CASE("shared folder: an agent's contract is collected once and again "
          "when rewritten, the engine's own never, lock requests once",
          "[actors][shared_folder]") {
  test::temp_dir ws;
  actors::shared_folder folder{ws.path()};
  auto contracts = ws / "state/contracts/";
  folder.file_contract(contract("api", "routes v1"));
  write(contracts + engine::contract_file_name("web", "form v1"),
        "# form v1\n\nfields a, b\n");
  write(ws / "state/locks/notes.md.want.web", "");
  write(ws / "state/locks/what-is-this", "");
  auto got = folder.collect();
  REQUIRE(got.contracts.size() == 1);
  CHECK(got.contracts[0].agent == "web");
  CHECK(got.contracts[0].text == "form v1");
  REQUIRE(got.locks.size() == 1);
  CHECK(got.locks[0].agent == "web");
  CHECK(got.locks[0].path == "notes.md");
  CHECK_FALSE(fs::exists(ws / "state/locks/notes.md.want.web"));
  REQUIRE(got.errors.size() == 1);
  CHECK(got.errors[0].find("what-is-this") != std::string::npos);

  auto again = folder.collect();
  CHECK(again.contracts.empty());
  CHECK(again.locks.empty());
  CHECK(again.errors.empty()); // reported once
  write(contracts + engine::contract_file_name("web", "form v1"),
        "# form v1\n\nfields a, b, c (longer now)\n");
  auto rewritten = folder.collect();
  REQUIRE(rewritten.contracts.size() == 1);
  CHECK(rewritten.contracts[0].body.find("c (longer now)")
        != std::string::npos);
}

TEST_CASE("shared folder: contracts the engine files while collects run on "
          "another thread are never collected, and agents' files written "
          "meanwhile all are",
          "[actors][shared_folder]") {
  test::temp_dir ws;
  actors::shared_folder folder{ws.path()};
  constexpr int n = 300;
  std::set<std::string> collected;
  std::atomic<bool> done{false};
  std::thread poller{[&] {
    // Until the filer is done, then once more for what it wrote last.
    for (bool last = false; !last;) {
      last = done.load();
      for (auto& c : folder.collect().contracts)
        collected.insert(c.agent + ": " + c.text);
    }
  }};
  for (int i = 0; i < n; ++i) {
    folder.file_contract(contract("api", "engine " + std::to_string(i)));
    write(ws / "state/contracts/" + engine::contract_file_name(
                                      "web", "agent " + std::to_string(i)),
          "# agent " + std::to_string(i) + "\n\nbody\n");
  }
  done = true;
  poller.join();
  size_t agents = 0;
  for (auto& c : collected) {
    INFO(c);
    CHECK(c.starts_with("web: agent "));
    agents += c.starts_with("web: ") ? 1 : 0;
  }
  CHECK(agents == n);
}
