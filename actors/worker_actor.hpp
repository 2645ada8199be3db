// The worker actor: one agent in a terminal, driven by Baton.
//
// It owns a session_core (screen, detector, protocol tracker, acknowledged
// input) and the agent's terminal, and follows record, then apply, then act:
//
//   terminal output ─▶ record ptyOutput (relaxed) ─▶ core.output()
//   timer           ─▶ record timerFired (relaxed) ─▶ core.tick()
//   process exit    ─▶ record processExited        ─▶ core.exited()
//   command         ─▶ record promptRequested / agentRestarted /
//                      stopRequested                ─▶ core.prompt() ...
//   what the core derived (state changes, protocol lines, compaction
//   markers, finished deliveries) and every write it asks for (ptyInput)
//   ─▶ record ─▶ write to the terminal, report to the supervisor
//
// Its stream is "worker/<name>". Raw output is appended relaxed
// (acknowledged once written to the OS): it is bulky, a power cut may only
// lose its tail, and the next strict append (any derived event or write)
// makes it durable, so the log stays a prefix. Everything the worker decides
// or types is strict (the run's durability mode).
//
// Agent-agnostic: the pack and the terminal (a PTY running the agent's
// command line, or an in-process stand-in) are configuration. Time comes
// from the composition root's clock and is recorded with every input.
//
// It never blocks: appends go through the log actor; requests it makes
// install error handlers (a failed append stops the worker and its agent).
// The worker quits once its agent has exited after a stop command.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/agent_terminal.hpp"
#include "actors/detail/journal.hpp"
#include "actors/interfaces.hpp"
#include "actors/terminal/session_core.hpp"
#include "engine/checkpoint/checkpoint.hpp"
#include "engine/detect/pack.hpp"

namespace baton::actors {

/// Logical time in microseconds; must not go backwards.
using logical_clock = std::function<uint64_t()>;

struct worker_config {
  /// The agent's name; its stream is "worker/<name>".
  std::string name;
  /// Where the agent runs. Required.
  std::unique_ptr<agent_terminal> terminal;
  /// The detector pack. Required.
  std::shared_ptr<const engine::detect::pack> pack;
  /// Monitor and delivery options (the screen size should match the
  /// terminal's).
  terminal::session_core_options core;
  /// The log actor. Required.
  log_actor log;
  /// The run's logical clock. Required.
  logical_clock clock;
  /// High half of this worker's event ids (unique per run and incarnation).
  uint64_t id_high = 0;
  /// Receives WorkerReport frames (the supervisor). Required.
  std::function<void(frame)> report;
  /// Grace between SIGTERM and SIGKILL on a stop that is not immediate.
  /// Default: 2 s.
  std::chrono::milliseconds stop_grace{2000};
  /// The worker continues a stream of a run the engine was stopped in
  /// (baton resume): its first session is recorded as resumed.
  bool resumed = false;
  /// The run's record format (RunStarted.version): what its sessions record.
  uint16_t record_version = 0;
  /// The agent's directory (absolute): its checkpoint file is kept in
  /// `.baton/checkpoint.md` there. Empty: no file.
  std::string workdir;
  /// Its checkpoint fold's saved state when resuming (else empty).
  frame checkpoint;
  /// A snapshot of its checkpoint fold is saved every this many events of
  /// its stream (0: never; plan [policy] snapshot_every).
  uint64_t snapshot_every = 0;
};

struct worker_state {
  static inline const char* name = "baton.worker";
  worker_config cfg;
  std::unique_ptr<terminal::session_core> core;
  /// The re-orientation summary, folded from the stream as it is recorded
  /// (the same fold `baton checkpoint` runs over the log).
  engine::checkpoint_fold checkpoint;
  /// The sequence of its stream the last snapshot was saved at.
  uint64_t snapshot_at = 0;
  std::unique_ptr<detail::journal> journal;
  /// The deadline a tick is armed for (0: none).
  uint64_t armed = 0;
  bool running = false;
  bool stopping = false;
  /// The engine asked for a fresh process while this one ran: started
  /// again once its exit is recorded.
  bool restart_after_exit = false;
  /// Incarnations of the agent's process (1 after the first start).
  uint32_t starts = 0;
};

/// The worker's behaviour. Send it (start) once to spawn the agent.
worker_actor::behavior_type
worker_actor_impl(worker_actor::stateful_pointer<worker_state> self,
                  std::shared_ptr<worker_config> cfg);

} // namespace baton::actors
