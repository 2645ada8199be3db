#include "engine/orchestration/approval_policy.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include <re2/re2.h>

namespace baton::engine {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return s;
}

bool one_of(const std::string& tool,
            std::initializer_list<std::string_view> names) {
  auto t = lower(tool);
  return std::any_of(names.begin(), names.end(),
                     [&](std::string_view n) { return t == n; });
}

/// Tools that write the file named by their subject.
bool file_writer(const std::string& tool) {
  return one_of(tool, {"write", "edit", "multiedit", "notebookedit", "create",
                       "write_file", "writefile", "replace", "edit_file",
                       "apply_patch", "edit file", "create file"});
}

/// Tools that reach the network by themselves.
bool network_tool(const std::string& tool) {
  return one_of(tool, {"webfetch", "websearch", "web_fetch", "web_search",
                       "google_web_search", "googlesearch", "fetch"});
}

/// Names in an agent's `tools` list that grant the network.
bool grants_network(const std::string& name) {
  return network_tool(name)
         || one_of(name, {"web", "network", "net", "internet", "curl",
                          "wget"});
}

struct fixed_rule {
  const char* what;
  const char* pattern;
};

/// Commands no rule may allow, searched in the subject of a shell tool.
const std::array<fixed_rule, 7>& destructive() {
  static const std::array<fixed_rule, 7> rules{{
    {"recursive removal of /, ~ or $HOME",
     R"((?:^|[;&|(\s])rm\s+(?:-[a-zA-Z-]+\s+)*(?:/|/\*|~|~/|~/\*|\$HOME|\$\{HOME\}|/\s*--no-preserve-root)(?:\s|$|;|&|\|))"},
    {"--no-preserve-root", R"(--no-preserve-root)"},
    {"formatting a file system", R"((?:^|[;&|\s])mkfs(?:\.\w+)?\s)"},
    {"writing to a block device",
     R"((?:\bdd\b[^\n]*\bof=/dev/(?:sd|nvme|hd|vd|xvd|mmcblk|disk))|(?:>\s*/dev/(?:sd|nvme|hd|vd|xvd|mmcblk)))"},
    {"a fork bomb", R"(:\s*\(\s*\)\s*\{[^}]*:\s*\|\s*:)"},
    {"making / world-writable", R"(\bchmod\s+(?:-[a-zA-Z]+\s+)*[0-7]*777\s+/(?:\s|$))"},
    {"shutting the machine down",
     R"((?:^|[;&|\s])(?:shutdown|reboot|halt|poweroff)(?:\s|$))"},
  }};
  return rules;
}

/// Shell commands that reach the network.
const re2::RE2& network_command() {
  static const re2::RE2 re{
    R"((?:^|[;&|(\s])(?:curl|wget|ssh|scp|sftp|rsync|nc|ncat|netcat|telnet|ftp)\s)"};
  return re;
}

bool shell_tool(const std::string& tool) {
  return one_of(tool, {"bash", "shell", "run_shell_command", "exec_command",
                       "exec", "command", "terminal", "sh"});
}

bool under(const std::string& dir, const std::string& path) {
  if (dir.empty())
    return true;
  return path == dir || path.starts_with(dir + "/");
}

/// Absolute targets of `>`/`>>` redirections and `tee` in a command.
std::vector<std::string> written_paths(const std::string& command) {
  static const re2::RE2 redirect{R"((?:\d?>>?|\btee\s+(?:-a\s+)?)\s*(/[^\s;&|)]+))"};
  std::vector<std::string> out;
  re2::StringPiece in{command};
  std::string path;
  while (re2::RE2::FindAndConsume(&in, redirect, &path))
    if (!path.starts_with("/dev/null") && !path.starts_with("/dev/std")
        && path != "/dev/tty")
      out.push_back(path);
  return out;
}

approval_verdict deny_list(const plan& p, const plan_agent& agent,
                           const std::string& dir, const std::string& tool,
                           const std::string& subject) {
  auto deny = [](std::string why) {
    return approval_verdict{
      "deny", {approval_by_kind::deny_list}, std::move(why)};
  };
  if (one_of(tool, {"password", "passphrase"}))
    return deny("Baton never types a password (" + subject + ")");
  if (shell_tool(tool) || tool.empty())
    for (auto& r : destructive()) {
      re2::RE2 re{r.pattern};
      if (re2::RE2::PartialMatch(subject, re))
        return deny(std::string{r.what} + " (" + subject
                    + ") is on the fixed deny list");
    }
  if (file_writer(tool) && !subject.empty() && !dir.empty()) {
    auto target = normal_path(dir, subject);
    if (!under(dir, target))
      return deny("writing " + target + " is outside agent " + agent.name
                  + "'s directory " + dir);
  }
  if (shell_tool(tool) && !dir.empty())
    for (auto& path : written_paths(subject)) {
      auto target = normal_path(dir, path);
      if (!under(dir, target) && !target.starts_with("/tmp/"))
        return deny("the command writes " + target + ", outside agent "
                    + agent.name + "'s directory " + dir);
    }
  bool networked = agent.tools.empty()
                   || std::any_of(agent.tools.begin(), agent.tools.end(),
                                  grants_network);
  if (!networked) {
    if (network_tool(tool))
      return deny("agent " + agent.name + " has no network tool, and " + tool
                  + " reaches the network");
    if (shell_tool(tool) && re2::RE2::PartialMatch(subject, network_command()))
      return deny("agent " + agent.name + " has no network tool, and the "
                  "command reaches the network (" + subject + ")");
  }
  auto asked = tool + " " + subject;
  for (auto& d : p.approvals.deny) {
    re2::RE2 re{d};
    if (re.ok() && re2::RE2::PartialMatch(asked, re))
      return deny("\"" + asked + "\" matches the plan's deny pattern \"" + d
                  + "\"");
  }
  return {};
}

bool full_match_ci(const std::string& pattern, const std::string& text) {
  re2::RE2::Options opts;
  opts.set_case_sensitive(false);
  opts.set_log_errors(false);
  re2::RE2 re{pattern, opts};
  return re.ok() && re2::RE2::FullMatch(text, re);
}

bool search(const std::string& pattern, const std::string& text) {
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  re2::RE2 re{pattern, opts};
  return re.ok() && re2::RE2::PartialMatch(text, re);
}

} // namespace

std::string normal_path(const std::string& base, const std::string& path) {
  std::string full = path.starts_with("/") ? path : base + "/" + path;
  std::vector<std::string> parts;
  size_t from = 0;
  while (from <= full.size()) {
    auto slash = full.find('/', from);
    if (slash == std::string::npos)
      slash = full.size();
    auto part = full.substr(from, slash - from);
    if (part == "..") {
      if (!parts.empty())
        parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    from = slash + 1;
  }
  std::string out;
  for (auto& part : parts)
    out += "/" + part;
  return out.empty() ? "/" : out;
}

approval_verdict judge_approval(const plan& p, const plan_agent& agent,
                                const std::string& agent_dir,
                                const std::string& tool,
                                const std::string& subject) {
  auto dir = agent_dir.empty() ? std::string{} : normal_path("/", agent_dir);
  if (auto v = deny_list(p, agent, dir, tool, subject); !v.decision.empty())
    return v;
  auto asked = tool.empty() ? std::string{"the request"}
                            : tool + (subject.empty() ? "" : " " + subject);
  // Nothing could be read off the screen (a prompt caught before its panel
  // was drawn, a pack without [approval] rules): only a rule that asks
  // nothing of the request may decide it, and the operator otherwise.
  bool unread = tool.empty() && subject.empty();
  for (size_t i = 0; i < p.approvals.rules.size(); ++i) {
    auto& r = p.approvals.rules[i];
    if (unread && (!r.tool.empty() || !r.match.empty()))
      continue;
    if (!r.agent.empty() && r.agent != agent.name)
      continue;
    if (!r.role.empty() && r.role != agent.role)
      continue;
    if (!r.tool.empty() && !full_match_ci(r.tool, tool))
      continue;
    if (!r.match.empty() && !search(r.match, subject))
      continue;
    approval_by by{approval_by_kind::rule, static_cast<uint32_t>(i + 1)};
    return {r.decision, by,
            asked + ": " + r.decision + " by approval " + to_string(by)
              + " (line " + std::to_string(r.where.line) + ")"};
  }
  auto& o = p.approvals.otherwise;
  if (unread)
    return {"operator",
            {approval_by_kind::policy},
            "what is asked could not be read off the screen: left to the "
            "operator"};
  return {o,
          {approval_by_kind::policy},
          asked + ": no rule matches; "
            + (o == "operator" ? std::string{"left to the operator"}
                               : "the policy's otherwise is " + o)};
}

} // namespace baton::engine
