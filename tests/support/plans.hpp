// Plans the live-run tests share.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace baton::test {

/// tests/support/waiting_plan.toml: agent a asks for permission in its task
/// and waits for the operator (so the run stays up while a test talks to
/// it, until it is stopped); b's task waits for a's, so b is free. Read from
/// the source tree, where ctest runs the tests.
inline std::string waiting_plan() {
  std::ifstream in{"tests/support/waiting_plan.toml"};
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace baton::test
