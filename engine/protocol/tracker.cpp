#include "engine/protocol/tracker.hpp"

#include <cctype>

#include <algorithm>

#include "engine/protocol/decoration.hpp"

namespace baton::engine::protocol {

namespace {

uint64_t distance(uint64_t a, uint64_t b) {
  return a > b ? a - b : b - a;
}

/// One is the other, or the start of it: a line that grew while streamed.
bool same_or_grown(std::string_view a, std::string_view b) {
  return a.starts_with(b) || b.starts_with(a);
}

/// Whether `m` says more than its keyword and value (`STATUS: DONE`).
bool has_text(const message& m) {
  switch (m.kind) {
    case kind::status:
    case kind::progress:
    case kind::build: return !m.text.empty();
    default: return true;
  }
}

} // namespace

tracker::tracker(tracker_options opts) : opts_(opts) {
}

namespace {

/// Where a protocol keyword begins in `row` (case-insensitive), in order.
std::vector<size_t> keyword_positions(std::string_view row) {
  static constexpr std::string_view keywords[]
    = {"status:", "progress:", "build:", "need:", "contract:", "task:"};
  std::vector<size_t> out;
  for (size_t i = 0; i < row.size(); ++i) {
    if (i > 0 && std::isalnum(static_cast<unsigned char>(row[i - 1])))
      continue;
    for (auto k : keywords) {
      if (row.size() - i < k.size())
        continue;
      bool same = true;
      for (size_t j = 0; same && j < k.size(); ++j)
        same = std::tolower(static_cast<unsigned char>(row[i + j])) == k[j];
      if (same) {
        out.push_back(i);
        break;
      }
    }
  }
  return out;
}

} // namespace

std::optional<std::string> tracker::typed_line(std::string_view row) {
  auto read = [&]() -> std::optional<std::string> {
    if (auto m = parse_line(row))
      return std::move(m->line);
    return std::nullopt;
  };
  if (!opts_.memo)
    return read();
  auto& rows = opts_.memo->rows;
  if (auto known = rows.find(row); known != rows.end())
    return known->second;
  if (rows.size() >= typed_memo::max_rows)
    rows.clear();
  return rows.emplace(std::string{row}, read()).first->second;
}

void tracker::register_input(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    auto nl = text.find('\n', start);
    auto row
      = text.substr(start, nl == std::string_view::npos ? std::string_view::npos
                                                        : nl - start);
    if (!row.empty() && row.back() == '\r')
      row.remove_suffix(1);
    // A protocol line may start a typed row, or sit inside one (a prompt
    // that explains the protocol mid-sentence): the CLI's wrapping can put
    // either at the start of a screen row, so both are remembered.
    for (auto at : keyword_positions(row))
      if (auto line = typed_line(row.substr(at)))
        lines.push_back(std::move(*line));
    if (nl == std::string_view::npos)
      break;
    start = nl + 1;
  }
  typed_.push_back(std::move(lines));
  while (typed_.size() > opts_.inputs_kept)
    typed_.pop_front();
  ++epoch_;
  repaint_ = false;
}

const tracker::reported* tracker::redrawn(const message& m) {
  if (!repaint_)
    return nullptr;
  for (size_t i = repaint_from_; i < reported_.size(); ++i)
    if (reported_[i].kind == m.kind && reported_[i].line == m.line) {
      repaint_from_ = i + 1;
      return &reported_[i];
    }
  return nullptr;
}

bool tracker::is_echo(const message& m) const {
  for (auto& input : typed_) {
    for (auto& typed : input) {
      if (typed == m.line)
        return true;
      if (!has_text(m))
        continue;
      if (std::string_view{typed}.starts_with(m.line))
        return true;
      // A typed template line the CLI's redraw overwrote at its end ("...
      // <what you tried>, < line"): most of it, from its start, is the
      // typed text, <...> fields included (an agent writes its own words
      // where the prompt has those).
      size_t same = 0;
      while (same < typed.size() && same < m.line.size()
             && typed[same] == m.line[same])
        ++same;
      auto common = std::string_view{typed}.substr(0, same);
      auto open = common.find('<');
      bool template_field
        = open != std::string_view::npos
          && common.find('>', open) != std::string_view::npos;
      if (template_field && same >= 24 && same * 4 >= m.line.size() * 3)
        return true;
    }
  }
  return false;
}

tracker::seen* tracker::match(const message& m, uint64_t index,
                              uint64_t first) {
  // A redraw in place, possibly of a line that grew.
  for (auto& s : seen_)
    if (!s.claimed && s.index == index && s.kind == m.kind
        && same_or_grown(s.line, m.line))
      return &s;
  // The same text moved by a redraw: the nearest unclaimed one in view.
  seen* best = nullptr;
  for (auto& s : seen_) {
    if (s.claimed || s.kind != m.kind || s.line != m.line || s.index < first
        || distance(s.index, index) > opts_.max_drift)
      continue;
    if (best == nullptr
        || distance(s.index, index) < distance(best->index, index))
      best = &s;
  }
  return best;
}

void tracker::forget(uint64_t first) {
  // Out of view for good, or gone from the screen since the last input.
  std::erase_if(seen_, [&](const seen& s) {
    return s.index < first || (!s.claimed && s.epoch < epoch_);
  });
}

std::vector<occurrence> tracker::observe(const line_history& history,
                                         bool settled, uint64_t now,
                                         uint64_t complete_end) {
  parse_options popts;
  popts.width = history.cols;
  auto found = parse(history.lines, popts);
  for (auto& s : seen_)
    s.claimed = false;
  // Pointers into seen_ are held below while new entries are added.
  seen_.reserve(seen_.size() + found.size());
  // Redraws first, so that a moved line cannot take the place of one that
  // is still where it was.
  std::vector<seen*> owner(found.size(), nullptr);
  for (size_t i = 0; i < found.size(); ++i) {
    auto index = history.first + found[i].first_line;
    for (auto& s : seen_) {
      if (!s.claimed && s.index == index && s.kind == found[i].kind
          && same_or_grown(s.line, found[i].line)) {
        s.claimed = true;
        owner[i] = &s;
        break;
      }
    }
  }
  std::vector<occurrence> out;
  std::vector<pending> still_pending;
  auto next_scan = history.final_end;
  for (size_t i = 0; i < found.size(); ++i) {
    auto& m = found[i];
    auto index = history.first + m.first_line;
    auto end = index + m.line_count;
    bool final = end <= history.final_end;
    if (index < history.final_end && !final)
      next_scan = std::min(next_scan, index);
    if (is_echo(m))
      continue;
    auto* s = owner[i] != nullptr ? owner[i] : match(m, index, history.first);
    if (s != nullptr) {
      s->claimed = true;
      s->index = index;
      if (m.line.size() > s->line.size())
        s->line = m.line;
      continue;
    }
    bool complete = final || end <= complete_end;
    if (!complete && !settled) {
      // A step reported while the agent works counts once it has stood
      // unchanged for a while; anything else waits for the screen.
      if (opts_.progress_stable_us == 0
          || (m.kind != protocol::kind::progress
              && m.kind != protocol::kind::build))
        continue;
      auto p = std::find_if(pending_.begin(), pending_.end(), [&](auto& x) {
        return x.index == index && x.line == m.line;
      });
      auto since = p == pending_.end() ? now : p->since;
      if (now < since + opts_.progress_stable_us) {
        still_pending.push_back({index, m.line, since});
        continue;
      }
    }
    if (redrawn(m) != nullptr) {
      // An earlier occurrence repainted: it is here now, not new.
      seen_.push_back({index, m.kind, m.line, epoch_, true});
      continue;
    }
    seen_.push_back({index, m.kind, m.line, epoch_, true});
    reported_.push_back({m.kind, m.line});
    if (reported_.size() > max_reported) {
      reported_.pop_front();
      repaint_from_ -= repaint_from_ > 0 ? 1 : 0;
    }
    out.push_back({std::move(m), index, final});
  }
  pending_ = std::move(still_pending);
  for (auto& s : seen_)
    if (s.claimed)
      s.epoch = epoch_;
  scan_from_ = std::max(scan_from_, next_scan);
  forget(scan_from_);
  return out;
}

} // namespace baton::engine::protocol
