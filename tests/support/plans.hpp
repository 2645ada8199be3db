// Plans the live-run tests share.
#pragma once

namespace baton::test {

/// Agent a asks for permission in its task and waits for the operator (so
/// the run stays up while a test talks to it, until it is stopped); b's
/// task waits for a's, so b is free.
inline constexpr const char* waiting_plan = R"([run]
name = "waiting"
[policy]
task_timeout = "10m"
[approvals]
timeout = "5m"
[agents.a]
preset = "sim"
args = ["--scenario", "permission", "--speed", "8"]
[agents.b]
preset = "sim"
args = ["--speed", "8"]
[[tasks]]
id = "t1"
agent = "a"
prompt = "Clean the build directory."
[[tasks]]
id = "t2"
agent = "b"
prompt = "Check the build directory."
after = ["t1"]
)";

} // namespace baton::test
