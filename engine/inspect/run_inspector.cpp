#include "engine/inspect/run_inspector.hpp"

#include <algorithm>

#include "engine/inspect/logical_time.hpp"
#include "engine/plan/plan_parser.hpp"
#include "engine/purpose_event.hpp"
#include "engine/recorded_enums.hpp"
#include "engine/recording/cast.hpp"

namespace baton::engine {

namespace {

std::string str(capnp::Text::Reader t) {
  return {t.cStr(), t.size()};
}

std::string_view bytes_of(capnp::Data::Reader d) {
  return {reinterpret_cast<const char*>(d.begin()), d.size()};
}

constexpr std::string_view worker_prefix = "worker/";

std::string num(uint64_t n) {
  return std::to_string(n);
}

std::string q(const std::string& s) {
  return json_string(s);
}

} // namespace

run_inspector::run_inspector(run_inspector_options opts)
  : opts_(std::move(opts)) {
}

run_inspector::~run_inspector() = default;

void run_inspector::apply(std::string_view stream, uint64_t sequence,
                          uint64_t position, uint64_t logical_time,
                          schema::Event::Reader e) {
  point_ = {position, std::string{stream}, sequence, logical_time};
  ++events_[std::string{stream}];
  if (stream == "orchestrator") {
    view_.apply(stream, logical_time, e);
    apply_orchestrator(e);
  } else if (stream == "operator" || stream.starts_with("host/")
             || stream.starts_with("lead/")) {
    // A task run again waits once more: the view reads that off the
    // operator's command; a host's agents are unknown while it is away; a
    // lead's decisions are recoveries.
    view_.apply(stream, logical_time, e);
  } else if (stream.starts_with(worker_prefix)) {
    apply_worker(stream.substr(worker_prefix.size()), e);
  }
}

void run_inspector::apply_orchestrator(schema::Event::Reader e) {
  switch (e.which()) {
    case schema::Event::RUN_STARTED: {
      auto r = e.getRunStarted();
      auto p = parse_plan(str(r.getPlanText()), str(r.getPlan()));
      if (!p.ok())
        return;
      // As the orchestrator counts them: a first attempt, then the
      // retries (the task's own, or the run's). A task found on a swarm's
      // board gets the run's.
      default_attempts_ = 1 + p->run.retries;
      for (auto& t : p->tasks) {
        max_attempts_[t.id] = 1 + t.retries.value_or(p->run.retries);
        after_[t.id] = t.after;
      }
      return;
    }
    case schema::Event::WORKER_REPORTED: {
      auto r = e.getWorkerReported();
      if (r.which() != schema::WorkerReported::PROTOCOL)
        return;
      auto m = r.getProtocol();
      auto kind = kind_of(m);
      auto agent = str(r.getAgent());
      if (kind == protocol::kind::need) {
        needs_.push_back({agent, str(m.getResource()), str(m.getText()), "",
                          point_.logical_time});
      } else if (kind == protocol::kind::contract) {
        std::erase_if(needs_,
                      [&](const inspect_need& n) { return n.owner == agent; });
      }
      return;
    }
    case schema::Event::AGENT_TOLD: {
      auto t = e.getAgentTold();
      auto p = purpose_of(t);
      if (p.kind != purpose_kind::need)
        return;
      auto& waiter = p.from;
      for (auto& n : needs_)
        if (n.agent == waiter && n.owner.empty()) {
          n.owner = str(t.getAgent());
          return;
        }
      // A NEED the run asks again after a resume: its line is in an
      // earlier engine's part of the log.
      needs_.push_back(
        {waiter, p.what, "", str(t.getAgent()), point_.logical_time});
      return;
    }
    default: return;
  }
}

void run_inspector::apply_worker(std::string_view agent,
                                 schema::Event::Reader e) {
  if (!opts_.screens
      || (!opts_.only_screen.empty() && agent != opts_.only_screen))
    return;
  auto& s = screens_[std::string{agent}];
  if (e.which() == schema::Event::PROCESS_STARTED) {
    // A restarted process gets a fresh terminal, as the worker gives it.
    screen_options o;
    o.cols = e.getProcessStarted().getColumns();
    o.rows = e.getProcessStarted().getRows();
    if (o.cols == 0 || o.rows == 0)
      o = {};
    s = std::make_unique<screen>(o);
  } else if (e.which() == schema::Event::PTY_OUTPUT) {
    if (!s)
      s = std::make_unique<screen>();
    s->feed(bytes_of(e.getPtyOutput().getBytes()));
    // Nobody answers its queries here; drop the replies.
    static_cast<void>(s->take_replies());
  }
}

uint32_t run_inspector::max_attempts(std::string_view task) const {
  auto i = max_attempts_.find(task);
  return i == max_attempts_.end() ? default_attempts_ : i->second;
}

std::vector<inspect_wait> run_inspector::waits() const {
  std::vector<inspect_wait> out;
  for (auto& n : needs_)
    if (!n.owner.empty())
      out.push_back({n.agent, n.owner,
                     "need from " + n.agent
                       + (n.resource.empty() ? "" : ": " + n.resource)});
  for (auto& t : view_.tasks()) {
    if (t.status != "waiting")
      continue;
    auto a = after_.find(t.id);
    if (a == after_.end())
      continue;
    for (auto& dep : a->second)
      for (auto& d : view_.tasks())
        if (d.id == dep && d.status != "passed")
          out.push_back({"task " + t.id, "task " + dep, "runs after it"});
  }
  return out;
}

uint64_t run_inspector::attempts() const {
  uint64_t n = 0;
  for (auto& t : view_.tasks())
    n += t.attempts;
  return n;
}

uint64_t run_inspector::restarts() const {
  uint64_t n = 0;
  for (auto& a : view_.agents())
    n += a.restarts;
  return n;
}

std::vector<std::string> run_inspector::screen_agents() const {
  std::vector<std::string> out;
  for (auto& [name, s] : screens_)
    if (s)
      out.push_back(name);
  return out;
}

std::vector<std::string>
run_inspector::screen_rows(std::string_view agent) const {
  auto i = screens_.find(agent);
  if (i == screens_.end() || !i->second)
    return {};
  auto rows = i->second->lines();
  while (!rows.empty() && rows.back().empty())
    rows.pop_back();
  return rows;
}

const screen* run_inspector::screen_of(std::string_view agent) const {
  auto i = screens_.find(agent);
  return i == screens_.end() ? nullptr : i->second.get();
}

std::string run_inspector::render() const {
  auto& v = view_;
  std::string out = "at position " + num(point_.position);
  if (point_.position > 0)
    out += " (" + point_.stream + " #" + num(point_.sequence) + ", "
           + format_logical_time(point_.logical_time) + ")";
  out += "\nrun " + (v.name.empty() ? std::string{"?"} : v.name);
  if (!v.pattern.empty())
    out += " (" + v.pattern + ")";
  out += ": "
         + (!v.started ? std::string{"not started"}
            : v.finished
              ? std::string{v.ok ? "finished ok" : "finished FAILED"} + " — "
                  + v.summary
              : std::string{"running"})
         + "\n\ntasks\n";
  for (auto& t : v.tasks()) {
    out += "  " + t.id + "  " + t.status + "  agent " + t.agent + "  attempt "
           + num(t.attempts) + " of " + num(max_attempts(t.id));
    for (auto& a : v.agents())
      if (a.task == t.id && !a.progress.empty())
        out += "  progress " + a.progress;
    if (!t.evidence.empty())
      out += "  evidence: " + t.evidence;
    if (!t.reason.empty())
      out += "  reason: " + t.reason;
    out += "\n";
  }
  out += "\nagents\n";
  for (auto& a : v.agents()) {
    out += "  " + a.name + (a.host.empty() ? "" : "@" + a.host) + "  "
           + a.state + "  task "
           + (a.task.empty() ? std::string{"-"} : a.task) + "  restarts "
           + num(a.restarts) + (a.exited ? "  exited" : "");
    if (!a.last_line.empty())
      out += "  last: " + a.last_line;
    out += "\n";
  }
  out += "\nopen needs\n";
  if (needs_.empty())
    out += "  none\n";
  for (auto& n : needs_)
    out += "  " + n.agent + " needs "
           + (n.resource.empty() ? std::string{"?"} : n.resource)
           + (n.text.empty() ? "" : " — " + n.text)
           + (n.owner.empty() ? "  (nobody asked)" : "  (asked " + n.owner + ")")
           + "\n";
  out += "\nwaits\n";
  auto w = waits();
  if (w.empty())
    out += "  none\n";
  for (auto& x : w)
    out += "  " + x.waiter + " waits on " + x.on + " (" + x.why + ")\n";
  // Loops, stalls, deadlocks, supervisors' restarts, degraded tasks so far.
  out += "\nrecovery\n";
  if (v.recoveries().empty())
    out += "  none\n";
  for (auto& r : v.recoveries())
    out += "  " + r + "\n";
  out += "\ncounters\n  attempts " + num(attempts()) + ", restarts "
         + num(restarts()) + "\n";
  for (auto& [stream, n] : events_)
    out += "  " + stream + ": " + num(n) + " events\n";
  for (auto& name : screen_agents()) {
    auto& s = *screens_.at(name);
    out += "\nscreen " + name + " (" + num(s.cols()) + "x" + num(s.rows())
           + ")\n";
    for (auto& row : screen_rows(name))
      out += "  | " + row + "\n";
  }
  return out;
}

std::string run_inspector::to_json() const {
  auto& v = view_;
  std::string out = "{\"position\":" + num(point_.position)
                    + ",\"stream\":" + q(point_.stream)
                    + ",\"sequence\":" + num(point_.sequence)
                    + ",\"logicalTimeUs\":" + num(point_.logical_time)
                    + ",\"name\":" + q(v.name) + ",\"pattern\":" + q(v.pattern)
                    + ",\"started\":" + (v.started ? "true" : "false")
                    + ",\"finished\":" + (v.finished ? "true" : "false")
                    + ",\"ok\":" + (v.ok ? "true" : "false")
                    + ",\"summary\":" + q(v.summary) + ",\"tasks\":[";
  bool first = true;
  for (auto& t : v.tasks()) {
    out += first ? "" : ",";
    first = false;
    out += "{\"id\":" + q(t.id) + ",\"status\":" + q(t.status)
           + ",\"agent\":" + q(t.agent) + ",\"attempts\":" + num(t.attempts)
           + ",\"maxAttempts\":" + num(max_attempts(t.id))
           + ",\"evidence\":" + q(t.evidence) + ",\"reason\":" + q(t.reason)
           + "}";
  }
  out += "],\"agents\":[";
  first = true;
  for (auto& a : v.agents()) {
    out += first ? "" : ",";
    first = false;
    out += "{\"name\":" + q(a.name) + ",\"state\":" + q(a.state)
           + ",\"task\":" + q(a.task) + ",\"progress\":" + q(a.progress)
           + ",\"lastLine\":" + q(a.last_line)
           + ",\"restarts\":" + num(a.restarts)
           + ",\"exited\":" + (a.exited ? "true" : "false")
           + ",\"host\":" + q(a.host) + "}";
  }
  out += "],\"needs\":[";
  first = true;
  for (auto& n : needs_) {
    out += first ? "" : ",";
    first = false;
    out += "{\"agent\":" + q(n.agent) + ",\"resource\":" + q(n.resource)
           + ",\"text\":" + q(n.text) + ",\"owner\":" + q(n.owner) + "}";
  }
  out += "],\"waits\":[";
  first = true;
  for (auto& x : waits()) {
    out += first ? "" : ",";
    first = false;
    out += "{\"waiter\":" + q(x.waiter) + ",\"on\":" + q(x.on)
           + ",\"why\":" + q(x.why) + "}";
  }
  out += "],\"recoveries\":[";
  first = true;
  for (auto& r : view_.recoveries()) {
    out += (first ? "" : ",") + q(r);
    first = false;
  }
  out += "],\"attempts\":" + num(attempts())
         + ",\"restarts\":" + num(restarts()) + ",\"events\":{";
  first = true;
  for (auto& [stream, n] : events_) {
    out += (first ? "" : ",") + q(stream) + ":" + num(n);
    first = false;
  }
  out += "},\"screens\":{";
  first = true;
  for (auto& name : screen_agents()) {
    out += (first ? "" : ",") + q(name) + ":[";
    first = false;
    bool first_row = true;
    for (auto& row : screen_rows(name)) {
      out += (first_row ? "" : ",") + q(row);
      first_row = false;
    }
    out += "]";
  }
  out += "}}";
  return out;
}

} // namespace baton::engine
