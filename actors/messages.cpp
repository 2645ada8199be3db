#include "actors/messages.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include "engine/frame.hpp"
#include "engine/orchestration/orchestrator_event.hpp"
#include "engine/purpose_event.hpp"
#include "schema/events.capnp.h"
#include "schema/messages.capnp.h"

namespace baton::actors {

namespace {

std::string str(capnp::Text::Reader t) {
  return {t.cStr(), t.size()};
}

kj::StringPtr text(const std::string& s) {
  return {s.c_str(), s.size()};
}

/// Runs `read` on the frame's root as `Root`, turning Cap'n Proto's
/// exceptions (a bad frame) into an error naming the message type.
template<class Root, class F>
auto read_frame(const frame& f, const char* what, F&& read)
  -> decltype(read(std::declval<typename Root::Reader>())) {
  try {
    capnp::FlatArrayMessageReader reader{f.words(), frame_reader_options()};
    return read(reader.getRoot<Root>());
  } catch (const kj::Exception& e) {
    return error{ec::invalid_argument, std::string{"not a valid "} + what + ": "
                                         + e.getDescription().cStr()};
  }
}

} // namespace

frame encode_worker_command(const worker_command& c) {
  baton::frame_builder builder;
  auto root = builder.initRoot<schema::WorkerCommand>();
  std::visit(
    [&](const auto& x) {
      using T = std::decay_t<decltype(x)>;
      if constexpr (std::is_same_v<T, prompt_command>) {
        auto b = root.initPrompt();
        b.setText(text(x.text));
        b.setWhy(text(x.why));
        b.setAnswer(x.answer);
        if (!x.ref.empty())
          b.setRef(text(x.ref));
        if (x.raw)
          b.setRaw(true);
        if (!x.purpose.empty())
          engine::write_purpose(b.initPurpose(), x.purpose);
      } else if constexpr (std::is_same_v<T, restart_command>) {
        root.initRestart().setWhy(text(x.why));
      } else if constexpr (std::is_same_v<T, stop_command>) {
        auto b = root.initStop();
        b.setReason(text(x.reason));
        b.setImmediate(x.immediate);
      } else {
        auto b = root.initFiles();
        b.setTask(text(x.task));
        b.setAttempt(x.attempt);
        auto paths = b.initPaths(static_cast<unsigned>(x.paths.size()));
        for (unsigned i = 0; i < paths.size(); ++i)
          paths.set(i, text(x.paths[i]));
      }
    },
    c);
  return frame::from(builder);
}

result<worker_command> decode_worker_command(const frame& f) {
  return read_frame<schema::WorkerCommand>(
    f, "WorkerCommand",
    [](schema::WorkerCommand::Reader r) -> result<worker_command> {
      switch (r.which()) {
        case schema::WorkerCommand::PROMPT: {
          auto p = r.getPrompt();
          return worker_command{prompt_command{
            str(p.getText()), str(p.getWhy()), p.getAnswer(), str(p.getRef()),
            p.getRaw(),
            p.hasPurpose() ? engine::read_purpose(p.getPurpose())
                           : engine::purpose{}}};
        }
        case schema::WorkerCommand::RESTART:
          return worker_command{restart_command{str(r.getRestart().getWhy())}};
        case schema::WorkerCommand::STOP:
          return worker_command{stop_command{str(r.getStop().getReason()),
                                             r.getStop().getImmediate()}};
        case schema::WorkerCommand::FILES: {
          files_command c;
          c.task = str(r.getFiles().getTask());
          c.attempt = r.getFiles().getAttempt();
          for (auto p : r.getFiles().getPaths())
            c.paths.push_back(str(p));
          return worker_command{std::move(c)};
        }
      }
      return error{ec::invalid_argument,
                   "not a valid WorkerCommand: unknown command"};
    });
}

frame encode_worker_report(const worker_report& r) {
  capnp::FlatArrayMessageReader event{r.event.words(), frame_reader_options()};
  baton::frame_builder builder;
  auto root = builder.initRoot<schema::WorkerReport>();
  root.setReport(event.getRoot<schema::Event>().getWorkerReported());
  root.setLogicalTime(r.logical_time);
  return frame::from(builder);
}

result<worker_report> decode_worker_report(const frame& f) {
  return read_frame<schema::WorkerReport>(
    f, "WorkerReport",
    [](schema::WorkerReport::Reader r) -> result<worker_report> {
      if (!r.hasReport())
        return error{ec::invalid_argument,
                     "not a valid WorkerReport: no report"};
      baton::frame_builder builder;
      builder.initRoot<schema::Event>().setWorkerReported(r.getReport());
      return worker_report{frame::from(builder), r.getLogicalTime()};
    });
}

frame encode_gate_report(const engine::gate_finished& g) {
  auto event = engine::to_event(engine::orchestrator_input{g});
  capnp::FlatArrayMessageReader reader{event.words(), frame_reader_options()};
  baton::frame_builder builder;
  builder.initRoot<schema::GateReport>().setFinished(
    reader.getRoot<schema::Event>().getGateFinished());
  return frame::from(builder);
}

result<engine::gate_finished> decode_gate_report(const frame& f) {
  return read_frame<schema::GateReport>(
    f, "GateReport",
    [](schema::GateReport::Reader r) -> result<engine::gate_finished> {
      baton::frame_builder builder;
      builder.initRoot<schema::Event>().setGateFinished(r.getFinished());
      auto event = builder.getRoot<schema::Event>().asReader();
      auto in = engine::input_from_event(event);
      if (!in || !std::holds_alternative<engine::gate_finished>(*in))
        return error{ec::invalid_argument, "not a valid GateReport"};
      return std::get<engine::gate_finished>(*in);
    });
}

} // namespace baton::actors
