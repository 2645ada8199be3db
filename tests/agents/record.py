#!/usr/bin/env python3
"""Drive a real agent CLI through a scripted session and record it as an asciinema v2 cast.

python3 standard library only. Usage:

  tests/agents/record.py record --cli claude --scenario tests/agents/scenarios/normal.json \
      --out tests/agents/recordings/claude-normal.cast
  tests/agents/record.py render tests/agents/recordings/claude-normal.cast [--at 12.5 ...]
      [--markers] [--final] [--titles] [--queries]

`record`:
  1. installs nothing: run tests/agents/install.sh first (or pass --agents-dir);
  2. starts mock_model_server.mjs on 127.0.0.1 (port 0) with the scenario;
  3. prepares a throwaway run dir (HOME, TMPDIR, work dir; default
     $BATON_AGENT_RUNS/<cli>-<scenario>, $BATON_AGENT_RUNS defaulting to
     /var/tmp/baton-agent-runs: outside any git repository, which the CLIs would
     otherwise pick up, and outside /tmp, under which Codex refuses its helper links)
     with the CLI's config pointing at the mock server, as in shared/REAL_CLIENTS.md;
  4. runs the CLI in a pseudo-terminal (120x30 by default) with a clean environment,
     answering terminal queries the way libvterm 0.1.4 does (see miniterm.py);
  5. waits for the idle screen, delivers the scenario's prompt (bracketed paste when the
     CLI enabled mode 2004, then Enter), approves each permission prompt with the CLI's
     key, waits for the scenario's final text and the idle screen, then exits the CLI
     (Ctrl-C, and Ctrl-C again when it asks) and waits for it to end;
  6. writes the cast: "o" events (output, real timestamps), "i" events (what was typed),
     and "m" marker events naming the state the driver observed at that moment
     (idle, working, waiting_approval, done, exiting, exited) — ground truth for the
     detector-pack tests. It also leaves, in the run dir, mock.log (every request the
     mock server saw) and screens.txt (the rendered screen at every marker).

Exit status 0 when the whole script ran and the CLI exited; 1 otherwise (the cast is
still written, with a "m" event "driver-error: …").
"""

import argparse
import fcntl
import json
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from miniterm import Screen  # noqa: E402

# --------------------------------------------------------------------------- CLI profiles
# Regexes are matched against the rendered screen (miniterm), not the raw bytes.
PROFILES = {
    "claude": {
        "package": "@anthropic-ai/claude-code",
        "bin": "claude",
        "args": [],
        # idle: footer hint under the prompt box; working: the footer while a turn runs
        "idle": r"\? for shortcuts",
        "working": r"esc to interrupt",
        "approval": r"Do you want to (proceed|create|make this edit)",
        "approve_keys": "\r",  # the highlighted default is "1. Yes"
        "exit_again": r"Press Ctrl-C again to exit",
    },
    "codex": {
        "package": "@openai/codex",
        "bin": "codex",
        "args": ["--no-daemon"],
        "idle": r"\? for shortcuts",
        "working": r"esc to interrupt",
        "approval": r"Would you like to (run the following command|make the following edits)",
        "approve_keys": "y",  # "1. Yes, proceed (y)"
        "exit_again": r"(?i)ctrl\s*\+?\s*-?c again",
    },
    "gemini": {
        "package": "@google/gemini-cli",
        "bin": "gemini",
        "args": [],
        "idle": r"Type your message",
        "working": r"esc to cancel",
        "approval": r"(Allow execution of|Apply this change\?|Allow )",
        "approve_keys": "\r",  # "● 1. Allow once" is highlighted
        "exit_again": r"Press Ctrl\+C again to exit",
    },
}


def package_version(agents_dir, package):
    with open(os.path.join(agents_dir, "node_modules", package, "package.json")) as f:
        return json.load(f)["version"]


# --------------------------------------------------------------------------- run setup
def prepare(cli, run_dir, port, trusted=True):
    """Create HOME, TMPDIR and the work dir, write the CLI's config. Returns (env, work).
    trusted=False leaves the work dir untrusted, so the CLI shows its trust dialog."""
    home = os.path.join(run_dir, "home")
    tmp = os.path.join(run_dir, "tmp")
    work = os.path.join(run_dir, "work")
    for d in (home, tmp, work):
        os.makedirs(d, exist_ok=True)
    base = "http://127.0.0.1:%d" % port
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": tmp,
        "USER": os.environ.get("USER", "root"),
        "SHELL": "/bin/bash",
        "LANG": "C.UTF-8",
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
    }
    if cli == "claude":
        env.update(
            ANTHROPIC_BASE_URL=base,
            ANTHROPIC_AUTH_TOKEN="mock-token",
            CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1",
            DISABLE_TELEMETRY="1",
            DISABLE_AUTOUPDATER="1",
            DISABLE_ERROR_REPORTING="1",
        )
        cfg = {
            "hasCompletedOnboarding": True,
            "projects": {work: {"hasTrustDialogAccepted": trusted, "hasCompletedProjectOnboarding": True}},
        }
        with open(os.path.join(home, ".claude.json"), "w") as f:
            json.dump(cfg, f, indent=2)
    elif cli == "codex":
        codex_home = os.path.join(home, ".codex")
        os.makedirs(codex_home)
        env.update(CODEX_HOME=codex_home, OPENAI_API_KEY="mock-key")
        with open(os.path.join(codex_home, "config.toml"), "w") as f:
            f.write(
                'model = "gpt-5.5"\n'
                'model_provider = "mock"\n'
                'approval_policy = "on-request"\n'
                'sandbox_mode = "workspace-write"\n'
                "check_for_update_on_startup = false\n"
                "\n[model_providers.mock]\n"
                'name = "Mock"\n'
                'base_url = "%s/v1"\n'
                'env_key = "OPENAI_API_KEY"\n'
                'wire_api = "responses"\n' % base
                + ('\n[projects."%s"]\ntrust_level = "trusted"\n' % work if trusted else "")
                + "\n[notice]\n"
                'model_migrations = { "gpt-5.5" = "gpt-6-sol" }\n'
                "\n[analytics]\n"
                "enabled = false\n"
            )
    elif cli == "gemini":
        gdir = os.path.join(home, ".gemini")
        os.makedirs(gdir)
        env.update(
            GEMINI_API_KEY="mock-key",
            GOOGLE_GEMINI_BASE_URL=base,
            GEMINI_CLI_NO_RELAUNCH="true",
        )
        settings = {
            "security": {"auth": {"selectedType": "gemini-api-key"}, "folderTrust": {"enabled": not trusted}},
            "privacy": {"usageStatisticsEnabled": False},
            "general": {"disableAutoUpdate": True},
            "ui": {"hideTips": True},
        }
        with open(os.path.join(gdir, "settings.json"), "w") as f:
            json.dump(settings, f, indent=2)
    else:
        raise SystemExit("unknown cli: %s" % cli)
    return env, work


def start_mock(scenario, work, log_path):
    server = os.path.join(HERE, "mock_model_server.mjs")
    proc = subprocess.Popen(
        ["node", server, "--port", "0", "--scenario", scenario, "--workdir", work, "--log", log_path],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    line = proc.stdout.readline().decode().strip()
    if not line.isdigit():
        proc.kill()
        raise SystemExit("mock server did not print its port (got %r)" % line)
    return proc, int(line)


# --------------------------------------------------------------------------- the session
class DriverError(Exception):
    pass


class Session:
    def __init__(self, argv, env, cwd, cols, rows, run_dir):
        self.cols, self.rows = cols, rows
        self.screen = Screen(cols, rows)
        self.events = []  # [t, kind, data]
        self.t0 = time.monotonic()
        self.wall0 = time.time()
        self.exit_status = None
        self.last_output = self.t0
        self.screens_log = open(os.path.join(run_dir, "screens.txt"), "w")
        self._dec = __import__("codecs").getincrementaldecoder("utf-8")("replace")
        pid, fd = pty.fork()
        if pid == 0:  # child
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
                os.chdir(cwd)
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def now(self):
        return round(time.monotonic() - self.t0, 6)

    def mark(self, label):
        self.events.append([self.now(), "m", label])
        self.screens_log.write("=== t=%.3f %s\n%s\n" % (self.now(), label, self.screen.text()))
        self.screens_log.flush()
        print("record.py: %7.3fs %s" % (self.now(), label), file=sys.stderr)

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.events.append([self.now(), "i", data.decode("utf-8", "replace")])
        os.write(self.fd, data)

    def alive(self):
        if self.exit_status is not None:
            return False
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        if pid == self.pid:
            self.exit_status = os.waitstatus_to_exitcode(status)
            return False
        return True

    def pump(self, timeout=0.05):
        """Read what is available; return False when the pty is closed."""
        try:
            r, _, _ = select.select([self.fd], [], [], timeout)
        except InterruptedError:
            return True
        if not r:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            return False
        if not data:
            return False
        t = self.now()
        self.last_output = time.monotonic()
        text = self._dec.decode(data)
        if text:
            if self.events and self.events[-1][1] == "o" and t - self.events[-1][0] < 0.0005:
                self.events[-1][2] += text
            else:
                self.events.append([t, "o", text])
        self.screen.feed(text)
        for reply in self.screen.replies:
            os.write(self.fd, reply)  # terminal answers are not typed input: no "i" event
        self.screen.replies.clear()
        return True

    def wait(self, what, pred, timeout, quiet=0.0):
        """Pump until pred(screen) holds (and output was quiet for `quiet` s)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            open_ = self.pump()
            if pred(self.screen) and time.monotonic() - self.last_output >= quiet:
                return True
            if not open_ or not self.alive():
                # drain, then check one last time
                while self.pump(0.05):
                    pass
                if pred(self.screen):
                    return True
                raise DriverError("the CLI exited (status %s) while waiting for %s" % (self.exit_status, what))
        raise DriverError("timed out after %.0fs waiting for %s" % (timeout, what))

    def idle_for(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if not self.pump():
                break

    def close(self, grace=10.0):
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if not self.pump(0.05) and not self.alive():
                break
            if not self.alive():
                # drain what is left
                while self.pump(0.05):
                    pass
                break
        if self.alive():
            self.mark("driver: CLI still running after exit keys; SIGTERM to its process group")
            try:
                os.killpg(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            end = time.monotonic() + 5
            while time.monotonic() < end and self.alive():
                self.pump(0.1)
            if self.alive():
                os.killpg(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
                self.exit_status = -9
        try:
            os.close(self.fd)
        except OSError:
            pass
        self.mark("exited: status %s" % self.exit_status)
        self.screens_log.close()


def bottom(screen, n):
    lines = [l for l in screen.text_lines() if l.strip()]
    return "\n".join(lines[-n:])


def per_cli(value, cli, default=None):
    """A scenario value that is either the same for every CLI or a {cli: value} table."""
    if isinstance(value, dict):
        return value.get(cli, value.get("default", default))
    return default if value is None else value


def drive(sess, cli, prof, scenario, timeout):
    rx_idle = re.compile(prof["idle"])
    rx_work = re.compile(prof["working"])
    rx_appr = re.compile(prof["approval"])
    rx_again = re.compile(prof["exit_again"])

    def is_idle(s):
        b = bottom(s, 8)
        return rx_idle.search(b) and not rx_work.search(b) and not rx_appr.search(bottom(s, 20))

    steps = [
        {
            "input": scenario["prompt"],
            "expect": scenario["expect"],
            "approvals": scenario.get("approvals", 1),
            **{k: scenario[k] for k in ("notice", "notice_label", "interrupt_after_s", "label") if k in scenario},
        }
    ] + list(scenario.get("followups", []))

    startup = scenario.get("startup")
    if startup:
        # a dialog before the prompt (e.g. the work dir's trust): mark the state it stands
        # for once it has settled, answer it, go on
        rx_dialog = re.compile(per_cli(startup["expect"], cli))
        sess.wait("the startup dialog", lambda s: rx_dialog.search(s.text()), 90, quiet=1.0)
        sess.mark(per_cli(startup.get("label", "waiting_approval"), cli))
        sess.idle_for(float(per_cli(startup.get("pause_s"), cli, 1.5)))
        sess.mark(per_cli(startup.get("label", "waiting_approval"), cli))  # still, before the answer
        keys = per_cli(startup.get("keys", "\r"), cli)
        sess.send(keys)
        sess.mark("input: startup dialog answered (%r)" % keys)
    sess.wait("the idle screen", is_idle, 90, quiet=1.0)
    sess.mark("idle")
    for n, step in enumerate(steps):
        text = per_cli(step["input"], cli)
        final = re.compile(per_cli(step["expect"], cli))
        want = int(per_cli(step.get("approvals", 0), cli, 0))
        if n > 0:
            sess.wait("the idle screen", is_idle, 30, quiet=1.0)
            sess.idle_for(float(step.get("pause_s", 1.0)))
        # a prompt goes in as a bracketed paste when the CLI enabled mode 2004; a slash
        # command is typed (their completion menus react to keys)
        paste = 2004 in sess.screen.modes and not text.startswith("/")
        if paste:
            sess.send("\x1b[200~" + text + "\x1b[201~")
        else:
            for ch in text:
                sess.send(ch)
                sess.idle_for(0.03)
        sess.idle_for(0.5)
        sess.mark("input: %s (%s)" % ("prompt" if n == 0 else repr(text), "bracketed paste" if paste else "typed"))
        sess.send("\r")
        # acknowledged delivery: the CLI starts working (or has already finished)
        started = lambda s: rx_work.search(bottom(s, 12)) or final.search(s.all_text())  # noqa: E731
        try:
            sess.wait("the working screen", started, 15)
        except DriverError:
            # the submit key may have been taken by a paste-burst guard: press it again
            sess.mark("driver: no working screen after Enter; pressing Enter again")
            sess.send("\r")
            sess.wait("the working screen", started, 15)
        if rx_work.search(bottom(sess.screen, 12)):
            sess.mark("working")

        # "notice": a screen the CLI shows mid-turn (e.g. its retry notice after an API
        # error), marked "notice_label" the first time it is on the bottom rows;
        # "interrupt_after_s": press Esc that long into the turn
        notice = per_cli(step.get("notice"), cli)
        rx_notice = re.compile(notice) if notice else None
        interrupt_at = time.monotonic() + float(step["interrupt_after_s"]) if "interrupt_after_s" in step else None
        approvals = 0
        deadline = time.monotonic() + timeout
        state = "working"
        while True:
            if rx_notice and rx_notice.search(bottom(sess.screen, 12)):
                rx_notice = None
                sess.mark(per_cli(step.get("notice_label"), cli, "retrying"))
            if interrupt_at and time.monotonic() >= interrupt_at:
                interrupt_at = None
                sess.send("\x1b")
                sess.mark("input: Esc (interrupt)")
            if time.monotonic() > deadline:
                raise DriverError("timed out in state %s waiting for /%s/" % (state, final.pattern))
            sess.pump()
            if not sess.alive():
                raise DriverError("the CLI exited (status %s) in state %s" % (sess.exit_status, state))
            scr = sess.screen
            text_bottom = bottom(scr, 20)
            if state != "waiting_approval" and rx_appr.search(text_bottom):
                sess.idle_for(0.5)  # let the prompt finish drawing
                state = "waiting_approval"
                sess.mark("waiting_approval")
                sess.idle_for(float(scenario.get("approval_pause_s", 1.5)))
                sess.send(prof["approve_keys"])
                approvals += 1
                sess.mark("input: approved (%r)" % prof["approve_keys"])
                continue
            if state == "waiting_approval" and not rx_appr.search(text_bottom):
                state = "approved"
            if state == "approved" and rx_work.search(bottom(scr, 12)):
                state = "working"
                sess.mark("working")
            if final.search(scr.all_text()) and is_idle(scr):
                sess.wait("a quiet idle screen", is_idle, 10, quiet=1.0)
                sess.mark(step.get("label", "done"))
                break
        if rx_notice:
            raise DriverError("step %d: never saw /%s/" % (n, rx_notice.pattern))
        if approvals != want:
            raise DriverError("step %d: saw %d approval prompt(s), expected %d" % (n, approvals, want))

    sess.idle_for(1.0)
    sess.mark("exiting: Ctrl-C")
    sess.send("\x03")
    end = time.monotonic() + 3
    while time.monotonic() < end and sess.alive():
        sess.pump()
        if rx_again.search(sess.screen.all_text()[-4000:]):
            break
    if sess.alive():
        sess.idle_for(0.5)
        if sess.alive():
            sess.mark("exiting: Ctrl-C again")
            sess.send("\x03")


def write_cast(path, sess, title, command, env):
    header = {
        "version": 2,
        "width": sess.cols,
        "height": sess.rows,
        "timestamp": int(sess.wall0),
        "duration": sess.events[-1][0] if sess.events else 0,
        "command": command,
        "title": title,
        "env": {"TERM": env.get("TERM", ""), "SHELL": env.get("SHELL", "")},
    }
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(header, ensure_ascii=False) + "\n")
        for ev in sess.events:
            f.write(json.dumps(ev, ensure_ascii=False) + "\n")


def cmd_record(a):
    prof = dict(PROFILES[a.cli])
    if a.approve_keys:
        prof["approve_keys"] = a.approve_keys.encode().decode("unicode_escape")
    agents_dir = os.path.abspath(a.agents_dir or os.environ.get("BATON_AGENTS_DIR") or os.path.join(REPO, "build", "agents"))
    exe = os.path.join(agents_dir, "node_modules", ".bin", prof["bin"])
    if not os.path.exists(exe):
        raise SystemExit("%s not found: run tests/agents/install.sh first" % exe)
    version = package_version(agents_dir, prof["package"])
    with open(a.scenario) as f:
        scenario = json.load(f)
    for k in ("prompt", "expect"):
        if k not in scenario:
            raise SystemExit("scenario %s has no %r" % (a.scenario, k))
    name = scenario.get("name") or os.path.splitext(os.path.basename(a.scenario))[0]
    runs = os.environ.get("BATON_AGENT_RUNS") or "/var/tmp/baton-agent-runs"
    run_dir = os.path.abspath(a.run_dir or os.path.join(runs, "%s-%s" % (a.cli, name)))
    cols, rows = (int(x) for x in a.size.lower().split("x"))

    if os.path.exists(run_dir):
        shutil.rmtree(run_dir)
    os.makedirs(run_dir)
    # the work dir path must be known to the mock server (absolute paths in tool calls)
    work = os.path.join(run_dir, "work")
    mock, port = start_mock(os.path.abspath(a.scenario), work, os.path.join(run_dir, "mock.log"))
    rc = 0
    try:
        startup = scenario.get("startup", {})
        env, work = prepare(a.cli, run_dir, port, trusted=not startup.get("untrusted", False))
        if per_cli(startup.get("git_init"), a.cli, False):
            # a version-controlled work dir (Codex asks about trust only in one)
            subprocess.run(["git", "init", "-q", work], check=True, env=env)
        argv = [os.path.realpath(exe)] + prof["args"]
        print("record.py: %s %s, scenario %s, run dir %s, mock port %d" % (a.cli, version, name, run_dir, port), file=sys.stderr)
        sess = Session(argv, env, work, cols, rows, run_dir)
        try:
            drive(sess, a.cli, prof, scenario, a.timeout)
        except DriverError as e:
            rc = 1
            sess.mark("driver-error: %s" % e)
            try:
                sess.send("\x03")
                sess.idle_for(0.3)
                sess.send("\x03")
            except OSError:
                pass
        sess.close()
        if sess.exit_status != 0 and rc == 0:
            print("record.py: the CLI exited with status %s" % sess.exit_status, file=sys.stderr)
        write_cast(
            a.out,
            sess,
            "%s %s — %s" % (a.cli, version, name),
            " ".join([prof["bin"]] + prof["args"]),
            env,
        )
        size = os.path.getsize(a.out)
        print("record.py: wrote %s (%d events, %.1f KB, %.1fs)" % (a.out, len(sess.events), size / 1024, sess.events[-1][0]), file=sys.stderr)
        if sess.screen.queries:
            seen = {}
            for k, _ in sess.screen.queries:
                seen[k] = seen.get(k, 0) + 1
            print("record.py: terminal queries: %s" % ", ".join("%s×%d" % kv for kv in seen.items()), file=sys.stderr)
        if sess.screen.unknown:
            print("record.py: sequences miniterm ignored: %s" % sess.screen.unknown, file=sys.stderr)
    finally:
        mock.send_signal(signal.SIGTERM)
        try:
            mock.wait(5)
        except subprocess.TimeoutExpired:
            mock.kill()
            mock.wait()
    return rc


# --------------------------------------------------------------------------- render
def load_cast(path):
    with open(path, encoding="utf-8") as f:
        header = json.loads(f.readline())
        events = [json.loads(l) for l in f if l.strip()]
    return header, events


def cmd_render(a):
    header, events = load_cast(a.cast)
    scr = Screen(header["width"], header["height"])
    at = sorted(a.at or [])
    show = lambda label: print("=== %s\n%s\n" % (label, scr.text()))  # noqa: E731
    last_title = None
    for t, kind, data in events:
        while at and t > at[0]:
            show("t=%.3f" % at.pop(0))
        if kind == "o":
            scr.feed(data)
            scr.replies.clear()
            if a.titles and scr.title != last_title:
                print("t=%.3f title=%r" % (t, scr.title))
                last_title = scr.title
        elif kind == "m" and a.markers:
            show("t=%.3f marker: %s" % (t, data))
        elif kind == "i" and a.inputs:
            print("t=%.3f input %r" % (t, data))
    for t in at:
        show("t=%.3f" % t)
    if a.final or not (a.at or a.markers or a.titles or a.inputs or a.queries):
        show("final (t=%.3f)" % (events[-1][0] if events else 0))
    if a.scrollback:
        print("=== scrollback\n" + "\n".join(scr.scrollback))
    if a.queries:
        for k, raw in scr.queries:
            print("query %s %r" % (k, raw))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record", help="drive a CLI through a scenario and write a .cast")
    r.add_argument("--cli", required=True, choices=sorted(PROFILES))
    r.add_argument("--scenario", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--agents-dir", help="install dir of install.sh (default $BATON_AGENTS_DIR or build/agents)")
    r.add_argument("--run-dir", help="throwaway HOME/TMPDIR/work dir, outside any git repo "
                   "(default $BATON_AGENT_RUNS/<cli>-<scenario>, $BATON_AGENT_RUNS defaulting to /var/tmp/baton-agent-runs)")
    r.add_argument("--size", default="120x30")
    r.add_argument("--timeout", type=float, default=180.0, help="seconds for the task after the prompt")
    r.add_argument("--approve-keys", help="keys that answer a permission prompt (default: the CLI's, e.g. Enter or y)")
    v = sub.add_parser("render", help="render a .cast as text with miniterm")
    v.add_argument("cast")
    v.add_argument("--at", type=float, action="append", help="show the screen at time T (repeatable)")
    v.add_argument("--markers", action="store_true", help="show the screen at every marker event")
    v.add_argument("--inputs", action="store_true", help="list the input events")
    v.add_argument("--titles", action="store_true", help="list window-title changes")
    v.add_argument("--final", action="store_true", help="show the final screen")
    v.add_argument("--scrollback", action="store_true", help="print the scrollback at the end")
    v.add_argument("--queries", action="store_true", help="list the terminal queries in the stream")
    a = ap.parse_args()
    if a.cmd == "record":
        return cmd_record(a)
    return cmd_render(a)


if __name__ == "__main__":
    sys.exit(main())
