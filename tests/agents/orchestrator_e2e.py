#!/usr/bin/env python3
"""`baton run --goal` end to end: Claude Code or Gemini CLI (pinned) as the
orchestrator agent against the mock model server, a simulated writer as its team.

python3 standard library only. Usage:

  tests/agents/orchestrator_e2e.py --baton build/cli/baton [--cli claude|gemini] [--agents-bin DIR]
      [--runs-dir DIR] [--timeout S] [--keep]

The mock model (scenarios/orchestrator-<cli>.json) makes the CLI call Baton's
MCP tools as an orchestrator would: add_task for the writer, wait_for it to settle,
task_status, then STATUS: DONE. The script runs
`baton run --goal "Write the notes." --team plan.toml` and asserts from the log: the
goal dispatched to the orchestrator with the team in its prompt, the task added as
the operator command of the MCP client (mcp:...), dispatched to the writer and passed,
the goal passed, the run finished ok with exit 0; `baton replay` identical; `baton why
LOG notes` naming the MCP call that added it. Exit status 0 when every check held.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_e2e  # noqa: E402  (prepare_home, Mock, Baton, events_of, kind_of)

HERE = run_e2e.HERE
REPO = run_e2e.REPO
GOAL = "Write the notes."


def log(msg):
    print("orchestrator_e2e: " + msg, file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--baton", required=True)
    ap.add_argument("--cli", choices=("claude", "gemini"), default="claude")
    ap.add_argument("--agents-bin")
    ap.add_argument("--runs-dir", default=os.environ.get("BATON_AGENT_RUNS", "/var/tmp/baton-agent-runs"))
    ap.add_argument("--timeout", type=float, default=240)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()

    baton_exe = os.path.abspath(args.baton)
    cli = args.cli
    run_dir = os.path.join(os.path.abspath(args.runs_dir), "e2e-orchestrator-" + cli)
    ws = os.path.join(run_dir, "ws")
    db = os.path.join(run_dir, "log")
    failed = []
    mock = None
    proc = None

    def check(ok, what):
        if not ok:
            failed.append(what)
            log("FAILED: " + what)

    try:
        if args.agents_bin:
            bin_dir = os.path.abspath(args.agents_bin)
        else:
            p = subprocess.run([os.path.join(HERE, "install.sh")], cwd=REPO, stdout=subprocess.PIPE)
            if p.returncode != 0:
                raise run_e2e.Failure("tests/agents/install.sh exited %d" % p.returncode)
            bin_dir = p.stdout.decode().strip().splitlines()[-1]
        shutil.rmtree(run_dir, ignore_errors=True)
        work = os.path.join(ws, "orchestrator")
        os.makedirs(work)
        os.makedirs(os.path.join(run_dir, "tmp-orchestrator"))
        mock = run_e2e.Mock(os.path.join(HERE, "scenarios", "orchestrator-%s.json" % cli), work,
                            os.path.join(run_dir, "mock-orchestrator.log"))
        run_e2e.prepare_home(cli, os.path.join(run_dir, "home-orchestrator"), work, mock.port)
        with open(os.path.join(HERE, "plans", "orchestrator-%s.toml" % cli)) as f:
            plan = f.read()
        values = {"run_dir": run_dir, "orchestrator_port": str(mock.port)}
        plan = re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], plan)
        plan_path = os.path.join(run_dir, "plan.toml")
        run_e2e.write(plan_path, plan)
        home = os.path.join(run_dir, "home-baton")
        os.makedirs(home)
        env = {"PATH": bin_dir + ":/usr/local/bin:/usr/bin:/bin", "HOME": home,
               "USER": os.environ.get("USER", "tester"), "LANG": "C.UTF-8", "SHELL": "/bin/bash",
               "COLORTERM": "truecolor", "TERM": "xterm-256color"}
        baton = run_e2e.Baton(baton_exe, env)
        log("run dir %s; mock server on %d" % (run_dir, mock.port))

        out_path = os.path.join(run_dir, "run.txt")
        with open(out_path, "w") as out:
            proc = subprocess.Popen([baton_exe, "run", "--goal", GOAL, "--team", plan_path, "--db", db,
                                     "--workspace", ws], env=env, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
            try:
                code = proc.wait(args.timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                raise run_e2e.Failure("baton run did not end within %d s" % args.timeout)
        check(code == 0, "baton run exited %d (expected 0)" % code)

        events = run_e2e.events_of(baton, db)
        kinds = [(e.get("stream", ""),) + run_e2e.kind_of(e) for e in events]
        started = [b for s, k, b in kinds if k == "runStarted"]
        check(started and "[orchestrator]" in started[0].get("planText", "")
              and GOAL in started[0].get("planText", ""),
              "the recorded plan holds the goal given on the command line")
        goal = [b for s, k, b in kinds if k == "taskDispatched" and b.get("task") == "goal"]
        check(len(goal) == 1 and goal[0].get("agent") == "orchestrator",
              "the goal dispatched once to the orchestrator agent")
        if goal:
            prompt = goal[0].get("prompt", "")
            check("\n\nYour goal: " + GOAL + "\n" in prompt, "the goal's prompt holds the goal")
            check("- writer (writer); owns notes/**; can: docs" in prompt, "the goal's prompt describes the team")
        added = [b for s, k, b in kinds if k == "operatorCommand" and b.get("action") == "addTask"]
        check(len(added) == 1 and added[0].get("by", "") == "orchestrator",
              "the task added once, as the orchestrator agent's command (%s)" % [a.get("by") for a in added])
        notes = [b for s, k, b in kinds if k == "taskDispatched" and b.get("task") == "notes"]
        check(len(notes) >= 1 and notes[0].get("agent") == "writer", "notes dispatched to the writer")
        settled = {b.get("task"): b.get("passed") for s, k, b in kinds if k == "taskSettled"}
        check(settled.get("notes") is True, "notes passed")
        check(settled.get("goal") is True, "the goal passed (the orchestrator's STATUS: DONE)")
        finished = [b for s, k, b in kinds if k == "runFinished"]
        check(finished and finished[-1].get("ok") is True, "the run finished ok")

        rc, replay = baton.run("replay", db, timeout=120)
        check(rc == 0 and "identical" in replay, "baton replay: identical\n" + replay[-800:])
        rc, why = baton.run("why", db, "notes", timeout=60)
        check(rc == 0 and re.search(r"the operator \(orchestrator, o\d+\) added task notes", why) is not None,
              "baton why names the MCP call that added notes\n" + why[-1200:])
    except run_e2e.Failure as e:
        failed.append(str(e))
        log("FAILED: %s" % e)
    finally:
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if mock is not None:
            mock.stop()
    if failed:
        for name in ("run.txt", "mock-orchestrator.log"):
            path = os.path.join(run_dir, name)
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    log("--- %s (tail) ---\n%s" % (name, f.read()[-3000:]))
        if os.path.isdir(db):
            rc, show = run_e2e.Baton(baton_exe, dict(os.environ)).run("show", db, timeout=60)
            log("--- baton show ---\n" + show[-4000:])
        log("%d check(s) failed; the run dir is kept: %s" % (len(failed), run_dir))
        return 1
    log("every check held")
    if not args.keep:
        shutil.rmtree(run_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
