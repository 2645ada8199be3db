#include "sim/protocol.hpp"

#include <cctype>

namespace baton::sim {

namespace {

std::string lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

} // namespace

std::string status_line(status_kind kind, std::string_view text) {
  std::string out = "STATUS: ";
  switch (kind) {
    case status_kind::done: out += "DONE"; break;
    case status_kind::blocked: out += "BLOCKED"; break;
    case status_kind::error: out += "ERROR"; break;
  }
  if (!text.empty()) {
    out += dash;
    out += text;
  }
  return out;
}

std::string progress_line(int x, int y, std::string_view text) {
  auto out = "PROGRESS: " + std::to_string(x) + "/" + std::to_string(y);
  if (!text.empty()) {
    out += dash;
    out += text;
  }
  return out;
}

std::string build_line(std::string_view error) {
  if (error.empty())
    return "BUILD: PASS";
  std::string out = "BUILD: FAIL";
  out += dash;
  out += error;
  return out;
}

std::string need_line(std::string_view resource, std::string_view why) {
  std::string out = "NEED: ";
  out += resource;
  if (!why.empty()) {
    out += dash;
    out += why;
  }
  return out;
}

std::string contract_line(std::string_view title) {
  std::string out = "CONTRACT: ";
  out += title;
  return out;
}

std::string task_line(std::string_view title,
                      const std::vector<std::string>& required,
                      std::string_view description) {
  std::string out = "TASK: ";
  out += title;
  if (!required.empty()) {
    out += " [requires: ";
    for (size_t i = 0; i < required.size(); ++i)
      out += (i ? ", " : "") + required[i];
    out += "]";
  }
  if (!description.empty()) {
    out += dash;
    out += description;
  }
  return out;
}

bool parse_status_kind(std::string_view word, status_kind& out) {
  auto w = lower(word);
  if (w == "done")
    out = status_kind::done;
  else if (w == "blocked")
    out = status_kind::blocked;
  else if (w == "error")
    out = status_kind::error;
  else
    return false;
  return true;
}

} // namespace baton::sim
