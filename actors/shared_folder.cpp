#include "actors/shared_folder.hpp"

#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <tuple>

#include "actors/detail/file_writer.hpp"
#include "engine/orchestration/shared_state.hpp"

namespace baton::actors {

namespace fs = std::filesystem;

shared_folder::shared_folder(std::string workspace, bool deferred)
  : deferred_(deferred) {
  if (!workspace.empty())
    root_ = (fs::path{workspace} / "state").string();
}

void shared_folder::write(const std::string& relative,
                          const std::string& text) {
  if (root_.empty())
    return;
  auto problem = detail::write_file_whole(
    (fs::path{root_} / relative).string(), text);
  if (!problem.empty())
    std::fprintf(stderr, "baton: %s\n", problem.c_str());
}

void shared_folder::publish(const std::string& relative,
                            const std::string& text) {
  if (!deferred_)
    return write(relative, text);
  if (!root_.empty())
    detail::file_writer::instance().put((fs::path{root_} / relative).string(),
                                        text, true);
}

void shared_folder::sync(const engine::orchestrator& o) {
  if (root_.empty())
    return;
  auto pattern = o.current_plan().run.pattern;
  if (pattern == engine::plan_pattern::swarm) {
    auto board = engine::board_json(o);
    if (board != board_) {
      publish("tasks.json", board);
      board_ = std::move(board);
    }
  } else if (pattern == engine::plan_pattern::mesh) {
    auto status = engine::status_json(o);
    if (status != status_) {
      publish("status.json", status);
      status_ = std::move(status);
    }
  }
}

void shared_folder::apply(const engine::orchestrator_decision& d) {
  auto* l = std::get_if<engine::change_lock>(&d);
  if (l == nullptr || root_.empty())
    return;
  auto file = "locks/" + engine::lock_name(l->path) + ".lock";
  using engine::lock_change;
  if (l->what == lock_change::granted || l->what == lock_change::renewed) {
    write(file, engine::lock_file_text(l->path, l->agent, l->expires_us));
  } else if ((l->what == lock_change::released
              || l->what == lock_change::expired
              || l->what == lock_change::freed)
             && l->holder.empty()) {
    std::error_code ec;
    fs::remove(fs::path{root_} / file, ec);
  }
}

void shared_folder::file_contract(const engine::protocol_seen& p) {
  if (root_.empty())
    return;
  auto name = engine::contract_file_name(p.agent, p.text);
  auto text = engine::contract_file_text(p.text, p.body);
  {
    // Known before the file exists: a collect that finds it finds it here.
    std::lock_guard lock{filed_mu_};
    filed_[name] = text;
  }
  write("contracts/" + name, text);
}

shared_folder::collected shared_folder::collect() {
  collected out;
  if (root_.empty())
    return out;
  std::error_code ec;
  auto contracts = fs::path{root_} / "contracts";
  for (auto it = fs::directory_iterator{contracts, ec};
       !ec && it != fs::directory_iterator{}; it.increment(ec)) {
    if (!it->is_regular_file())
      continue;
    auto name = it->path().filename().string();
    if (name.ends_with(".tmp"))
      continue;
    std::error_code fe;
    auto size = it->file_size(fe);
    auto time = it->last_write_time(fe).time_since_epoch().count();
    if (fe)
      continue;
    auto seen = contracts_.find(name);
    if (seen != contracts_.end() && seen->second == std::pair{size, time})
      continue;
    contracts_[name] = {size, time};
    std::ifstream in{it->path(), std::ios::binary};
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      out.errors.push_back("cannot read " + it->path().string());
      continue;
    }
    {
      // What the engine filed itself, as it filed it: not an agent's.
      std::lock_guard lock{filed_mu_};
      if (auto f = filed_.find(name);
          f != filed_.end() && f->second == text.str())
        continue;
    }
    if (auto p = engine::parse_contract_file(name, text.str()))
      out.contracts.push_back(std::move(*p));
    else
      out.errors.push_back(it->path().string()
                           + ": a contract file is named "
                             "<agent>--<title>.md; ignored");
  }
  auto locks = fs::path{root_} / "locks";
  std::vector<fs::path> requests;
  for (auto it = fs::directory_iterator{locks, ec};
       !ec && it != fs::directory_iterator{}; it.increment(ec)) {
    auto name = it->path().filename().string();
    if (name.ends_with(".lock") || name.ends_with(".tmp"))
      continue;
    if (auto r = engine::parse_lock_request(name)) {
      out.locks.push_back(std::move(*r));
      requests.push_back(it->path());
    } else if (bad_.insert(name).second) {
      out.errors.push_back(it->path().string()
                           + ": not a lock request (<name>.want.<agent> or "
                             "<name>.release.<agent>); left as it is");
    }
  }
  // By name: the order agents' requests are recorded in does not depend on
  // the directory's.
  std::sort(out.locks.begin(), out.locks.end(),
            [](auto& a, auto& b) {
              return std::tie(a.path, a.agent, a.release)
                     < std::tie(b.path, b.agent, b.release);
            });
  std::sort(out.contracts.begin(), out.contracts.end(),
            [](auto& a, auto& b) {
              return std::tie(a.agent, a.text) < std::tie(b.agent, b.text);
            });
  for (auto& r : requests)
    fs::remove(r, ec);
  return out;
}

} // namespace baton::actors
