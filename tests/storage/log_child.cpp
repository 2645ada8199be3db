// The child process of the crash and lock tests.
//
//   storage_log_child write <dir> <mode> <threads> <cycle> <ack-file>
//     Opens the log in <dir> with durability <mode> and appends from
//     <threads> threads until killed. Append i (counted over all threads from
//     0) carries one Note event "event <i>" with id from_parts(<cycle>, i) and
//     logical time i to stream "s<i % 4>". After each acknowledged append it
//     writes the line "<i>" to <ack-file> with one write(2) on an O_APPEND
//     descriptor, so the file lists exactly what was acknowledged.
//
//   storage_log_child hold <dir>
//     Opens the log for writing, prints "ready" (or "error <code> <text>"),
//     then serves lines from stdin: "append <stream> <count>" appends <count>
//     events and prints "ok <last position>"; "quit" closes the log and exits.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "storage/event_log.hpp"
#include "tests/support/events.hpp"

using namespace baton;

namespace {

int usage() {
  std::cerr << "usage: storage_log_child write <dir> <mode> <threads> "
               "<cycle> <ack-file>\n"
               "       storage_log_child hold <dir>\n";
  return 64;
}

void write_all(int fd, const std::string& text) {
  // One write(2): a line on an O_APPEND descriptor lands whole.
  auto n = ::write(fd, text.data(), text.size());
  if (n != static_cast<ssize_t>(text.size())) {
    std::perror("ack write");
    _exit(4);
  }
}

void append_forever(storage::event_log& log, std::atomic<uint64_t>& next,
                    uint64_t cycle, int ack_fd) {
  for (;;) {
    auto i = next.fetch_add(1);
    auto stream = "s" + std::to_string(i % 4);
    auto ev = test::note_event(event_id::from_parts(cycle, i),
                               "event " + std::to_string(i), i);
    auto r = log.append(stream, storage::expected_version::any(), {&ev, 1});
    if (!r) {
      std::cerr << "append " << i << " failed: " << r.err().to_string() << "\n";
      _exit(3);
    }
    write_all(ack_fd, std::to_string(i) + "\n");
  }
}

int run_writer(char** argv) {
  std::string dir = argv[0];
  auto mode = storage::parse_durability(argv[1]);
  auto threads = std::stoi(argv[2]);
  auto cycle = std::stoull(argv[3]);
  int ack_fd = ::open(argv[4], O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (!mode || threads < 1 || ack_fd < 0)
    return usage();
  storage::options opts;
  opts.mode = *mode;
  auto log = storage::event_log::open(dir, opts);
  if (!log) {
    std::cerr << "open failed: " << log.err().to_string() << "\n";
    return 2;
  }
  std::atomic<uint64_t> next{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&log, &next, cycle, ack_fd] {
      append_forever(**log, next, cycle, ack_fd);
    });
  for (auto& w : workers)
    w.join();
  return 0;
}

int serve(storage::event_log& log) {
  uint64_t counter = 0;
  auto high = static_cast<uint64_t>(getpid());
  std::string command;
  while (std::cin >> command) {
    if (command == "quit")
      break;
    std::string stream;
    size_t count = 0;
    if (command != "append" || !(std::cin >> stream >> count)) {
      std::cout << "error bad command" << std::endl;
      continue;
    }
    auto events = test::note_events(high, counter + 1, count);
    counter += count;
    auto r = log.append(stream, storage::expected_version::any(), events);
    if (r)
      std::cout << "ok " << log.last_position() << std::endl;
    else
      std::cout << "error " << r.err().to_string() << std::endl;
  }
  return 0;
}

int run_holder(char** argv) {
  auto log = storage::event_log::open(argv[0]);
  if (!log) {
    std::cout << "error " << to_string(log.err().code()) << " "
              << log.err().message() << std::endl;
    return 2;
  }
  std::cout << "ready" << std::endl;
  auto rc = serve(**log);
  log->reset();
  std::cout << "bye" << std::endl;
  return rc;
}

} // namespace

int main(int argc, char** argv) {
  if (argc == 7 && std::string{argv[1]} == "write")
    return run_writer(argv + 2);
  if (argc == 3 && std::string{argv[1]} == "hold")
    return run_holder(argv + 2);
  return usage();
}
