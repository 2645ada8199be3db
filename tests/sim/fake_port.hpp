// fake_port: a sim::port for tests. Input is a list of chunks handed out one
// per blocking read; reads with a deadline (the sim's delays) advance virtual
// time and hand out the `during_work` chunks, one per read, so a test decides
// exactly where in a turn typed input lands. Output and written files are
// captured.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sim/port.hpp"

namespace baton::test {

class fake_port final : public sim::port {
public:
  explicit fake_port(std::vector<std::string> inputs, int columns = 80)
    : inputs_(std::move(inputs)), columns_(columns) {
  }

  bool write(std::string_view bytes) override {
    out.append(bytes);
    ++writes;
    return true;
  }

  sim::input_chunk read(std::optional<clock::time_point> until) override {
    sim::input_chunk chunk;
    if (until) {
      if (next_timed_ < during_work.size()) {
        chunk.bytes = during_work[next_timed_++];
        return chunk;
      }
      now_ = std::max(now_, *until);
      return chunk;
    }
    if (next_ < inputs_.size())
      chunk.bytes = inputs_[next_++];
    else
      chunk.eof = true;
    return chunk;
  }

  clock::time_point now() override {
    return now_;
  }

  int columns() override {
    return columns_;
  }

  std::string write_file(const std::string& path,
                         const std::string& content) override {
    files[path] = content;
    return {};
  }

  /// Input handed out by reads with a deadline, one chunk per read.
  std::vector<std::string> during_work;
  /// Everything written, in order.
  std::string out;
  size_t writes = 0;
  std::map<std::string, std::string> files;

private:
  std::vector<std::string> inputs_;
  size_t next_ = 0;
  size_t next_timed_ = 0;
  int columns_;
  clock::time_point now_{};
};

} // namespace baton::test
