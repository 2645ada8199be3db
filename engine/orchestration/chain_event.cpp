#include "engine/orchestration/chain_event.hpp"

#include "engine/capnp_text.hpp"
#include "engine/recorded_enums.hpp"

namespace baton::engine {

namespace {

unsigned count(const std::vector<std::string>& v) {
  return static_cast<unsigned>(v.size());
}

// -- the parts both events share ---------------------------------------------

void fill(schema::ChainVerdict::Builder b, const chain_verdict& v) {
  b.setTask(text(v.task));
  b.setPassed(v.passed);
  b.setReason(text(v.reason));
  write_degraded(b, v.degraded);
}

chain_verdict read(schema::ChainVerdict::Reader r) {
  return {str(r.getTask()), r.getPassed(), str(r.getReason()), degraded_of(r)};
}

void fill(schema::ChainNeed::Builder b, const chain_need& n) {
  b.setFrom(text(n.from));
  b.setFromTeam(text(n.from_team));
  b.setResource(text(n.resource));
  b.setText(text(n.text));
}

chain_need read(schema::ChainNeed::Reader r) {
  return {str(r.getFrom()), str(r.getFromTeam()), str(r.getResource()),
          str(r.getText())};
}

void fill(schema::ChainContract::Builder b, const chain_contract& c) {
  b.setFrom(text(c.from));
  b.setTask(text(c.task));
  b.setTitle(text(c.title));
  b.setBody(text(c.body));
  set_list(b.initWaiters(count(c.waiters)), c.waiters);
}

chain_contract read(schema::ChainContract::Reader r) {
  return {str(r.getFrom()), str(r.getTask()), str(r.getTitle()),
          str(r.getBody()), get_list(r.getWaiters())};
}

void fill(schema::RunTally::Builder b, const run_tally& t) {
  b.setPassed(t.passed);
  b.setTotal(t.total);
  set_list(b.initFailed(count(t.failed)), t.failed);
  set_list(b.initSkipped(count(t.skipped)), t.skipped);
  set_list(b.initOperatorLeft(count(t.operator_left)), t.operator_left);
  set_list(b.initStubs(count(t.stubs)), t.stubs);
}

run_tally read(schema::RunTally::Reader r) {
  return {r.getPassed(),
          r.getTotal(),
          get_list(r.getFailed()),
          get_list(r.getSkipped()),
          get_list(r.getOperatorLeft()),
          get_list(r.getStubs())};
}

template<class F>
frame build(F&& fill_event) {
  baton::frame_builder builder;
  fill_event(builder.initRoot<schema::Event>());
  return frame::from(builder);
}

} // namespace

frame to_event(const recorded_report& r) {
  return build([&](schema::Event::Builder e) {
    auto b = e.initChainReported();
    b.setScope(text(r.scope));
    b.setNumber(r.number);
    std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, chain_verdict>)
          fill(b.initVerdict(), x);
        else if constexpr (std::is_same_v<T, chain_need>)
          fill(b.initNeed(), x);
        else if constexpr (std::is_same_v<T, chain_contract>)
          fill(b.initContract(), x);
        else
          fill(b.initSettled(), x.tally);
      },
      r.report);
  });
}

frame to_event(const recorded_delivery& d) {
  return build([&](schema::Event::Builder e) {
    auto b = e.initChainDelivered();
    b.setScope(text(d.scope));
    b.setNumber(d.number);
    std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, chain_verdict>) {
          fill(b.initVerdict(), x);
        } else if constexpr (std::is_same_v<T, chain_need>) {
          fill(b.initNeed(), x);
        } else if constexpr (std::is_same_v<T, chain_contract>) {
          fill(b.initContract(), x);
        } else if constexpr (std::is_same_v<T, need_held>) {
          auto h = b.initNeedHeld();
          h.setFrom(text(x.from));
          h.setResource(text(x.resource));
        } else if constexpr (std::is_same_v<T, chain_deadlock>) {
          auto f = b.initDeadlock();
          auto members = f.initMembers(static_cast<unsigned>(x.members.size()));
          for (unsigned i = 0; i < members.size(); ++i)
            members.set(i, text(x.members[i]));
          f.setDescription(text(x.description));
          f.setStubMaker(text(x.stub_maker));
          f.setStubFor(text(x.stub_for));
          f.setWhat(text(x.what));
        } else {
          b.setEnded();
        }
      },
      d.input);
  });
}

std::optional<recorded_report> report_from_event(schema::Event::Reader e) {
  if (e.which() != schema::Event::CHAIN_REPORTED)
    return std::nullopt;
  auto r = e.getChainReported();
  recorded_report out{str(r.getScope()), r.getNumber(), chain_verdict{}};
  switch (r.which()) {
    case schema::ChainReported::VERDICT:
      out.report = read(r.getVerdict());
      break;
    case schema::ChainReported::NEED: out.report = read(r.getNeed()); break;
    case schema::ChainReported::CONTRACT:
      out.report = read(r.getContract());
      break;
    case schema::ChainReported::SETTLED:
      out.report = scope_settled{read(r.getSettled())};
      break;
    default: return std::nullopt; // a later version's kind
  }
  return out;
}

std::optional<recorded_delivery> delivery_from_event(schema::Event::Reader e) {
  if (e.which() != schema::Event::CHAIN_DELIVERED)
    return std::nullopt;
  auto d = e.getChainDelivered();
  recorded_delivery out{str(d.getScope()), d.getNumber(), chain_ended{}};
  switch (d.which()) {
    case schema::ChainDelivered::VERDICT:
      out.input = read(d.getVerdict());
      break;
    case schema::ChainDelivered::NEED: out.input = read(d.getNeed()); break;
    case schema::ChainDelivered::CONTRACT:
      out.input = read(d.getContract());
      break;
    case schema::ChainDelivered::NEED_HELD: {
      auto h = d.getNeedHeld();
      out.input = need_held{str(h.getFrom()), str(h.getResource())};
      break;
    }
    case schema::ChainDelivered::ENDED: out.input = chain_ended{}; break;
    case schema::ChainDelivered::DEADLOCK: {
      auto f = d.getDeadlock();
      chain_deadlock x;
      for (auto m : f.getMembers())
        x.members.push_back(str(m));
      x.description = str(f.getDescription());
      x.stub_maker = str(f.getStubMaker());
      x.stub_for = str(f.getStubFor());
      x.what = str(f.getWhat());
      out.input = std::move(x);
      break;
    }
    default: return std::nullopt; // a later version's kind
  }
  return out;
}

} // namespace baton::engine
