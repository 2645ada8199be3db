// The messages between the engine and `baton host`: each survives its codec,
// and a frame that is not one is refused with what it is not.
#include "actors/remote/host_protocol.hpp"

#include <catch2/catch.hpp>

#include "actors/log_codec.hpp"
#include "actors/messages.hpp"
#include "tests/support/events.hpp"

using namespace baton;
using namespace baton::actors;
using namespace baton::actors::remote;

TEST_CASE("host messages survive their codecs", "[actors][remote]") {
  host_hello h;
  h.run = "m:/runs/a#01";
  h.host = "build1";
  h.engine = 7;
  h.durable = {{"worker/a", 12}, {"worker/b", 0}};
  h.reports_through = 5;
  h.process = 99;
  h.plan_text = "[agents.a]\npreset = \"sim\"\n";
  h.plan_dir = "/p";
  h.workspace = "/w";
  h.log_dir = "/l";
  auto h2 = decode_hello(encode(h));
  REQUIRE(h2.ok());
  CHECK(h2->run == h.run);
  CHECK(h2->durable == h.durable);
  CHECK(h2->reports_through == 5);
  CHECK(h2->process == 99);
  CHECK(h2->plan_text == h.plan_text);
  CHECK(h2->log_dir == "/l");

  host_command spawn;
  spawn.engine = 1;
  spawn.decision = 3;
  spawn.agent = "a";
  spawn.what = worker_spawn{.id_high = 42, .resumed = true, .checkpoint = {},
                            .clock_base = 1000, .stop_grace_ms = 250};
  auto s2 = decode_command(encode(spawn));
  REQUIRE(s2.ok());
  CHECK(s2->decision == 3);
  REQUIRE(std::holds_alternative<worker_spawn>(s2->what));
  CHECK(std::get<worker_spawn>(s2->what).id_high == 42);
  CHECK(std::get<worker_spawn>(s2->what).resumed);
  CHECK(std::get<worker_spawn>(s2->what).clock_base == 1000);

  host_command cmd;
  cmd.agent = "a";
  cmd.what = encode_worker_command(prompt_command{"do it", "dispatch"});
  auto c2 = decode_command(encode(cmd));
  REQUIRE(c2.ok());
  REQUIRE(std::holds_alternative<frame>(c2->what));
  auto wc = decode_worker_command(std::get<frame>(c2->what));
  REQUIRE(wc.ok());
  CHECK(std::get<prompt_command>(*wc).text == "do it");

  host_shipment sh;
  sh.process = 99;
  storage::append_request r;
  r.stream = "worker/a";
  r.expected = storage::expected_version::exact(4);
  r.events = baton::test::note_events(77, 1, 3);
  sh.streams.push_back(r);
  sh.reports.push_back({6, {}, "a"});
  auto sh2 = decode_shipment(encode(sh));
  REQUIRE(sh2.ok());
  REQUIRE(sh2->streams.size() == 1);
  CHECK(sh2->streams[0].stream == "worker/a");
  CHECK(sh2->streams[0].expected.version() == 4);
  REQUIRE(sh2->streams[0].events.size() == 3);
  CHECK(sh2->streams[0].events[2].id == r.events[2].id);
  CHECK(sh2->streams[0].events[2].payload == r.events[2].payload);
  REQUIRE(sh2->reports.size() == 1);
  CHECK(sh2->reports[0].number == 6);
  CHECK(sh2->reports[0].quit == "a");

  host_ack ack{{{"worker/a", 7}}, 6, "a gap"};
  auto a2 = decode_ack(encode(ack));
  REQUIRE(a2.ok());
  CHECK(a2->durable == ack.durable);
  CHECK(a2->error == "a gap");
}

TEST_CASE("a frame that is not a host message is refused, naming it",
          "[actors][remote]") {
  auto sh = decode_shipment(frame{});
  REQUIRE(!sh.ok());
  CHECK(sh.err().message().find("not a valid HostShipment") != std::string::npos);
  auto h = decode_hello(frame{});
  REQUIRE(!h.ok());
  CHECK(h.err().message().find("HostHello") != std::string::npos);
}
