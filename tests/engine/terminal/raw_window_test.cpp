#include "engine/terminal/raw_window.hpp"

#include <catch2/catch.hpp>

using baton::engine::raw_window;

TEST_CASE("a raw window keeps everything until it is full",
          "[engine][raw_window]") {
  raw_window w{10};
  w.append("abc");
  w.append("def");
  CHECK(w.contents() == "abcdef");
  CHECK(w.size() == 6);
  CHECK(w.total() == 6);
}

TEST_CASE("a full raw window drops the oldest bytes", "[engine][raw_window]") {
  raw_window w{10};
  w.append("0123456");
  w.append("789ab");
  CHECK(w.contents() == "23456789ab");
  w.append("cdefghijklmnop");
  CHECK(w.contents() == "ghijklmnop");
  CHECK(w.size() == 10);
  CHECK(w.total() == 26);
}

TEST_CASE("clearing a raw window keeps its byte count",
          "[engine][raw_window]") {
  raw_window w{4};
  w.append("abcdef");
  w.clear();
  CHECK(w.contents().empty());
  CHECK(w.total() == 6);
  w.append("xy");
  CHECK(w.contents() == "xy");
}

TEST_CASE("the default raw window holds 10 KiB", "[engine][raw_window]") {
  raw_window w;
  CHECK(w.capacity() == 10 * 1024);
  w.append(std::string(20'000, 'z'));
  CHECK(w.size() == 10 * 1024);
}
