#!/usr/bin/env python3
"""`baton run` end to end with two agents of a real CLI against the mock model server.

python3 standard library only. Usage:

  tests/agents/run_e2e.py --baton build/cli/baton --cli claude|codex|gemini \
      --variant policy|operator|deny [--agents-bin DIR] [--runs-dir DIR] [--timeout S] [--keep]
      [--pack FILE]

The variants: `policy` — the plan's rules allow both agents' requests; `operator` — the
reader's request is left to the operator, answered by this script; `deny` — a deny rule
refuses the writer's first command (Baton tells it why, it goes on with one allowed).

For the chosen CLI (pinned in tests/agents/package.json, installed by
tests/agents/install.sh) it:
  1. prepares a run dir under $BATON_AGENT_RUNS (default /var/tmp/baton-agent-runs:
     outside any git repository and outside /tmp, see README.md) with a throwaway
     HOME and TMPDIR per agent and the CLI's config files in them, as record.py does;
  2. starts one mock model server per agent (port 0, the printed port read back), each
     with its own scenario (scenarios/run-*.json), so each agent is scripted alone;
  3. writes the plan: plans/<cli>.toml with the ports, the dirs and the variant's
     [approvals] section (plans/approvals-<variant>.toml) filled in;
  4. runs `baton run plan.toml --db LOG --workspace WS --json` in its own process
     group, bounded by a deadline (killed by its id when over);
  5. for the operator variant, polls `baton approvals LOG --json` until the request
     is waiting, checks `baton status LOG` shows it, and answers it with
     `baton approve LOG ID` (the control socket);
  6. asserts from `baton log LOG --json`: each task dispatched and the dispatch
     confirmed delivered (inputFinished), the approval requested and decided as the
     variant says (and its answer typed and confirmed), STATUS: DONE reported, the
     gate passed, the dependent task dispatched after the first one passed and passed
     too, no other STATUS line and no escalation, the refused command not run (deny),
     the agent told (deny), the run finished ok with exit 0; then `baton replay LOG`
     says "identical".

On a failure it prints what went wrong, `baton show LOG` (the agents' screens) and the
mock servers' logs, and keeps the run dir. Exit status 0 when every check held.
"""

import argparse
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
AGENTS = ("writer", "reader")

# What each variant does with the agents' permission prompts, and what the test then
# expects: for each agent, the answer and who gave it; `operator` lists the agents whose
# request the test answers with `baton approve`.
VARIANTS = {
    # (1) both requests allowed by the plan's rules
    "policy": {
        "scenarios": {"writer": "run-writer.json", "reader": "run-reader.json"},
        "answers": {"writer": [("allow", "rule 1")], "reader": [("allow", "rule 2")]},
        "operator": [],
    },
    # (2) the writer's allowed by a rule, the reader's left to the operator (the test)
    "operator": {
        "scenarios": {"writer": "run-writer.json", "reader": "run-reader.json"},
        "answers": {"writer": [("allow", "rule 1")], "reader": [("allow", "operator")]},
        "operator": ["reader"],
    },
    # (3) a deny rule refuses the writer's first command; told why, it goes on with
    # one that is allowed
    "deny": {
        "scenarios": {"writer": "run-writer-deny.json", "reader": "run-reader.json"},
        "answers": {"writer": [("deny", "rule 1"), ("allow", "rule 2")], "reader": [("allow", "rule 3")]},
        "operator": [],
        "told": {"writer": "denied"},
    },
}


class Failure(Exception):
    pass


def log(msg):
    print("run_e2e: " + msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- setup
def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def prepare_home(cli, home, work, port):
    """The CLI's own configuration in a throwaway HOME (shared/REAL_CLIENTS.md)."""
    os.makedirs(home)
    base = "http://127.0.0.1:%d" % port
    if cli == "claude":
        cfg = {
            "hasCompletedOnboarding": True,
            "projects": {work: {"hasTrustDialogAccepted": True, "hasCompletedProjectOnboarding": True}},
        }
        write(os.path.join(home, ".claude.json"), json.dumps(cfg, indent=2))
    elif cli == "codex":
        codex_home = os.path.join(home, ".codex")
        os.makedirs(codex_home)
        write(
            os.path.join(codex_home, "config.toml"),
            'model = "gpt-5.5"\n'
            'model_provider = "mock"\n'
            'approval_policy = "on-request"\n'
            'sandbox_mode = "workspace-write"\n'
            "check_for_update_on_startup = false\n"
            "\n[model_providers.mock]\n"
            'name = "Mock"\n'
            'base_url = "%s/v1"\n'
            'env_key = "OPENAI_API_KEY"\n'
            'wire_api = "responses"\n'
            '\n[projects."%s"]\n'
            'trust_level = "trusted"\n'
            "\n[notice]\n"
            'model_migrations = { "gpt-5.5" = "gpt-6-sol" }\n'
            "\n[analytics]\n"
            "enabled = false\n" % (base, work),
        )
    elif cli == "gemini":
        gdir = os.path.join(home, ".gemini")
        os.makedirs(gdir)
        settings = {
            "security": {"auth": {"selectedType": "gemini-api-key"}, "folderTrust": {"enabled": False}},
            "privacy": {"usageStatisticsEnabled": False},
            "general": {"disableAutoUpdate": True},
            "ui": {"hideTips": True},
        }
        write(os.path.join(gdir, "settings.json"), json.dumps(settings, indent=2))
    else:
        raise Failure("unknown cli %s" % cli)


class Mock:
    """One mock model server (node), stopped with SIGTERM by its pid."""

    def __init__(self, scenario, work, log_path):
        self.log_path = log_path
        self.proc = subprocess.Popen(
            ["node", os.path.join(HERE, "mock_model_server.mjs"), "--port", "0", "--scenario", scenario,
             "--workdir", work, "--log", log_path],
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )
        line = self.proc.stdout.readline().decode().strip()
        if not line.isdigit():
            self.stop()
            raise Failure("mock server for %s did not print its port (got %r)" % (scenario, line))
        self.port = int(line)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --------------------------------------------------------------------------- baton
class Baton:
    def __init__(self, exe, env):
        self.exe = exe
        self.env = env

    def run(self, *args, timeout=60):
        p = subprocess.run([self.exe] + list(args), env=self.env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=timeout)
        return p.returncode, p.stdout.decode("utf-8", "replace")


def events_of(baton, db):
    """Every event of the log, as (stream, event-kind, body) in global order."""
    rc, out = baton.run("log", db, "--json", timeout=120)
    if rc != 0:
        raise Failure("baton log %s --json exited %d:\n%s" % (db, rc, out[-2000:]))
    events = []
    for line in out.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        events.append(json.loads(line))
    return events


def kind_of(e):
    """The event's kind and body from one `baton log --json` object."""
    ev = e.get("event", e)
    for k, v in ev.items():
        if isinstance(v, dict) or v is None:
            return k, v or {}
    return None, {}


# --------------------------------------------------------------------------- checks
class Checks:
    def __init__(self):
        self.failed = []
        self.seen = []

    def check(self, ok, what):
        (self.seen if ok else self.failed).append(what)
        log(("ok: " if ok else "FAILED: ") + what)
        return ok


def terminated(signum, frame):
    raise Failure("terminated by signal %d" % signum)


def main():
    signal.signal(signal.SIGTERM, terminated)  # ctest's timeout: still stop the run and the mocks
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--baton", required=True)
    ap.add_argument("--cli", required=True, choices=["claude", "codex", "gemini"])
    ap.add_argument("--variant", required=True, choices=sorted(VARIANTS))
    ap.add_argument("--agents-bin", help="the CLIs' .bin dir (default: what tests/agents/install.sh prints)")
    ap.add_argument("--runs-dir", default=os.environ.get("BATON_AGENT_RUNS", "/var/tmp/baton-agent-runs"))
    ap.add_argument("--timeout", type=float, default=240, help="deadline for the whole run, seconds")
    ap.add_argument("--keep", action="store_true", help="keep the run dir when every check held")
    ap.add_argument("--pack", help="a detector pack file for the agents instead of the built-in one")
    args = ap.parse_args()
    return E2E(args).main()


class E2E:
    def __init__(self, args):
        self.args = args
        self.cli = args.cli
        self.variant = VARIANTS[args.variant]
        self.baton_exe = os.path.abspath(args.baton)
        self.run_dir = os.path.join(os.path.abspath(args.runs_dir), "e2e-%s-%s" % (args.cli, args.variant))
        self.ws = os.path.join(self.run_dir, "ws")
        self.db = os.path.join(self.run_dir, "log")
        self.mocks = {}
        self.proc = None
        self.checks = Checks()

    def agents_bin(self):
        if self.args.agents_bin:
            return os.path.abspath(self.args.agents_bin)
        p = subprocess.run([os.path.join(HERE, "install.sh")], cwd=REPO, stdout=subprocess.PIPE)
        if p.returncode != 0:
            raise Failure("tests/agents/install.sh exited %d" % p.returncode)
        return p.stdout.decode().strip().splitlines()[-1]

    def main(self):
        ok = False
        try:
            self.setup()
            self.run()
            self.verify()
            ok = not self.checks.failed
        except Failure as e:
            self.checks.failed.append(str(e))
            log("FAILED: %s" % e)
        except subprocess.TimeoutExpired as e:
            self.checks.failed.append("timed out: %s" % e)
            log("FAILED: timed out: %s" % e)
        finally:
            self.stop()
        if not ok:
            self.diagnose()
            log("%d check(s) failed; the run dir is kept: %s" % (len(self.checks.failed), self.run_dir))
            return 1
        log("all %d checks held (%s, %s)" % (len(self.checks.seen), self.cli, self.args.variant))
        if not self.args.keep:
            shutil.rmtree(self.run_dir, ignore_errors=True)
        return 0

    # ---------------------------------------------------------------- setup
    def setup(self):
        bin_dir = self.agents_bin()
        if not os.path.exists(os.path.join(bin_dir, self.cli)):
            raise Failure("%s not installed in %s" % (self.cli, bin_dir))
        shutil.rmtree(self.run_dir, ignore_errors=True)
        os.makedirs(self.ws)
        ports = {}
        for agent in AGENTS:
            work = os.path.join(self.ws, agent)
            os.makedirs(work)  # Baton creates it too; the mock wants it for {{workdir}}
            # what the deny variant's refused command would remove: it must survive
            os.makedirs(os.path.join(work, "drafts"))
            write(os.path.join(work, "drafts", "keep.txt"), "an old draft\n")
            os.makedirs(os.path.join(self.run_dir, "tmp-" + agent))
            scenario = os.path.join(HERE, "scenarios", self.variant["scenarios"][agent])
            self.mocks[agent] = Mock(scenario, work, os.path.join(self.run_dir, "mock-%s.log" % agent))
            ports[agent] = self.mocks[agent].port
            prepare_home(self.cli, os.path.join(self.run_dir, "home-" + agent), work, ports[agent])
        with open(os.path.join(HERE, "plans", self.cli + ".toml")) as f:
            plan = f.read()
        with open(os.path.join(HERE, "plans", "approvals-%s.toml" % self.args.variant)) as f:
            approvals = f.read()
        values = {"approvals": approvals, "run_dir": self.run_dir,
                  "writer_port": str(ports["writer"]), "reader_port": str(ports["reader"])}
        plan = re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], plan)
        if self.args.pack:
            plan = re.sub(r'(?m)^(preset = "\w+")$', r'\1\npack = %s' % json.dumps(os.path.abspath(self.args.pack)), plan)
        self.plan = os.path.join(self.run_dir, "plan.toml")
        write(self.plan, plan)
        home = os.path.join(self.run_dir, "home-baton")
        os.makedirs(home)
        self.env = {
            "PATH": bin_dir + ":/usr/local/bin:/usr/bin:/bin",
            "HOME": home,
            "USER": os.environ.get("USER", "tester"),
            "LANG": "C.UTF-8",
            "SHELL": "/bin/bash",
            "COLORTERM": "truecolor",
            "TERM": "xterm-256color",
        }
        if self.cli == "codex":
            self.env["OPENAI_API_KEY"] = "mock-key"
        self.baton = Baton(self.baton_exe, self.env)
        log("run dir %s; mock servers on %s" % (self.run_dir, ", ".join("%s:%d" % kv for kv in ports.items())))

    # ---------------------------------------------------------------- the run
    def run(self):
        # The run's --json stream is read as it comes: each approvalRequested
        # event (recorded before it is printed) is the moment to answer as the
        # operator; the run ends when baton closes its output and exits.
        out = open(os.path.join(self.run_dir, "run.jsonl"), "wb")
        err = open(os.path.join(self.run_dir, "run.stderr"), "w")
        self.proc = subprocess.Popen(
            [self.baton_exe, "run", self.plan, "--db", self.db, "--workspace", self.ws, "--json"],
            env=self.env, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL,
            start_new_session=True)
        deadline = time.monotonic() + self.args.timeout
        answered = set()
        pending = b""
        fd = self.proc.stdout.fileno()
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Failure("baton run did not finish within %.0f s" % self.args.timeout)
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                break  # baton closed its output: it is ending
            out.write(chunk)
            out.flush()
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                if (b'"approvalRequested"' in line
                        and len(answered) < len(self.variant["operator"])):
                    self.answer_operator(answered)
        try:
            self.proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise Failure("baton run did not exit within %.0f s" % self.args.timeout)
        self.exit_code = self.proc.returncode
        log("baton run exited %d" % self.exit_code)

    def answer_operator(self, answered):
        rc, out = self.baton.run("approvals", self.db, "--json")
        if rc != 0:
            return  # no orchestrator stream yet
        for line in out.splitlines():
            if not line.startswith("{"):
                continue
            req = json.loads(line)
            if req["agent"] in self.variant["operator"] and req["id"] not in answered:
                # the request waiting shows in `baton status`
                rc, status = self.baton.run("status", self.db)
                self.checks.check("approval %s (baton approve|deny LOG %s) %s" % (req["id"], req["id"], req["agent"]) in status,
                                  "baton status shows approval %s waiting (%s)" % (
                                      req["id"], [l for l in status.splitlines() if "approval" in l]))
                rc, said = self.baton.run("approve", self.db, req["id"], "--reason", "e2e test", "--by", "e2e")
                log("baton approve %s (%s %s %s): %s" % (req["id"], req["agent"], req["tool"], req["subject"], said.strip()))
                if rc != 0:
                    raise Failure("baton approve %s exited %d: %s" % (req["id"], rc, said))
                answered.add(req["id"])

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            log("stopping baton run (pid %d)" % self.proc.pid)
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own process group: the agents too
                self.proc.wait()
        for m in self.mocks.values():
            m.stop()

    # ---------------------------------------------------------------- checks
    def verify(self):
        c = self.checks.check
        events = events_of(self.baton, self.db)
        orch = []
        operator = []
        workers = {a: [] for a in AGENTS}
        for e in events:
            stream = e.get("stream", "")
            kind, body = kind_of(e)
            if stream == "orchestrator":
                orch.append((kind, body))
            elif stream == "operator":
                operator.append((kind, body))
            elif stream.startswith("worker/") and stream[len("worker/"):] in workers:
                workers[stream[len("worker/"):]].append((kind, body))
        self.summary = []

        def orch_of(kind, **match):
            return [b for k, b in orch if k == kind and all(b.get(f) == v for f, v in match.items())]

        tasks = {"writer": "notes", "reader": "summary"}
        for agent, task in tasks.items():
            dispatched = orch_of("taskDispatched", task=task, agent=agent)
            c(len(dispatched) == 1, "task %s dispatched to %s once (%d)" % (task, agent, len(dispatched)))
            # the dispatch typed and confirmed: the worker's n-th promptRequested is
            # delivery n; its inputFinished says delivered
            w = workers[agent]
            prompts = [b for k, b in w if k == "promptRequested"]
            finished = {int(b.get("deliveryId", 0)): b for k, b in w if k == "inputFinished"}
            ids = [i + 1 for i, b in enumerate(prompts) if (b.get("text") or "").startswith("Task %s:" % task)]
            fin = finished.get(ids[0], {}) if ids else {}
            c(len(ids) == 1 and fin.get("delivered"),
              "%s: the dispatch typed and confirmed delivered (inputFinished %s)" % (agent, fin.get("reason")))
            self.summary.append("%s: dispatch of %s delivered: %s" % (agent, task, fin.get("reason")))
            for i, b in enumerate(prompts):
                why = b.get("why") or ""
                if b.get("answer") and why.startswith("approval "):
                    fin = finished.get(i + 1, {})
                    c(fin.get("delivered"), "%s: the answer to %s typed %r and confirmed (%s)" % (
                        agent, why, b.get("text"), fin.get("reason")))
                    self.summary.append("%s: answer to %s typed %r: %s" % (agent, why, b.get("text"), fin.get("reason")))
            # the approval
            requested = orch_of("approvalRequested", agent=agent)
            decided = orch_of("approvalDecided", agent=agent)
            want = self.variant["answers"][agent]
            c(len(requested) == len(want), "%s: %d approval request(s) (saw %s)" % (
                agent, len(want), ["%s %s %s" % (r.get("id"), r.get("tool"), r.get("subject")) for r in requested]))
            got = [(d.get("answer"), d.get("by")) for d in decided]
            c(got == want, "%s: approvals answered %s (saw %s)" % (agent, want, got))
            for r, d in zip(requested, decided):
                self.summary.append("%s: approval %s %s %r -> %s by %s" % (
                    agent, r.get("id"), r.get("tool"), r.get("subject"), d.get("answer"), d.get("by")))
            if agent in self.variant["operator"]:
                # the operator's commands are recorded on the operator stream
                answered = [b for k, b in operator if k == "operatorCommand" and b.get("action") == "approve"]
                c(any(a.get("by") == "e2e" and a.get("answer") == "allow" for a in answered),
                  "%s: the operator's answer recorded (operatorCommand %s)" % (agent, answered))
            if agent in self.variant.get("told", {}):
                told = [t for t in orch_of("agentTold", agent=agent)
                        if (t.get("why") or "").endswith(self.variant["told"][agent])]
                c(len(told) == 1, "%s: told why its request was refused (%s)" % (
                    agent, [t.get("why") for t in told]))
                ids = [i + 1 for i, b in enumerate(prompts) if (b.get("text") or "").startswith("Your request")]
                fin = finished.get(ids[0], {}) if ids else {}
                c(fin.get("delivered"), "%s: the refusal typed and confirmed (%s)" % (agent, fin.get("reason")))
                self.summary.append("%s: told %r: %s" % (agent, told[0].get("why") if told else None, fin.get("reason")))
            # the answer typed and confirmed: every delivery confirmed
            unconfirmed = [b for k, b in w if k == "inputFinished" and not b.get("delivered")]
            c(not unconfirmed, "%s: every typed input confirmed delivered (%s)" % (agent, unconfirmed[:3]))
            states = [b.get("to") for k, b in w if k == "stateChanged"]
            c("waiting_approval" in states, "%s: the screen showed the permission prompt (waiting_approval)" % agent)
            done = [b for k, b in w if k == "protocolMessage" and b.get("kind") == "status" and b.get("status") == "done"]
            if not done:
                done = [b for k, b in w if k == "protocolMessage" and "STATUS: DONE" in (b.get("line") or "")]
            c(len(done) >= 1, "%s: STATUS: DONE reported (%s)" % (agent, [d.get("line") for d in done]))
            if len(done) > 1:
                # Known and open: Claude Code's redraw after an approval has
                # made the same DONE be reported twice (rarely; the task is
                # settled once). Said, not hidden.
                log("known issue: %s: the same STATUS: DONE reported %d times" % (agent, len(done)))
            # nothing else taken for a status (an echoed prompt's template
            # lines, another status): every STATUS line is that one DONE
            statuses = [b.get("line") for k, b in w if k == "protocolMessage" and b.get("kind") == "status"]
            c(len(set(statuses)) == 1, "%s: no other STATUS line reported (%s)" % (agent, statuses))
            gates = orch_of("gateFinished", task=task)
            c(any(g.get("passed") for g in gates), "task %s: gate passed (%s)" % (
                task, [(g.get("passed"), g.get("reasons")) for g in gates]))
            settled = orch_of("taskSettled", task=task)
            c(len(settled) == 1 and settled[0].get("passed"), "task %s settled passed (%s)" % (task, settled))
            art = os.path.join(self.ws, agent, "notes.md" if agent == "writer" else "summary.md")
            c(os.path.isfile(art), "%s written" % os.path.relpath(art, self.ws))
            if agent in self.variant.get("told", {}):
                c(os.path.isfile(os.path.join(self.ws, agent, "drafts", "keep.txt")),
                  "%s: the refused command did not run (drafts/ still there)" % agent)
            self.summary.append("%s: dispatched %s, DONE %r, gate %s, verdict %s" % (
                agent, task, done[0].get("line") if done else None,
                "passed" if any(g.get("passed") for g in gates) else "failed",
                "passed" if settled and settled[0].get("passed") else "not passed"))
        # the dependent task started after the first one passed
        order = [(k, b.get("task")) for k, b in orch if k in ("taskSettled", "taskDispatched")]
        try:
            first_settled = order.index(("taskSettled", "notes"))
            second_dispatched = order.index(("taskDispatched", "summary"))
            c(first_settled < second_dispatched, "summary dispatched after notes settled")
        except ValueError:
            c(False, "summary dispatched after notes settled (order %s)" % order)
        escalated = orch_of("taskEscalated")
        c(not escalated, "no task escalated (loops, stalls: %s)" % escalated)
        finished = orch_of("runFinished")
        c(len(finished) == 1 and finished[0].get("ok"), "runFinished ok (%s)" % finished)
        c(self.exit_code == 0, "baton run exit 0 (got %s)" % self.exit_code)
        rc, out = self.baton.run("replay", self.db, timeout=180)
        c(rc == 0 and "identical" in out, "baton replay: identical (%s)" % out.strip()[-300:])
        for line in self.summary:
            log("event: " + line)

    def diagnose(self):
        if not os.path.isdir(self.db):
            return
        try:
            rc, out = self.baton.run("show", self.db, timeout=60)
            print("----- baton show %s\n%s" % (self.db, out), file=sys.stderr)
        except Exception as e:  # noqa: BLE001 - diagnostics only
            print("baton show failed: %s" % e, file=sys.stderr)
        for agent, m in self.mocks.items():
            try:
                with open(m.log_path) as f:
                    print("----- mock server of %s\n%s" % (agent, f.read()[-4000:]), file=sys.stderr)
            except OSError:
                pass
        try:
            with open(os.path.join(self.run_dir, "run.stderr")) as f:
                print("----- baton run stderr\n%s" % f.read()[-4000:], file=sys.stderr)
        except OSError:
            pass


if __name__ == "__main__":
    sys.exit(main())
