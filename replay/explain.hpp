// Explaining a run: the chain of recorded decisions that concern one agent or
// one task, each with the input that caused it (`baton why`).
//
// The orchestrator is a pure fold and records every input before it sees it
// and every decision before it is carried out, in the order it made them.
// Rebuilding it from the recorded plan (runStarted's plan text) and feeding
// it the recorded inputs therefore says which input produced which recorded
// decision: the input at orchestrator@N caused the decisions at @M1, @M2.
// Inputs and decisions may interleave in the stream (an input can be
// recorded while the decisions of the one before are on their way to the
// log); decisions are matched, in order, against what the replay decided.
// When a recorded decision is not the one the replay made (the plan or the
// rules changed since the run), attribution stops there: later decisions are
// listed without a cause and the explanation says where it stopped.
//
// For an agent, the notable events of its own stream (worker/<name>) are
// interleaved in the log's global order: processes started and exited (with
// status and signal), restarts and why, protocol lines, prompts typed and
// why, compaction markers, inputs not delivered. Raw terminal bytes and
// detected state changes are left out.
//
// Repetition: an input or worker event whose text equals an earlier one's
// (runs of digits folded to '#' for the comparison only, so attempts,
// durations and ids do not hide a loop) carries the first one's place and
// its count, so a loop shows at a glance.
//
// Reads only: the orchestrator stream, and for an agent its worker stream.
// Not thread-safe on its own data; the log may be shared (see event_log).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.hpp"
#include "storage/event_log.hpp"

namespace baton::replay {

/// What the subject of an explanation turned out to be.
enum class subject_kind : uint8_t {
  /// An agent of the recorded plan.
  agent,
  /// A task of the recorded plan, or one added while the run went.
  task,
};

std::string_view to_string(subject_kind k);

/// One recorded event, as shown in an explanation.
struct explained_event {
  std::string stream;
  uint64_t sequence = 0;
  /// Global position, the order of the steps.
  uint64_t position = 0;
  uint64_t logical_time_us = 0;
  /// Decisions: dispatch_task, run_gate, tell_agent, restart_agent,
  /// task_settled, finish_run, report_violation. Inputs: run_begun,
  /// agent_observed, protocol_seen, gate_finished, agent_exited,
  /// stop_requested, time_passed. Worker events: process_started,
  /// process_exited, agent_restarted, protocol_line, prompt_typed,
  /// compaction_seen, input_not_delivered.
  std::string kind;
  /// One line for people.
  std::string text;
  /// The full text typed, when there is one (a prompt, a message); empty
  /// otherwise.
  std::string detail;
  /// Which time the same text (digits folded) appears among the inputs and
  /// worker events of this explanation: 1 for the first. From 2 on,
  /// `first_stream`@`first_sequence` is where it appeared first.
  uint32_t occurrence = 1;
  std::string first_stream;
  uint64_t first_sequence = 0;
};

/// A decision that concerns the subject, with the input that caused it; or,
/// for an agent, a notable event of its own stream (then no cause).
struct explanation_step {
  explained_event event;
  /// The input whose replay produced the decision; nullopt for worker events
  /// and for decisions after the replay diverged.
  std::optional<explained_event> cause;
};

struct explanation {
  std::string subject;
  subject_kind kind = subject_kind::task;
  /// In the log's global order; a finish_run, if any, is last.
  std::vector<explanation_step> steps;
  /// Empty when every decision was attributed; else where attribution
  /// stopped and why ("orchestrator@57: the replay decided ...").
  std::string unattributed;
};

/// The chain of decisions concerning `subject`, an agent or task name of the
/// run's recorded plan (an agent when it names both).
///
/// Errors: ec::not_found when the log holds no orchestrator stream;
/// ec::invalid_argument when the stream does not start with runStarted, the
/// recorded plan does not parse, or `subject` names neither an agent nor a
/// task (the message lists the plan's agents and tasks); read errors as
/// event_log::read reports them (ec::corruption naming stream and sequence).
result<explanation> explain(const storage::event_log& log,
                            std::string_view subject);

/// `text` with every run of digits replaced by '#': the key under which
/// repetitions are counted.
std::string fold_digits(std::string_view text);

} // namespace baton::replay
