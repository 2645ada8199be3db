// The browser view of a Baton run: a grid of every agent's live terminal, an
// approval inbox, the task board and a time slider over the log.
//
// Everything comes from the server this page was loaded from (same origin;
// the login cookie authenticates every request): the run's status from
// /api/v1/run, the terminals from one WebSocket (/api/v1/ws: a snapshot,
// then every event in log order, PTY bytes as binary messages), the past
// from /api/v1/show?at=. See http/server.hpp for the WebSocket's protocol.

const api = "/api/v1";
const viewer = (crypto.randomUUID ? crypto.randomUUID()
                                  : String(Math.random()).slice(2)).slice(0, 8);
const by = { "X-Baton-By": "browser:" + viewer };
const waitingStates = new Set(["waiting_approval", "blocked"]);

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) e.append(c);
  return e;
}

async function call(method, path, body) {
  const init = { method, headers: { ...by } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const r = await fetch(api + path, init);
  let json = {};
  try { json = await r.json(); } catch { /* an empty body */ }
  if (!r.ok) throw new Error(json.error || `${method} ${path}: ${r.status}`);
  return json;
}

// -- terminals --------------------------------------------------------------

/// One agent's tile: its terminal (fed by the WebSocket) and what the
/// status says of it.
class Tile {
  constructor(name, columns, rows) {
    this.name = name;
    this.el = el("article", { class: "tile", "data-agent": name, "data-state": "starting" });
    this.head = el("header", {},
      this.nameEl = el("span", { class: "name", text: name }),
      this.roleEl = el("span", { class: "role" }),
      this.stateEl = el("span", { class: "state", text: "starting" }));
    this.termEl = el("div", { class: "term" });
    this.scaler = el("div", { class: "scaler" });
    this.termEl.append(this.scaler);
    this.foot = el("footer", {},
      this.taskEl = el("span", { class: "current-task" }),
      this.progressEl = el("span", { class: "progress" }),
      this.hostEl = el("span", { class: "host", text: "local" }),
      this.lineEl = el("div", { class: "last-line" }));
    this.el.append(this.head, this.termEl, this.foot);
    this.el.addEventListener("click", () => focus.open(this));
    this.make(columns, rows);
  }

  /// A terminal of the agent's size: the page never asks the agent to
  /// change its size; it scales the drawing instead.
  make(columns, rows) {
    this.term = new Terminal({
      cols: columns, rows, scrollback: 1000, fontSize: 13,
      disableStdin: true, convertEol: false, allowProposedApi: true,
      theme: { background: "#101418" },
    });
    this.term.open(this.scaler);
    this.term.onData((keys) => focus.typed(this, keys));
    terms.set(this.name, this.term);
    requestAnimationFrame(() => this.fit());
  }

  /// Starts the terminal over at `columns` x `rows` (a snapshot, a restarted
  /// process), in order: after everything written before is drawn, before
  /// anything written after; then calls `done` (if given).
  restart(columns, rows, done = () => {}) {
    this.term.write("", () => {
      if (this.term.cols !== columns || this.term.rows !== rows)
        this.term.resize(columns, rows);
      this.term.reset();
      requestAnimationFrame(() => this.fit());
      done();
    });
  }

  fit() {
    if (focus.tile === this) return; // drawn full size in the focus view
    const screen = this.scaler.querySelector(".xterm-screen");
    if (!screen) return;
    const width = screen.offsetWidth, height = screen.offsetHeight;
    const pad = parseFloat(getComputedStyle(this.termEl).paddingLeft) * 2 || 0;
    const room = this.termEl.clientWidth - pad;
    if (!width || !room) return;
    const s = Math.min(1, room / width);
    this.scaler.style.transform = `scale(${s})`;
    this.termEl.style.height = `${Math.ceil(height * s) + pad}px`;
  }

  show(agent, waiting) {
    this.el.dataset.state = agent.state;
    this.stateEl.textContent = agent.state.replace("_", " ");
    this.roleEl.textContent = agent.role || "";
    this.taskEl.textContent = agent.task ? `task ${agent.task}` : "no task";
    this.progressEl.textContent = agent.progress ? `PROGRESS ${agent.progress}` : "";
    this.hostEl.textContent = agent.host ? `on ${agent.host}` : "local";
    this.lineEl.textContent = agent.last_line || "";
    this.el.classList.toggle("waiting", waiting);
  }
}

const tiles = new Map();
const terms = new Map();

function tile(name, columns = 120, rows = 30) {
  let t = tiles.get(name);
  if (!t) {
    t = new Tile(name, columns, rows);
    tiles.set(name, t);
    $("grid").append(t.el);
  }
  return t;
}

window.addEventListener("resize", () => { for (const t of tiles.values()) t.fit(); });

// -- the WebSocket ----------------------------------------------------------

const feed = {
  ws: null,
  /// The last position rendered (every message at or below it drawn): what
  /// is acknowledged, and where a reconnect goes on.
  rendered: 0,
  /// Positions received and not yet drawn, in order.
  drawing: [],
  /// Drawn, by position, not yet counted off `drawing` (a snapshot draws
  /// several terminals at one position).
  drawn: new Map(),
  /// Counts snapshots: what was queued for drawing before one no longer
  /// counts as rendered (the snapshot stands for it).
  generation: 0,
  ended: false,
  backoff: 250,
  ackTimer: null,
  lastAck: 0,
};

function connection(text) {
  $("connection").textContent = text;
  $("connection").dataset.state = text;
}

/// Resolves once every terminal has drawn all that was written to it.
function drained() {
  return Promise.all([...tiles.values()].map((t) => new Promise((r) => t.term.write("", r))));
}

/// Opens the WebSocket, going on after the last position rendered.
function connect() {
  if (feed.ws) return; // another reconnect came first
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const since = feed.rendered ? `?since=${feed.rendered}` : "";
  const ws = new WebSocket(`${scheme}://${location.host}${api}/ws${since}`);
  ws.binaryType = "arraybuffer";
  feed.ws = ws;
  ws.onopen = () => { feed.backoff = 250; connection("live"); };
  ws.onmessage = (m) => {
    if (ws !== feed.ws) return;
    if (typeof m.data === "string") text(JSON.parse(m.data));
    else bytes(m.data);
  };
  ws.onclose = () => {
    if (ws !== feed.ws) return;
    feed.ws = null;
    if (feed.ended) { connection("ended"); return; }
    connection("reconnecting");
    const wait = feed.backoff;
    feed.backoff = Math.min(feed.backoff * 2, 5000);
    setTimeout(() => drained().then(connect), wait);
  };
}

/// Gives up the WebSocket and opens a new one once what the old one
/// brought is drawn (so `since` is exact and nothing is drawn twice).
function reconnect() {
  const old = feed.ws;
  feed.ws = null;
  if (old) old.close();
  connection("reconnecting");
  drained().then(connect);
}

/// A message at `position` arrived; `draw(done)` draws it and calls done.
function arrived(position, draw) {
  feed.drawing.push(position);
  const generation = feed.generation;
  draw(() => {
    if (generation !== feed.generation) return; // a snapshot replaced it
    feed.drawn.set(position, (feed.drawn.get(position) || 0) + 1);
    while (feed.drawing.length && feed.drawn.get(feed.drawing[0]) > 0) {
      const p = feed.drawing.shift();
      const left = feed.drawn.get(p) - 1;
      if (left) feed.drawn.set(p, left); else feed.drawn.delete(p);
      feed.rendered = p;
    }
    $("position").textContent = feed.rendered;
    acknowledge();
  });
}

/// Tells the server what is drawn: at most every 50 ms while data flows.
function acknowledge() {
  if (feed.ackTimer) return;
  const wait = Math.max(0, 50 - (performance.now() - feed.lastAck));
  feed.ackTimer = setTimeout(() => {
    feed.ackTimer = null;
    feed.lastAck = performance.now();
    if (feed.ws && feed.ws.readyState === WebSocket.OPEN)
      feed.ws.send(JSON.stringify({ ack: feed.rendered }));
  }, wait);
}

const decoder = new TextDecoder();

function bytes(buffer) {
  const view = new DataView(buffer);
  if (view.getUint8(0) !== 1) return; // a later version's message
  const n = view.getUint8(1);
  const name = decoder.decode(new Uint8Array(buffer, 2, n));
  const position = Number(view.getBigUint64(2 + n));
  const data = new Uint8Array(buffer, 18 + n);
  const t = tile(name);
  arrived(position, (done) => t.term.write(data, done));
}

function text(m) {
  switch (m.type) {
    case "snapshot":
      feed.generation += 1;
      feed.drawing = [];
      feed.drawn.clear();
      for (const a of m.agents) {
        const t = tile(a.name, a.columns, a.rows);
        arrived(m.position, (done) => {
          t.restart(a.columns, a.rows);
          t.term.write(a.ansi, done);
        });
      }
      if (!m.agents.length) arrived(m.position, (done) => done());
      status.soon();
      break;
    case "agent": {
      const t = tile(m.name, m.columns, m.rows);
      arrived(m.position, (done) => t.restart(m.columns, m.rows, done));
      status.soon();
      break;
    }
    case "event":
      arrived(m.position, (done) => done());
      status.soon();
      break;
    case "end":
      feed.ended = true;
      connection("ended");
      status.soon();
      break;
  }
}

// -- the run's status -------------------------------------------------------

const status = {
  last: null,
  timer: null,
  busy: false,
  again: false,
  soon() {
    if (this.timer) return;
    this.timer = setTimeout(() => { this.timer = null; this.fetch(); }, 200);
  },
  async fetch() {
    if (this.busy) { this.again = true; return; }
    this.busy = true;
    try {
      this.last = await call("GET", "/run");
      render(this.last);
    } catch (e) {
      $("run-outcome").textContent = e.message;
    } finally {
      this.busy = false;
      if (this.again) { this.again = false; this.soon(); }
    }
  },
};

function render(run) {
  $("run-name").textContent = `${run.name} (${run.pattern})`;
  $("run-outcome").textContent = run.finished
    ? `${run.outcome || (run.ok ? "complete" : "failed")}: ${run.summary}`
    : run.started ? "running" : "starting";
  const waitingFor = new Set(run.approvals.filter((a) => !a.answer).map((a) => a.agent));
  for (const n of inbox.needs) waitingFor.add(n.agent);
  run.agents.forEach((a, i) => {
    const t = tile(a.name);
    const waiting = waitingStates.has(a.state) || waitingFor.has(a.name);
    t.show(a, waiting);
    // Agents waiting for a person first; the plan's order otherwise.
    t.el.style.order = String(waiting ? i : run.agents.length + i);
    if (focus.tile === t) focus.show();
  });
  inbox.render(run);
  tasks.render(run);
  timeTravel.latest(Math.max(run.position, feed.rendered));
  subjects(run);
}

// -- focus and take control -------------------------------------------------

const focus = {
  tile: null,
  holding: false,
  sending: Promise.resolve(),
  open(t) {
    if (this.tile) this.close();
    this.tile = t;
    $("focus-term").append(t.scaler);
    t.scaler.style.transform = "";
    $("focus").hidden = false;
    this.show();
  },
  show() {
    if (!this.tile) return;
    $("focus-name").textContent = this.tile.name;
    $("focus-state").textContent = this.tile.el.dataset.state.replace("_", " ");
    $("focus-state").dataset.state = this.tile.el.dataset.state;
    $("take-control").textContent = this.holding ? "Release" : "Take control";
    $("send-form").hidden = !this.holding;
    $("focus-note").textContent = this.holding
      ? "You have control: what you type goes to the agent (recorded as operator input)."
      : "Read-only. Take control to type into the agent.";
  },
  async toggle() {
    const t = this.tile;
    if (!t) return;
    const path = `/agents/${encodeURIComponent(t.name)}/control`;
    try {
      if (this.holding) {
        await call("DELETE", `${path}?viewer=${viewer}`);
        this.holding = false;
        t.term.options.disableStdin = true;
      } else {
        await call("POST", path, { viewer });
        this.holding = true;
        t.term.options.disableStdin = false;
        t.term.focus();
      }
    } catch (e) {
      $("focus-note").textContent = e.message;
      return;
    }
    this.show();
  },
  typed(t, keys) {
    if (!this.holding || this.tile !== t) return;
    // In order, one after the other.
    this.sending = this.sending.then(() =>
      call("POST", `/agents/${encodeURIComponent(t.name)}/keys`, { viewer, keys })
        .catch((e) => { $("focus-note").textContent = e.message; }));
  },
  async close() {
    const t = this.tile;
    if (!t) return;
    if (this.holding) {
      this.holding = false;
      t.term.options.disableStdin = true;
      call("DELETE", `/agents/${encodeURIComponent(t.name)}/control?viewer=${viewer}`)
        .catch(() => {});
    }
    t.termEl.append(t.scaler);
    this.tile = null;
    $("focus").hidden = true;
    t.fit();
  },
};

$("take-control").addEventListener("click", () => focus.toggle());
// A whole message: pasted, submitted and confirmed by the agent's reaction
// (the engine's acknowledged input), its outcome shown.
$("send-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const t = focus.tile;
  const input = e.target.elements.text;
  const result = $("send-result");
  if (!t) return;
  try {
    const sent = await call("POST", `/agents/${encodeURIComponent(t.name)}/input`, { text: input.value });
    input.value = "";
    result.textContent = `sent (${sent.delivery_id}), waiting for ${t.name} to take it…`;
    for (;;) {
      const d = await call("GET", `/deliveries/${encodeURIComponent(sent.delivery_id)}?wait=20`);
      if (d.state === "pending") continue;
      result.textContent = d.delivered ? `delivered: ${d.reason}` : `not delivered: ${d.reason}`;
      result.dataset.state = d.state;
      break;
    }
  } catch (err) {
    result.textContent = err.message;
  }
});
$("close-focus").addEventListener("click", () => focus.close());
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && !focus.holding && focus.tile) focus.close();
});

// -- inbox ------------------------------------------------------------------

const inbox = {
  needs: [],
  needsAt: 0,
  async render(run) {
    const waiting = run.approvals.filter((a) => !a.answer);
    const list = $("approvals");
    const shown = new Set();
    for (const a of waiting) {
      shown.add(a.id);
      if (list.querySelector(`[data-id="${CSS.escape(a.id)}"]`)) continue;
      const screen = el("pre", { class: "excerpt", text: "…" });
      const item = el("div", { class: "approval", "data-id": a.id },
        el("div", { class: "what" },
          el("strong", { text: a.agent }), ` asks: ${a.tool} `,
          el("code", { text: a.subject }),
          a.task ? ` (task ${a.task})` : ""),
        el("div", { class: "policy", text: `the plan's policy: ${a.policy}` }),
        screen,
        el("div", { class: "actions" },
          el("button", { class: "allow", type: "button", text: "Allow",
                         onclick: () => this.decide(a.id, "allow", item) }),
          el("button", { class: "deny", type: "button", text: "Deny",
                         onclick: () => this.decide(a.id, "deny", item) })));
      list.append(item);
      call("GET", `/agents/${encodeURIComponent(a.agent)}/screen`).then((s) => {
        const lines = s.lines.filter((l) => l.trim() !== "");
        screen.textContent = lines.slice(-8).join("\n");
      }).catch((e) => { screen.textContent = e.message; });
    }
    for (const item of [...list.children])
      if (!shown.has(item.dataset.id)) item.remove();
    if (!waiting.length && !list.querySelector(".empty"))
      list.replaceChildren(el("p", { class: "empty", text: "Nothing waits for an answer." }));
    // NEEDs: from the run as it stands (the same fold as `baton show`), now
    // and then.
    if (performance.now() - this.needsAt > 2000) {
      this.needsAt = performance.now();
      try {
        this.needs = (await call("GET", "/show")).needs || [];
      } catch { /* a log being written may not be readable a moment */ }
      $("needs").replaceChildren(...(this.needs.length
        ? this.needs.map((n) => el("div", { class: "need" },
            el("strong", { text: n.agent }), ` needs ${n.resource || "something"}`,
            n.owner ? ` from ${n.owner}` : "", n.text ? el("div", { text: n.text }) : ""))
        : [el("p", { class: "empty", text: "No NEED waits." })]));
    }
    $("inbox-count").textContent = waiting.length + this.needs.length;
    $("inbox-count").dataset.count = waiting.length + this.needs.length;
  },
  async decide(id, decision, item) {
    for (const b of item.querySelectorAll("button")) b.disabled = true;
    try {
      await call("POST", `/approvals/${encodeURIComponent(id)}`,
                 { decision, reason: "decided in the browser view" });
      item.classList.add("decided");
    } catch (e) {
      item.append(el("div", { class: "error", text: e.message }));
      for (const b of item.querySelectorAll("button")) b.disabled = false;
    }
    status.soon();
  },
};

// -- tasks ------------------------------------------------------------------

const tasks = {
  render(run) {
    const rows = run.tasks.map((t) => el("tr", { class: "task", "data-id": t.id, "data-status": t.status },
      el("td", { text: t.id }), el("td", { text: t.title || "" }), el("td", { text: t.agent }),
      el("td", { class: "status", text: t.status }), el("td", { text: String(t.attempts) }),
      el("td", { class: "evidence", text: t.evidence || t.reason || "" }),
      el("td", {},
        el("button", { type: "button", class: "cancel", text: "Cancel",
                       disabled: t.status === "passed" || t.status === "failed",
                       onclick: () => this.act(t.id, "cancel") }),
        el("button", { type: "button", class: "rerun", text: "Re-run",
                       disabled: !(t.status === "passed" || t.status === "failed"),
                       onclick: () => this.act(t.id, "rerun") }))));
    $("task-rows").replaceChildren(...rows);
    this.graph(run.tasks);
    const agents = $("add-task").elements.agent;
    const names = run.agents.map((a) => a.name);
    if ([...agents.options].map((o) => o.value).join() !== names.join())
      agents.replaceChildren(...names.map((n) => el("option", { value: n, text: n })));
  },
  async act(id, what) {
    const reason = prompt(`Why ${what === "cancel" ? "cancel" : "re-run"} task ${id}?`,
                          `${what} from the browser view`);
    if (reason === null) return;
    try {
      await call("POST", `/tasks/${encodeURIComponent(id)}/${what}`, { reason });
    } catch (e) {
      alertIn($("tasks-view"), e.message);
    }
    status.soon();
  },
  /// The dependency graph: a column per depth, edges from a task to the
  /// tasks that run after it.
  graph(list) {
    const svg = $("task-graph");
    const ns = "http://www.w3.org/2000/svg";
    const byId = new Map(list.map((t) => [t.id, t]));
    const depth = new Map();
    const depthOf = (t, seen = new Set()) => {
      if (depth.has(t.id)) return depth.get(t.id);
      if (seen.has(t.id)) return 0;
      seen.add(t.id);
      let d = 0;
      for (const p of t.depends_on || [])
        if (byId.has(p)) d = Math.max(d, depthOf(byId.get(p), seen) + 1);
      depth.set(t.id, d);
      return d;
    };
    const columns = [];
    for (const t of list) (columns[depthOf(t)] ||= []).push(t);
    const at = new Map();
    const w = 150, h = 36, gx = 60, gy = 16;
    columns.forEach((col, x) => col.forEach((t, y) =>
      at.set(t.id, { x: 10 + x * (w + gx), y: 10 + y * (h + gy) })));
    const height = 20 + Math.max(1, ...columns.map((c) => c.length)) * (h + gy);
    svg.setAttribute("viewBox", `0 0 ${20 + columns.length * (w + gx)} ${height}`);
    svg.style.height = `${height}px`;
    const parts = [];
    const marker = document.createElementNS(ns, "defs");
    marker.innerHTML = '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#8a94a0"/></marker>';
    parts.push(marker);
    for (const t of list)
      for (const p of t.depends_on || []) {
        const a = at.get(p), b = at.get(t.id);
        if (!a || !b) continue;
        const line = document.createElementNS(ns, "line");
        line.setAttribute("x1", a.x + w); line.setAttribute("y1", a.y + h / 2);
        line.setAttribute("x2", b.x); line.setAttribute("y2", b.y + h / 2);
        line.setAttribute("class", "edge");
        line.setAttribute("marker-end", "url(#arrow)");
        parts.push(line);
      }
    for (const t of list) {
      const p = at.get(t.id);
      const g = document.createElementNS(ns, "g");
      g.setAttribute("class", "node");
      g.setAttribute("data-id", t.id);
      g.setAttribute("data-status", t.status);
      g.innerHTML = `<rect x="${p.x}" y="${p.y}" width="${w}" height="${h}" rx="6"/>`;
      const label = document.createElementNS(ns, "text");
      label.setAttribute("x", p.x + 8); label.setAttribute("y", p.y + 15);
      label.textContent = t.id;
      const sub = document.createElementNS(ns, "text");
      sub.setAttribute("x", p.x + 8); sub.setAttribute("y", p.y + 29);
      sub.setAttribute("class", "sub");
      sub.textContent = `${t.status} · ${t.agent || "-"} · ${t.attempts}`;
      g.append(label, sub);
      parts.push(g);
    }
    svg.replaceChildren(...parts);
  },
};

function alertIn(where, message) {
  const note = el("p", { class: "error", text: message });
  where.prepend(note);
  setTimeout(() => note.remove(), 8000);
}

$("add-task").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = e.target.elements;
  const body = { id: f.id.value.trim(), agent: f.agent.value, prompt: f.prompt.value };
  const after = f.after.value.split(",").map((s) => s.trim()).filter(Boolean);
  if (after.length) body.after = after;
  const result = e.target.querySelector(".form-result");
  try {
    const r = await call("POST", "/tasks", body);
    result.textContent = `added (${r.command_id})`;
    e.target.reset();
  } catch (err) {
    result.textContent = err.message;
  }
  status.soon();
});

// -- time travel ------------------------------------------------------------

const timeTravel = {
  timer: null,
  asked: 0,
  followed: true,
  latest(position) {
    const slider = $("time-slider");
    const atEnd = Number(slider.value) >= Number(slider.max);
    slider.max = String(Math.max(1, position));
    if (atEnd && this.followed) slider.value = slider.max;
    $("time-position").textContent = slider.value;
  },
  changed() {
    const slider = $("time-slider");
    this.followed = Number(slider.value) >= Number(slider.max);
    $("time-position").textContent = slider.value;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.show(Number(slider.value)), 150);
  },
  async show(at) {
    this.asked = at;
    let shown, around;
    try {
      [shown, around] = await Promise.all([
        call("GET", `/show?at=${at}`),
        call("GET", `/events?from=${Math.max(1, at - 10)}&limit=21`),
      ]);
    } catch (e) {
      $("time-grid").replaceChildren(el("p", { class: "error", text: e.message }));
      return;
    }
    if (this.asked !== at) return; // a later position was asked meanwhile
    const states = new Map((shown.agents || []).map((a) => [a.name, a]));
    $("time-grid").replaceChildren(...Object.entries(shown.screens || {}).map(([name, rows]) => {
      const a = states.get(name);
      return el("figure", { class: "time-tile", "data-agent": name, "data-state": a ? a.state : "" },
        el("figcaption", { text: `${name} — ${a ? a.state : "?"}${a && a.task ? ", task " + a.task : ""}` }),
        el("pre", { class: "screen", text: rows.join("\n") }));
    }));
    $("time-tasks").replaceChildren(...(shown.tasks || []).map((t) =>
      el("li", { "data-status": t.status },
        el("strong", { text: t.id }), ` ${t.status} · ${t.agent || "-"} · attempt ${t.attempts}`)));
    $("time-events").replaceChildren(...around.events.map((e) => {
      const kind = Object.keys(e.event || {})[0] || "?";
      const li = el("li", { class: Number(e.position) === at ? "here" : "",
                             text: `#${e.position} ${e.stream}@${e.sequence} ${kind}` });
      li.addEventListener("click", () => { $("time-slider").value = e.position; this.changed(); });
      return li;
    }));
  },
};

$("time-slider").addEventListener("input", () => timeTravel.changed());

function subjects(run) {
  const select = $("why-form").elements.subject;
  const names = [...run.tasks.map((t) => "task " + t.id), ...run.agents.map((a) => "agent " + a.name)];
  if ([...select.options].map((o) => o.textContent).join() === names.join()) return;
  select.replaceChildren(...names.map((n) => el("option", { value: n.split(" ")[1], text: n })));
}

$("why-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const subject = e.target.elements.subject.value;
  const out = $("why-steps");
  try {
    const why = await call("GET", `/why?subject=${encodeURIComponent(subject)}`);
    const t = (us) => (us / 1e6).toFixed(3) + "s";
    out.replaceChildren(...why.steps.map((s) => el("li", {},
      el("span", { class: "when", text: `${t(s.logical_time_us)} ${s.stream}@${s.sequence}` }),
      ` ${s.text}`,
      s.cause ? el("div", { class: "cause", text: `← ${s.cause.stream}@${s.cause.sequence} ${s.cause.text}` }) : "")));
    if (why.note) out.append(el("li", { class: "note", text: why.note }));
  } catch (err) {
    out.replaceChildren(el("li", { class: "error", text: err.message }));
  }
});

// -- views ------------------------------------------------------------------

for (const b of document.querySelectorAll("nav button"))
  b.addEventListener("click", () => {
    for (const x of document.querySelectorAll("nav button")) x.classList.toggle("active", x === b);
    for (const v of document.querySelectorAll(".view"))
      v.classList.toggle("active", v.id === `${b.dataset.view}-view`);
    if (b.dataset.view === "time") timeTravel.show(Number($("time-slider").value));
    if (b.dataset.view === "inbox") { inbox.needsAt = 0; status.soon(); }
    if (b.dataset.view === "grid") for (const t of tiles.values()) t.fit();
  });

// For tests and for people at the console.
window.baton = {
  terms,
  position: () => feed.rendered,
  /// The last position received (drawn or on its way to a terminal).
  received: () => (feed.drawing.length ? feed.drawing[feed.drawing.length - 1] : feed.rendered),
  ws: () => feed.ws,
  reconnect,
  viewer,
};

if (typeof Terminal === "undefined") {
  document.body.prepend(el("p", { class: "fatal", text: "xterm.js did not load." }));
} else {
  status.fetch();
  connect();
}
