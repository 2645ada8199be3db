#include "api/detail/json.hpp"

namespace baton::api::detail {

namespace {

using nlohmann::json;

/// A field that is missing or ill-typed: its name and what it should be.
struct bad_field {
  std::string message;
};

const json& field(const json& j, const char* name) {
  if (!j.is_object())
    throw bad_field{"expected an object with \"" + std::string{name} + "\""};
  auto i = j.find(name);
  if (i == j.end())
    throw bad_field{"\"" + std::string{name} + "\" is missing"};
  return *i;
}

std::string text(const json& j, const char* name, bool required = true) {
  if (!required && (!j.contains(name) || j.at(name).is_null()))
    return {};
  auto& f = field(j, name);
  if (!f.is_string())
    throw bad_field{"\"" + std::string{name} + "\" must be a string"};
  return f.get<std::string>();
}

std::vector<std::string> texts(const json& j, const char* name) {
  if (!j.contains(name) || j.at(name).is_null())
    return {};
  auto& f = j.at(name);
  if (!f.is_array())
    throw bad_field{"\"" + std::string{name} + "\" must be a list of strings"};
  std::vector<std::string> out;
  for (auto& x : f) {
    if (!x.is_string())
      throw bad_field{"\"" + std::string{name}
                      + "\" must be a list of strings"};
    out.push_back(x.get<std::string>());
  }
  return out;
}

uint64_t number(const json& j, const char* name, bool required = true) {
  if (!required && !j.contains(name))
    return 0;
  auto& f = field(j, name);
  if (!f.is_number_unsigned() && !(f.is_number_integer() && f.get<int64_t>() >= 0))
    throw bad_field{"\"" + std::string{name}
                    + "\" must be a non-negative integer"};
  return f.get<uint64_t>();
}

bool flag(const json& j, const char* name) {
  if (!j.contains(name))
    return false;
  auto& f = j.at(name);
  if (!f.is_boolean())
    throw bad_field{"\"" + std::string{name} + "\" must be true or false"};
  return f.get<bool>();
}

template <class T, class F>
result<T> guarded(F f) {
  try {
    return f();
  } catch (const bad_field& e) {
    return error{ec::invalid_argument, e.message};
  } catch (const json::exception& e) {
    return error{ec::invalid_argument, e.what()};
  }
}

} // namespace

json to_json(const run_status& s) {
  json agents = json::array();
  for (auto& a : s.agents)
    agents.push_back({{"name", a.name},
                      {"role", a.role},
                      {"state", a.state},
                      {"task", a.task},
                      {"progress", a.progress},
                      {"last_line", a.last_line},
                      {"restarts", a.restarts},
                      {"exited", a.exited},
                      {"host", a.host}});
  json tasks = json::array();
  for (auto& t : s.tasks)
    tasks.push_back({{"id", t.id},
                     {"title", t.title},
                     {"agent", t.agent},
                     {"status", t.status},
                     {"attempts", t.attempts},
                     {"evidence", t.evidence},
                     {"reason", t.reason},
                     {"depends_on", t.depends_on}});
  json approvals = json::array();
  for (auto& a : s.approvals)
    approvals.push_back({{"id", a.id},
                         {"agent", a.agent},
                         {"task", a.task},
                         {"tool", a.tool},
                         {"subject", a.subject},
                         {"policy", a.policy},
                         {"answer", a.answer},
                         {"by", a.by},
                         {"why", a.why},
                         {"at_us", a.at_us}});
  return {{"name", s.name},         {"pattern", s.pattern},
          {"started", s.started},   {"finished", s.finished},
          {"ok", s.ok},             {"outcome", s.outcome},
          {"summary", s.summary},   {"position", s.position},
          {"agents", agents},       {"tasks", tasks},
          {"approvals", approvals}};
}

json to_json(const screen& s) {
  return {{"agent", s.agent},
          {"columns", s.columns},
          {"rows", s.rows},
          {"lines", s.lines},
          {"position", s.position}};
}

json to_json(const delivery& d) {
  return {{"id", d.id},
          {"agent", d.agent},
          {"delivered", d.delivered},
          {"attempts", d.attempts},
          {"reason", d.reason}};
}

json to_json(const artifact_spec& a) {
  return {{"path", a.path},
          {"format", a.format},
          {"pattern", a.pattern},
          {"non_empty", a.non_empty},
          {"must_contain", a.must_contain}};
}

json to_json(const task_spec& t) {
  json artifacts = json::array();
  for (auto& a : t.artifacts)
    artifacts.push_back(to_json(a));
  json j = {{"id", t.id},          {"prompt", t.prompt},
            {"agent", t.agent},    {"title", t.title},
            {"requires", t.capabilities}, {"after", t.after},
            {"verify", t.verify},  {"artifacts", artifacts}};
  if (t.retries)
    j["retries"] = *t.retries;
  return j;
}

result<run_status> status_from_json(const json& j) {
  return guarded<run_status>([&] {
    run_status s;
    s.name = text(j, "name");
    s.pattern = text(j, "pattern");
    s.started = flag(j, "started");
    s.finished = flag(j, "finished");
    s.ok = flag(j, "ok");
    s.outcome = text(j, "outcome");
    s.summary = text(j, "summary");
    s.position = number(j, "position");
    for (auto& a : field(j, "agents"))
      s.agents.push_back({text(a, "name"), text(a, "role"), text(a, "state"),
                          text(a, "task"), text(a, "progress"),
                          text(a, "last_line"),
                          static_cast<uint32_t>(number(a, "restarts")),
                          flag(a, "exited"), text(a, "host")});
    for (auto& t : field(j, "tasks"))
      s.tasks.push_back({text(t, "id"), text(t, "title"), text(t, "agent"),
                         text(t, "status"),
                         static_cast<uint32_t>(number(t, "attempts")),
                         text(t, "evidence"), text(t, "reason"),
                         texts(t, "depends_on")});
    for (auto& a : field(j, "approvals"))
      s.approvals.push_back({text(a, "id"), text(a, "agent"), text(a, "task"),
                             text(a, "tool"), text(a, "subject"),
                             text(a, "policy"), text(a, "answer"),
                             text(a, "by"), text(a, "why"),
                             number(a, "at_us", false)});
    return s;
  });
}

result<screen> screen_from_json(const json& j) {
  return guarded<screen>([&] {
    screen s;
    s.agent = text(j, "agent");
    s.columns = static_cast<uint16_t>(number(j, "columns"));
    s.rows = static_cast<uint16_t>(number(j, "rows"));
    s.lines = texts(j, "lines");
    s.position = number(j, "position");
    return s;
  });
}

result<delivery> delivery_from_json(const json& j) {
  return guarded<delivery>([&] {
    return delivery{text(j, "id"), text(j, "agent"), flag(j, "delivered"),
                    static_cast<uint32_t>(number(j, "attempts")),
                    text(j, "reason")};
  });
}

result<task_spec> task_from_json(const json& j) {
  return guarded<task_spec>([&] {
    task_spec t;
    t.id = text(j, "id");
    t.prompt = text(j, "prompt");
    t.agent = text(j, "agent", false);
    t.title = text(j, "title", false);
    t.capabilities = texts(j, "requires");
    t.after = texts(j, "after");
    t.verify = texts(j, "verify");
    // Each a path, or {"path", "format", "pattern", "non_empty",
    // "must_contain"}.
    if (j.contains("artifacts") && !j.at("artifacts").is_null()) {
      auto& list = j.at("artifacts");
      if (!list.is_array())
        throw bad_field{"\"artifacts\" must be a list"};
      for (auto& a : list) {
        if (a.is_string()) {
          t.artifacts.emplace_back(a.get<std::string>());
          continue;
        }
        if (!a.is_object())
          throw bad_field{"an artifact must be a path or an object"};
        artifact_spec spec{text(a, "path")};
        if (a.contains("format"))
          spec.format = text(a, "format");
        if (a.contains("pattern"))
          spec.pattern = text(a, "pattern");
        if (a.contains("non_empty")) {
          if (!a.at("non_empty").is_boolean())
            throw bad_field{"\"non_empty\" must be true or false"};
          spec.non_empty = a.at("non_empty").get<bool>();
        }
        spec.must_contain = texts(a, "must_contain");
        t.artifacts.push_back(std::move(spec));
      }
    }
    if (j.contains("retries") && !j.at("retries").is_null())
      t.retries = static_cast<uint32_t>(number(j, "retries"));
    return t;
  });
}

} // namespace baton::api::detail
