// The log actor records what other actors send it and answers only once the
// events are stored; requests arriving together share a commit.
#include "actors/log_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <catch2/catch.hpp>

#include <thread>

#include "actors/log_codec.hpp"
#include "tests/support/events.hpp"
#include "tests/support/temp_dir.hpp"

using namespace baton;

namespace {

struct fixture {
  test::temp_dir dir;
  std::unique_ptr<storage::event_log> log;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  actors::log_actor writer;

  explicit fixture(storage::durability mode = storage::durability::group) {
    storage::options opts;
    opts.mode = mode;
    auto opened = storage::event_log::open(dir / "log", opts);
    REQUIRE(opened.ok());
    log = std::move(*opened);
    cfg.add_message_types<caf::id_block::baton>();
    cfg.set("scheduler.max-threads", 2);
    sys = std::make_unique<caf::actor_system>(cfg);
    writer = sys->spawn(actors::log_actor_impl, log.get());
  }

  ~fixture() {
    caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
    sys.reset(); // waits for the actor, and so for its writer thread
  }

  /// Sends one request and waits for its reply.
  result<storage::append_result> append(caf::scoped_actor& self,
                                        const frame& request) {
    std::optional<result<storage::append_result>> out;
    self->request(writer, caf::infinite, atom::append_v, request)
      .receive([&](frame& reply) { out = actors::decode_append_reply(reply); },
               [&](caf::error& err) {
                 out = error{ec::io_error, caf::to_string(err)};
               });
    REQUIRE(out.has_value());
    return *out;
  }
};

/// A valid frame that is not an AppendRequest: a Note event.
frame note_frame_not_a_request() {
  return test::note_payload("not a request");
}

frame request(std::string_view stream, storage::expected_version expected,
              uint64_t high, uint64_t first, size_t n) {
  auto events = test::note_events(high, first, n);
  return actors::encode_append_request(stream, expected, events);
}

} // namespace

TEST_CASE("the log actor stores a request and replies with its positions",
          "[actors][log_actor]") {
  fixture fx;
  caf::scoped_actor self{*fx.sys};
  auto r = fx.append(
    self, request("worker/a", storage::expected_version::no_stream(), 1, 1, 3));
  REQUIRE(r.ok());
  CHECK(r->first_sequence == 1);
  CHECK(r->last_position == 3);
  auto stored = fx.log->read("worker/a");
  REQUIRE(stored.ok());
  REQUIRE(stored->size() == 3);
  CHECK(test::note_text(stored->back()) == "event 3");
}

TEST_CASE("the log actor passes rejections back as values",
          "[actors][log_actor]") {
  fixture fx;
  caf::scoped_actor self{*fx.sys};
  auto wrong = fx.append(
    self, request("worker/a", storage::expected_version::exact(4), 1, 1, 1));
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.err().code() == ec::wrong_expected_version);
  frame garbage = note_frame_not_a_request();
  auto bad = fx.append(self, garbage);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.err().code() == ec::invalid_argument);
  CHECK(fx.log->last_position() == 0);
}

TEST_CASE("many actors appending at once get gap-free positions",
          "[actors][log_actor]") {
  fixture fx{storage::durability::sync};
  constexpr int senders = 4;
  constexpr int per_sender = 40;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < senders; ++t)
    threads.emplace_back([&fx, &failures, t] {
      caf::scoped_actor self{*fx.sys};
      auto stream = "worker/" + std::to_string(t);
      for (int i = 0; i < per_sender; ++i) {
        auto r
          = fx.append(self, request(stream, storage::expected_version::exact(i),
                                    t + 1, i + 1, 1));
        if (!r.ok() || r->first_sequence != static_cast<uint64_t>(i + 1))
          ++failures;
      }
    });
  for (auto& th : threads)
    th.join();
  CHECK(failures == 0);
  auto all = fx.log->read_all();
  REQUIRE(all.ok());
  REQUIRE(all->size() == senders * per_sender);
  for (size_t i = 0; i < all->size(); ++i)
    CHECK((*all)[i].position() == i + 1);
}
