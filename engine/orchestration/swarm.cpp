// The swarm: its task board (task_board.hpp) holds the plan's tasks plus
// those agents discover and announce with
// `TASK: <title> [requires: a, b] — <description>`. Idle
// agents take the next available task they are able to do (dispatch_ready:
// tasks in board order, agents by name), so two agents never take the same
// task; the run ends when the board is empty and every agent is idle.
#include <algorithm>
#include <cctype>

#include "engine/orchestration/orchestrator.hpp"

namespace baton::engine {

namespace {

/// "Fix the flaky login test" -> "fix-the-flaky-login-test".
std::string slug(std::string_view title) {
  std::string out;
  for (unsigned char c : title) {
    if (std::isalnum(c)) {
      out += static_cast<char>(std::tolower(c));
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
    if (out.size() >= 48)
      break;
  }
  while (!out.empty() && out.back() == '-')
    out.pop_back();
  return out.empty() ? "task" : out;
}

} // namespace

void orchestrator::on_task_line(const protocol_seen& in, decisions& out) {
  if (plan_.run.pattern != plan_pattern::swarm || in.text.empty())
    return; // only a swarm's agents add work
  // The same title twice (an agent repeating itself, two agents finding
  // the same work) is one task while the first is on the board.
  for (auto& pt : plan_.tasks)
    if (pt.title == in.text && !is_settled(board_.at(pt.id).status))
      return;
  auto id = slug(in.text);
  if (board_.find(id) != nullptr) {
    int n = 2;
    while (board_.find(id + "-" + std::to_string(n)) != nullptr)
      ++n;
    id += "-" + std::to_string(n);
  }
  plan_task pt;
  pt.id = id;
  pt.title = in.text;
  pt.prompt = in.description.empty() ? in.text : in.description;
  pt.prompt += "\n(Found by " + in.agent + " while working on the board.)";
  pt.requires_caps = in.requirements;
  auto i = plan_.tasks.size();
  plan_.tasks.push_back(pt);
  auto& v = board_.add(pt, 1 + plan_.run.retries, task_board::no_stage);
  v.added_by = in.agent;
  out.push_back(
    add_task{id, in.text, in.requirements, in.description, in.agent});
  bool able = std::any_of(plan_.agents.begin(), plan_.agents.end(),
                          [&](auto& a) { return capable(a, pt); });
  if (!able) {
    fail_task(v,
              "no agent of the team has every capability it requires ("
                + [&] {
                    std::string caps;
                    for (auto& c : pt.requires_caps)
                      caps += (caps.empty() ? "" : ", ") + c;
                    return caps;
                  }()
                + ")",
              out);
    return;
  }
  board_.queue(i);
  promote(out);
  dispatch_ready(out);
}

} // namespace baton::engine
