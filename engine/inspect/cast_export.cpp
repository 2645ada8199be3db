#include "engine/inspect/cast_export.hpp"

#include <algorithm>

namespace baton::engine {

namespace {

std::string_view bytes_of(capnp::Data::Reader d) {
  return {reinterpret_cast<const char*>(d.begin()), d.size()};
}

} // namespace

cast_export::cast_export(cast_export_options opts) : opts_(std::move(opts)) {
}

std::string cast_export::header() {
  if (header_written_)
    return {};
  header_written_ = true;
  cast_header h;
  if (cols_ > 0 && rows_ > 0) {
    h.width = cols_;
    h.height = rows_;
  }
  h.title = opts_.title;
  return cast_writer::header_line(h);
}

double cast_export::seconds(uint64_t logical_time) {
  // Logical time is kept per stream and never goes back, but a cast must
  // not either, whatever the log holds.
  auto t = logical_time > origin_us_
             ? static_cast<double>(logical_time - origin_us_) / 1e6
             : 0.0;
  last_ = std::max(last_, t);
  return last_;
}

std::string cast_export::line(uint64_t logical_time, char kind,
                              std::string_view data) {
  if (logical_time < opts_.from_us || logical_time > opts_.to_us)
    return {};
  std::string out;
  if (!header_written_) {
    origin_us_ = logical_time;
    out = header();
  }
  auto t = seconds(logical_time);
  std::string text;
  if (kind == 'm' || kind == 'r') {
    // Markers and resizes hold no terminal bytes: flush what is held first.
    text = writer_.flush(t, 'o') + writer_.flush(t, 'i')
           + cast_writer{}.event_line(t, kind, data);
  } else {
    text = writer_.event_line(t, kind, data);
  }
  written_ += static_cast<uint64_t>(std::count(text.begin(), text.end(), '\n'));
  return out + text;
}

std::string cast_export::started(uint64_t logical_time, uint16_t cols,
                                 uint16_t rows) {
  std::string out;
  bool resized = starts_ > 0 && (cols != cols_ || rows != rows_);
  bool restart = starts_ > 0;
  cols_ = cols;
  rows_ = rows;
  ++starts_;
  if (!header_written_)
    return {}; // the header carries the size
  if (restart)
    out += line(logical_time, 'm', "restart");
  if (resized)
    out += line(logical_time, 'r',
                std::to_string(cols) + "x" + std::to_string(rows));
  return out;
}

std::string cast_export::apply(uint64_t logical_time,
                               schema::Event::Reader e) {
  switch (e.which()) {
    case schema::Event::PROCESS_STARTED: {
      auto s = e.getProcessStarted();
      return started(logical_time, s.getColumns(), s.getRows());
    }
    case schema::Event::PTY_OUTPUT:
      return line(logical_time, 'o', bytes_of(e.getPtyOutput().getBytes()));
    case schema::Event::PTY_INPUT:
      return line(logical_time, 'i', bytes_of(e.getPtyInput().getBytes()));
    default: return {};
  }
}

std::string cast_export::finish() {
  auto out = header();
  auto rest = writer_.flush(last_, 'o') + writer_.flush(last_, 'i');
  written_ += static_cast<uint64_t>(std::count(rest.begin(), rest.end(), '\n'));
  return out + rest;
}

} // namespace baton::engine
