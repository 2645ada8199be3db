// routing: NEEDs and CONTRACTs between a run's agents, one part of the
// orchestrator (engine/orchestration/orchestrator.hpp).
//
// A NEED goes to the owner of what is needed, by the plan's ownership globs
// (owner_of); the request typed into the owner is kept until the owner
// answers, so a resumed run asks it again. The owner's next CONTRACT
// answers every NEED waiting on it; a contract an agent receives is kept
// for its next dispatch prompt, so an agent between tasks finds it there
// rather than taking it for a task.
//
// Deterministic: orders are the order of arrival, or of names.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/plan/plan.hpp"

namespace baton::engine {

/// The agent of `p` whose ownership globs cover `resource` (the first in
/// plan order); empty when nobody owns it.
std::string owner_of(const plan& p, std::string_view resource);

class routing {
  friend class orchestrator_snapshot;

public:
  /// A NEED not answered yet: who asked whom for what, and what `owner`
  /// was told.
  struct open_need {
    std::string owner;
    std::string from;
    std::string request;
    std::string resource;
  };

  /// `from` needs `resource`, which `owner` owns; `owner` was told
  /// `request`. Asking again replaces both and keeps `from`'s place.
  void need(const std::string& owner, const std::string& from,
            std::string request, std::string resource);
  /// `owner` published a CONTRACT: the agents whose NEEDs it answers, in
  /// the order they asked, taken off.
  std::vector<std::string> answered_by(const std::string& owner);
  /// The NEED of `from` to `owner` is answered, its other NEEDs not. In a
  /// supervisor chain's scope, owner "" stands for an owner in another
  /// scope: the NEED went up the chain, and nobody here was told. An
  /// agent's NEEDs up are one entry: the first answer ends its wait.
  void answered(const std::string& owner, const std::string& from);
  /// `agent` waits for an answer to a NEED of its own.
  bool waiting(const std::string& agent) const;
  /// Every NEED not answered, by owner, then in the order asked.
  std::vector<open_need> open_needs() const;

  /// `to` received the contract `text` (title and body).
  void deliver(const std::string& to, std::string text) {
    contracts_[to].push_back(std::move(text));
  }
  /// The contracts `agent` received, in order.
  const std::vector<std::string>& contracts_of(const std::string& agent) const;

private:
  /// Contracts each agent has received, in order (title + body).
  std::map<std::string, std::vector<std::string>> contracts_;
  /// Open NEEDs: owner -> agents waiting on it, and (owner, waiter) -> the
  /// request typed and the resource asked for.
  std::map<std::string, std::vector<std::string>> waiting_on_;
  std::map<std::pair<std::string, std::string>,
           std::pair<std::string, std::string>>
    need_text_;
};

} // namespace baton::engine
