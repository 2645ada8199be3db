// How a run looks on a terminal: the live table (one row per agent, a
// footer with the tasks), the final report, and redrawing in place.
#pragma once

#include <cstddef>
#include <string>

#include "engine/orchestration/run_view.hpp"

namespace baton::cli {

struct table_style {
  /// ANSI colours for states and verdicts.
  bool colour = false;
  /// Columns available; long cells are cut to fit.
  unsigned width = 120;
  /// The run's logical time now, for times in state; 0: the view's latest.
  uint64_t now_us = 0;
};

/// A header, one row per agent — name, role, state, task, PROGRESS, the
/// last protocol line, time in state (logical) — and a footer with the
/// tasks passed, failed and left. Every line ends with '\n'.
std::string render_table(const engine::run_view& v, const table_style& s);

/// One line per approval request waiting for the operator (none: "").
std::string render_open_approvals(const engine::run_view& v,
                                  const table_style& s);

/// Each task with its outcome, agent, attempts and evidence or reason;
/// scope violations; the run's summary.
std::string render_report(const engine::run_view& v, const table_style& s);

/// Redraws a block of lines in place on a terminal.
class live_table {
public:
  /// The bytes that move up over the previous drawing, clear it and print
  /// `table`.
  std::string redraw(const std::string& table);
  /// The bytes that erase the drawing (before printing something else).
  std::string clear();

private:
  size_t lines_ = 0;
};

/// "12s", "3m04s", "1h02m".
std::string duration(uint64_t us);

/// `text` cut to at most `columns` columns (UTF-8 aware: one column per
/// code point), with "…" when cut.
std::string fit(const std::string& text, size_t columns);

} // namespace baton::cli
