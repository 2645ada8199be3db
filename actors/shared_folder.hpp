// shared_folder: the workspace's state/ folder (engine/orchestration/
// shared_state), on disk. The orchestrator actor writes what the engine's
// state says after each step, and collects what agents wrote there (mesh
// contracts and lock requests) to record it as inputs. Files are written
// whole (a temporary file renamed over the old one), so an agent never
// reads half of one.
//
// collect() may run on another thread than the rest (the orchestrator's
// scanner), one call at a time. The text of each contract the engine files
// is remembered before its file is written, and a collect compares what it
// reads with it: whatever the order of the two threads, the engine's own
// file is never taken for an agent's (an agent's rewrite of it, with other
// text, is).
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "engine/orchestration/inputs.hpp"
#include "engine/orchestration/orchestrator.hpp"

namespace baton::actors {

class shared_folder {
public:
  /// @param workspace the run's working area (absolute); empty: no folder.
  /// @param deferred sync() hands its writes to the process's file writer
  ///   (actors/detail/file_writer) instead of making them on the caller's
  ///   thread.
  explicit shared_folder(std::string workspace, bool deferred = false);

  /// Rewrites state/tasks.json (swarm) or state/status.json (mesh) when
  /// their text changed. Deferred: soon, off the caller's thread, each
  /// file once with its latest text when it changed again meanwhile (a
  /// mesh's status changes with every agent's state). The files are
  /// informational: a lock's own file, which an agent acts on, and a
  /// contract's are written at once (apply(), file_contract()).
  void sync(const engine::orchestrator& o);

  /// Carries out what a decision changes in the folder: lock files, and
  /// nothing for the others.
  void apply(const engine::orchestrator_decision& d);

  /// Files a CONTRACT line as state/contracts/<agent>--<title>.md.
  /// Thread-safe with collect().
  void file_contract(const engine::protocol_seen& p);

  /// Contract files agents wrote since the last call (not filed by the
  /// engine), as CONTRACT inputs, and lock requests, which are deleted
  /// once returned (the caller records them). Problems (unreadable files)
  /// are returned in `errors`, one line each, naming the file. One call at
  /// a time; thread-safe with file_contract().
  struct collected {
    std::vector<engine::protocol_seen> contracts;
    std::vector<engine::lock_requested> locks;
    std::vector<std::string> errors;
  };
  collected collect();

  const std::string& root() const {
    return root_;
  }

private:
  /// Writes a file of the folder whole, now.
  void write(const std::string& relative, const std::string& text);
  /// write(), or handed to the file writer when deferred.
  void publish(const std::string& relative, const std::string& text);

  std::string root_;
  bool deferred_ = false;
  std::string board_;
  std::string status_;
  /// Contract files read, with their size and time, so a rewritten file is
  /// read again (collect's own).
  std::map<std::string, std::pair<uint64_t, int64_t>> contracts_;
  /// The text of each contract file the engine filed, by name.
  std::mutex filed_mu_;
  std::map<std::string, std::string> filed_;
  /// Files in locks/ that are no request, reported once.
  std::set<std::string> bad_;
};

} // namespace baton::actors
