// Files written for agents to read (their checkpoint file), off the actors'
// threads: an actor hands over the path and the whole new content and goes
// on; one thread writes them, gathering what arrives within 50 ms, so a
// file updated again before it was written is written once, with its
// latest content. Each is rewritten in place (the new content over the
// old, then cut to its length), not as a new file renamed over it: on a
// full ext4 disk a new inode per write cost about 1 ms against 13 µs, and
// thousands of agents updating their files several times per task made it
// the largest cost of a run. A reader racing a rewrite may see the two
// mixed; an agent is pointed at its file only right after it was written
// (write_now). A file agents parse while it changes (the state/ folder's
// JSON) is put with `whole`: written to a temporary file renamed over the
// old, so a reader sees one content or the other, never a mix. Nothing here
// is part of the record: the log is.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace baton::actors::detail {

class file_writer {
public:
  /// The process's writer (its thread starts on first use, and writes what
  /// is pending before the process exits).
  static file_writer& instance();

  file_writer();
  ~file_writer();
  file_writer(const file_writer&) = delete;
  file_writer& operator=(const file_writer&) = delete;

  /// Writes `content` to `path` (creating its directory) soon. `whole`:
  /// replaced at once (see above) instead of rewritten in place.
  void put(std::string path, std::string content, bool whole = false);

  /// Writes `content` to `path` on the caller's thread (what was pending
  /// for it is superseded): for a file the agent is about to be told to
  /// read.
  void write_now(const std::string& path, const std::string& content);

  /// Waits until everything handed over so far is written.
  void flush();

private:
  /// How long updates are gathered before a batch is written.
  static constexpr std::chrono::milliseconds gather{50};
  /// Writes of one path are serialised by one of these (by its hash), so
  /// that write_now never waits for a whole batch, only for a write of a
  /// file that shares its stripe.
  static constexpr size_t stripes = 64;

  struct version {
    uint64_t generation = 0;
    std::string content;
    bool whole = false;
  };

  void run();
  /// Writes `v` to `path` under its stripe, unless a later content of the
  /// path was written already.
  void write_one(const std::string& path, const version& v);

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_;
  std::map<std::string, version> pending_;
  /// Each content handed over gets the next generation; per path, the
  /// generation on disk.
  uint64_t generation_ = 0;
  std::map<std::string, uint64_t> written_;
  /// Files whose last write failed (each said once on stderr).
  std::set<std::string> failing_;
  std::mutex stripe_[stripes];
  bool writing_ = false;
  /// Callers of flush() waiting: no gathering meanwhile.
  int flushing_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

/// Writes `content` over `path` (made with its directory when missing)
/// and cuts it to that length; false when it could not.
bool write_file_in_place(const std::string& path, const std::string& content);

/// Writes `content` to `path`.tmp (made with its directory when missing)
/// and renames it over `path`; the error, naming the file, when it could
/// not (empty when it could).
std::string write_file_whole(const std::string& path,
                             const std::string& content);

} // namespace baton::actors::detail
