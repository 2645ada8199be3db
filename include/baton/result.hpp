// `baton::error` and `baton::result<T>`: failures as values.
//
// std::expected is C++23 and absent from g++ 12, so result<T> is a small
// variant. It is [[nodiscard]]: dropping a result is a compile warning, and
// deliberately ignoring one takes the explicit, greppable `ignore(r)`.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "baton/ec.hpp"

namespace baton {

/// An error code plus a message for people. The message names the thing that
/// failed (file and line, stream and sequence) so it can be acted on.
class error {
public:
  error() = default;
  error(ec code, std::string message)
    : code_(code), message_(std::move(message)) {
  }

  ec code() const noexcept {
    return code_;
  }

  const std::string& message() const noexcept {
    return message_;
  }

  /// "<code>: <message>".
  std::string to_string() const;

  friend bool operator==(const error&, const error&) = default;

private:
  ec code_ = ec::none;
  std::string message_;
};

/// Either a T or an error.
template <class T>
class [[nodiscard]] result {
public:
  result(T value) : data_(std::move(value)) {
  }
  result(error err) : data_(std::move(err)) {
  }

  bool ok() const noexcept {
    return data_.index() == 0;
  }
  explicit operator bool() const noexcept {
    return ok();
  }

  /// @pre ok()
  T& value() & {
    return std::get<0>(data_);
  }
  const T& value() const& {
    return std::get<0>(data_);
  }
  T&& value() && {
    return std::get<0>(std::move(data_));
  }
  T* operator->() {
    return &value();
  }
  const T* operator->() const {
    return &value();
  }
  T& operator*() & {
    return value();
  }
  const T& operator*() const& {
    return value();
  }

  /// @pre !ok()
  const error& err() const {
    return std::get<1>(data_);
  }

private:
  std::variant<T, error> data_;
};

/// The result of an operation that yields nothing but may fail.
template <>
class [[nodiscard]] result<void> {
public:
  result() = default;
  result(error err) : err_(std::move(err)) {
  }

  bool ok() const noexcept {
    return err_.code() == ec::none;
  }
  explicit operator bool() const noexcept {
    return ok();
  }
  const error& err() const {
    return err_;
  }

private:
  error err_;
};

/// Drops a result on purpose. Greppable, unlike a cast to void.
template <class T>
void ignore(const result<T>&) {
}

} // namespace baton
