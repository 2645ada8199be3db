#include "engine/supervision/supervisor.hpp"

#include <algorithm>
#include <utility>

namespace baton::engine {

namespace {

/// "one-for-all" -> "one_for_all".
std::string underscored(std::string_view s) {
  std::string out{s};
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

std::string joined(const std::vector<std::string>& xs) {
  std::string out;
  for (auto& x : xs) {
    if (!out.empty())
      out += ", ";
    out += x;
  }
  return out;
}

std::string duration_text(uint64_t us) {
  if (us % 1'000'000 == 0)
    return std::to_string(us / 1'000'000) + " s";
  if (us % 1'000 == 0)
    return std::to_string(us / 1'000) + " ms";
  return std::to_string(us) + " µs";
}

std::string exited_text(std::string_view child, exit_kind how) {
  switch (how) {
    case exit_kind::normal: return std::string{child} + " exited normally";
    case exit_kind::shutdown: return std::string{child} + " was shut down";
    case exit_kind::abnormal: break;
  }
  return std::string{child} + " exited abnormally";
}

} // namespace

std::string_view to_string(restart_strategy s) {
  switch (s) {
    case restart_strategy::one_for_one: return "one_for_one";
    case restart_strategy::one_for_all: return "one_for_all";
    case restart_strategy::rest_for_one: return "rest_for_one";
  }
  return "?";
}

std::string_view to_string(restart_type t) {
  switch (t) {
    case restart_type::permanent: return "permanent";
    case restart_type::transient: return "transient";
    case restart_type::temporary: return "temporary";
  }
  return "?";
}

std::string_view to_string(exit_kind k) {
  switch (k) {
    case exit_kind::normal: return "normal";
    case exit_kind::shutdown: return "shutdown";
    case exit_kind::abnormal: return "abnormal";
  }
  return "?";
}

std::optional<restart_strategy> parse_restart_strategy(std::string_view s) {
  auto u = underscored(s);
  for (auto x : {restart_strategy::one_for_one, restart_strategy::one_for_all,
                 restart_strategy::rest_for_one})
    if (u == to_string(x))
      return x;
  return std::nullopt;
}

std::optional<restart_type> parse_restart_type(std::string_view s) {
  for (auto x : {restart_type::permanent, restart_type::transient,
                 restart_type::temporary})
    if (s == to_string(x))
      return x;
  return std::nullopt;
}

supervisor::supervisor(supervisor_spec spec) : spec_(std::move(spec)) {
}

supervisor::supervisor(supervisor_spec spec, std::deque<uint64_t> restarts,
                       bool stopped)
  : spec_(std::move(spec)), restarts_(std::move(restarts)), stopped_(stopped) {
}

size_t supervisor::find(std::string_view id) const {
  auto& cs = spec_.children;
  auto it = std::find_if(cs.begin(), cs.end(),
                         [id](const child_spec& c) { return c.id == id; });
  return static_cast<size_t>(it - cs.begin());
}

bool supervisor::needs_restart(const child_spec& c, exit_kind how) const {
  switch (c.restart) {
    case restart_type::permanent: return true;
    case restart_type::transient: return how == exit_kind::abnormal;
    case restart_type::temporary: return false;
  }
  return false;
}

bool supervisor::count_restart(uint64_t now_us) {
  uint64_t from = now_us >= spec_.period_us ? now_us - spec_.period_us : 0;
  while (!restarts_.empty() && restarts_.front() < from)
    restarts_.pop_front();
  restarts_.push_back(now_us);
  return restarts_.size() <= spec_.intensity;
}

size_t supervisor::restarts_in_window(uint64_t now_us) const {
  uint64_t from = now_us >= spec_.period_us ? now_us - spec_.period_us : 0;
  return static_cast<size_t>(std::count_if(
    restarts_.begin(), restarts_.end(),
    [from, now_us](uint64_t t) { return t >= from && t <= now_us; }));
}

std::string supervisor::window_text(uint64_t now_us) const {
  return "restart " + std::to_string(restarts_in_window(now_us)) + " of "
         + std::to_string(spec_.intensity) + " within "
         + duration_text(spec_.period_us);
}

void supervisor::restart_from(size_t first, size_t skip, supervisor_action& a) {
  auto& cs = spec_.children;
  for (size_t i = cs.size(); i-- > first;)
    if (i != skip)
      a.stop.push_back(cs[i].id);
  std::vector<child_spec> kept(cs.begin(), cs.begin() + first);
  for (size_t i = first; i < cs.size(); ++i) {
    if (i != skip && cs[i].restart == restart_type::temporary) {
      a.removed.push_back(cs[i].id);
      continue;
    }
    a.start.push_back(cs[i].id);
    kept.push_back(cs[i]);
  }
  cs = std::move(kept);
}

supervisor_action supervisor::on_exit(std::string_view child, exit_kind how,
                                      uint64_t now_us) {
  supervisor_action a;
  if (stopped_) {
    a.why = exited_text(child, how) + "; the supervisor has ended already";
    return a;
  }
  size_t i = find(child);
  if (i == spec_.children.size()) {
    a.why = std::string{child}
            + " is not a child of this supervisor: " + "nothing to do";
    return a;
  }
  auto& c = spec_.children[i];
  a.why = exited_text(child, how) + "; ";
  if (!needs_restart(c, how)) {
    a.why += std::string{to_string(c.restart)} + ": not restarted, removed";
    a.removed.push_back(c.id);
    spec_.children.erase(spec_.children.begin()
                         + static_cast<std::ptrdiff_t>(i));
    return a;
  }
  if (!count_restart(now_us)) {
    stopped_ = true;
    a.escalate = true;
    for (size_t k = spec_.children.size(); k-- > 0;)
      if (k != i)
        a.stop.push_back(spec_.children[k].id);
    a.why += "restart " + std::to_string(restarts_.size())
             + " exceeds intensity " + std::to_string(spec_.intensity)
             + " within " + duration_text(spec_.period_us) + ": stops "
             + (a.stop.empty() ? std::string{"nothing"} : joined(a.stop))
             + " and ends the supervisor";
    return a;
  }
  switch (spec_.strategy) {
    case restart_strategy::one_for_one: a.start.push_back(c.id); break;
    case restart_strategy::one_for_all: restart_from(0, i, a); break;
    case restart_strategy::rest_for_one: restart_from(i, i, a); break;
  }
  a.why
    += std::string{to_string(spec_.strategy)} + " restarts " + joined(a.start);
  if (!a.removed.empty())
    a.why += ", drops temporary " + joined(a.removed);
  a.why += " (" + window_text(now_us) + ")";
  return a;
}

void supervisor::add_child(child_spec c) {
  size_t i = find(c.id);
  if (i < spec_.children.size())
    spec_.children[i] = std::move(c);
  else
    spec_.children.push_back(std::move(c));
}

bool supervisor::remove_child(std::string_view id) {
  size_t i = find(id);
  if (i == spec_.children.size())
    return false;
  spec_.children.erase(spec_.children.begin() + static_cast<std::ptrdiff_t>(i));
  return true;
}

} // namespace baton::engine
