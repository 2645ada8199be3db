// Decoding typed bytes into keys, and the prompt line they edit.
#include "sim/input.hpp"

#include <catch2/catch.hpp>

using namespace baton::sim;
using kind = key_event::kind;

namespace {

std::vector<key_event> decode(std::string_view bytes) {
  input_decoder d;
  std::vector<key_event> out;
  d.feed(bytes, out);
  return out;
}

} // namespace

TEST_CASE("a bracketed paste and Enter decode to a paste and an enter",
          "[sim][input]") {
  auto keys = decode("\x1b[200~Build it\nnow\x1b[201~\r");
  REQUIRE(keys.size() == 2);
  CHECK(keys[0] == key_event{kind::paste, "Build it\nnow"});
  CHECK(keys[1].what == kind::enter);
}

TEST_CASE("the keys do not depend on how the bytes were split",
          "[sim][input]") {
  std::string bytes = "h\xc3\xa9\x1b[A\x1bP>|vt(1)\x1b\\\x1b]11;rgb:0/0/0\a"
                      "\x1b[200~p\x1b[20\x1b[201~\x7f\x03y\r";
  auto whole = decode(bytes);
  REQUIRE(whole.size() == 7);
  CHECK(whole[1] == key_event{kind::text, "\xc3\xa9"});
  CHECK(whole[2] == key_event{kind::paste, "p\x1b[20"});
  for (size_t cut = 1; cut < bytes.size(); ++cut) {
    input_decoder d;
    std::vector<key_event> keys;
    d.feed(std::string_view{bytes}.substr(0, cut), keys);
    d.feed(std::string_view{bytes}.substr(cut), keys);
    INFO("cut at " << cut);
    CHECK(keys == whole);
  }
  input_decoder d;
  std::vector<key_event> keys;
  for (char c : bytes)
    d.feed(std::string_view{&c, 1}, keys);
  CHECK(keys == whole);
}

TEST_CASE("control keys decode to their events, other sequences are dropped",
          "[sim][input]") {
  auto keys = decode("\x03\x04\x15\x7f\x08\n\x1b[1;5C\x1bOP\x01");
  REQUIRE(keys.size() == 6);
  CHECK(keys[0].what == kind::interrupt);
  CHECK(keys[1].what == kind::end);
  CHECK(keys[2].what == kind::clear_line);
  CHECK(keys[3].what == kind::backspace);
  CHECK(keys[4].what == kind::backspace);
  CHECK(keys[5].what == kind::enter);
  auto esc = decode("\x1bn");
  REQUIRE(esc.size() == 2);
  CHECK(esc[0].what == kind::escape);
  CHECK(esc[1] == key_event{kind::text, "n"});
}

TEST_CASE("the line editor submits typed and pasted text", "[sim][input]") {
  line_editor e;
  CHECK(e.apply({kind::enter, {}}) == line_editor::outcome::none);
  CHECK(e.apply({kind::text, "a"}) == line_editor::outcome::changed);
  CHECK(e.apply({kind::paste, "b\r\nc\rd"}) == line_editor::outcome::changed);
  CHECK(e.display() == "a[Pasted text #1 +3 lines]");
  CHECK(e.apply({kind::enter, {}}) == line_editor::outcome::submit);
  CHECK(e.take() == "ab\nc\nd");
  CHECK(e.empty());
}

TEST_CASE("backspace deletes a character, or a whole multi-line paste",
          "[sim][input]") {
  line_editor e;
  e.apply({kind::text, "x"});
  e.apply({kind::text, "\xc3\xa9"});
  e.apply({kind::paste, "one\ntwo"});
  e.apply({kind::backspace, {}});
  CHECK(e.display() == "x\xc3\xa9");
  e.apply({kind::backspace, {}});
  CHECK(e.display() == "x");
  e.apply({kind::paste, "single line"});
  CHECK(e.display() == "xsingle line");
  e.apply({kind::clear_line, {}});
  CHECK(e.empty());
}

TEST_CASE("Ctrl-C clears a line, and at an empty line asks to quit",
          "[sim][input]") {
  line_editor e;
  e.apply({kind::text, "x"});
  CHECK(e.apply({kind::interrupt, {}}) == line_editor::outcome::changed);
  CHECK(e.apply({kind::interrupt, {}}) == line_editor::outcome::interrupt);
  CHECK(e.apply({kind::end, {}}) == line_editor::outcome::end);
}
