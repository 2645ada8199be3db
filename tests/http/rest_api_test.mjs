// The REST API under /api/v1 (http/rest.hpp) on a live `baton run --serve`
// of simulated agents, checked against its own OpenAPI description: every
// documented route answers (no 404, no 405) with the method it is described
// with, and what it says is what the run holds; a route not described is
// 404, a wrong method 405, no token 401. Changes made through it are the
// operator's, recorded as "http:<X-Baton-By>", and the run replays
// identically.
//
//   node tests/http/rest_api_test.mjs --baton build/cli/baton
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';

const args = process.argv.slice(2);
const i = args.indexOf('--baton');
if (i < 0) throw new Error('usage: --baton PATH');
const baton = path.resolve(args[i + 1]);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-rest-'));
const log = path.join(dir, 'log');
// The live-run tests' shared plan: agent a waits for an operator's approval
// (the run stays up), b is free.
const here = path.dirname(new URL(import.meta.url).pathname);
fs.copyFileSync(path.join(here, '..', 'support', 'waiting_plan.toml'), path.join(dir, 'plan.toml'));
const run = spawn(baton, ['run', path.join(dir, 'plan.toml'), '--db', log, '--workspace', path.join(dir, 'work'), '--serve'],
                  { stdio: ['ignore', 'pipe', 'inherit'] });
let output = '';
const runExit = new Promise((resolve) => run.on('exit', (code) => resolve(code)));
const serving = new Promise((resolve, reject) => {
  run.stdout.on('data', (d) => {
    output += d;
    const m = output.match(/serving (http:\/\/127\.0\.0\.1:\d+) \(MCP: \S+; token ([0-9a-f]+)\)/);
    if (m) resolve({ url: m[1], token: m[2] });
  });
  run.on('exit', (code) => reject(new Error(`baton run exited ${code} before serving:\n${output}`)));
});

let failed = false;
try {
  const { url, token } = await serving;
  const auth = { Authorization: `Bearer ${token}`, 'X-Baton-By': 'rest-test' };
  const get = async (p) => {
    const r = await fetch(url + p, { headers: auth });
    return { status: r.status, body: await r.json() };
  };
  const send = async (method, p) => {
    const r = await fetch(url + p, { method, headers: auth });
    return { status: r.status, body: await r.json() };
  };
  const post = async (p, body) => {
    const r = await fetch(url + p, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' },
                                     body: JSON.stringify(body) });
    return { status: r.status, body: await r.json() };
  };

  // Wait, on the run's own events, until a's request waits for an answer.
  let approvals = await get('/api/v1/approvals');
  for (let from = 1; approvals.body.approvals.length === 0;) {
    const page = await get(`/api/v1/events?from=${from}&limit=1000`);
    from = page.body.next;
    approvals = await get('/api/v1/approvals');
    if (approvals.body.approvals.length === 0 && page.body.events.length === 0)
      await new Promise((r) => setTimeout(r, 100)); // the log has nothing new yet: nothing to wait on here
  }

  const spec = (await get('/api/v1/openapi.json')).body;
  assert.equal(spec.openapi, '3.1.0');
  const sent = await post('/api/v1/agents/b/input', { text: 'Note: hello from the REST test.' });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  const values = { agent: 'b', task: 't2', id: null };
  // What each POST is sent, and each route's parameters.
  const bodies = {
    '/api/v1/agents/{agent}/input': { text: 'Note: a second hello.' },
    '/api/v1/tasks': { id: 't3', prompt: 'Summarise.', agent: 'b', after: ['t2'],
                       artifacts: [{ path: 'summary.md', format: 'markdown', must_contain: ['# Summary'] }] },
    '/api/v1/tasks/{task}/cancel': { reason: 'the REST test' },
    '/api/v1/tasks/{task}/rerun': {},
    '/api/v1/approvals/{id}': { decision: 'allow', reason: 'the REST test' },
    '/api/v1/stop': { immediate: true, reason: 'the REST test is over' },
    '/api/v1/agents/{agent}/control': { viewer: 'rest-test' },
    '/api/v1/agents/{agent}/keys': { viewer: 'rest-test', keys: 'x\x7f' },
  };
  // What each route is asked, beyond its path.
  const queries = {
    '/api/v1/why': '?subject=t2',
    '/api/v1/agents/{agent}/control': '?viewer=rest-test',
  };
  // The stop ends the run and its server: it comes last, below. The
  // approval's answer comes after every other route: answered, a finishes
  // t1 within a second or so, and a run whose t1 passed before t2 was
  // cancelled and run again would be over (or t2 dispatched) by then.
  const answer = '/api/v1/approvals/{id}';
  const order = Object.keys(spec.paths).filter((p) => p !== '/api/v1/stop' && p !== answer);
  order.push(answer);
  // The live stream: events with their positions as ids; a reconnect with
  // Last-Event-ID goes on right after it.
  const firstIds = async (headers, n) => {
    const r = await fetch(url + '/api/v1/events/stream' + (headers['Last-Event-ID'] ? '' : '?from=1'),
                          { headers: { ...auth, ...headers } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /text\/event-stream/);
    const reader = r.body.getReader();
    let text = '';
    const ids = [];
    while (ids.length < n) {
      const { value, done } = await reader.read();
      assert.ok(!done, 'the stream ended early');
      text += Buffer.from(value).toString('utf8');
      const events = text.split('\n\n');
      text = events.pop();
      for (const ev of events) {
        const id = ev.match(/^id: (\d+)$/m);
        if (id) ids.push(Number(id[1]));
      }
    }
    await reader.cancel();
    return ids.slice(0, n);
  };
  assert.deepEqual(await firstIds({}, 3), [1, 2, 3]);
  assert.deepEqual(await firstIds({ 'Last-Event-ID': '5' }, 2), [6, 7]);

  let routes = 0;
  for (const p of order) {
    if (p === '/api/v1/events/stream' || p === '/api/v1/ws')
      continue; // above: it streams; the WebSocket: view_socket_test
    for (const method of Object.keys(spec.paths[p])) {
      const concrete = p.replace('{agent}', 'b').replace('{task}', 't2')
        .replace('{id}', p.startsWith('/api/v1/deliveries') ? sent.body.delivery_id : approvals.body.approvals[0].id);
      const q = queries[p] ?? '';
      const r = method === 'get' ? await get(concrete + q)
        : method === 'delete' ? await send('DELETE', concrete + q)
        : await post(concrete, bodies[p] ?? {});
      assert.ok(r.status !== 404 && r.status !== 405,
                `${method} ${concrete}: ${r.status} ${JSON.stringify(r.body)}; tasks ${JSON.stringify((await get('/api/v1/tasks')).body)}`);
      assert.equal(r.status, 200, `${method} ${concrete}: ${JSON.stringify(r.body)}`);
      ++routes;
    }
  }
  assert.deepEqual(Object.keys(spec.paths['/api/v1/stop']), ['post']);
  // What they say is the run's.
  const agent = (await get('/api/v1/agents/a')).body;
  assert.equal(agent.name, 'a');
  const board = (await get('/api/v1/tasks')).body.tasks.map((t) => t.id);
  assert.deepEqual(board, ['t1', 't2', 't3']);
  assert.equal((await get('/api/v1/tasks/t2')).body.status, 'waiting'); // cancelled, then run again
  assert.equal((await get('/api/v1/agents/nobody')).status, 404);
  // The run as it stood at a position: the same fold as `baton show --at`.
  const at5 = (await get('/api/v1/show?at=5')).body;
  assert.equal(at5.position, 5);
  assert.equal(at5.beyondEnd, false);
  const shown = spawnSync(baton, ['show', log, '--at', '5', '--json'], { encoding: 'utf8' });
  const cli = JSON.parse(shown.stdout);
  assert.deepEqual(at5.tasks, cli.tasks);
  assert.deepEqual(at5.agents, cli.agents);
  assert.equal((await post('/api/v1/tasks', { id: 'bad', prompt: 'x', agent: 'nobody' })).status, 409);
  assert.equal((await post('/api/v1/tasks', { prompt: 'no id' })).status, 400);

  // Not described, not served.
  assert.equal((await get('/api/v1/nothing')).status, 404);
  assert.equal((await fetch(url + '/api/v1/agents', { method: 'POST', headers: auth })).status, 405);
  assert.equal((await fetch(url + '/api/v1/run')).status, 401);
  // The token in the query string is the login page's and the WebSocket's
  // only; the login turns it into a cookie that works everywhere.
  assert.equal((await fetch(url + '/api/v1/run?token=' + token)).status, 401);
  const login = await fetch(url + '/?token=' + token, { redirect: 'manual' });
  assert.equal(login.status, 303);
  const cookie = login.headers.get('set-cookie');
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  const withCookie = await fetch(url + '/api/v1/run', { headers: { Cookie: cookie.split(';')[0] } });
  assert.equal(withCookie.status, 200);
  assert.equal((await fetch(url + '/?token=wrong', { redirect: 'manual' })).status, 401);
  // The token is also in a file only its owner may read.
  const tokenFile = path.join(log, 'http.token');
  assert.equal(fs.readFileSync(tokenFile, 'utf8').trim(), token);
  assert.equal(fs.statSync(tokenFile).mode & 0o777, 0o600);
  // Another viewer cannot type while one has control.
  assert.equal((await post('/api/v1/agents/b/control', { viewer: 'other' })).status, 409);
  assert.equal((await post('/api/v1/agents/b/keys', { viewer: 'other', keys: 'x' })).status, 409);
  // Bad requests change nothing and say why.
  const bad = await fetch(url + '/api/v1/tasks', { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' },
                                                    body: '{"id": "t9", "prompt": ' });
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error, /JSON object/);
  const huge = await fetch(url + '/api/v1/tasks', { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' },
                                                     body: JSON.stringify({ id: 't9', prompt: 'x'.repeat(2 << 20) }) }).catch((e) => e);
  assert.ok(huge instanceof Error || huge.status === 413, `oversized body: ${huge.status}`);
  assert.equal((await get('/api/v1/why?subject=nobody')).status, 404);
  assert.ok(!(await get('/api/v1/tasks')).body.tasks.some((t) => t.id === 't9'));

  // Last: the stop, which ends the run and with it the server.
  const stop = await post('/api/v1/stop', bodies['/api/v1/stop']);
  assert.equal(stop.status, 200, JSON.stringify(stop.body));
  ++routes;
  assert.ok(routes >= 17, `${routes} routes described`);

  assert.notEqual(await runExit, null);
  const replay = spawnSync(baton, ['replay', log], { encoding: 'utf8' });
  assert.equal(replay.status, 0, replay.stdout + replay.stderr);
  assert.match(replay.stdout, /identical: \d+ streams replayed/);
  const why = spawnSync(baton, ['why', log, 't3'], { encoding: 'utf8' });
  assert.match(why.stdout, /the operator \(http:rest-test, o\d+\) added task t3/, why.stdout);
  console.log(`rest api test: passed (${routes} routes)`);
} catch (e) {
  failed = true;
  console.error(e);
  console.error('--- baton run output ---\n' + output.slice(-3000));
} finally {
  if (run.exitCode === null) run.kill('SIGKILL');
  if (!failed) fs.rmSync(dir, { recursive: true, force: true });
  else console.error('kept ' + dir);
}
process.exit(failed ? 1 : 0);
