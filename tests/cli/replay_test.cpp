// `baton replay` on a stored run: every stream, one stream, a prefix by
// position and by logical time, and the errors a user can make.
#include <catch2/catch.hpp>

#include <filesystem>

#include "tests/cli/run_baton.hpp"
#include "tests/support/temp_dir.hpp"

using namespace baton;
namespace fs = std::filesystem;

namespace {

std::string stored_copy(const test::temp_dir& dir, const std::string& run) {
  auto copy = dir / run;
  fs::copy(fs::current_path() / "tests" / "runs" / run, copy,
           fs::copy_options::recursive);
  return copy;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1))
    ++n;
  return n;
}

} // namespace

TEST_CASE("baton replay re-derives every stream, or one, or a prefix",
          "[cli][replay]") {
  test::temp_dir dir;
  auto db = stored_copy(dir, "feature");

  auto all = test::run_baton("replay " + db);
  INFO(all.out);
  CHECK(all.exit_code == 0);
  CHECK(all.out.find("orchestrator: replayed") != std::string::npos);
  CHECK(count(all.out, ": identical\n") == 4); // orchestrator + 3 workers
  CHECK(all.out.find("identical: 4 streams replayed") != std::string::npos);

  auto one = test::run_baton("replay " + db + " --stream worker/backend");
  INFO(one.out);
  CHECK(one.exit_code == 0);
  CHECK(one.out.find("worker/backend: replayed") != std::string::npos);
  CHECK(one.out.find("orchestrator") == std::string::npos);
  CHECK(one.out.find("identical: 1 stream replayed") != std::string::npos);

  // A prefix: fewer inputs than the whole, still identical.
  auto early = test::run_baton("replay " + db
                               + " --stream worker/backend --until-time 1s");
  INFO(early.out);
  CHECK(early.exit_code == 0);
  CHECK(early.out != one.out);
  auto first = test::run_baton("replay " + db + " --until 30");
  INFO(first.out);
  CHECK(first.exit_code == 0);
}

TEST_CASE("baton replay: a stream that is not there, a bad time, no log",
          "[cli][replay]") {
  test::temp_dir dir;
  auto db = stored_copy(dir, "feature");
  auto none = test::run_baton("replay " + db + " --stream worker/nobody");
  CHECK(none.exit_code == 2);
  CHECK(none.out.find("worker/nobody") != std::string::npos);
  auto bad = test::run_baton("replay " + db + " --until-time soon");
  CHECK(bad.exit_code == 2);
  CHECK(bad.out.find("soon") != std::string::npos);
  auto both = test::run_baton("replay " + db + " --until 3 --until-time 1s");
  CHECK(both.exit_code == 2);
  auto missing = test::run_baton("replay " + dir / "nothing");
  CHECK(missing.exit_code == 2);
}
