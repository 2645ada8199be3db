#include "engine/detect/pack.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace baton::engine::detect;

namespace {

const std::string minimal = R"(
name = "t"
version = 1

[[rule]]
name = "spin"
state = "working"
pattern = 'Working'
)";

/// The error parse_pack gives for `text`.
std::string error_of(const std::string& text) {
  auto p = parse_pack(text, "t.toml");
  REQUIRE_FALSE(p);
  CHECK(p.err().code() == baton::ec::parse_error);
  return p.err().message();
}

} // namespace

TEST_CASE("a minimal pack parses with defaults", "[engine][detect][pack]") {
  auto p = parse_pack(minimal, "t.toml");
  REQUIRE(p);
  CHECK(p->name == "t");
  CHECK(p->version == "1");
  CHECK(p->source == "t.toml");
  CHECK(p->submit == "\r");
  CHECK(p->bracketed_paste);
  CHECK(p->input_ready == std::vector<state>{state::idle});
  CHECK_FALSE(p->compaction_marker);
  CHECK(p->unknown_quiet_us == 100'000);
  REQUIRE(p->rules.size() == 1);
  auto& r = p->rules[0];
  CHECK(r.name == "spin");
  CHECK(r.state == state::working);
  CHECK(r.line == 5);
  CHECK(r.when.what == condition::op::match);
  CHECK(r.when.where.what == region::kind::screen);
  CHECK(r.quiet_us == 0);
}

TEST_CASE("a full pack parses", "[engine][detect][pack]") {
  auto p = parse_pack(R"(
name = "full"
version = "2.1"
description = "d"
cli = "agent"
cli_versions = ">= 1.2, <2"
input_ready = ["idle", "done"]
submit = "\n"
bracketed_paste = false
compaction_marker = '(?i)compacted'
unknown_quiet_ms = 0

[[rule]]
name = "idle"
state = "idle"
region = "bottom:4"
quiet_ms = 250
all = [
  { pattern = '> ' },
  { region = "title", any = [ { pattern = 'a' }, { pattern = 'b' } ] },
  { not = { region = "last_line", pattern = 'busy' } },
]
)",
                      "full.toml");
  REQUIRE(p);
  CHECK(p->input_ready == std::vector<state>{state::idle, state::done});
  CHECK(p->accepts_input(state::done));
  CHECK_FALSE(p->accepts_input(state::working));
  CHECK(p->input().submit == "\n");
  CHECK_FALSE(p->input().bracketed_paste);
  CHECK(p->compaction_marker);
  CHECK(p->unknown_quiet_us == 0);
  auto& w = p->rules[0].when;
  CHECK(p->rules[0].quiet_us == 250'000);
  CHECK(w.what == condition::op::all);
  REQUIRE(w.children.size() == 3);
  CHECK(w.children[0].where == region{region::kind::bottom, 4}); // inherited
  CHECK(w.children[1].what == condition::op::any);
  CHECK(w.children[1].children[0].where.what == region::kind::title);
  CHECK(w.children[2].what == condition::op::none);
  CHECK(w.children[2].children[0].where.what == region::kind::last_line);
}

TEST_CASE("cli version ranges are checked", "[engine][detect][pack]") {
  auto p = parse_pack("cli_versions = '>=1.2.0, <2'\n" + minimal, "t.toml");
  REQUIRE(p);
  CHECK(p->fits_cli_version("1.2.0"));
  CHECK(p->fits_cli_version("1.10.3-beta.1"));
  CHECK_FALSE(p->fits_cli_version("1.1.9"));
  CHECK_FALSE(p->fits_cli_version("2.0.0"));
  CHECK_FALSE(p->fits_cli_version("garbage"));
  auto any = parse_pack(minimal, "t.toml");
  REQUIRE(any);
  CHECK(any->fits_cli_version("99"));
}

TEST_CASE("bad TOML is an error naming the file and line",
          "[engine][detect][pack]") {
  auto msg = error_of("name = \"t\"\nversion = 1\n[[rule]\n");
  CHECK(msg.rfind("t.toml:3: ", 0) == 0);
}

TEST_CASE("unknown keys are errors with their line", "[engine][detect][pack]") {
  CHECK(error_of("nmae = 'x'\n" + minimal) == "t.toml:1: unknown key 'nmae'");
  auto in_rule = error_of(minimal + "paterns = 'x'\n");
  CHECK(in_rule == "t.toml:9: unknown key 'paterns' in rule 'spin'");
}

TEST_CASE("unknown states and regions are errors", "[engine][detect][pack]") {
  auto bad_state = minimal;
  bad_state.replace(bad_state.find("working"), 7, "wroking");
  CHECK(error_of(bad_state).rfind("t.toml:7: rule 'spin': unknown state "
                                  "'wroking'",
                                  0)
        == 0);
  auto bad_region = error_of(minimal + "region = 'bottom'\n");
  CHECK(bad_region.rfind("t.toml:9: unknown region 'bottom'", 0) == 0);
  auto bad_ready = error_of("input_ready = ['idle', 'ready']\n" + minimal);
  CHECK(bad_ready == "t.toml:1: input_ready: unknown state 'ready'");
}

TEST_CASE("a bad regular expression is an error with its line",
          "[engine][detect][pack]") {
  auto bad = minimal;
  bad.replace(bad.find("'Working'"), 9, "'Work(ing'");
  auto msg = error_of(bad);
  CHECK(msg.rfind("t.toml:8: pattern 'Work(ing' is not a valid regular "
                  "expression: ",
                  0)
        == 0);
  auto marker = error_of("compaction_marker = '['\n" + minimal);
  CHECK(marker.rfind("t.toml:1: compaction_marker '[' is not a valid", 0) == 0);
}

TEST_CASE("structural mistakes are errors", "[engine][detect][pack]") {
  CHECK(error_of("version = 1\n[[rule]]\nname='a'\nstate='idle'\npattern='x'")
        == "t.toml:1: the pack needs a name");
  CHECK(error_of("name = 'x'\nversion = 1\n")
        == "t.toml:1: the pack has no "
           "[[rule]]");
  CHECK(error_of(minimal + "all = [ { pattern = 'x' } ]\n")
        == "t.toml:5: needs exactly one of pattern, all, any, not in rule "
           "'spin'");
  CHECK(error_of(minimal
                 + "[[rule]]\nname = 'spin'\nstate = 'idle'\n"
                   "pattern = 'x'\n")
        == "t.toml:9: duplicate rule name 'spin' (first at line 5)");
  CHECK(error_of(minimal + "quiet_ms = -5\n")
          .rfind("t.toml:9: rule 'spin': "
                 "quiet_ms",
                 0)
        == 0);
  CHECK(error_of("cli_versions = '~>1'\n" + minimal)
        == "t.toml:1: cli_versions: unknown comparison '~>'");
  CHECK(error_of("submit = ''\n" + minimal)
        == "t.toml:1: submit must not be empty");
  CHECK(error_of("bracketed_paste = 'yes'\n" + minimal)
        == "t.toml:1: bracketed_paste must be true or false");
}

TEST_CASE("over-deep nesting is an error, not a stack overflow",
          "[engine][detect][pack]") {
  std::string nested = "pattern = 'x'";
  for (int i = 0; i < 40; ++i)
    nested = "not = { " + nested + " }";
  auto msg = error_of("name='t'\nversion=1\n[[rule]]\nname='r'\nstate='idle'\n"
                      + nested + "\n");
  CHECK(msg.find("nested too deeply") != std::string::npos);
}
