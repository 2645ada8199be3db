#include "engine/orchestration/team_lead.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include <capnp/serialize.h>

#include "engine/orchestration/orchestrator_event.hpp"
#include "schema/snapshots.capnp.h"

namespace baton::engine {

namespace {

const plan_team* find_team(const plan& p, std::string_view name) {
  if (name.empty())
    return &p.supervision;
  for (auto& t : p.teams)
    if (t.name == name)
      return &t;
  return nullptr;
}

} // namespace

supervisor_spec team_supervisor_spec(const plan& p, std::string_view team) {
  supervisor_spec s;
  auto* t = find_team(p, team);
  if (t == nullptr)
    return s;
  s.strategy = parse_restart_strategy(t->strategy)
                 .value_or(restart_strategy::one_for_one);
  s.intensity = t->intensity;
  s.period_us = t->period_s * 1'000'000;
  auto child_of = [](const plan_agent& a) {
    return child_spec{a.name, parse_restart_type(a.restart)
                                .value_or(restart_type::permanent)};
  };
  // Linear in the plan: 10 000 agents in 20 teams are looked up by name,
  // not searched for.
  if (team.empty()) {
    std::unordered_set<std::string_view> in_teams;
    for (auto& tm : p.teams)
      in_teams.insert(tm.members.begin(), tm.members.end());
    for (auto& a : p.agents)
      if (!in_teams.contains(a.name))
        s.children.push_back(child_of(a));
  } else {
    std::unordered_map<std::string_view, const plan_agent*> agents;
    for (auto& a : p.agents)
      agents.emplace(a.name, &a);
    for (auto& m : t->members)
      if (auto a = agents.find(m); a != agents.end())
        s.children.push_back(child_of(*a->second));
  }
  for (auto& sub : p.teams)
    if (sub.parent == team)
      s.children.push_back({std::string{team_child_prefix} + sub.name});
  return s;
}

std::vector<std::string> team_agents(const plan& p, std::string_view team) {
  std::vector<std::string> out;
  for (auto& c : team_supervisor_spec(p, team).children) {
    if (c.id.starts_with(team_child_prefix)) {
      auto sub = team_agents(p, c.id.substr(team_child_prefix.size()));
      out.insert(out.end(), sub.begin(), sub.end());
    } else {
      out.push_back(c.id);
    }
  }
  return out;
}

std::string lead_stream(std::string_view team) {
  return "lead/" + std::string{team};
}

team_lead::team_lead(const plan& p, std::string team, uint16_t version)
  : team_(std::move(team)),
    version_(version),
    spec_(team_supervisor_spec(p, team_)),
    sup_(spec_) {
}

team_lead::team_lead(const plan& p, std::string team, uint16_t version,
                     supervisor current, uint64_t last_ask)
  : team_(std::move(team)), version_(version),
    spec_(team_supervisor_spec(p, team_)), sup_(std::move(current)),
    last_ask_(last_ask) {
}

std::optional<supervise> team_lead::on(const ask_lead& in, uint64_t now_us) {
  last_ask_ = in.ask;
  if (in.reset) {
    // The parent started the team again: a fresh supervisor over the
    // members that are still part of it.
    auto spec = spec_;
    spec.children = sup_.children();
    sup_ = supervisor{std::move(spec)};
    return std::nullopt;
  }
  auto how = in.exit_code == 0 ? exit_kind::normal : exit_kind::abnormal;
  auto a = sup_.on_exit(in.member, how, now_us);
  return supervise{team_,
                   in.member,
                   sup_.spec().strategy,
                   std::move(a.stop),
                   std::move(a.start),
                   a.escalate,
                   std::move(a.why),
                   std::move(a.removed)};
}

void lead_seed::fold(uint64_t at, schema::Event::Reader e, uint64_t now_us) {
  sequence = at;
  if (e.isLeadAsked()) {
    auto d = decision_from_event(e);
    if (!d)
      return;
    auto& ask = std::get<ask_lead>(*d);
    if (auto a = lead.on(ask, now_us)) {
      answers[ask.ask] = std::move(*a);
      unrecorded.push_back(ask.ask);
    }
  } else if (e.isSupervisorActed() && !unrecorded.empty()) {
    unrecorded.pop_front();
  }
}

frame lead_seed::save() const {
  frame_builder b;
  auto st = b.initRoot<schema::LeadState>();
  st.setSequence(sequence);
  st.setTeam(lead.team());
  st.setLastAsk(lead.last_ask());
  auto& sup = lead.current();
  auto children = st.initChildren(static_cast<unsigned>(sup.children().size()));
  for (unsigned i = 0; i < children.size(); ++i) {
    auto& c = sup.children()[i];
    children[i].setId(c.id);
    children[i].setRestart(static_cast<schema::RestartType>(c.restart));
  }
  auto restarts = st.initRestarts(static_cast<unsigned>(sup.restarts().size()));
  for (unsigned i = 0; i < restarts.size(); ++i)
    restarts.set(i, sup.restarts()[i]);
  st.setStopped(sup.stopped());
  auto out = st.initAnswers(static_cast<unsigned>(answers.size()));
  unsigned i = 0;
  for (auto& [ask, acted] : answers) {
    auto f = to_event(orchestrator_decision{acted}, lead.version());
    auto bytes = f.bytes();
    out[i].setAsk(ask);
    out[i].setActed(capnp::Data::Reader{
      reinterpret_cast<const kj::byte*>(bytes.data()), bytes.size()});
    ++i;
  }
  auto pending = st.initUnrecorded(static_cast<unsigned>(unrecorded.size()));
  for (unsigned k = 0; k < pending.size(); ++k)
    pending.set(k, unrecorded[k]);
  return frame::from(b);
}

result<lead_seed> lead_seed::restore(const plan& p, const std::string& team,
                                     uint16_t version, const frame& state) {
  auto bad = [&](const std::string& why) {
    return error{ec::corruption, "snapshot of lead " + team + ": " + why};
  };
  try {
    capnp::FlatArrayMessageReader r{state.words(), frame_reader_options()};
    auto st = r.getRoot<schema::LeadState>();
    if (std::string_view{st.getTeam().cStr()} != team)
      return bad(std::string{"it is team "} + st.getTeam().cStr() + "'s");
    auto spec = team_supervisor_spec(p, team);
    spec.children.clear();
    for (auto c : st.getChildren()) {
      auto restart = static_cast<uint16_t>(c.getRestart());
      if (restart > static_cast<uint16_t>(restart_type::temporary))
        return bad("a restart type this version does not know");
      spec.children.push_back(
        {c.getId().cStr(), static_cast<restart_type>(restart)});
    }
    std::deque<uint64_t> restarts;
    for (auto t : st.getRestarts())
      restarts.push_back(t);
    lead_seed out{team_lead{
      p, team, version,
      supervisor{std::move(spec), std::move(restarts), st.getStopped()},
      st.getLastAsk()}};
    for (auto a : st.getAnswers()) {
      auto data = a.getActed();
      auto f = frame::from_bytes(std::span<const std::byte>{
        reinterpret_cast<const std::byte*>(data.begin()), data.size()});
      if (!f)
        return bad("answer " + std::to_string(a.getAsk()) + ": "
                   + f.err().message());
      capnp::FlatArrayMessageReader ar{f->words(), frame_reader_options()};
      auto d = decision_from_event(ar.getRoot<schema::Event>());
      auto* acted = d ? std::get_if<supervise>(&*d) : nullptr;
      if (acted == nullptr)
        return bad("answer " + std::to_string(a.getAsk())
                   + " is not a supervisor's decision");
      out.answers[a.getAsk()] = std::move(*acted);
    }
    for (auto ask : st.getUnrecorded())
      out.unrecorded.push_back(ask);
    out.sequence = st.getSequence();
    return out;
  } catch (const kj::Exception& e) {
    return bad(e.getDescription().cStr());
  }
}

} // namespace baton::engine
