#include "engine/text/json.hpp"

#include <cstdlib>
#include <optional>

namespace baton::engine::text {

namespace {

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
    if (depth > 64)
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

} // namespace

result<json_value> parse_json(std::string_view text) {
  return json_reader{text}.parse();
}

} // namespace baton::engine::text
