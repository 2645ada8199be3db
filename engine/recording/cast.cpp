#include "engine/recording/cast.hpp"

#include <cstdio>

#include <cstdlib>
#include <variant>

namespace baton::engine {

namespace {

// A small JSON reader for cast lines. Cap'n Proto 0.9.2's JsonCodec would be
// the library of choice, but it decodes "\u001b" as 0x11, and escape
// sequences are most of what a terminal recording holds.
struct json_value;
using json_array = std::vector<json_value>;
using json_object = std::vector<std::pair<std::string, json_value>>;

struct json_value {
  std::variant<std::nullptr_t, bool, double, std::string, json_array,
               json_object>
    v;
};

class json_reader {
public:
  explicit json_reader(std::string_view text) : text_(text) {
  }

  /// Parses one value that must span the whole text.
  result<json_value> parse() {
    auto v = value(0);
    if (!v)
      return v;
    skip_space();
    if (pos_ != text_.size())
      return fail("unexpected text after the value");
    return v;
  }

private:
  error fail(const std::string& what) const {
    return error{ec::parse_error, what + " at column " + std::to_string(pos_ + 1)};
  }

  void skip_space() {
    while (pos_ < text_.size()
           && (text_[pos_] == ' ' || text_[pos_] == '\t'
               || text_[pos_] == '\r' || text_[pos_] == '\n'))
      ++pos_;
  }

  result<json_value> value(int depth) {
    if (depth > 16)
      return fail("nesting too deep");
    skip_space();
    if (pos_ >= text_.size())
      return fail("unexpected end");
    char c = text_[pos_];
    if (c == '"') {
      auto s = string();
      if (!s)
        return s.err();
      return json_value{std::move(*s)};
    }
    if (c == '[')
      return array(depth);
    if (c == '{')
      return object(depth);
    if (text_.substr(pos_, 4) == "true") {
      pos_ += 4;
      return json_value{true};
    }
    if (text_.substr(pos_, 5) == "false") {
      pos_ += 5;
      return json_value{false};
    }
    if (text_.substr(pos_, 4) == "null") {
      pos_ += 4;
      return json_value{nullptr};
    }
    return number();
  }

  result<json_value> number() {
    std::string token;
    while (pos_ < text_.size()
           && std::string_view{"+-0123456789.eE"}.find(text_[pos_])
                != std::string_view::npos)
      token += text_[pos_++];
    char* end = nullptr;
    double d = token.empty() ? 0 : std::strtod(token.c_str(), &end);
    if (token.empty() || end != token.c_str() + token.size())
      return fail("expected a value");
    return json_value{d};
  }

  static void put_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | cp >> 6);
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | cp >> 12);
      out += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | cp >> 18);
      out += static_cast<char>(0x80 | (cp >> 12 & 0x3f));
      out += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  std::optional<uint32_t> hex4() {
    if (pos_ + 4 > text_.size())
      return std::nullopt;
    uint32_t x = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text_[pos_++];
      x <<= 4;
      if (c >= '0' && c <= '9')
        x |= c - '0';
      else if (c >= 'a' && c <= 'f')
        x |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        x |= c - 'A' + 10;
      else
        return std::nullopt;
    }
    return x;
  }

  result<std::string> string() {
    ++pos_; // opening quote
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size())
        break;
      char e = text_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          auto cp = hex4();
          if (!cp)
            return fail("bad \\u escape");
          if (*cp >= 0xd800 && *cp < 0xdc00
              && text_.substr(pos_, 2) == "\\u") {
            pos_ += 2;
            auto low = hex4();
            if (!low || *low < 0xdc00 || *low > 0xdfff)
              return fail("bad surrogate pair");
            *cp = 0x10000 + ((*cp - 0xd800) << 10) + (*low - 0xdc00);
          }
          put_utf8(out, *cp);
          break;
        }
        default: return fail("bad escape");
      }
    }
    if (pos_ >= text_.size())
      return fail("unterminated string");
    ++pos_; // closing quote
    return out;
  }

  result<json_value> array(int depth) {
    ++pos_;
    json_array items;
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      return json_value{std::move(items)};
    }
    for (;;) {
      auto v = value(depth + 1);
      if (!v)
        return v;
      items.push_back(std::move(*v));
      skip_space();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        return json_value{std::move(items)};
      }
      return fail("expected , or ]");
    }
  }

  result<json_value> object(int depth) {
    ++pos_;
    json_object fields;
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      return json_value{std::move(fields)};
    }
    for (;;) {
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] != '"')
        return fail("expected a field name");
      auto name = string();
      if (!name)
        return name.err();
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] != ':')
        return fail("expected :");
      ++pos_;
      auto v = value(depth + 1);
      if (!v)
        return v;
      fields.emplace_back(std::move(*name), std::move(*v));
      skip_space();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        return json_value{std::move(fields)};
      }
      return fail("expected , or }");
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
};

template <class T>
const T* get(const json_value& v) {
  return std::get_if<T>(&v.v);
}

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
    auto root = json_reader{line}.parse();
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

} // namespace baton::engine
