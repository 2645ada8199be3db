// The OTP supervisor model, case by case after Erlang/OTP's
// supervisor_SUITE: strategies, restart types, intensity and the sliding
// window, temporary children, adding and removing children.
#include "engine/supervision/supervisor.hpp"

#include <catch2/catch.hpp>

using namespace baton::engine;
using strings = std::vector<std::string>;

namespace {

constexpr uint64_t sec = 1'000'000;

supervisor make(restart_strategy s, std::vector<child_spec> children,
                uint32_t intensity = 3, uint64_t period_us = 60 * sec) {
  supervisor_spec spec;
  spec.strategy = s;
  spec.intensity = intensity;
  spec.period_us = period_us;
  spec.children = std::move(children);
  return supervisor{std::move(spec)};
}

std::vector<child_spec> abcd() {
  return {{"a"}, {"b"}, {"c"}, {"d"}};
}

strings ids(const supervisor& s) {
  strings out;
  for (auto& c : s.children())
    out.push_back(c.id);
  return out;
}

} // namespace

TEST_CASE("names of strategies and restart types parse with - or _",
          "[engine][supervision]") {
  CHECK(parse_restart_strategy("one_for_one") == restart_strategy::one_for_one);
  CHECK(parse_restart_strategy("one-for-all") == restart_strategy::one_for_all);
  CHECK(parse_restart_strategy("rest-for-one")
        == restart_strategy::rest_for_one);
  CHECK_FALSE(parse_restart_strategy("simple_one_for_one"));
  CHECK_FALSE(parse_restart_strategy(""));
  CHECK(parse_restart_type("transient") == restart_type::transient);
  CHECK_FALSE(parse_restart_type("sometimes"));
  for (auto s : {restart_strategy::one_for_one, restart_strategy::one_for_all,
                 restart_strategy::rest_for_one})
    CHECK(parse_restart_strategy(to_string(s)) == s);
  for (auto t : {restart_type::permanent, restart_type::transient,
                 restart_type::temporary})
    CHECK(parse_restart_type(to_string(t)) == t);
}

TEST_CASE("one_for_one restarts only the child that exited",
          "[engine][supervision][strategy]") {
  auto s = make(restart_strategy::one_for_one, abcd());
  auto a = s.on_exit("b", exit_kind::abnormal, 10);
  CHECK(a.stop.empty());
  CHECK(a.start == strings{"b"});
  CHECK(a.removed.empty());
  CHECK_FALSE(a.escalate);
  CHECK(a.why
        == "b exited abnormally; one_for_one restarts b (restart 1 of 3 "
           "within 60 s)");
  CHECK(ids(s) == strings{"a", "b", "c", "d"});
}

TEST_CASE("one_for_all stops the others in reverse start order and restarts "
          "all in start order",
          "[engine][supervision][strategy]") {
  auto s = make(restart_strategy::one_for_all, abcd());
  auto a = s.on_exit("b", exit_kind::abnormal, 10);
  CHECK(a.stop == strings{"d", "c", "a"});
  CHECK(a.start == strings{"a", "b", "c", "d"});
  CHECK(a.removed.empty());
  CHECK(a.why
        == "b exited abnormally; one_for_all restarts a, b, c, d (restart 1 "
           "of 3 within 60 s)");
}

TEST_CASE("rest_for_one stops the children started after it and restarts it "
          "and them",
          "[engine][supervision][strategy]") {
  auto s = make(restart_strategy::rest_for_one, abcd());
  auto a = s.on_exit("b", exit_kind::abnormal, 10);
  CHECK(a.stop == strings{"d", "c"});
  CHECK(a.start == strings{"b", "c", "d"});
  SECTION("the last child restarts alone") {
    auto last = s.on_exit("d", exit_kind::abnormal, 20);
    CHECK(last.stop.empty());
    CHECK(last.start == strings{"d"});
  }
  SECTION("the first child restarts everyone") {
    auto first = s.on_exit("a", exit_kind::abnormal, 20);
    CHECK(first.stop == strings{"d", "c", "b"});
    CHECK(first.start == strings{"a", "b", "c", "d"});
  }
}

TEST_CASE("one_for_all and rest_for_one drop the temporary children they "
          "stop instead of restarting them",
          "[engine][supervision][temporary]") {
  std::vector<child_spec> cs{{"a"},
                             {"t1", restart_type::temporary},
                             {"b", restart_type::transient},
                             {"t2", restart_type::temporary}};
  SECTION("one_for_all") {
    auto s = make(restart_strategy::one_for_all, cs);
    auto a = s.on_exit("b", exit_kind::abnormal, 1);
    CHECK(a.stop == strings{"t2", "t1", "a"});
    CHECK(a.start == strings{"a", "b"});
    CHECK(a.removed == strings{"t1", "t2"});
    CHECK(ids(s) == strings{"a", "b"});
    CHECK(a.why.find("drops temporary t1, t2") != std::string::npos);
  }
  SECTION("rest_for_one") {
    auto s = make(restart_strategy::rest_for_one, cs);
    auto a = s.on_exit("a", exit_kind::abnormal, 1);
    CHECK(a.stop == strings{"t2", "b", "t1"});
    CHECK(a.start == strings{"a", "b"});
    CHECK(a.removed == strings{"t1", "t2"});
    CHECK(ids(s) == strings{"a", "b"});
  }
}

TEST_CASE("restart type by exit kind: permanent always, transient only when "
          "abnormal, temporary never",
          "[engine][supervision][restart_type]") {
  struct row {
    restart_type type;
    exit_kind how;
    bool restarted;
  };
  std::vector<row> matrix{
    {restart_type::permanent, exit_kind::normal, true},
    {restart_type::permanent, exit_kind::shutdown, true},
    {restart_type::permanent, exit_kind::abnormal, true},
    {restart_type::transient, exit_kind::normal, false},
    {restart_type::transient, exit_kind::shutdown, false},
    {restart_type::transient, exit_kind::abnormal, true},
    {restart_type::temporary, exit_kind::normal, false},
    {restart_type::temporary, exit_kind::shutdown, false},
    {restart_type::temporary, exit_kind::abnormal, false},
  };
  for (auto strategy :
       {restart_strategy::one_for_one, restart_strategy::one_for_all,
        restart_strategy::rest_for_one})
    for (auto& r : matrix) {
      INFO(to_string(strategy)
           << " " << to_string(r.type) << " " << to_string(r.how));
      auto s = make(strategy, {{"x"}, {"y", r.type}, {"z"}});
      auto a = s.on_exit("y", r.how, 5);
      CHECK_FALSE(a.escalate);
      if (r.restarted) {
        CHECK(std::count(a.start.begin(), a.start.end(), "y") == 1);
        CHECK(a.removed.empty());
        CHECK(ids(s) == strings{"x", "y", "z"});
        CHECK(s.restarts_in_window(5) == 1);
      } else {
        // Nothing else is touched, and it does not count as a restart.
        CHECK(a.stop.empty());
        CHECK(a.start.empty());
        CHECK(a.removed == strings{"y"});
        CHECK(ids(s) == strings{"x", "z"});
        CHECK(s.restarts_in_window(5) == 0);
      }
    }
}

TEST_CASE("intensity: N restarts within the period are fine, the N+1th stops "
          "every child in reverse start order and ends the supervisor",
          "[engine][supervision][intensity]") {
  auto strategy
    = GENERATE(restart_strategy::one_for_one, restart_strategy::one_for_all,
               restart_strategy::rest_for_one);
  INFO(to_string(strategy));
  auto s = make(strategy, abcd(), 3, 10 * sec);
  for (uint64_t t : {1 * sec, 2 * sec, 3 * sec}) {
    auto a = s.on_exit("c", exit_kind::abnormal, t);
    CHECK_FALSE(a.escalate);
    CHECK_FALSE(a.start.empty());
  }
  CHECK(s.restarts_in_window(3 * sec) == 3);
  auto a = s.on_exit("c", exit_kind::abnormal, 4 * sec);
  CHECK(a.escalate);
  CHECK(a.stop == strings{"d", "b", "a"});
  CHECK(a.start.empty());
  CHECK(s.stopped());
  CHECK(a.why
        == "c exited abnormally; restart 4 exceeds intensity 3 within 10 s: "
           "stops d, b, a and ends the supervisor");
  // Once ended, nothing more happens.
  auto after = s.on_exit("a", exit_kind::abnormal, 5 * sec);
  CHECK(after.stop.empty());
  CHECK(after.start.empty());
  CHECK_FALSE(after.escalate);
}

TEST_CASE("intensity 0 escalates on the first restart",
          "[engine][supervision][intensity]") {
  auto s = make(restart_strategy::one_for_one, abcd(), 0);
  auto a = s.on_exit("a", exit_kind::normal, 1);
  CHECK(a.escalate);
  CHECK(a.stop == strings{"d", "c", "b"});
}

TEST_CASE("restarts older than the period leave the sliding window",
          "[engine][supervision][intensity]") {
  auto s = make(restart_strategy::one_for_one, abcd(), 2, 10 * sec);
  CHECK_FALSE(s.on_exit("a", exit_kind::abnormal, 0).escalate);
  CHECK_FALSE(s.on_exit("b", exit_kind::abnormal, 5 * sec).escalate);
  // The restart at 0 is in the window until 10 s, and out from 10 s + 1 µs.
  CHECK(s.restarts_in_window(10 * sec) == 2); // bounds are inclusive
  CHECK(s.restarts_in_window(10 * sec + 1) == 1);
  CHECK_FALSE(s.on_exit("c", exit_kind::abnormal, 10 * sec + 1).escalate);
  CHECK_FALSE(s.on_exit("d", exit_kind::abnormal, 15 * sec + 1).escalate);
  // A crash every 5 s + 1 µs goes on forever with intensity 2 per 10 s.
  for (uint64_t k = 4; k < 100; ++k)
    REQUIRE_FALSE(
      s.on_exit("a", exit_kind::abnormal, k * (5 * sec + 1)).escalate);
  // Three within 10 s do not.
  auto s2 = make(restart_strategy::one_for_one, abcd(), 2, 10 * sec);
  s2.on_exit("a", exit_kind::abnormal, 0);
  s2.on_exit("a", exit_kind::abnormal, 5 * sec);
  CHECK(s2.on_exit("a", exit_kind::abnormal, 10 * sec).escalate);
}

TEST_CASE("exits that need no restart do not count toward the intensity",
          "[engine][supervision][intensity]") {
  std::vector<child_spec> cs{{"p"}};
  for (int i = 0; i < 10; ++i)
    cs.push_back({"t" + std::to_string(i), restart_type::transient});
  auto s = make(restart_strategy::one_for_one, cs, 1);
  for (int i = 0; i < 10; ++i)
    CHECK(s.on_exit("t" + std::to_string(i), exit_kind::normal, 1).removed
          == strings{"t" + std::to_string(i)});
  CHECK(s.restarts_in_window(1) == 0);
  CHECK(ids(s) == strings{"p"});
  CHECK_FALSE(s.on_exit("p", exit_kind::abnormal, 2).escalate);
  CHECK(s.on_exit("p", exit_kind::abnormal, 3).escalate);
}

TEST_CASE("a temporary child is dropped from the spec when it exits",
          "[engine][supervision][temporary]") {
  auto s = make(restart_strategy::one_for_all,
                {{"a"}, {"t", restart_type::temporary}, {"b"}});
  auto a = s.on_exit("t", exit_kind::abnormal, 1);
  CHECK(a.stop.empty());
  CHECK(a.start.empty());
  CHECK(a.removed == strings{"t"});
  CHECK(a.why == "t exited abnormally; temporary: not restarted, removed");
  CHECK(ids(s) == strings{"a", "b"});
  // A second exit of it is an unknown child's.
  auto again = s.on_exit("t", exit_kind::abnormal, 2);
  CHECK(again.removed.empty());
  CHECK(again.why == "t is not a child of this supervisor: nothing to do");
}

TEST_CASE("an unknown child's exit does nothing", "[engine][supervision]") {
  auto s = make(restart_strategy::one_for_all, abcd(), 0);
  auto a = s.on_exit("ghost", exit_kind::abnormal, 1);
  CHECK(a
        == supervisor_action{{},
                             {},
                             {},
                             false,
                             "ghost is not a child of this supervisor: "
                             "nothing to do"});
  CHECK_FALSE(s.stopped());
  CHECK(s.restarts_in_window(1) == 0);
}

TEST_CASE("children added later start last and take part in restarts, "
          "removed ones do not",
          "[engine][supervision]") {
  auto s = make(restart_strategy::rest_for_one, {{"a"}, {"b"}});
  s.add_child({"c", restart_type::transient});
  CHECK(ids(s) == strings{"a", "b", "c"});
  CHECK(s.remove_child("b"));
  CHECK_FALSE(s.remove_child("b"));
  CHECK(ids(s) == strings{"a", "c"});
  auto a = s.on_exit("a", exit_kind::abnormal, 1);
  CHECK(a.stop == strings{"c"});
  CHECK(a.start == strings{"a", "c"});
  // Adding an existing id replaces its spec in place.
  s.add_child({"a", restart_type::temporary});
  CHECK(ids(s) == strings{"a", "c"});
  CHECK(s.children()[0].restart == restart_type::temporary);
}

TEST_CASE("the period is written in the unit it is a whole number of",
          "[engine][supervision]") {
  auto s = make(restart_strategy::one_for_one, abcd(), 5, 1500);
  CHECK(s.on_exit("a", exit_kind::shutdown, 1).why
        == "a was shut down; one_for_one restarts a (restart 1 of 5 within "
           "1500 µs)");
  auto m = make(restart_strategy::one_for_one, abcd(), 5, 250'000);
  CHECK(m.on_exit("a", exit_kind::normal, 1).why
        == "a exited normally; one_for_one restarts a (restart 1 of 5 within "
           "250 ms)");
}
