#include "engine/detect/detector.hpp"

#include <algorithm>

#include <re2/re2.h>

namespace baton::engine::detect {

namespace {

/// Evidence keeps at most this much matched text.
constexpr size_t max_matched = 512;

std::string clip(std::string_view s) {
  if (s.size() <= max_matched)
    return std::string{s};
  auto n = max_matched;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
    --n; // do not cut a UTF-8 character
  return std::string{s.substr(0, n)} + "…";
}

struct outcome {
  bool holds = false;
  detect::evidence ev;
  std::string detail;
};

/// Evaluates conditions on one view, computing each region's text once.
class evaluator {
public:
  explicit evaluator(const screen_view& view) : view_(view) {
  }

  outcome eval(const condition& c) {
    switch (c.what) {
      case condition::op::match: return match(c);
      case condition::op::none: {
        auto inner = eval(c.children.front());
        outcome o;
        o.holds = !inner.holds;
        o.ev.region = inner.ev.region;
        o.detail = "not(" + inner.detail + ")";
        return o;
      }
      case condition::op::all:
      case condition::op::any: return combine(c);
    }
    return {};
  }

private:
  const std::string& text(const region& r) {
    for (auto& [where, text] : cache_)
      if (where == r)
        return text;
    cache_.emplace_back(r, region_text(r, view_));
    return cache_.back().second;
  }

  outcome match(const condition& c) {
    outcome o;
    o.ev.region = to_string(c.where);
    const auto& t = text(c.where);
    re2::StringPiece m;
    o.holds = c.re->Match(t, 0, t.size(), re2::RE2::UNANCHORED, &m, 1);
    if (o.holds)
      o.ev.matched = clip(std::string_view{m.data(), m.size()});
    o.detail = o.ev.region + " ~ /" + c.pattern + "/ "
               + (o.holds ? "yes '" + o.ev.matched + "'" : "no");
    return o;
  }

  outcome combine(const condition& c) {
    bool all = c.what == condition::op::all;
    outcome o;
    o.holds = all;
    o.detail = all ? "all(" : "any(";
    bool first = true;
    for (auto& child : c.children) {
      auto sub = eval(child);
      o.detail += (first ? "" : ", ") + sub.detail;
      first = false;
      // The first part that holds with matched text is the evidence.
      if (sub.holds && o.ev.rule.empty() && o.ev.matched.empty()
          && (!sub.ev.matched.empty() || o.ev.region.empty()))
        o.ev = sub.ev;
      if (all)
        o.holds = o.holds && sub.holds;
      else
        o.holds = o.holds || sub.holds;
    }
    o.detail += ")";
    if (!o.holds)
      o.ev = {};
    return o;
  }

  const screen_view& view_;
  std::vector<std::pair<region, std::string>> cache_;
};

} // namespace

std::string to_string(const verdict& v) {
  std::string out = "rule '" + v.rule + "' (" + std::string{to_string(v.state)}
                    + "): " + (v.holds ? "holds" : "does not hold");
  if (v.holds && v.quiet_remaining > 0)
    out
      += ", quiet for " + std::to_string(v.quiet_remaining / 1000) + " ms more";
  if (v.decides)
    out += ", decides";
  return out + ": " + v.detail;
}

detector::detector(std::shared_ptr<const detect::pack> p)
  : pack_(std::move(p)) {
}

bool detector::input_ready() const {
  return pack_->accepts_input(state_);
}

uint64_t detector::changed_at(const screen_view& view, uint64_t now) const {
  if (generation_ && *generation_ == view.generation)
    return std::min(changed_at_, now);
  return now;
}

std::optional<state_change>
detector::change_to(detect::state to, detect::evidence ev, uint64_t now) {
  if (to == state_) {
    evidence_ = std::move(ev);
    return std::nullopt;
  }
  state_change change{state_, to, ev, now};
  state_ = to;
  evidence_ = std::move(ev);
  return change;
}

std::optional<state_change> detector::evaluate(const screen_view& view,
                                               uint64_t now) {
  if (exited_)
    return std::nullopt;
  changed_at_ = changed_at(view, now);
  generation_ = view.generation;
  deadline_ = 0;
  auto quiet = now - changed_at_;
  evaluator ev{view};
  bool waiting = false;
  for (auto& r : pack_->rules) {
    auto o = ev.eval(r.when);
    if (!o.holds)
      continue;
    if (r.quiet_us > quiet) {
      // Holds but has not settled: later rules may decide meanwhile.
      auto due = changed_at_ + r.quiet_us;
      deadline_ = deadline_ == 0 ? due : std::min(deadline_, due);
      waiting = true;
      continue;
    }
    matched_once_ = true;
    return change_to(r.state, {r.name, o.ev.region, o.ev.matched}, now);
  }
  if (waiting)
    return std::nullopt; // keep the state until the waiting rule settles
  if (!matched_once_) {
    auto limit = pack_->startup_quiet_us;
    if (limit == 0 || quiet < limit) {
      if (limit != 0)
        deadline_ = changed_at_ + limit;
      return change_to(state::starting, {}, now);
    }
    // Still since start-up and nothing known: say so, with what it shows
    // (a trust dialog, an update notice, a changed banner).
    matched_once_ = true;
    region where{region::kind::screen, 0};
    return change_to(
      state::unknown,
      {"unrecognised screen", to_string(where), clip(region_text(where, view))},
      now);
  }
  if (state_ != state::unknown && pack_->unknown_quiet_us > quiet) {
    // Perhaps a frame caught mid-redraw: unknown only once it stays.
    deadline_ = changed_at_ + pack_->unknown_quiet_us;
    return std::nullopt;
  }
  return change_to(state::unknown, {}, now);
}

std::optional<state_change> detector::process_exited(uint64_t now,
                                                     std::string description) {
  if (exited_)
    return std::nullopt;
  exited_ = true;
  deadline_ = 0;
  return change_to(state::exited, {"process exit", "", std::move(description)},
                   now);
}

std::vector<verdict> detector::explain(const screen_view& view,
                                       uint64_t now) const {
  auto since = changed_at(view, now);
  auto quiet = now - since;
  evaluator ev{view};
  std::vector<verdict> out;
  bool decided = exited_;
  for (auto& r : pack_->rules) {
    auto o = ev.eval(r.when);
    verdict v;
    v.rule = r.name;
    v.state = r.state;
    v.holds = o.holds;
    v.quiet_remaining = o.holds && r.quiet_us > quiet ? r.quiet_us - quiet : 0;
    v.evidence = {r.name, o.ev.region, o.ev.matched};
    v.detail = std::move(o.detail);
    if (o.holds && !decided && v.quiet_remaining == 0) {
      v.decides = true;
      decided = true;
    }
    out.push_back(std::move(v));
  }
  return out;
}

std::optional<detect::evidence> detector::compaction(const screen_view& view) {
  if (!pack_->compaction_marker)
    return std::nullopt;
  region where{region::kind::scrollback_since_input, 0};
  auto text = region_text(where, view);
  re2::StringPiece m;
  size_t count = 0;
  std::string first;
  const auto& re = *pack_->compaction_marker;
  size_t pos = 0;
  while (pos <= text.size()
         && re.Match(text, pos, text.size(), re2::RE2::UNANCHORED, &m, 1)) {
    if (count++ == 0)
      first = clip(std::string_view{m.data(), m.size()});
    auto end = static_cast<size_t>(m.data() - text.data()) + m.size();
    pos = m.empty() ? end + 1 : end;
  }
  bool more = count > compactions_seen_;
  compactions_seen_ = count;
  if (!more)
    return std::nullopt;
  return detect::evidence{"compaction marker", to_string(where), first};
}

} // namespace baton::engine::detect
