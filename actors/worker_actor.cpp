#include "actors/detail/append_through.hpp"
#include "actors/detail/file_writer.hpp"
#include "actors/worker_actor.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include <capnp/message.h>
#include <capnp/serialize.h>

#include "actors/log_codec.hpp"
#include "actors/messages.hpp"
#include "engine/frame.hpp"
#include "engine/monitor/observation_event.hpp"
#include "engine/purpose_event.hpp"
#include "engine/session/session_record.hpp"
#include "schema/events.capnp.h"

namespace baton::actors {

namespace {

using self_ptr = worker_actor::stateful_pointer<worker_state>;
using entry = detail::journal::entry;

kj::StringPtr text(const std::string& s) {
  return {s.c_str(), s.size()};
}

template<class F>
frame event(F&& fill) {
  baton::frame_builder builder;
  fill(builder.initRoot<schema::Event>());
  return frame::from(builder);
}

frame output_event(const std::string& bytes) {
  return event([&](schema::Event::Builder e) {
    e.initPtyOutput().setBytes(
      {reinterpret_cast<const kj::byte*>(bytes.data()), bytes.size()});
  });
}

frame started_event(const terminal_started& s) {
  return event([&](schema::Event::Builder e) {
    auto b = e.initProcessStarted();
    auto argv = b.initArgv(static_cast<unsigned>(s.argv.size()));
    for (size_t i = 0; i < s.argv.size(); ++i)
      argv.set(static_cast<unsigned>(i), text(s.argv[i]));
    b.setPid(s.pid);
    b.setColumns(s.columns);
    b.setRows(s.rows);
  });
}

frame exited_event(const pty::exit_status& st) {
  return event([&](schema::Event::Builder e) {
    auto b = e.initProcessExited();
    b.setExitCode(st.code);
    b.setSignal(st.signal);
  });
}

/// A workerReported event for the supervisor, built from the event the
/// worker recorded in its own stream (`recorded`), or nullopt when the
/// supervisor does not hear of it.
std::optional<frame> report_of(const std::string& agent,
                               const terminal::session_event& ev,
                               const frame& recorded,
                               const engine::detect::pack& pack) {
  using kind = terminal::session_event::kind;
  if (ev.what == kind::delivery || ev.what == kind::compaction)
    return std::nullopt;
  capnp::FlatArrayMessageReader in{recorded.words(), frame_reader_options()};
  auto src = in.getRoot<schema::Event>();
  return event([&](schema::Event::Builder e) {
    auto r = e.initWorkerReported();
    r.setAgent(text(agent));
    switch (ev.what) {
      case kind::state:
        r.setState(src.getStateChanged());
        r.getState().setInputReady(
          pack.accepts_input(ev.observation.change.to));
        break;
      case kind::protocol: r.setProtocol(src.getProtocolMessage()); break;
      case kind::exited: r.setExited(src.getProcessExited()); break;
      default: break;
    }
  });
}

/// The checkpoint file, rewritten after each major step so the agent can
/// read where it is by itself (`.baton/` is not the agent's work: scans
/// for changed files pass it over). Written off the actor's thread, except
/// when the agent is about to be told to read it (`now`).
void write_checkpoint_file(self_ptr self, bool now = false) {
  auto& st = self->state;
  if (st.cfg.workdir.empty())
    return;
  auto path = (std::filesystem::path{st.cfg.workdir} / ".baton"
               / "checkpoint.md")
                .string();
  auto& writer = detail::file_writer::instance();
  if (now)
    writer.write_now(path, st.checkpoint.render(st.cfg.name));
  else
    writer.put(std::move(path), st.checkpoint.render(st.cfg.name));
}

/// Whether a step of the session says the agent lost its context: the
/// CLI's compaction marker, or the agent's own STATUS: BLOCKED — context
/// compacted.
bool context_lost(const terminal::session_effects& fx) {
  using kind = terminal::session_event::kind;
  return std::any_of(fx.events.begin(), fx.events.end(), [](auto& ev) {
    if (ev.what == kind::compaction)
      return true;
    if (ev.what != kind::protocol)
      return false;
    auto& m = ev.observation.message.message;
    return m.kind == engine::protocol::kind::status
           && m.status == engine::protocol::status::blocked
           && m.text.find("context compacted") != std::string::npos;
  });
}

void send_report(self_ptr self, frame reported, uint64_t now) {
  self->state.cfg.report(encode_worker_report({std::move(reported), now}));
}

void type_prompt(self_ptr self, std::string text, std::string why,
                 uint64_t now, bool answer = false, std::string ref = {},
                 bool raw = false, const engine::purpose& purpose = {});

/// The agent's model compacted its conversation: its checkpoint summary,
/// folded from its stream, is written to its checkpoint file and typed
/// into the session (acknowledged input, recorded as a prompt with why).
void restore_context(self_ptr self, uint64_t now) {
  auto& st = self->state;
  write_checkpoint_file(self, true);
  type_prompt(self,
              "Your context was compacted. Where you are (also in "
              ".baton/checkpoint.md):\n"
                + st.checkpoint.render(st.cfg.name),
              "checkpoint after context compaction", now, false, {}, false,
              st.cfg.record_version == 0
                ? engine::purpose{}
                : engine::purpose{engine::purpose_kind::checkpoint});
}

void arm(self_ptr self, uint64_t now) {
  auto& st = self->state;
  if (!st.core)
    return;
  auto d = st.core->next_deadline();
  if (d == 0 || d == st.armed)
    return;
  st.armed = d;
  auto delay = std::chrono::microseconds{d > now ? d - now : 0};
  self->delayed_send(self, delay, atom::tick_v, d);
}

/// Records what the core derived and the writes it asked for, then performs
/// the writes and tells the supervisor.
void act(self_ptr self, terminal::session_effects fx, uint64_t now) {
  auto& st = self->state;
  arm(self, now);
  if (fx.events.empty() && fx.writes.empty())
    return;
  bool lost = context_lost(fx);
  std::vector<entry> entries;
  std::vector<frame> reports;
  // Recorded in engine::session_records' order (replay derives the same).
  engine::order_for_record(fx);
  for (auto& ev : fx.events) {
    // The exit itself was recorded as the input that caused it.
    auto recorded = engine::to_event(ev, st.cfg.record_version);
    auto reported = recorded ? *recorded : exited_event(ev.status);
    if (auto r = report_of(st.cfg.name, ev, reported, *st.cfg.pack))
      reports.push_back(std::move(*r));
    if (recorded)
      entries.push_back({std::move(*recorded), now});
  }
  for (auto& w : fx.writes)
    entries.push_back({engine::to_event(w), now});
  st.journal->record(
    std::move(entries), false,
    [self, writes = std::move(fx.writes), reports = std::move(reports), now,
     lost] {
      auto& st = self->state;
      for (auto& w : writes)
        if (st.running)
          static_cast<void>(st.cfg.terminal->write(w.bytes));
      for (auto& r : reports)
        send_report(self, r, now);
      if (lost)
        restore_context(self, now);
    });
}

/// Records and queues a prompt, or (`answer`) the keys answering a
/// permission prompt, or (`raw`) passes a person's keys through. `ref`: the
/// operator command it carries out.
void type_prompt(self_ptr self, std::string prompt, std::string why,
                 uint64_t now, bool answer, std::string ref, bool raw,
                 const engine::purpose& purpose) {
  auto recorded = event([&](schema::Event::Builder e) {
    auto b = e.initPromptRequested();
    b.setText(text(prompt));
    b.setWhy(text(why));
    b.setAnswer(answer);
    if (!ref.empty())
      b.setRef(text(ref));
    if (raw)
      b.setRaw(true);
    if (!purpose.empty())
      engine::write_purpose(b.initPurpose(), purpose);
  });
  self->state.journal->record(
    {{recorded, now}}, false,
    [self, prompt = std::move(prompt), now, answer, ref = std::move(ref),
     raw] {
      using k = engine::session_input::kind;
      terminal::session_effects fx;
      engine::apply_input(self->state.core.get(),
                          {.what = raw      ? k::keys
                                   : answer ? k::answer
                                            : k::prompt,
                           .text = prompt,
                           .ref = ref},
                          now, fx);
      act(self, std::move(fx), now);
    });
}

/// An answer to a permission prompt, by name: typed as the pack's keys.
void type_answer(self_ptr self, const prompt_command& p, uint64_t now) {
  auto keys = self->state.cfg.pack->approval.keys(p.text);
  if (keys.empty()) {
    std::fprintf(stderr,
                 "baton: worker %s: its pack has no keys for \"%s\" (add "
                 "an [approval] table)\n",
                 self->state.cfg.name.c_str(), p.text.c_str());
    return;
  }
  type_prompt(self, std::move(keys), p.why, now, true, p.ref, false,
              p.purpose);
}

void start_agent(self_ptr self) {
  auto& st = self->state;
  ++st.starts;
  auto now = st.cfg.clock();
  // A new session core, recorded first (replay rebuilds the core from this
  // event) and made once that is durable: inputs recorded before it are
  // applied to the old core, those after it to the new one, as in replay.
  // The first session of a resumed worker says so: what its predecessor
  // derived and did not record before the engine stopped is not expected.
  auto opened = engine::session_opened_event(
    *st.cfg.pack, st.cfg.core, st.cfg.resumed && st.starts == 1,
    st.cfg.record_version);
  st.journal->record({{std::move(opened), now}}, false, [self] {
    auto& st = self->state;
    st.core
      = std::make_unique<terminal::session_core>(st.cfg.pack, st.cfg.core);
    st.armed = 0;
  });
  terminal_callbacks cb;
  auto weak = caf::actor_cast<caf::weak_actor_ptr>(self);
  cb.on_output = [weak](std::string bytes) {
    if (auto strong = caf::actor_cast<caf::strong_actor_ptr>(weak))
      caf::anon_send(caf::actor_cast<worker_actor>(strong), atom::output_v,
                     std::move(bytes));
  };
  cb.on_exit = [weak](pty::exit_status s) {
    if (auto strong = caf::actor_cast<caf::strong_actor_ptr>(weak))
      caf::anon_send(caf::actor_cast<worker_actor>(strong), atom::exited_v,
                     static_cast<int32_t>(s.code),
                     static_cast<int32_t>(s.signal));
  };
  auto started = st.cfg.terminal->start(std::move(cb));
  if (!started) {
    // The outcome of the spawn is an input like any other: the agent is
    // recorded as exited (127, as a shell says "not found").
    pty::exit_status failed{127, 0};
    std::vector<entry> entries;
    entries.push_back({event([&](schema::Event::Builder e) {
                         e.initNote().setText("cannot start agent "
                                              + st.cfg.name + ": "
                                              + started.err().message());
                       }),
                       now});
    entries.push_back({exited_event(failed), now});
    st.journal->record(std::move(entries), false, [self, failed, now] {
      terminal::session_effects fx;
      engine::apply_input(self->state.core.get(),
                          {.what = engine::session_input::kind::exit,
                           .status = failed},
                          now, fx);
      act(self, std::move(fx), now);
    });
    return;
  }
  st.running = true;
  auto recorded = started_event(*started);
  st.journal->record({{recorded, now}}, false, [self, recorded, now] {
    auto report = event([&](schema::Event::Builder e) {
      capnp::FlatArrayMessageReader in{recorded.words(),
                                       frame_reader_options()};
      auto r = e.initWorkerReported();
      r.setAgent(text(self->state.cfg.name));
      r.setStarted(in.getRoot<schema::Event>().getProcessStarted());
    });
    send_report(self, std::move(report), now);
  });
}

void on_command(self_ptr self, const worker_command& c) {
  auto& st = self->state;
  auto now = st.cfg.clock();
  if (auto* p = std::get_if<prompt_command>(&c)) {
    if (p->answer)
      type_answer(self, *p, now);
    else
      type_prompt(self, p->text, p->why, now, false, p->ref, p->raw,
                  p->purpose);
  } else if (auto* r = std::get_if<restart_command>(&c)) {
    auto recorded = event([&](schema::Event::Builder e) {
      auto b = e.initAgentRestarted();
      b.setAgent(text(st.cfg.name));
      b.setWhy(text(r->why));
    });
    st.journal->record({{recorded, now}}, false, [self] {
      auto& st = self->state;
      if (st.stopping)
        return;
      if (!st.running) {
        start_agent(self);
        return;
      }
      // A loop or a stall: this process goes (asked first, killed after
      // the grace period), a fresh one starts once its exit is recorded.
      st.restart_after_exit = true;
      static_cast<void>(st.cfg.terminal->stop(st.cfg.stop_grace));
    });
  } else if (auto* f = std::get_if<files_command>(&c)) {
    // What the engine saw the agent do: for its checkpoint summary.
    auto recorded = event([&](schema::Event::Builder e) {
      auto b = e.initFilesChanged();
      b.setTask(text(f->task));
      b.setAttempt(f->attempt);
      auto paths = b.initPaths(static_cast<unsigned>(f->paths.size()));
      for (unsigned i = 0; i < paths.size(); ++i)
        paths.set(i, text(f->paths[i]));
    });
    st.journal->record({{recorded, now}}, false, [] {});
  } else if (auto* s = std::get_if<stop_command>(&c)) {
    auto recorded = event([&](schema::Event::Builder e) {
      auto b = e.initStopRequested();
      b.setReason(text(s->reason));
      b.setImmediate(s->immediate);
    });
    st.journal->record({{recorded, now}}, false,
                       [self, immediate = s->immediate] {
                         auto& st = self->state;
                         st.stopping = true;
                         if (!st.running) {
                           self->quit();
                           return;
                         }
                         auto grace = immediate ? std::chrono::milliseconds{0}
                                                : st.cfg.stop_grace;
                         static_cast<void>(st.cfg.terminal->stop(grace));
                       });
  }
}

} // namespace

worker_actor::behavior_type
worker_actor_impl(worker_actor::stateful_pointer<worker_state> self,
                  std::shared_ptr<worker_config> cfg) {
  auto& st = self->state;
  st.cfg = std::move(*cfg);
  auto log = st.cfg.log;
  st.journal = std::make_unique<detail::journal>(
    "worker/" + st.cfg.name, st.cfg.id_high,
    detail::append_through(self, log));
  if (!st.cfg.checkpoint.empty())
    if (auto restored = engine::checkpoint_fold::restore(st.cfg.checkpoint))
      st.checkpoint = std::move(*restored);
  st.journal->observe(
    [](const frame& f) {
      capnp::FlatArrayMessageReader in{f.words(), frame_reader_options()};
      auto e = in.getRoot<schema::Event>();
      return e.isPromptRequested() || e.isProtocolMessage()
             || e.isFilesChanged();
    },
    [self](uint64_t sequence, uint64_t logical_time, const frame& f) {
      capnp::FlatArrayMessageReader in{f.words(), frame_reader_options()};
      auto e = in.getRoot<schema::Event>();
      auto& st = self->state;
      st.checkpoint.apply(sequence, e);
      // Snapshots bound what a rebuild reads (DESIGN.md §2).
      if (st.cfg.snapshot_every > 0
          && sequence >= st.snapshot_at + st.cfg.snapshot_every) {
        st.snapshot_at = sequence;
        self->send(st.cfg.log, atom::snapshot_v, st.journal->stream(),
                   sequence, logical_time, st.checkpoint.save());
      }
      // After each major step (a task or attempt begins, a step, a build,
      // a status), the file is brought up to date.
      if (e.isProtocolMessage() || e.isFilesChanged())
        write_checkpoint_file(self);
      else if (auto p = e.getPromptRequested();
               engine::purpose_of(p).kind == engine::purpose_kind::dispatch)
        // A dispatch that points the agent at the file: written first.
        write_checkpoint_file(self, std::string_view{p.getText().cStr()}.find(
                                      ".baton/checkpoint.md")
                                      != std::string_view::npos);
    });
  st.journal->on_failure([self](const error& e) {
    auto& st = self->state;
    std::fprintf(stderr, "baton: worker %s stops: cannot record: %s\n",
                 st.cfg.name.c_str(), e.message().c_str());
    if (st.running)
      static_cast<void>(st.cfg.terminal->stop(std::chrono::milliseconds{0}));
    self->quit(caf::sec::runtime_error);
  });
  return {
    [self](atom::start) {
      if (self->state.starts == 0)
        start_agent(self);
    },
    [self](atom::command, frame& f) {
      auto c = decode_worker_command(f);
      if (!c) {
        std::fprintf(stderr, "baton: worker %s: %s\n",
                     self->state.cfg.name.c_str(), c.err().message().c_str());
        return;
      }
      on_command(self, *c);
    },
    [self](atom::output, std::string& bytes) {
      auto now = self->state.cfg.clock();
      auto n = bytes.size();
      // Built before the continuation takes the bytes: the order in which
      // a call's arguments are evaluated is unspecified.
      auto recorded = output_event(bytes);
      self->state.journal->record({{std::move(recorded), now}}, true,
                                  [self, bytes = std::move(bytes), n, now] {
                                    auto& st = self->state;
                                    terminal::session_effects fx;
                                    engine::apply_input(
                                      st.core.get(),
                                      {.what = engine::session_input::kind::
                                         output,
                                       .text = bytes},
                                      now, fx);
                                    st.cfg.terminal->consumed(n);
                                    act(self, std::move(fx), now);
                                  });
    },
    [self](atom::exited, int32_t code, int32_t signal) {
      auto now = self->state.cfg.clock();
      pty::exit_status status{code, signal};
      self->state.journal->record(
        {{exited_event(status), now}}, false, [self, status, now] {
          auto& st = self->state;
          st.running = false;
          terminal::session_effects fx;
          engine::apply_input(st.core.get(),
                              {.what = engine::session_input::kind::exit,
                               .status = status},
                              now, fx);
          act(self, std::move(fx), now);
          if (st.stopping) // after what exit derived is recorded
            st.journal->record({}, false, [self] { self->quit(); });
          else if (std::exchange(st.restart_after_exit, false))
            start_agent(self);
        });
    },
    [self](atom::tick, uint64_t deadline) {
      auto& st = self->state;
      if (deadline != st.armed || !st.core)
        return; // superseded by a later arming
      st.armed = 0;
      auto now = st.cfg.clock();
      if (st.core->next_deadline() == 0)
        return;
      if (now < st.core->next_deadline()) {
        arm(self, now);
        return;
      }
      auto recorded = event([&](schema::Event::Builder e) {
        e.initTimerFired().setTimerId(deadline);
      });
      st.journal->record({{recorded, now}}, true, [self, now] {
        terminal::session_effects fx;
        engine::apply_input(self->state.core.get(),
                            {.what = engine::session_input::kind::tick}, now,
                            fx);
        act(self, std::move(fx), now);
      });
    },
  };
}

} // namespace baton::actors
