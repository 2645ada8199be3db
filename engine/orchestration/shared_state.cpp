#include "engine/orchestration/shared_state.hpp"

#include <cctype>

#include "engine/recording/cast.hpp"

namespace baton::engine {

namespace {

std::string list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i)
    out += (i == 0 ? "" : ", ") + json_string(items[i]);
  return out + "]";
}

std::string slug(std::string_view title) {
  std::string out;
  for (unsigned char c : title) {
    if (std::isalnum(c) || c == '.' || c == '_')
      out += static_cast<char>(std::tolower(c));
    else if (!out.empty() && out.back() != '-')
      out += '-';
    if (out.size() >= 60)
      break;
  }
  while (!out.empty() && out.back() == '-')
    out.pop_back();
  return out.empty() ? "contract" : out;
}

} // namespace

std::string board_json(const orchestrator& o) {
  std::string out = "{\n  \"tasks\": [";
  bool first = true;
  for (auto& pt : o.current_plan().tasks) {
    auto& v = o.tasks().at(pt.id);
    out += first ? "\n" : ",\n";
    first = false;
    out += "    {\"id\": " + json_string(pt.id)
           + ", \"title\": " + json_string(pt.title.empty() ? pt.id : pt.title)
           + ", \"status\": " + json_string(to_string(v.status))
           + ", \"requires\": " + list(pt.requires_caps)
           + ", \"agent\": " + json_string(v.agent)
           + ", \"added_by\": " + json_string(v.added_by) + "}";
  }
  out += first ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

std::string status_json(const orchestrator& o) {
  std::string out = "{\n  \"agents\": {";
  bool first = true;
  for (auto& [name, a] : o.agents()) {
    out += first ? "\n" : ",\n";
    first = false;
    std::string progress, build, line;
    if (auto t = o.tasks().find(a.task); t != o.tasks().end()) {
      progress = t->second.progress;
      build = t->second.build;
      line = t->second.last_line;
    }
    out += "    " + json_string(name)
           + ": {\"state\": " + json_string(detect::to_string(a.state))
           + ", \"task\": " + json_string(a.task) + ", \"progress\": "
           + json_string(progress) + ", \"build\": " + json_string(build)
           + ", \"last_line\": " + json_string(line) + "}";
  }
  out += first ? "}\n}\n" : "\n  }\n}\n";
  return out;
}

std::string contract_file_name(std::string_view agent,
                               std::string_view title) {
  return std::string{agent} + "--" + slug(title) + ".md";
}

std::string contract_file_text(std::string_view title, std::string_view body) {
  std::string out = "# " + std::string{title} + "\n\n" + std::string{body};
  if (out.back() != '\n')
    out += '\n';
  return out;
}

std::optional<protocol_seen> parse_contract_file(std::string_view file_name,
                                                 std::string_view text) {
  auto sep = file_name.find("--");
  if (sep == std::string_view::npos || sep == 0 || !file_name.ends_with(".md"))
    return std::nullopt;
  protocol_seen p;
  p.agent = std::string{file_name.substr(0, sep)};
  p.kind = protocol_kind::contract;
  auto name = file_name.substr(sep + 2, file_name.size() - sep - 5);
  p.text = std::string{name};
  std::string body;
  size_t at = 0;
  bool titled = false;
  while (at <= text.size() && at < text.size()) {
    auto nl = text.find('\n', at);
    if (nl == std::string_view::npos)
      nl = text.size();
    auto line = text.substr(at, nl - at);
    at = nl + 1;
    if (!titled && line.starts_with("# ")) {
      p.text = std::string{line.substr(2)};
      titled = true;
      continue;
    }
    if (body.empty() && line.empty())
      continue;
    body += std::string{line} + "\n";
  }
  while (!body.empty() && body.back() == '\n')
    body.pop_back();
  p.body = body;
  p.line = "CONTRACT: " + p.text + " (file state/contracts/"
           + std::string{file_name} + ")";
  return p;
}

std::string lock_name(std::string_view path) {
  std::string out;
  for (char c : path) {
    if (c == '/')
      out += "__";
    else
      out += c;
  }
  return out;
}

std::string lock_path(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '_' && i + 1 < name.size() && name[i + 1] == '_') {
      out += '/';
      ++i;
    } else {
      out += name[i];
    }
  }
  return out;
}

std::string lock_file_text(std::string_view path, std::string_view owner,
                           uint64_t expires_us) {
  return "{\"path\": " + json_string(path) + ", \"owner\": "
         + json_string(owner)
         + ", \"expires_us\": " + std::to_string(expires_us) + "}\n";
}

std::optional<lock_requested> parse_lock_request(std::string_view file_name) {
  for (auto [marker, release] :
       {std::pair{std::string_view{".want."}, false},
        std::pair{std::string_view{".release."}, true}}) {
    auto at = file_name.rfind(marker);
    if (at == std::string_view::npos || at == 0
        || at + marker.size() >= file_name.size())
      continue;
    return lock_requested{lock_path(file_name.substr(0, at)),
                          std::string{file_name.substr(at + marker.size())},
                          release};
  }
  return std::nullopt;
}

} // namespace baton::engine
