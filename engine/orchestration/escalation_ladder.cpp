#include "engine/orchestration/escalation_ladder.hpp"

#include <algorithm>
#include <cctype>

namespace baton::engine {

namespace {

bool path_like(std::string_view word) {
  if (word.find('/') != std::string_view::npos)
    return true;
  // name.ext with a short alphabetic extension: parser.cpp, app.json
  auto dot = word.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= word.size())
    return false;
  auto ext = word.substr(dot + 1);
  return ext.size() <= 4
         && std::all_of(ext.begin(), ext.end(),
                        [](unsigned char c) { return std::isalpha(c); });
}

} // namespace

std::string normalise_failure(std::string_view text) {
  // Word by word: a path becomes <path>; in the rest, every run of digits
  // (with the separators of times and dates inside it) becomes #.
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
      ++i;
    size_t j = i;
    while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j])))
      ++j;
    if (j == i)
      break;
    auto word = text.substr(i, j - i);
    i = j;
    if (!out.empty())
      out += ' ';
    // Punctuation around a path (quotes, a trailing colon) stays.
    size_t b = 0;
    size_t e = word.size();
    auto punct = [](unsigned char c) {
      return c == '"' || c == '\'' || c == '(' || c == ')' || c == ','
             || c == ':' || c == ';' || c == '`' || c == '[' || c == ']';
    };
    while (b < e && punct(static_cast<unsigned char>(word[b])))
      ++b;
    while (e > b && punct(static_cast<unsigned char>(word[e - 1])))
      --e;
    out.append(word.substr(0, b));
    auto core = word.substr(b, e - b);
    if (path_like(core)) {
      out += "<path>";
    } else {
      for (size_t k = 0; k < core.size(); ++k) {
        auto c = static_cast<unsigned char>(core[k]);
        if (!std::isdigit(c)) {
          out += static_cast<char>(std::tolower(c));
          continue;
        }
        while (k + 1 < core.size()
               && (std::isdigit(static_cast<unsigned char>(core[k + 1]))
                   || ((core[k + 1] == ':' || core[k + 1] == '.'
                        || core[k + 1] == '-')
                       && k + 2 < core.size()
                       && std::isdigit(
                         static_cast<unsigned char>(core[k + 2])))))
          ++k;
        out += '#';
      }
    }
    out.append(word.substr(e));
  }
  return out;
}

escalation_ladder::escalation_ladder(const plan_run& run)
  : stall_after_us_(run.stall_after_s * 1'000'000),
    status_grace_us_(run.status_grace_s * 1'000'000),
    loop_repeats_(run.loop_repeats),
    loop_attempts_(run.loop_attempts) {
}

bool escalation_ladder::repeated(task_view& t, std::string_view text) const {
  auto key = normalise_failure(text);
  if (key == t.last_failure) {
    ++t.repeats;
  } else {
    t.last_failure = key;
    t.repeats = 1;
  }
  if (loop_repeats_ == 0 || t.repeats < loop_repeats_)
    return false;
  t.repeats = 0; // the next rung needs the failure repeated again
  return true;
}

bool escalation_ladder::flat(task_view& t) const {
  if (t.attempt_progress > t.best_progress || t.attempt <= 1) {
    t.best_progress = std::max(t.best_progress, t.attempt_progress);
    t.flat_attempts = 1;
  } else {
    ++t.flat_attempts;
  }
  t.attempt_progress = 0;
  if (t.best_progress == 0 || loop_attempts_ == 0
      || t.flat_attempts < loop_attempts_)
    return false;
  t.flat_attempts = 0;
  return true;
}

escalation_ladder::rung
escalation_ladder::climb(task_view& t, const std::string& evidence) const {
  ++t.escalations;
  // One entry per failure. Every rung of the ladder writes the failure
  // that climbed it, and a re-dispatch keeps its attempt's number: the
  // nudge and the re-dispatch (and the rung after it) of one repeated
  // failure would each list the same line. The same failure (once
  // normalised: paths, numbers and times set aside) by the same agent in
  // the same attempt is listed once; in a later attempt, or by another
  // agent, it is listed again (that retry did not help either).
  auto attempt = "attempt " + std::to_string(t.attempt) + " by " + t.agent
                 + ": ";
  auto key = normalise_failure(evidence);
  if (std::none_of(t.history.begin(), t.history.end(), [&](auto& h) {
        return h.starts_with(attempt)
               && normalise_failure(
                    std::string_view{h}.substr(attempt.size()))
                    == key;
      }))
    t.history.push_back(attempt + evidence);
  switch (t.escalations) {
    case 1: return rung::nudge;
    case 2: return rung::redispatch;
    case 3: return rung::reassign;
    default: return rung::fail;
  }
}

void escalation_ladder::arm_stall(task_view& t, size_t i, uint64_t now) {
  if (stall_after_us_ == 0)
    return;
  t.stall_us = now + stall_after_us_;
  stalls_.emplace(t.stall_us, i);
}

std::optional<size_t> escalation_ladder::take_stalled(uint64_t now,
                                                      const task_board& board) {
  while (!stalls_.empty() && stalls_.begin()->first <= now) {
    auto [due, i] = *stalls_.begin();
    stalls_.erase(stalls_.begin());
    auto& t = board.view(i);
    if (t.status == task_status::dispatched && t.stall_us == due)
      return i;
    // Progressed since, or no longer at work.
  }
  return std::nullopt;
}

std::vector<std::string>
escalation_ladder::stall_due(uint64_t now, const task_board& board) const {
  std::vector<std::string> due;
  for (auto& [at, i] : stalls_) {
    if (at > now)
      break;
    auto& t = board.view(i);
    if (t.status == task_status::dispatched && t.stall_us == at
        && std::find(due.begin(), due.end(), t.agent) == due.end())
      due.push_back(t.agent);
  }
  return due;
}

void escalation_ladder::arm_status_ask(task_view& t, size_t i, uint64_t now) {
  if (t.status_due_us != 0 || status_grace_us_ == 0
      || t.status_asks >= max_status_asks)
    return;
  t.status_due_us = now + status_grace_us_;
  status_asks_.emplace(t.status_due_us, i);
}

std::optional<size_t> escalation_ladder::take_status_due(uint64_t now,
                                                         task_board& board) {
  while (!status_asks_.empty() && status_asks_.begin()->first <= now) {
    auto [due, i] = *status_asks_.begin();
    status_asks_.erase(status_asks_.begin());
    auto& t = board.view(i);
    if (t.status != task_status::dispatched || t.status_due_us != due)
      continue; // it reported, or a later attempt
    t.status_due_us = 0;
    return i;
  }
  return std::nullopt;
}

uint64_t escalation_ladder::next_deadline() const {
  uint64_t next = 0;
  for (auto* s : {&stalls_, &status_asks_})
    if (!s->empty() && (next == 0 || s->begin()->first < next))
      next = s->begin()->first;
  return next;
}

} // namespace baton::engine
