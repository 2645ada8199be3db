#include "engine/recording/cast.hpp"

#include "engine/text/json.hpp"

#include <cstdio>


namespace baton::engine {

namespace {

using text::json_array;
using text::json_object;
using text::json_value;
using text::get;


error bad(std::string_view source, size_t line, const std::string& what) {
  return error{ec::parse_error,
               std::string{source} + ":" + std::to_string(line) + ": " + what};
}

/// Length of the UTF-8 sequence starting with `lead`, 0 if it cannot lead.
size_t sequence_length(uint8_t lead) {
  if (lead < 0x80)
    return 1;
  if (lead >= 0xc2 && lead <= 0xdf)
    return 2;
  if (lead >= 0xe0 && lead <= 0xef)
    return 3;
  if (lead >= 0xf0 && lead <= 0xf4)
    return 4;
  return 0;
}

bool continuation(uint8_t b) {
  return (b & 0xc0) == 0x80;
}

/// Whether `second` may follow `lead` (continuation already checked): rules
/// out overlong forms, UTF-16 surrogates and code points above U+10FFFF.
bool second_byte_ok(uint8_t lead, uint8_t second) {
  switch (lead) {
    case 0xe0: return second >= 0xa0;
    case 0xed: return second <= 0x9f;
    case 0xf0: return second >= 0x90;
    case 0xf4: return second <= 0x8f;
    default: return true;
  }
}

/// How many bytes at the end of `bytes` start a UTF-8 sequence that is not
/// complete yet.
size_t incomplete_tail(std::string_view bytes) {
  for (size_t back = 1; back <= 3 && back <= bytes.size(); ++back) {
    auto lead = static_cast<uint8_t>(bytes[bytes.size() - back]);
    if (continuation(lead))
      continue;
    auto need = sequence_length(lead);
    return need > back ? back : 0;
  }
  return 0;
}

std::string format_time(double t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", t);
  return buf;
}

result<cast_event> parse_event(const json_value& v, std::string_view source,
                               size_t line) {
  auto* a = get<json_array>(v);
  if (a == nullptr || a->size() != 3)
    return bad(source, line, "an event must be [time, kind, data]");
  auto* time = get<double>((*a)[0]);
  auto* kind = get<std::string>((*a)[1]);
  auto* data = get<std::string>((*a)[2]);
  if (time == nullptr || kind == nullptr || data == nullptr)
    return bad(source, line, "an event must be [number, string, string]");
  if (kind->size() != 1
      || std::string_view{"oirm"}.find((*kind)[0]) == std::string_view::npos)
    return bad(source, line, "unknown event kind \"" + *kind
                               + "\" (expected o, i, r or m)");
  if (*time < 0)
    return bad(source, line, "negative event time");
  return cast_event{*time, (*kind)[0], *data};
}

result<cast_header> parse_header(const json_value& v, std::string_view source) {
  auto* fields = get<json_object>(v);
  if (fields == nullptr)
    return bad(source, 1, "the first line must be the header object");
  cast_header h;
  bool version_ok = false;
  for (auto& [name, value] : *fields) {
    auto* number = get<double>(value);
    if (name == "version")
      version_ok = number != nullptr && *number == 2;
    else if (name == "width" && number != nullptr)
      h.width = static_cast<uint16_t>(*number);
    else if (name == "height" && number != nullptr)
      h.height = static_cast<uint16_t>(*number);
    else if (name == "timestamp" && number != nullptr)
      h.timestamp = static_cast<int64_t>(*number);
    else if (name == "title" && get<std::string>(value) != nullptr)
      h.title = *get<std::string>(value);
  }
  if (!version_ok)
    return bad(source, 1, "not an asciinema v2 header (\"version\": 2)");
  if (h.width == 0 || h.height == 0)
    return bad(source, 1, "the header needs a width and a height");
  return h;
}

} // namespace

result<cast> parse_cast(std::string_view text, std::string_view source) {
  cast out;
  size_t line_no = 0;
  double last = 0;
  while (!text.empty()) {
    auto end = text.find('\n');
    auto line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{}
                                         : text.substr(end + 1);
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos)
      continue;
    auto root = text::parse_json(line);
    if (!root)
      return bad(source, line_no, "invalid JSON: " + root.err().message());
    if (line_no == 1) {
      auto h = parse_header(*root, source);
      if (!h)
        return h.err();
      out.header = std::move(*h);
      continue;
    }
    auto ev = parse_event(*root, source, line_no);
    if (!ev)
      return ev.err();
    if (ev->time < last)
      return bad(source, line_no, "event time goes backwards ("
                                    + format_time(ev->time) + " after "
                                    + format_time(last) + ")");
    last = ev->time;
    out.events.push_back(std::move(*ev));
  }
  if (line_no == 0)
    return bad(source, 1, "empty recording");
  return out;
}

std::string json_string(std::string_view bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < bytes.size();) {
    auto b = static_cast<uint8_t>(bytes[i]);
    if (b < 0x80) {
      switch (b) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (b < 0x20 || b == 0x7f) {
            out += "\\u00";
            out += hex[b >> 4];
            out += hex[b & 0xf];
          } else {
            out += static_cast<char>(b);
          }
      }
      ++i;
      continue;
    }
    auto n = sequence_length(b);
    bool ok = n > 1 && i + n <= bytes.size();
    for (size_t k = 1; ok && k < n; ++k)
      ok = continuation(static_cast<uint8_t>(bytes[i + k]));
    if (ok)
      ok = second_byte_ok(b, static_cast<uint8_t>(bytes[i + 1]));
    if (ok) {
      out.append(bytes.substr(i, n));
      i += n;
    } else {
      out += "\xef\xbf\xbd"; // U+FFFD
      ++i;
    }
  }
  out += '"';
  return out;
}

std::string cast_writer::header_line(const cast_header& header) {
  std::string out = "{\"version\": 2, \"width\": " + std::to_string(header.width)
                    + ", \"height\": " + std::to_string(header.height);
  if (header.timestamp)
    out += ", \"timestamp\": " + std::to_string(*header.timestamp);
  if (!header.title.empty())
    out += ", \"title\": " + json_string(header.title);
  out += "}\n";
  return out;
}

std::string cast_writer::event_line(double time, char kind,
                                    std::string_view bytes) {
  auto& pending = kind == 'i' ? pending_input_ : pending_output_;
  std::string data = pending + std::string{bytes};
  auto tail = incomplete_tail(data);
  pending = data.substr(data.size() - tail);
  data.resize(data.size() - tail);
  if (data.empty())
    return {};
  return "[" + format_time(time) + ", \"" + std::string(1, kind) + "\", "
         + json_string(data) + "]\n";
}

std::string cast_writer::flush(double time, char kind) {
  auto& pending = kind == 'i' ? pending_input_ : pending_output_;
  if (pending.empty())
    return {};
  auto line = "[" + format_time(time) + ", \"" + std::string(1, kind) + "\", "
              + json_string(pending) + "]\n";
  pending.clear();
  return line;
}

} // namespace baton::engine
