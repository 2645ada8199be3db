// tty_port: the sim's port on the real stdin and stdout. When stdin is a
// terminal it is put in raw mode (restored on destruction, or by restore()
// before a deliberate crash); SIGWINCH is turned into `resized` chunks
// through a self-pipe. Only one tty_port may exist at a time.
#pragma once

#include <termios.h>

#include "sim/port.hpp"

namespace baton::sim {

class tty_port final : public port {
public:
  /// @param fallback_columns the width when stdout is not a terminal.
  explicit tty_port(int fallback_columns);
  ~tty_port() override;
  tty_port(const tty_port&) = delete;
  tty_port& operator=(const tty_port&) = delete;

  bool write(std::string_view bytes) override;
  input_chunk read(std::optional<clock::time_point> until) override;
  clock::time_point now() override;
  int columns() override;
  std::string write_file(const std::string& path,
                         const std::string& content) override;

  /// Puts the terminal mode back as it was; idempotent.
  void restore();

private:
  int fallback_columns_;
  bool raw_ = false;
  bool eof_ = false;
  termios saved_{};
};

} // namespace baton::sim
