// runner: the sim's main loop. Draws the idle prompt, reads what is typed,
// plays the turn that answers each submitted input (spinner, tool rows,
// permission prompts, protocol lines) and returns to the idle prompt.
//
// Determinism: given the same options, the same input bytes and the same
// terminal width, the bytes written are the same on every run. Spinner frames
// are counted per step (their shown seconds come from that count), not read
// from a clock; delays only decide when bytes are written. Input bytes that
// arrive while a turn plays are queued and used afterwards, except Ctrl-C,
// which interrupts the turn; where in the output an interruption or a resize
// happens depends on when it arrives.
#pragma once

#include <deque>
#include <optional>
#include <string>

#include "sim/input.hpp"
#include "sim/mcp_client.hpp"
#include "sim/options.hpp"
#include "sim/port.hpp"
#include "sim/rng.hpp"
#include "sim/screen.hpp"
#include "sim/turn_source.hpp"

namespace baton::sim {

struct run_outcome {
  int exit_code = 0;
  /// The sim crashed on purpose: the caller leaves at once, mid-line.
  bool crashed = false;
};

class runner {
public:
  runner(port& io, const sim_options& opts, turn_source turns);

  /// Runs until the input ends, Ctrl-C or Ctrl-D at an empty prompt, an
  /// `exit` or `crash` step, or the output closes (exit code 1).
  run_outcome run();

private:
  void emit(std::string_view bytes);
  void absorb(const input_chunk& chunk);
  std::optional<key_event> next_key();
  std::optional<std::string> read_prompt();
  bool read_permission();
  void pause(uint64_t millis, bool scaled);
  bool stopped() const;

  void play(const turn& t);
  size_t play_protocol(const turn& t, size_t i);
  void play_step(const step& s);
  void play_ask(const step& s);
  void play_work(uint64_t frames, std::string_view verb);
  void play_noise(const step& s);
  void play_write(const step& s);
  void play_mcp(const step& s);
  void play_mcp_wait(const step& s);
  void play_mcp_report(const step& s);
  /// The MCP server "baton", started on first use; null (and the reason
  /// in mcp_error_) when it cannot be.
  mcp_client* mcp();
  void print(const std::vector<std::string>& rows);
  void print_worked();
  std::string spinner() const;
  void enter_working();

  port& io_;
  sim_options opts_;
  turn_source turns_;
  screen screen_;
  input_decoder decoder_;
  line_editor editor_;
  std::deque<key_event> keys_;
  rng noise_;
  std::string verb_ = "Working";
  size_t verb_index_ = 0;
  /// Spinner frames shown in this turn; 10 make a second of shown time.
  uint64_t frame_ = 0;
  bool eof_ = false;
  bool closed_ = false;
  bool interrupted_ = false;
  bool turn_over_ = false;
  std::optional<int> exit_;
  std::optional<int> crash_;
  std::unique_ptr<mcp_client> mcp_;
  std::string mcp_error_;
  /// The tasks mcp_wait saw settle, and whether each passed.
  std::vector<std::pair<std::string, bool>> settled_;
};

} // namespace baton::sim
