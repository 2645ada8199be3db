// `baton mcp` against the official MCP TypeScript SDK's client (pinned in
// tests/agents/package.json), over stdio, on a live `baton run` of
// simulated agents: the SDK negotiates the revision and validates every
// structured result against its tool's output schema; the test lists the
// tools, reads agents, approvals and events, sends input twice under one
// idempotency key, gets a refused task back as a tool error and a bad
// argument as invalid params, adds a task, answers the approval, waits for
// the task and the run, then checks that `baton replay` of the steered run
// is identical and that `baton why` names the MCP client. A second client
// reaches the same run over Streamable HTTP (`baton serve`): it lists the
// tools, reads the agents and adds a task; requests without the token, from
// a foreign Origin, or with an unknown session are refused. Over both, a
// call the client cancels ends at once.
//
//   node tests/mcp/mcp_client_test.mjs --baton build/cli/baton \
//        --modules build/agents/node_modules
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import assert from 'node:assert/strict';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  if (i < 0 || i + 1 >= args.length) throw new Error(`usage: ${name} is required`);
  return path.resolve(args[i + 1]);
};
const baton = opt('--baton');
const modules = opt('--modules');
const sdk = (p) => import(pathToFileURL(path.join(modules, '@modelcontextprotocol/sdk/dist/esm', p)).href);
const { Client } = await sdk('client/index.js');
const { StdioClientTransport } = await sdk('client/stdio.js');
const { StreamableHTTPClientTransport } = await sdk('client/streamableHttp.js');
const { McpError } = await sdk('types.js');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-mcp-'));
const log = path.join(dir, 'log');
// The live-run tests' shared plan: agent a waits for an operator's approval
// (the run stays up), b is free.
const here = path.dirname(new URL(import.meta.url).pathname);
fs.copyFileSync(path.join(here, '..', 'support', 'waiting_plan.toml'), path.join(dir, 'plan.toml'));
const runOut = fs.openSync(path.join(dir, 'run.txt'), 'w');
const run = spawn(baton, ['run', path.join(dir, 'plan.toml'), '--db', log, '--workspace', path.join(dir, 'work')],
                  { stdio: ['ignore', runOut, runOut] });
const runExit = new Promise((resolve) => run.on('exit', (code) => resolve(code)));

let failed = false;
const deadline = Date.now() + 240_000;
const left = () => Math.max(1, Math.min(50, Math.floor((deadline - Date.now()) / 1000)));

try {
  // The engine's control socket appears once the run is up.
  while (!fs.existsSync(path.join(log, 'control.sock'))) {
    assert.ok(Date.now() < deadline, 'the run never served its control socket');
    await new Promise((r) => setTimeout(r, 50)); // a file to appear: nothing to wait on
  }
  const client = new Client({ name: 'baton-mcp-test', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: baton, args: ['mcp', log], stderr: 'inherit' }));
  assert.equal(client.getServerVersion().name, 'baton');
  assert.ok(client.getServerCapabilities().tools, 'tools capability');

  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name).sort();
  for (const want of ['list_agents', 'agent_status', 'agent_screen', 'send_input', 'delivery_status',
                      'add_task', 'task_status', 'list_tasks', 'wait_for', 'list_approvals',
                      'decide_approval', 'tail_events', 'cancel_task', 'rerun_task', 'stop_run'])
    assert.ok(names.includes(want), `tool ${want} listed`);
  for (const t of tools) {
    assert.equal(t.inputSchema.type, 'object', `${t.name} input schema`);
    assert.equal(t.outputSchema?.type, 'object', `${t.name} output schema`);
  }

  const call = async (name, a = {}) => {
    const r = await client.callTool({ name, arguments: a }, undefined, { timeout: 60_000 });
    if (r.isError) return { error: r.content[0].text };
    return r.structuredContent;
  };

  // b becomes idle; a's permission request waits for an answer.
  let idle = await call('wait_for', { condition: 'agent_idle', agent: 'b', timeout_seconds: left() });
  assert.equal(idle.met, true, 'b idle');
  let approvals = await call('list_approvals');
  while (approvals.approvals.length === 0) {
    await call('wait_for', { condition: 'event_after', position: approvals.position, timeout_seconds: left() });
    assert.ok(Date.now() < deadline, 'no approval request came');
    approvals = await call('list_approvals');
  }
  const request = approvals.approvals[0];
  assert.equal(request.agent, 'a');
  assert.equal(request.tool, 'Bash');

  const agents = await call('list_agents');
  assert.deepEqual(agents.agents.map((a) => a.name).sort(), ['a', 'b']);
  const aStatus = await call('agent_status', { agent: 'a' });
  assert.equal(aStatus.agent.state, 'waiting_approval');
  assert.deepEqual(aStatus.approvals_waiting.map((r) => r.id), [request.id]);
  assert.deepEqual(aStatus.tasks.map((t) => t.id), ['t1']);
  // A call the client gives up on (notifications/cancelled) ends its wait
  // and gets no reply: the next call is answered long before the 50 s that
  // wait was given (the SDK's own deadline for it is 20 s).
  const giveUp = async (c) => {
    const ac = new AbortController();
    const waiting = c.callTool({ name: 'wait_for', arguments: { condition: 'event_after', position: 1e12, timeout_seconds: 50 } },
                               undefined, { signal: ac.signal, timeout: 60_000 });
    setTimeout(() => ac.abort('changed my mind'), 300); // the user's change of mind
    await assert.rejects(waiting);
    const next = await c.callTool({ name: 'list_agents', arguments: {} }, undefined, { timeout: 20_000 });
    assert.equal(next.structuredContent.agents.length, 2);
  };
  await giveUp(client);
  const board = await call('list_tasks');
  assert.deepEqual(board.tasks.map((t) => t.id), ['t1', 't2']);
  assert.equal(board.finished, false);
  const screen = await call('agent_screen', { agent: 'a', rows: 10 });
  assert.ok(screen.lines.length > 0 && screen.lines.length <= 10, 'a bounded screen');
  assert.ok(screen.lines.join('\n').includes('[y/n]'), 'the permission prompt is on a\'s screen');

  // Input, acknowledged; the same key sends once.
  const sent = await call('send_input', { agent: 'b', text: 'Note: the MCP client says hello.', idempotency_key: 'hello-1' });
  const again = await call('send_input', { agent: 'b', text: 'Note: the MCP client says hello.', idempotency_key: 'hello-1' });
  assert.equal(again.delivery_id, sent.delivery_id);
  assert.equal(again.repeated, true);
  let delivery = await call('delivery_status', { delivery_id: sent.delivery_id, wait_seconds: left() });
  assert.equal(delivery.state, 'delivered', JSON.stringify(delivery));

  // A task that breaks the plan's rules is the run's refusal: a tool error.
  const bad = await call('add_task', { id: 'bad', prompt: 'x', agent: 'nobody' });
  assert.match(bad.error, /^task bad names unknown agent "nobody"$/);
  const outside = await call('add_task', { id: 'out', prompt: 'x', agent: 'b', artifacts: ['/etc/passwd'] });
  assert.match(outside.error, /outside the workspace/);
  const cycle = await call('add_task', { id: 'c1', prompt: 'x', agent: 'b', after: ['c1'] });
  assert.match(cycle.error, /dependency cycle: c1 -> c1/);
  // Arguments that do not match the schema: invalid params.
  await assert.rejects(client.callTool({ name: 'add_task', arguments: { id: 'x' } }),
                       (e) => e instanceof McpError && e.code === -32602 && /prompt is required/.test(e.message));
  await assert.rejects(client.callTool({ name: 'no_such_tool', arguments: {} }),
                       (e) => e instanceof McpError && e.code === -32602);

  const added = await call('add_task', { id: 't3', prompt: 'Write a summary.', agent: 'b', after: ['t2'] });
  assert.equal(added.task_id, 't3');

  // The same run over Streamable HTTP.
  const serve = spawn(baton, ['serve', log, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const where = JSON.parse(await new Promise((resolve, reject) => {
    let out = '';
    serve.stdout.on('data', (d) => { out += d; if (out.includes('\n')) resolve(out.split('\n')[0]); });
    serve.on('exit', (code) => reject(new Error(`baton serve exited ${code}`)));
  }));
  try {
    const auth = { Authorization: `Bearer ${where.token}` };
    const web = new Client({ name: 'baton-mcp-http-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(where.mcp), { requestInit: { headers: auth } });
    await web.connect(transport);
    assert.ok(transport.sessionId, 'a session id');
    assert.equal((await web.listTools()).tools.length, tools.length);
    await giveUp(web);
    const overHttp = await web.callTool({ name: 'list_agents', arguments: {} });
    assert.deepEqual(overHttp.structuredContent.agents.map((a) => a.name).sort(), ['a', 'b']);
    const httpAdded = await web.callTool({ name: 'add_task', arguments: { id: 't4', prompt: 'Proofread the summary.', agent: 'b', after: ['t3'] } });
    assert.equal(httpAdded.structuredContent.task_id, 't4');
    const init = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize',
                                  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    const post = (headers, body = init) => fetch(where.mcp, { method: 'POST', body,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers } });
    assert.equal((await post({})).status, 401, 'no token');
    assert.equal((await post({ ...auth, Origin: 'http://evil.example' })).status, 403, 'a foreign Origin');
    assert.equal((await post({ ...auth, 'Mcp-Session-Id': 'nope' }, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }))).status, 404, 'an unknown session');
    assert.equal((await post(auth, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }))).status, 400, 'no session');
    assert.equal((await fetch(where.mcp, { headers: auth })).status, 405, 'GET');
    await web.close();
  } finally {
    serve.kill('SIGTERM');
  }
  // A task cancelled, then run again: it fails at once, then waits anew.
  await call('add_task', { id: 'x9', prompt: 'A last look.', agent: 'b', after: ['t3'] });
  assert.match((await call('cancel_task', { task: 'x9', reason: 'not yet' })).command_id, /^o\d+$/);
  assert.equal((await call('task_status', { task: 'x9' })).task.status, 'failed');
  assert.match((await call('rerun_task', { task: 'x9' })).command_id, /^o\d+$/);
  assert.notEqual((await call('task_status', { task: 'x9' })).task.status, 'failed');
  const answered = await call('decide_approval', { id: request.id, decision: 'allow', reason: 'the build dir may go' });
  assert.match(answered.command_id, /^o\d+$/);

  let settled = await call('wait_for', { condition: 'task_settled', task: 't4', timeout_seconds: left() });
  while (!settled.met) {
    assert.ok(Date.now() < deadline, 't4 never settled');
    settled = await call('wait_for', { condition: 'task_settled', task: 't4', timeout_seconds: left() });
  }
  const t3 = await call('task_status', { task: 't3' });
  assert.equal(t3.task.status, 'passed', JSON.stringify(t3));
  assert.equal((await call('task_status', { task: 't4' })).task.status, 'passed');
  let finished = await call('wait_for', { condition: 'run_finished', timeout_seconds: left() });
  while (!finished.met) {
    assert.ok(Date.now() < deadline, 'the run never finished');
    finished = await call('wait_for', { condition: 'run_finished', timeout_seconds: left() });
  }
  assert.equal(finished.detail.outcome, 'complete');

  assert.equal((await call('task_status', { task: 'x9' })).task.status, 'passed');
  // The run is over: a stop is the run's refusal.
  assert.match((await call('stop_run', { reason: 'late' })).error, /no engine runs|finished/);
  const events = await call('tail_events', { from_position: 1, max: 5 });
  assert.deepEqual(events.events.map((e) => e.position), [1, 2, 3, 4, 5]);
  assert.ok(events.events.every((e) => typeof e.kind === 'string' && e.event_id.length === 32));
  await client.close();

  assert.equal(await runExit, 0, 'baton run exited 0');
  const replay = spawnSync(baton, ['replay', log], { encoding: 'utf8' });
  assert.equal(replay.status, 0, replay.stdout + replay.stderr);
  assert.match(replay.stdout, /identical: \d+ streams replayed/);
  const why = spawnSync(baton, ['why', log, 't3'], { encoding: 'utf8' });
  assert.match(why.stdout, /mcp:baton-mcp-test/, why.stdout);
  const whyHttp = spawnSync(baton, ['why', log, 't4'], { encoding: 'utf8' });
  assert.match(whyHttp.stdout, /mcp:baton-mcp-http-test/, whyHttp.stdout);
  console.log('mcp client test: passed');
} catch (e) {
  failed = true;
  console.error(e);
  console.error('--- baton run output ---\n' + fs.readFileSync(path.join(dir, 'run.txt'), 'utf8').slice(-4000));
} finally {
  if (run.exitCode === null) run.kill('SIGKILL');
  if (!failed) fs.rmSync(dir, { recursive: true, force: true });
  else console.error('kept ' + dir);
}
process.exit(failed ? 1 : 0);
