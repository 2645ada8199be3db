#include "engine/checkpoint/checkpoint.hpp"

#include <algorithm>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include "engine/frame.hpp"
#include "engine/purpose_event.hpp"
#include "engine/recorded_enums.hpp"
#include "schema/snapshots.capnp.h"

namespace baton::engine {

namespace {

std::string str(capnp::Text::Reader t) {
  return {t.cStr(), t.size()};
}

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

void set_list(capnp::List<capnp::Text>::Builder list,
              const std::vector<std::string>& items) {
  for (unsigned i = 0; i < items.size(); ++i)
    list.set(i, items[i]);
}

std::vector<std::string> get_list(capnp::List<capnp::Text>::Reader list) {
  std::vector<std::string> out;
  out.reserve(list.size());
  for (auto t : list)
    out.push_back(str(t));
  return out;
}

} // namespace

frame checkpoint_fold::save() const {
  baton::frame_builder b;
  auto st = b.initRoot<schema::CheckpointState>();
  st.setSequence(s_.sequence);
  st.setTask(s_.task);
  st.setAttempt(s_.attempt);
  st.setTaskTitle(s_.task_title);
  set_list(st.initCompleted(static_cast<unsigned>(s_.completed.size())),
           s_.completed);
  st.setNextStep(s_.next_step);
  st.setBuild(s_.build);
  set_list(st.initOpenNeeds(static_cast<unsigned>(s_.open_needs.size())),
           s_.open_needs);
  set_list(st.initContracts(static_cast<unsigned>(s_.contracts.size())),
           s_.contracts);
  set_list(st.initFilesModified(
             static_cast<unsigned>(s_.files_modified.size())),
           s_.files_modified);
  return frame::from(b);
}

result<checkpoint_fold> checkpoint_fold::restore(const frame& state) {
  try {
    capnp::FlatArrayMessageReader r{state.words(), frame_reader_options()};
    auto st = r.getRoot<schema::CheckpointState>();
    checkpoint_fold f;
    auto& s = f.s_;
    s.sequence = st.getSequence();
    s.task = str(st.getTask());
    s.attempt = st.getAttempt();
    s.task_title = str(st.getTaskTitle());
    s.completed = get_list(st.getCompleted());
    s.next_step = str(st.getNextStep());
    s.build = str(st.getBuild());
    s.open_needs = get_list(st.getOpenNeeds());
    s.contracts = get_list(st.getContracts());
    s.files_modified = get_list(st.getFilesModified());
    return f;
  } catch (const kj::Exception& e) {
    return error{ec::corruption, std::string{"checkpoint snapshot: "}
                                   + e.getDescription().cStr()};
  }
}

void checkpoint_fold::apply(uint64_t sequence, schema::Event::Reader e) {
  s_.sequence = sequence;
  if (e.isPromptRequested() && !e.getPromptRequested().getAnswer()) {
    auto p = e.getPromptRequested();
    auto text = str(p.getText());
    // Typed in runs of record version 1; read off `why` in older ones.
    auto purpose = purpose_of(p);
    switch (purpose.kind) {
      case purpose_kind::dispatch:
        // A new task (or attempt).
        if (purpose.task != s_.task)
          s_.files_modified.clear();
        s_.task = purpose.task;
        s_.attempt = purpose.attempt == 0 ? 1 : purpose.attempt;
        s_.task_title = first_line(text);
        s_.completed.clear();
        s_.build.clear();
        s_.next_step = "start the task";
        break;
      case purpose_kind::contract:
        s_.contracts.push_back(first_line(text));
        // A contract answers the NEEDs raised for what it covers.
        s_.open_needs.clear();
        break;
      case purpose_kind::retry: s_.next_step = first_line(text); break;
      // Where it is: what the summary already says.
      case purpose_kind::checkpoint: break;
      default: s_.next_step = "answer: " + first_line(text); break;
    }
    return;
  }
  if (e.isFilesChanged()) {
    // What the engine saw the agent change during its task's attempts.
    auto f = e.getFilesChanged();
    if (str(f.getTask()) != s_.task)
      return;
    for (auto path : f.getPaths()) {
      auto p = str(path);
      if (std::find(s_.files_modified.begin(), s_.files_modified.end(), p)
          == s_.files_modified.end())
        s_.files_modified.push_back(p);
    }
    return;
  }
  if (!e.isProtocolMessage())
    return;
  auto m = e.getProtocolMessage();
  // The enum of runs of version 1, else read off the text.
  auto kind = kind_of(m);
  auto line = str(m.getLine());
  // A line the agent wrote again (a redone step, a repeated report) is one
  // step of the summary.
  auto note = [this](const std::string& l) {
    if (std::find(s_.completed.begin(), s_.completed.end(), l)
        == s_.completed.end())
      s_.completed.push_back(l);
  };
  if (kind == protocol::kind::progress) {
    note(line);
    if (m.getDone() < m.getTotal())
      s_.next_step = "step " + std::to_string(m.getDone() + 1) + " of "
                     + std::to_string(m.getTotal());
  } else if (kind == protocol::kind::build) {
    s_.build = line;
  } else if (kind == protocol::kind::need) {
    auto need = str(m.getResource()) + " — " + str(m.getText());
    if (std::find(s_.open_needs.begin(), s_.open_needs.end(), need)
        == s_.open_needs.end())
      s_.open_needs.push_back(need);
  } else if (kind == protocol::kind::status) {
    note(line);
    auto status = status_of(m);
    s_.next_step = status == protocol::status::done ? "wait for the task's "
                                                      "verification"
                   : status == protocol::status::error
                     ? "wait for guidance on the error"
                     : "wait for what blocks the task";
  }
}

namespace {

/// The summary is typed into the agent: a protocol keyword in it would make
/// the agent's own later line look like an echo of typed text (and a
/// line the agent repeats from it would not be its report). "STATUS: DONE"
/// becomes "status DONE".
std::string without_keywords(std::string text) {
  static constexpr std::string_view keywords[]
    = {"STATUS:", "PROGRESS:", "BUILD:", "NEED:", "CONTRACT:", "TASK:"};
  for (auto k : keywords)
    for (auto at = text.find(k); at != std::string::npos;
         at = text.find(k, at)) {
      std::string lower;
      for (char c : k.substr(0, k.size() - 1))
        lower += static_cast<char>(c - 'A' + 'a');
      text.replace(at, k.size(), lower);
    }
  return text;
}

} // namespace

std::string checkpoint_fold::render(const std::string& agent) const {
  return without_keywords(render_as_recorded(agent));
}

std::string
checkpoint_fold::render_as_recorded(const std::string& agent) const {
  auto& s = s_;
  std::string out = "Checkpoint of " + agent + " (its stream up to sequence "
                    + std::to_string(s.sequence) + ")\n";
  if (s.task.empty())
    return out + "No task was dispatched to it yet.\n";
  out += "Task " + s.task + ", attempt " + std::to_string(s.attempt) + ": "
         + s.task_title + "\n";
  out += "Completed:\n";
  if (s.completed.empty())
    out += "  (nothing reported yet)\n";
  for (auto& c : s.completed)
    out += "  - " + c + "\n";
  if (!s.files_modified.empty()) {
    out += "Files modified:";
    for (auto& f : s.files_modified)
      out += " " + f;
    out += "\n";
  }
  out += "Next step: " + s.next_step + "\n";
  out += "Build: "
         + (s.build.empty() ? std::string{"(no BUILD line yet)"} : s.build)
         + "\n";
  if (!s.open_needs.empty()) {
    out += "Open NEEDs:\n";
    for (auto& n : s.open_needs)
      out += "  - " + n + "\n";
  }
  if (!s.contracts.empty()) {
    out += "Contracts received:\n";
    for (auto& c : s.contracts)
      out += "  - " + c + "\n";
  }
  return out;
}

} // namespace baton::engine
