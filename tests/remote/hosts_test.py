#!/usr/bin/env python3
"""Agents on other machines, tested across network namespaces.

Each case builds its own small network on this machine: an engine, two
hosts, each in its own network namespace (`ip netns`), joined by veth pairs
to a bridge in a fourth one. The hosts run `baton host` (real processes,
real TCP, mutual TLS with certificates from `baton host init-certs`); the
engine runs `baton run` (or `baton resume`) of the feature example with its
backend on one host, its tester on the other and its frontend beside the
engine. The namespaces share this machine's file system, as hosts sharing
the workspace over NFS would.

Cases (ctest remote_hosts:<case>):
  undisturbed   the run passes and replays identically
  security      a host certificate from another CA, none at all, a plain
                client: refused, and the run names the host; the host
                survives them
  host_killed   a host SIGKILLed mid-run and started again
  link_cut      packets to a host dropped silently (a half-open link) and
                then let through again
  host_lost     the same for longer than the host's down_after: its agents
                count as exited and are restarted there
  lossy         packet loss and a slow link to every host for the whole run
                (this kernel has no netem: no added latency)
  engine_killed the engine SIGKILLed mid-run, hosts going on; baton resume
After each disturbed case: 3/3 tasks passed as undisturbed, replay
identical, every stream gap-free from 1 with no event id twice, and each
host's spool drained (all it recorded is in the run's log).

Needs root (network namespaces); without it the case is skipped (exit 77).
Waits are for conditions, each with a deadline; nothing sleeps to
synchronise.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def log(msg):
    print(msg, flush=True)


def sh(*args, check=True, **kw):
    r = subprocess.run(args, capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: exit {r.returncode}\n{r.stdout}{r.stderr}")
    return r


def until(what, predicate, timeout=60.0, every=0.05):
    deadline = time.monotonic() + timeout
    while True:
        v = predicate()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        time.sleep(every)  # a poll under a deadline, not synchronisation


class Net:
    """Namespaces e (engine), h1, h2 and a bridge in sw."""

    def __init__(self):
        tag = f"{os.getpid() % 100000}"
        self.ns = {k: f"bt{tag}{k}" for k in ("sw", "e", "h1", "h2")}
        self.addr = {"e": "10.77.0.1", "h1": "10.77.0.2", "h2": "10.77.0.3"}
        self.dev = {k: f"v{tag}{k}" for k in ("e", "h1", "h2")}

    def up(self):
        for n in self.ns.values():
            sh("ip", "netns", "add", n)
            sh("ip", "-n", n, "link", "set", "lo", "up")
        sw = self.ns["sw"]
        sh("ip", "-n", sw, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", sw, "link", "set", "br0", "up")
        for k in ("e", "h1", "h2"):
            inner, outer = "eth0", self.dev[k]
            sh("ip", "link", "add", outer, "type", "veth", "peer", "name", outer + "p")
            sh("ip", "link", "set", outer, "netns", sw)
            sh("ip", "link", "set", outer + "p", "netns", self.ns[k])
            sh("ip", "-n", self.ns[k], "link", "set", outer + "p", "name", inner)
            sh("ip", "-n", self.ns[k], "addr", "add", self.addr[k] + "/24", "dev", inner)
            sh("ip", "-n", self.ns[k], "link", "set", inner, "up")
            sh("ip", "-n", sw, "link", "set", outer, "master", "br0")
            sh("ip", "-n", sw, "link", "set", outer, "up")

    def down(self):
        for n in self.ns.values():
            sh("ip", "netns", "del", n, check=False)

    def exec(self, k):
        return ["ip", "netns", "exec", self.ns[k]]

    def nft(self, k, *rules):
        """Replaces host k's packet filter (both directions) with `rules`,
        each an nftables rule body, e.g. "drop"."""
        ns = self.ns[k]
        sh("ip", "netns", "exec", ns, "nft", "delete", "table", "inet", "baton", check=False)
        if not rules:
            return
        sh("ip", "netns", "exec", ns, "nft", "add", "table", "inet", "baton")
        for hook in ("input", "output"):
            sh("ip", "netns", "exec", ns, "nft", "add", "chain", "inet", "baton", hook,
               f"{{ type filter hook {hook} priority 0; }}")
            for r in rules:
                sh("ip", "netns", "exec", ns, "nft", "add", "rule", "inet", "baton", hook,
                   "oifname" if hook == "output" else "iifname", "eth0", *r.split())

    def cut(self, k):
        """Drops every packet to and from host k: a silent, half-open cut."""
        self.nft(k, "drop")

    def restore(self, k):
        self.nft(k)

    def degrade(self, k, loss_pct, rate):
        """Loses `loss_pct` % of host k's packets each way, and limits what
        it sends to `rate` (tc tbf). This kernel has no netem: no added
        latency beyond the queueing a slow link makes."""
        self.nft(k, f"numgen random mod 100 < {loss_pct} drop")
        sh("ip", "netns", "exec", self.ns[k], "tc", "qdisc", "replace", "dev", "eth0", "root",
           "tbf", "rate", rate, "burst", "32kbit", "latency", "400ms")


class Case:
    def __init__(self, baton, work):
        self.baton = baton
        self.work = work
        self.net = Net()
        self.procs = []
        self.certs = os.path.join(work, "certs")
        self.plan = os.path.join(work, "plan.toml")
        self.logdir = os.path.join(work, "run.log")

    # -- processes ---------------------------------------------------------
    def start(self, k, *args, out):
        f = open(out, "w")
        p = subprocess.Popen(self.net.exec(k) + [self.baton, *args], stdout=f,
                             stderr=subprocess.STDOUT, start_new_session=True)
        p.out = out
        self.procs.append(p)
        return p

    def host(self, k, name):
        port = 7400
        p = self.start(k, "host", "--listen", f"{self.net.addr[k]}:{port}",
                       "--certs", os.path.join(self.certs, name),
                       "--spool", os.path.join(self.work, f"spool-{name}"),
                       out=os.path.join(self.work, f"{name}.out"))
        until(f"baton host {name} listening",
              lambda: "listening on" in open(p.out).read() or p.poll() is not None, 20)
        assert p.poll() is None, open(p.out).read()
        return p

    def stop_all(self):
        for p in self.procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()

    # -- setup -------------------------------------------------------------
    def make_plan(self, supervision=False, engine_certs="engine", extra=""):
        text = open(os.path.join(ROOT, "examples", "feature.toml")).read()
        text = re.sub(r'(?m)^workspace = .*$', 'workspace = "work"', text)
        text = re.sub(r'(?m)^log = .*$', 'log = "run.log"', text)
        text = text.replace("[agents.backend]\n", '[agents.backend]\nhost = "build1"\n')
        text = text.replace("[agents.tester]\n", '[agents.tester]\nhost = "build2"\n')
        if supervision:
            text = text.replace("[agents.backend]\n",
                                '[supervision]\nstrategy = "one_for_one"\nintensity = 5\nperiod = "5m"\n\n[agents.backend]\n', 1)
        certs = os.path.join(self.certs, engine_certs)
        for name, k in (("build1", "h1"), ("build2", "h2")):
            text += f'\n[hosts.{name}]\naddress = "{self.net.addr[k]}:7400"\ncerts = "{certs}"\n{extra}'
        with open(self.plan, "w") as f:
            f.write(text)

    def setup(self):
        sh(self.baton, "host", "init-certs", self.certs, "--host", "build1", "--host", "build2")
        self.net.up()
        self.h1 = self.host("h1", "build1")
        self.h2 = self.host("h2", "build2")

    # -- the run -----------------------------------------------------------
    def run(self, *args, timeout=240):
        p = self.start("e", *args, out=os.path.join(self.work, f"engine-{len(self.procs)}.out"))
        return p

    def finish(self, p, timeout=240):
        p.wait(timeout)
        out = open(p.out).read()
        return p.returncode, out

    def events(self):
        r = sh(self.baton, "log", self.logdir, "--json")
        return [json.loads(l) for l in r.stdout.splitlines() if l.strip()]

    def recorded(self, predicate):
        try:
            return any(predicate(e) for e in self.events())
        except RuntimeError:
            return False

    def check_after(self, what):
        r = sh(self.baton, "replay", self.logdir)
        assert "identical" in r.stdout.splitlines()[-1], r.stdout
        evs = self.events()
        ids = [e["eventId"] for e in evs]
        assert len(ids) == len(set(ids)), f"{what}: an event id appears twice"
        seqs = {}
        for e in evs:
            seqs.setdefault(e["stream"], []).append(int(e["sequence"]))
        for stream, s in seqs.items():
            assert s == list(range(1, len(s) + 1)), f"{what}: stream {stream} is not gap-free from 1"
        for name in ("build1", "build2"):
            spool = os.path.join(self.work, f"spool-{name}")

            def drained():
                left = 0
                for d in os.listdir(spool):
                    out = sh(self.baton, "log", os.path.join(spool, d), check=False).stdout
                    left += len([l for l in out.splitlines() if l.startswith("#")])
                return left == 0
            until(f"{name}'s spool drained", drained, 30, 0.2)
        n = {s: len(v) for s, v in seqs.items() if s.startswith("worker/")}
        log(f"  {what}: replay identical; {len(evs)} events, streams gap-free, "
            f"no id twice ({n}); both spools drained")

    def passed(self, rc, out, what):
        assert rc == 0 and "3/3 tasks passed" in out, f"{what}: exit {rc}\n{out[-3000:]}"


def dispatched(task):
    return lambda e: "taskDispatched" in e["event"] and e["event"]["taskDispatched"]["task"] == task


def host_state(name, state):
    return lambda e: e["stream"] == f"host/{name}" and e["event"].get("hostChanged", {}).get("state") == state


def case_undisturbed(c):
    c.make_plan()
    rc, out = c.finish(c.run("run", c.plan))
    c.passed(rc, out, "undisturbed")
    hosts = [e for e in c.events() if e["stream"].startswith("host/")]
    assert {e["stream"] for e in hosts} == {"host/build1", "host/build2"}
    c.check_after("undisturbed")
    log("ok - a run with its backend on build1 and its tester on build2: 3/3 tasks passed")


def case_security(c):
    # Another CA's engine certificate: refused, the host named, nothing written.
    sh(c.baton, "host", "init-certs", os.path.join(c.work, "other"), "--host", "x")
    shutil.copytree(os.path.join(c.work, "other", "engine"), os.path.join(c.certs, "foreign"))
    c.make_plan(engine_certs="foreign")
    rc, out = c.finish(c.run("run", c.plan), 60)
    assert rc == 1 and "host build1" in out and "handshake" in out, out
    assert not os.path.exists(c.logdir), "a refused run wrote its log"
    log(f"ok - an engine certificate from another CA is refused: {out.strip().splitlines()[-1]}")
    # No certificate at all: refused before connecting.
    os.makedirs(os.path.join(c.certs, "none"))
    c.make_plan(engine_certs="none")
    chk = sh(c.baton, "check", c.plan, check=False)
    assert chk.returncode == 2 and "host build1:" in chk.stderr and "ca.pem is missing" in chk.stderr, chk
    rc, out = c.finish(c.run("run", c.plan), 60)
    assert rc != 0 and "host build1" in out and "ca.pem" in out, out
    log(f"ok - no certificates: {out.strip().splitlines()[-1]}")
    # Clients without Baton's certificate, at the host itself: a plain TCP
    # client, a TLS client without a certificate, one with another CA's.
    probe = os.path.join(ROOT, "tests", "remote", "tls_probe.py")
    ca = os.path.join(c.certs, "build1", "ca.pem")
    target = [c.net.addr["h1"], "7400"]
    results = []
    for label, extra in (("plain", ["--plain"]), ("no certificate", []),
                         ("another CA", [os.path.join(c.certs, "foreign", "cert.pem"),
                                         os.path.join(c.certs, "foreign", "key.pem")]),
                         ("Baton's CA", [os.path.join(c.certs, "engine", "cert.pem"),
                                         os.path.join(c.certs, "engine", "key.pem")])):
        r = sh(*c.net.exec("e"), sys.executable, probe, *target, ca, *extra, check=False)
        results.append((label, r.stdout.strip()))
    for label, res in results[:3]:
        assert res.startswith("refused"), f"{label}: {res}"
    assert results[3][1].startswith("accepted"), results[3]
    assert c.h1.poll() is None, "the host did not survive the probes"
    log("ok - at the host: " + "; ".join(f"{l}: {r}" for l, r in results))
    # The host still serves a proper engine.
    c.make_plan()
    rc, out = c.finish(c.run("run", c.plan))
    c.passed(rc, out, "after the probes")
    log("ok - after them, a run with the right certificates passes")


def case_host_killed(c):
    c.make_plan(supervision=True)
    p = c.run("run", c.plan)
    until("the api task dispatched to build1's backend", lambda: c.recorded(dispatched("api")), 60)
    os.killpg(c.h1.pid, signal.SIGKILL)
    c.h1.wait()
    until("build1 recorded unreachable", lambda: c.recorded(host_state("build1", "unreachable")), 30)
    c.h1 = c.host("h1", "build1")
    rc, out = c.finish(p)
    c.passed(rc, out, "host killed")
    assert "restarts backend" in out, out
    c.check_after("host killed")
    log("ok - build1 SIGKILLed mid-run and started again: its agent restarted by its supervisor, 3/3 tasks passed")


def case_link_cut(c):
    c.make_plan()
    p = c.run("run", c.plan)
    until("the api task dispatched to build1's backend", lambda: c.recorded(dispatched("api")), 60)
    c.net.cut("h1")
    until("build1 recorded unreachable (heartbeats missed)",
          lambda: c.recorded(host_state("build1", "unreachable")), 30)
    st = json.loads(sh(c.baton, "status", c.logdir, "--json").stdout)
    backend = next(a for a in st["agents"] if a["name"] == "backend")
    assert backend["state"] == "unknown" and backend["host"] == "build1", backend
    table = sh(c.baton, "status", c.logdir).stdout
    assert re.search(r"backend@build1\s.*unknown", table), table
    shown = json.loads(sh(c.baton, "show", c.logdir, "--json").stdout)
    backend = next(a for a in shown["agents"] if a["name"] == "backend")
    assert backend["state"] == "unknown" and backend["host"] == "build1", backend
    log("ok - while build1 is unreachable, baton status and baton show have backend@build1 as unknown (not exited)")
    c.net.restore("h1")
    until("build1 connected again", lambda: sum(1 for e in c.events() if host_state("build1", "connected")(e)) >= 2, 60)
    rc, out = c.finish(p)
    c.passed(rc, out, "link cut")
    assert "restarts" not in out, "agents were restarted although their host kept them running"
    c.check_after("link cut")
    log("ok - build1's link cut silently and restored: its agents kept running there, 3/3 tasks passed, nothing restarted")


def case_host_lost(c):
    # build1 may be away 2 s: cut longer, its agent counts as exited and its
    # supervisor restarts it there once build1 is back.
    c.make_plan(supervision=True, extra='down_after = "2s"\n')
    p = c.run("run", c.plan)
    until("the api task dispatched to build1's backend", lambda: c.recorded(dispatched("api")), 60)
    c.net.cut("h1")
    until("build1 recorded lost (away longer than down_after)",
          lambda: c.recorded(host_state("build1", "lost")), 60)
    c.net.restore("h1")
    rc, out = c.finish(p)
    c.passed(rc, out, "host lost")
    assert "restarts backend" in out, out
    why = sh(c.baton, "why", c.logdir, "backend").stdout
    assert re.search(r"host/build1@\d+\s+host build1 lost", why), why
    c.check_after("host lost")
    log("ok - build1 away longer than its down_after: backend counted as exited, restarted there once build1 was back; 3/3 tasks passed")


def case_lossy(c):
    c.make_plan()
    for k in ("h1", "h2"):
        c.net.degrade(k, 3, "2mbit")
    rc, out = c.finish(c.run("run", c.plan))
    c.passed(rc, out, "lossy")
    c.check_after("lossy")
    log("ok - 3% of packets lost each way on both hosts' links, sending limited to 2 Mbit/s: 3/3 tasks passed")


def case_engine_killed(c):
    c.make_plan(supervision=True)
    p = c.run("run", c.plan)
    until("the api task dispatched to build1's backend", lambda: c.recorded(dispatched("api")), 60)
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    assert c.h1.poll() is None and c.h2.poll() is None
    rc, out = c.finish(c.run("resume", c.logdir))
    c.passed(rc, out, "engine killed, resumed")
    c.check_after("engine killed")
    log("ok - the engine SIGKILLed mid-run while the hosts went on; baton resume: 3/3 tasks passed")


def spooled(c, name):
    spool = os.path.join(c.work, f"spool-{name}")
    n = 0
    for d in os.listdir(spool):
        out = sh(c.baton, "log", os.path.join(spool, d), check=False).stdout
        n += len([l for l in out.splitlines() if l.startswith("#")])
    return n


def case_recovery(c):
    """A benchmark (scripts/run-benchmarks): a link cut while its agent
    works, restored once the host holds events the run's log has not; how
    long until it reconnects, and until its spool is drained."""
    c.make_plan()
    p = c.run("run", c.plan)
    until("the api task dispatched to build1's backend", lambda: c.recorded(dispatched("api")), 60)
    c.net.cut("h1")
    until("build1 recorded unreachable (heartbeats missed)",
          lambda: c.recorded(host_state("build1", "unreachable")), 30)
    held = until("build1's spool holding 30 events the log has not", lambda: spooled(c, "build1") >= 30 and spooled(c, "build1"), 60, 0.02)
    t0 = time.monotonic()
    c.net.restore("h1")
    until("build1 connected again", lambda: sum(1 for e in c.events() if host_state("build1", "connected")(e)) >= 2, 60, 0.01)
    t1 = time.monotonic()
    until("build1's spool drained", lambda: spooled(c, "build1") == 0, 60, 0.01)
    t2 = time.monotonic()
    rc, out = c.finish(p)
    c.passed(rc, out, "recovery")
    log(f"recovery after a cut link: {held} events held on the host; connected again "
        f"{(t1 - t0) * 1000:.0f} ms after the link came back (reconnect backoff), spool drained "
        f"{(t2 - t0) * 1000:.0f} ms after it ({(t2 - t1) * 1000:.0f} ms after the reconnect)")


CASES = {k[5:]: v for k, v in globals().items() if k.startswith("case_")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--baton", required=True)
    ap.add_argument("--case", required=True, choices=sorted(CASES))
    a = ap.parse_args()
    if os.geteuid() != 0 or shutil.which("ip") is None or shutil.which("nft") is None:
        log("skipped: network namespaces need root, iproute2 and nftables")
        return SKIP
    work = tempfile.mkdtemp(prefix="baton-hosts-")
    c = Case(os.path.abspath(a.baton), work)
    try:
        c.setup()
        CASES[a.case](c)
        return 0
    except BaseException:
        for p in c.procs:
            try:
                log(f"--- {p.args[-6:]}:\n" + open(p.out).read()[-2000:])
            except Exception:
                pass
        raise
    finally:
        c.stop_all()
        c.net.down()
        if not os.environ.get("BATON_KEEP"):
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
