// The built-in detector packs and the recorded fixtures, for the tests that
// play screens through them (ctest runs them in the source tree).
#pragma once

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "engine/detect/pack.hpp"
#include "packs/builtin_packs.hpp"

namespace baton::test {

/// A built-in pack, parsed (the test fails when it does not parse).
inline std::shared_ptr<const engine::detect::pack>
builtin_pack(std::string_view name) {
  for (auto& [n, text] : packs::builtin)
    if (n == name) {
      auto p = engine::detect::parse_pack(text, "builtin:" + std::string{n});
      if (!p)
        FAIL(p.err().message());
      return std::make_shared<const engine::detect::pack>(std::move(*p));
    }
  FAIL("no built-in pack " << name);
  return nullptr;
}

/// A whole file, as bytes (the test fails when it cannot be read).
inline std::string read_fixture(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace baton::test
