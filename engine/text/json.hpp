// A small, strict JSON reader: values as std::variant, errors as values with
// the column. Cap'n Proto 0.9.2's JsonCodec would be the library of choice,
// but its decoder turns "\u001b" into 0x11, and escape sequences are most of
// what terminal recordings hold. Used for .cast files and JSON artifacts.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "engine/result.hpp"

namespace baton::engine::text {

struct json_value;
using json_array = std::vector<json_value>;
using json_object = std::vector<std::pair<std::string, json_value>>;

struct json_value {
  std::variant<std::nullptr_t, bool, double, std::string, json_array,
               json_object>
    v;
};

/// Parses one JSON value spanning all of `text` (surrounding blanks allowed).
/// Nesting deeper than 64 levels is refused.
/// Errors: ec::parse_error, "<what> at column N".
result<json_value> parse_json(std::string_view text);

/// The value as a T, or nullptr when it holds another type.
template <class T>
inline const T* get(const json_value& v) {
  return std::get_if<T>(&v.v);
}

} // namespace baton::engine::text
