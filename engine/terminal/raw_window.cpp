#include "engine/terminal/raw_window.hpp"

#include <algorithm>

namespace baton::engine {

raw_window::raw_window(size_t capacity)
  : buf_(std::max<size_t>(capacity, 1), '\0') {
}

void raw_window::append(std::string_view bytes) {
  total_ += bytes.size();
  auto cap = buf_.size();
  // Only the tail can survive; skip what would be overwritten anyway.
  if (bytes.size() > cap)
    bytes.remove_prefix(bytes.size() - cap);
  while (!bytes.empty()) {
    auto n = std::min(bytes.size(), cap - head_);
    std::copy_n(bytes.data(), n, buf_.begin() + head_);
    head_ = (head_ + n) % cap;
    bytes.remove_prefix(n);
    size_ = std::min(cap, size_ + n);
  }
}

std::string raw_window::contents() const {
  auto cap = buf_.size();
  auto start = (head_ + cap - size_) % cap;
  std::string out;
  out.reserve(size_);
  auto first = std::min(size_, cap - start);
  out.append(buf_, start, first);
  out.append(buf_, 0, size_ - first);
  return out;
}

void raw_window::clear() noexcept {
  head_ = 0;
  size_ = 0;
}

} // namespace baton::engine
