// A message's purpose: recorded as a value in runs of record version 1, read
// off the `why` sentence in older ones, the same either way.
#include "engine/purpose.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <catch2/catch.hpp>

#include "engine/checkpoint/checkpoint.hpp"
#include "engine/orchestration/orchestrator_event.hpp"
#include "engine/purpose_event.hpp"

using namespace baton;
using namespace baton::engine;

namespace {

using k = purpose_kind;

/// A recorded AgentTold with `why` and, when set, `p`.
purpose recorded(const std::string& why, const purpose& p = {}) {
  auto f = to_event(tell_agent{"backend", "text", why, p}, record_version);
  capnp::FlatArrayMessageReader r{f.words()};
  auto told = r.getRoot<schema::Event>().getAgentTold();
  CHECK(told.hasPurpose() == !p.empty());
  return purpose_of(told);
}

} // namespace

TEST_CASE("each sentence the engine wrote as why reads as its purpose",
          "[engine][purpose]") {
  struct row {
    std::string why;
    purpose want;
  };
  std::vector<row> rows{
    {"dispatch of task api, attempt 2", {k::dispatch, "api", 2}},
    {"dispatch of task api", {k::dispatch, "api", 1}},
    {"retry of task api", {k::retry, "api"}},
    {"reassign of task api", {k::withdrawn, "api"}},
    {"contract from backend", {k::contract, {}, 0, "backend"}},
    {"need from web", {k::need, {}, 0, "web"}},
    // A route between teams, as supervisor chains recorded it.
    {"need from web, team front -> team back", {k::need, {}, 0, "web"}},
    {"need from web via lead front -> lead back", {k::need, {}, 0, "web"}},
    {"checkpoint after context compaction", {k::checkpoint}},
    {"status asked for task api (2 of 3)", {k::status, "api", 2}},
    {"loop on task api: nudge", {k::nudge, "api", 0, {}, "loop"}},
    {"stall on task api: nudge", {k::nudge, "api", 0, {}, "stall"}},
    {"stall on task api: reassign", {k::withdrawn, "api"}},
    {"deadlock: stub of api/schema.json for web",
     {k::stub, {}, 0, "web", "api/schema.json"}},
    {"stub replaced by api", {k::stub_replaced, {}, 0, "api"}},
    {"lock granted: state/plan.md",
     {k::lock_granted, {}, 0, {}, "state/plan.md"}},
    {"approval a3 denied", {k::approval, {}, 0, {}, "a3"}},
    {"approval a3: allow (rule 1)", {k::approval, {}, 0, {}, "a3"}},
    {"stopped by team back gave up",
     {k::team_stopped, {}, 0, {}, "team back gave up"}},
    {"scope violation by web", {k::scope, {}, 0, "web"}},
    {"the operator (ana, o2) typed it", {k::by_operator, {}, 0, "ana"}},
    {"task api cancelled by the operator (ana, o3)", {k::withdrawn, "api"}},
    {"something a newer engine says", {}},
    {"", {}},
  };
  for (auto& r : rows) {
    INFO(r.why);
    CHECK(purpose_of(purpose{}, r.why) == r.want);
    CHECK(recorded(r.why) == r.want);
  }
}

TEST_CASE("a typed purpose is what is read, whatever the sentence says",
          "[engine][purpose]") {
  purpose typed{k::retry, "api", 3, {}, {}};
  CHECK(purpose_of(typed, "need from web") == typed);
  CHECK(recorded("anything", typed) == typed);
  purpose full{k::scope, "page", 2, "web", "api/routes.ts"};
  CHECK(recorded("scope violation by web", full) == full);
  // The decision read back is the one recorded: replay compares bytes.
  auto f = to_event(tell_agent{"api", "t", "w", full, "o1", true},
                    record_version);
  auto back = decision_from_event(
    capnp::FlatArrayMessageReader{f.words()}.getRoot<schema::Event>());
  REQUIRE(back);
  CHECK(to_event(*back, record_version) == f);
  CHECK(std::get<tell_agent>(*back).purpose == full);
}

TEST_CASE("an unset purpose leaves the event's bytes as version 0 wrote them",
          "[engine][purpose]") {
  auto without
    = to_event(tell_agent{"api", "t", "retry of task api"}, record_version);
  auto with = to_event(
    tell_agent{"api", "t", "retry of task api", {k::retry, "api", 2}},
    record_version);
  CHECK(without != with);
  capnp::MallocMessageBuilder b;
  auto told = b.initRoot<schema::Event>().initAgentTold();
  told.setAgent("api");
  told.setText("t");
  told.setWhy("retry of task api");
  CHECK(frame::from(b) == without);
}

TEST_CASE("a kind a later version added reads as unset, its sentence as "
          "before",
          "[engine][purpose]") {
  capnp::MallocMessageBuilder b;
  auto told = b.initRoot<schema::Event>().initAgentTold();
  told.setWhy("retry of task api");
  told.initPurpose().setKind(static_cast<schema::Purpose::Kind>(99));
  CHECK(read_purpose(told.asReader().getPurpose()).empty());
  CHECK(purpose_of(told.asReader()) == purpose{k::retry, "api"});
  CHECK(to_string(k::stub_replaced) == "stub_replaced");
  CHECK(to_string(k::by_operator) == "operator");
  CHECK(to_string(static_cast<k>(99)).empty());
}

TEST_CASE("the checkpoint fold reads a typed purpose, and passes over the "
          "checkpoint it typed itself",
          "[engine][purpose][checkpoint]") {
  checkpoint_fold fold;
  uint64_t seq = 0;
  auto prompt = [&](const std::string& text, const std::string& why,
                    const purpose& p) {
    capnp::MallocMessageBuilder b;
    auto r = b.initRoot<schema::Event>().initPromptRequested();
    r.setText(text);
    r.setWhy(why);
    if (!p.empty())
      write_purpose(r.initPurpose(), p);
    fold.apply(++seq, b.getRoot<schema::Event>().asReader());
  };
  // A sentence no fold knows: the value decides.
  prompt("Task api: The todo API", "given", {k::dispatch, "api", 3});
  CHECK(fold.summary().task == "api");
  CHECK(fold.summary().attempt == 3);
  CHECK(fold.summary().next_step == "start the task");
  prompt("CONTRACT from docs: schema v1", "told", {k::contract, {}, 0, "docs"});
  CHECK(fold.summary().contracts
        == std::vector<std::string>{"CONTRACT from docs: schema v1"});
  prompt("Your context was compacted. Where you are: ...", "checkpoint",
         {k::checkpoint});
  CHECK(fold.summary().next_step == "start the task");
  // The same in a run of version 0: the sentence decides.
  prompt("Your context was compacted. Where you are: ...",
         "checkpoint after context compaction", {});
  CHECK(fold.summary().next_step == "start the task");
  prompt("Attempt 4 of 4 for task api: fix it", "retry of task api", {});
  CHECK(fold.summary().next_step == "Attempt 4 of 4 for task api: fix it");
}

TEST_CASE("a dispatch's and an approval's prompt say why in a sentence, and "
          "from version 1 as a value the sentence also reads as",
          "[engine][purpose]") {
  dispatch_task d{"api", "backend", 2, "Task api: ..."};
  auto v1 = reason_of(d, 1);
  CHECK(v1.why == "dispatch of task api, attempt 2");
  CHECK(v1.purpose == purpose{k::dispatch, "api", 2});
  auto v0 = reason_of(d, 0);
  CHECK(v0.why == v1.why);
  CHECK(v0.purpose.empty());
  CHECK(purpose_of({}, v0.why) == v1.purpose);
  decide_approval a{"a3",
                    "backend",
                    approval_answer::allow,
                    {approval_by_kind::rule, 1},
                    "policy"};
  auto a1 = reason_of(a, 1);
  CHECK(a1.why == "approval a3: allow (rule 1)");
  CHECK(a1.purpose == purpose{k::approval, {}, 0, "rule 1", "a3"});
  CHECK(reason_of(a, 0).purpose.empty());
  CHECK(purpose_of({}, a1.why).what == "a3");
}
