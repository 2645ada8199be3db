#!/usr/bin/env node
// Mock model server for Baton's real-agent-CLI tests. Node standard library only.
//
//   node mock_model_server.mjs --port 0 --scenario FILE [--workdir DIR] [--log FILE]
//                              [--dump-dir DIR] [--host 127.0.0.1]
//
// Prints the bound port on stdout (one line), then serves on 127.0.0.1:
//   HEAD / , GET /                                   200 (Claude Code probes HEAD /)
//   POST /v1/messages                                Anthropic Messages API (SSE when "stream": true)
//   POST /v1/messages/count_tokens                   Anthropic token count
//   POST /v1/responses                               OpenAI Responses API (SSE when "stream": true)
//   GET  /v1/models                                  model lists (OpenAI / Anthropic shapes)
//   POST /v1beta/models/<m>:streamGenerateContent    Gemini (SSE with ?alt=sse, else a JSON array)
//   POST /v1beta/models/<m>:generateContent          Gemini (routing / JSON-schema side requests)
//   POST /v1beta/models/<m>:countTokens              Gemini token count
//   GET  /v1beta/models[/<m>]                        Gemini model list / model
//
// Replies are scripted by the scenario file (JSON):
// {
//   "name": "normal",
//   "side_text": "Create hello.txt",            // canned answer for side requests (titles, routing)
//   "summary_text": "<summary>…</summary>",      // answer to the CLI's context-compaction request
//   "chunk_ms": 15,                               // pause between streamed chunks (optional)
//   "turns": [
//     { "delay_ms": 3000,                         // wait before the reply starts streaming
//       "text": "I'll create the file.",          // assistant text (may hold protocol lines)
//       "tool": { "kind": "shell", "command": "printf 'hello\\n' > hello.txt",
//                 "description": "Create hello.txt" } },
//     { "delay_ms": 2000, "text": "PROGRESS: 1/2 — wrote the file\n..." }
//   ]
// }
// A turn with "match": "<regex>" is chosen when the latest user message's own text matches
// (latest match wins); it is left out of the counting. Use it for prompts typed after a
// context compaction or a failed request, when counting the history no longer works.
// The CLIs' own compaction requests are recognised and answered with summary_text.
// A match turn may carry "then": [turn, …]: the replies to the requests that follow it
// in the same exchange (tool results, no new prompt matching a match turn), chosen by
// counting the model turns since the matched prompt (past the end: the last one's text,
// no tool). Use it when a prompt typed mid-session (e.g. Baton telling an agent its tool
// call was refused) starts a sequence of its own, whatever came before it.
// A turn may instead be {"error": {"status": 400, "message": "…"}} — the request fails with
// that HTTP status and the API's own error body (no retry storms: use a 4xx).
// A turn may also carry "fail_first": {"count": 2, "status": 529, "message": "Overloaded"}:
// its first `count` requests fail like an "error" turn (the CLI retries them) and the
// next one gets the turn's reply (counted per turn over the server's life). With
// "drop": true instead of a status, each of those requests gets 200 and an event stream
// that is cut after "delay_ms" (the connection closed mid-stream: a network failure).
// A tool is either generic — {"kind":"shell","command","description"} or
// {"kind":"write","path","content"} (path relative to --workdir) — mapped per CLI
// (Claude: Bash / Write; Codex: exec_command with sandbox_permissions
// "require_escalated" / apply_patch; Gemini: run_shell_command / write_file), or given
// per CLI raw: {"claude": {"name","input"}, "codex": {"name","arguments"} or
// {"name","input","custom":true}, "gemini": {"name","args"}}.
// Strings may contain {{workdir}}.
//
// The reply is chosen by counting the model turns already in the request's history
// (Anthropic: assistant messages; OpenAI: runs of assistant/function_call items;
// Gemini: runs of "model" contents), so a retried request gets the same answer.
// Past the last scripted turn it answers with the last turn's text only (no tool).
// Each turn may also carry "delay_ms" and a "tool" (see above).
// Side requests — no tools, or a JSON-schema / JSON output request — get a short
// canned answer (a JSON instance of the schema when one is given).
//
// Every request is logged (one line: time, method, path, client, turn, summary) to
// --log FILE or stderr; --dump-dir writes each request body as JSON for debugging.
// SIGTERM / SIGINT: stop accepting, end open streams, exit 0.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';

// ---------------------------------------------------------------- arguments
function parseArgs(argv) {
  const o = { port: 0, host: '127.0.0.1', scenario: null, workdir: null, log: null, dumpDir: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) die(`missing value for ${a}`);
      return argv[++i];
    };
    if (a === '--port') o.port = Number(next());
    else if (a === '--host') o.host = next();
    else if (a === '--scenario') o.scenario = next();
    else if (a === '--workdir') o.workdir = next();
    else if (a === '--log') o.log = next();
    else if (a === '--dump-dir') o.dumpDir = next();
    else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: mock_model_server.mjs --port 0 --scenario FILE [--workdir DIR] [--log FILE] [--dump-dir DIR]\n');
      process.exit(0);
    } else die(`unknown argument: ${a}`);
  }
  return o;
}
function die(msg) {
  process.stderr.write(`mock_model_server: ${msg}\n`);
  process.exit(2);
}

const opts = parseArgs(process.argv.slice(2));
const workdir = path.resolve(opts.workdir || process.cwd());
let scenario = { name: 'default', turns: [{ text: 'STATUS: DONE — nothing to do + no scenario given' }] };
if (opts.scenario) {
  try {
    scenario = JSON.parse(fs.readFileSync(opts.scenario, 'utf8'));
  } catch (e) {
    die(`cannot read scenario ${opts.scenario}: ${e.message}`);
  }
}
if (!Array.isArray(scenario.turns) || scenario.turns.length === 0) die('scenario has no turns');
const chunkMs = scenario.chunk_ms ?? 15;
const sideText = scenario.side_text ?? 'Scripted session';
const summaryText = scenario.summary_text ?? `<summary>${sideText}</summary>`;

const logStream = opts.log ? fs.createWriteStream(opts.log, { flags: 'a' }) : null;
function log(line) {
  const s = `${new Date().toISOString()} ${line}\n`;
  if (logStream) logStream.write(s);
  else process.stderr.write(s);
}
let dumpSeq = 0;
function dump(kind, body) {
  if (!opts.dumpDir) return;
  fs.mkdirSync(opts.dumpDir, { recursive: true });
  const f = path.join(opts.dumpDir, `${String(++dumpSeq).padStart(3, '0')}-${kind}.json`);
  fs.writeFileSync(f, JSON.stringify(body, null, 2));
}

// ---------------------------------------------------------------- helpers
// The CLIs' context-compaction requests: Claude Code ("CRITICAL: Respond with TEXT ONLY…"),
// Codex ("You are performing a CONTEXT CHECKPOINT COMPACTION…"), Gemini CLI
// ("Generate a new <state_snapshot>…", then "Critically evaluate the <state_snapshot>…").
const COMPACTION_RX = /Respond with TEXT ONLY|create a detailed summary of the conversation|CONTEXT CHECKPOINT COMPACTION|<state_snapshot>/i;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const subst = (v) => {
  if (typeof v === 'string') return v.replaceAll('{{workdir}}', workdir);
  if (Array.isArray(v)) return v.map(subst);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, subst(x)]));
  return v;
};
const shortId = () => randomUUID().replaceAll('-', '').slice(0, 24);
const snip = (s, n = 80) => {
  s = String(s ?? '').replace(/\s+/g, ' ').trim();
  return s.length > n ? s.slice(0, n) + '…' : s;
};

// Split text into small chunks so the CLI renders it as a stream.
function chunks(text, size = 24) {
  const out = [];
  for (let i = 0; i < text.length; ) {
    let j = Math.min(text.length, i + size);
    // do not split a UTF-16 surrogate pair
    if (j < text.length && /[\uD800-\uDBFF]/.test(text[j - 1])) j++;
    out.push(text.slice(i, j));
    i = j;
  }
  return out;
}

// A JSON instance for a JSON schema (for Gemini's routing / next-speaker checks).
function instanceOf(schema, depth = 0) {
  if (!schema || typeof schema !== 'object' || depth > 8) return sideText;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  const t = String(Array.isArray(schema.type) ? schema.type[0] : schema.type || '').toLowerCase();
  if (schema.anyOf || schema.oneOf) return instanceOf((schema.anyOf || schema.oneOf)[0], depth + 1);
  if (t === 'object' || schema.properties) {
    const o = {};
    for (const [k, s] of Object.entries(schema.properties || {})) o[k] = instanceOf(s, depth + 1);
    return o;
  }
  if (t === 'array') return [instanceOf(schema.items, depth + 1)];
  if (t === 'boolean') return false;
  if (t === 'integer' || t === 'number') return 0;
  return sideText;
}

// Pick the scripted turn. A turn with "match" (a regex) is chosen when the latest user
// message's own text matches it (e.g. a second prompt after a context compaction, when
// counting the history no longer works); the other turns are chosen by counting.
// The match turn whose regex matches `text`, the match found latest in the text winning.
function bestMatch(text) {
  let best = null;
  let bestAt = -1;
  for (const t of scenario.turns) {
    if (!t.match) continue;
    const rx = new RegExp(t.match, 'g');
    let m;
    while ((m = rx.exec(text)) !== null) {
      if (m.index >= bestAt) {
        best = t;
        bestAt = m.index;
      }
      if (m[0].length === 0) rx.lastIndex++;
    }
  }
  return best;
}

// A reply from a match turn's "then": `history` is the request's conversation as
// [{model: true} | {user: "<its own text>"}]. Walking back from the end, the first user
// text that matches a match turn decides: when that turn has "then" and the model has
// answered since (k runs), the reply is then[k-1].
function thenTurn(history) {
  if (!history) return null;
  let runs = 0;
  let inRun = false;
  for (let i = history.length - 1; i >= 0; i--) {
    const h = history[i];
    if (h.model) {
      if (!inRun) runs++;
      inRun = true;
      continue;
    }
    inRun = false;
    if (!h.user) continue;
    const best = bestMatch(h.user);
    if (!best) continue;
    if (!Array.isArray(best.then) || best.then.length === 0 || runs === 0) return null;
    const k = runs - 1;
    const index = `then:${best.match}#${k}`;
    if (k < best.then.length) return { ...subst(best.then[k]), index, extra: false };
    const last = subst(best.then[best.then.length - 1]);
    return { text: last.text || 'STATUS: DONE — scenario finished + no more turns', delay_ms: 0, index, extra: true };
  }
  return null;
}

function turnFor(index, lastUserText, history) {
  const turns = scenario.turns;
  const then = thenTurn(history);
  if (then) return then;
  if (lastUserText) {
    // the match found latest in the text wins (a CLI may merge two prompts into one
    // user message when the first one failed)
    const best = bestMatch(lastUserText);
    if (best) return { ...subst(best), index: `match:${best.match}`, extra: false };
  }
  const plain = turns.filter((t) => !t.match);
  if (index < plain.length) return { ...subst(plain[index]), index, extra: false };
  // past the script: repeat the last text without a tool, so a CLI that keeps going stops
  const last = subst(plain[plain.length - 1] || {});
  return { text: last.text || 'STATUS: DONE — scenario finished + no more turns', delay_ms: 0, index, extra: true };
}

// A turn's "fail_first": the failure to answer while its first `count` requests have not
// all failed yet; otherwise the turn itself.
const failures = new Map();
function failFirst(turn) {
  const f = turn.fail_first;
  if (!f || turn.side) return turn;
  const count = f.count ?? 1;
  const done = failures.get(turn.index) || 0;
  if (done >= count) return turn;
  failures.set(turn.index, done + 1);
  const failure = f.drop ? { drop: true } : { error: { status: f.status || 529, message: f.message || 'Overloaded' } };
  return { ...turn, ...failure, delay_ms: f.delay_ms ?? 0, index: `${turn.index}(${f.drop ? 'drop' : 'fail'} ${done + 1}/${count})` };
}

// A "fail_first" drop: an event stream opened and cut off before its first event.
async function dropStream(res, turn) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
  if (!(await pause(turn.delay_ms || 0, res))) return;
  res.socket?.destroy();
}

// Answer a scripted failure in the API's own error shape.
async function scriptedError(res, api, turn) {
  if (!(await pause(turn.delay_ms || 0, res))) return;
  const status = turn.error.status || 400;
  const message = turn.error.message || 'mock: scripted failure';
  if (api === 'anthropic') {
    const type = status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : status >= 500 ? 'api_error' : 'invalid_request_error';
    return json(res, status, { type: 'error', error: { type, message } });
  }
  if (api === 'openai') return json(res, status, { error: { message, type: 'invalid_request_error', param: null, code: turn.error.code || null } });
  const gstatus = status === 429 ? 'RESOURCE_EXHAUSTED' : status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT';
  return json(res, status, { error: { code: status, message, status: gstatus } });
}

// ---------------------------------------------------------------- tool mapping
function claudeTool(tool) {
  if (!tool) return null;
  if (tool.claude) return tool.claude;
  if (tool.kind === 'shell') return { name: 'Bash', input: { command: tool.command, description: tool.description || 'Run a command' } };
  if (tool.kind === 'write') return { name: 'Write', input: { file_path: path.resolve(workdir, tool.path), content: tool.content } };
  return null;
}
function codexTool(tool) {
  if (!tool) return null;
  if (tool.codex) return tool.codex;
  if (tool.kind === 'shell') {
    return {
      name: 'exec_command',
      arguments: {
        cmd: tool.command,
        workdir,
        sandbox_permissions: tool.sandbox_permissions ?? 'require_escalated',
        justification: tool.description || 'Run a command',
      },
    };
  }
  if (tool.kind === 'write') {
    const lines = String(tool.content).replace(/\n$/, '').split('\n').map((l) => '+' + l).join('\n');
    return { name: 'apply_patch', custom: true, input: `*** Begin Patch\n*** Add File: ${tool.path}\n${lines}\n*** End Patch\n` };
  }
  return null;
}
function geminiTool(tool) {
  if (!tool) return null;
  if (tool.gemini) return tool.gemini;
  if (tool.kind === 'shell') return { name: 'run_shell_command', args: { command: tool.command, description: tool.description || 'Run a command' } };
  if (tool.kind === 'write') return { name: 'write_file', args: { file_path: path.resolve(workdir, tool.path), content: tool.content } };
  return null;
}

// ---------------------------------------------------------------- SSE plumbing
const openResponses = new Set();
function sseStart(res) {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  openResponses.add(res);
  res.on('close', () => openResponses.delete(res));
}
function sse(res, event, data) {
  if (res.writableEnded || res.destroyed) return;
  res.write((event ? `event: ${event}\n` : '') + `data: ${JSON.stringify(data)}\n\n`);
}
function json(res, status, body, headers = {}) {
  const s = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s), ...headers });
  res.end(s);
}
async function pause(ms, res) {
  if (ms > 0) await sleep(ms);
  return !(res.destroyed || res.writableEnded);
}

// ---------------------------------------------------------------- Anthropic
function anthropicTextOf(content) {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((b) => (b.type === 'text' ? b.text : b.type === 'tool_result' ? `[tool_result ${snip(typeof b.content === 'string' ? b.content : JSON.stringify(b.content), 40)}]` : `[${b.type}]`))
    .join(' ');
}
function userOwnText(content) {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.filter((b) => b.type === 'text').map((b) => b.text).join('\n');
}
function anthropicTurnIndex(body) {
  return (body.messages || []).filter((m) => m.role === 'assistant').length;
}
// A CLI's own context-compaction request (Claude Code sends its tools along) is a side
// request: it gets the scenario's summary_text.
function isAnthropicSide(body) {
  if (!Array.isArray(body.tools) || body.tools.length === 0) return true;
  const last = (body.messages || []).at(-1);
  if (last && last.role === 'user' && COMPACTION_RX.test(userOwnText(last.content))) return true;
  if (body.output_format || body.response_format) return true;
  return false;
}

async function handleAnthropic(req, res, body) {
  const side = isAnthropicSide(body);
  const msgs = body.messages || [];
  const lastUser = [...msgs].reverse().find((m) => m.role === 'user');
  const idx = anthropicTurnIndex(body);
  const model = body.model || 'claude-mock';
  let turn;
  if (side) {
    const schema = body.output_format?.schema;
    const compaction = COMPACTION_RX.test(userOwnText(lastUser?.content));
    turn = { text: schema ? JSON.stringify(instanceOf(schema)) : compaction ? summaryText : sideText, delay_ms: compaction ? 1500 : 0, side: true, compaction };
  } else
    turn = turnFor(
      idx,
      userOwnText(lastUser?.content),
      msgs.map((m) => (m.role === 'assistant' ? { model: true } : { user: userOwnText(m.content) })),
    );
  turn = failFirst(turn);
  log(
    `anthropic POST ${req.url} model=${model} stream=${!!body.stream} tools=${(body.tools || []).length} msgs=${msgs.length} ` +
      (side ? (turn.compaction ? 'SIDE(compaction)' : 'SIDE') : `turn=${turn.index}${turn.extra ? '(past script)' : ''}${turn.error ? ` ERROR ${turn.error.status || 400}` : ''}`) +
      ` last_user="${snip(anthropicTextOf(lastUser?.content))}"`,
  );
  if (!side && turn.drop) return dropStream(res, turn);
  if (!side && turn.error) return scriptedError(res, 'anthropic', turn);
  const tool = side ? null : claudeTool(turn.tool);
  const blocks = [];
  if (turn.text) blocks.push({ type: 'text', text: turn.text });
  if (tool) blocks.push({ type: 'tool_use', id: `toolu_${shortId()}`, name: tool.name, input: tool.input });
  const stop = tool ? 'tool_use' : 'end_turn';
  const usage = { input_tokens: 1200, output_tokens: 40, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  const id = `msg_${shortId()}`;

  if (!body.stream) {
    if (!(await pause(turn.delay_ms || 0, res))) return;
    return json(res, 200, { id, type: 'message', role: 'assistant', model, content: blocks, stop_reason: stop, stop_sequence: null, usage });
  }
  sseStart(res);
  sse(res, 'message_start', {
    type: 'message_start',
    message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
  });
  // the CLI shows its spinner while we wait; keep the connection alive with pings
  let waited = 0;
  const delay = turn.delay_ms || 0;
  while (waited < delay) {
    const step = Math.min(1000, delay - waited);
    if (!(await pause(step, res))) return;
    waited += step;
    sse(res, 'ping', { type: 'ping' });
  }
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i];
    if (b.type === 'text') {
      sse(res, 'content_block_start', { type: 'content_block_start', index: i, content_block: { type: 'text', text: '' } });
      for (const c of chunks(b.text)) {
        if (!(await pause(chunkMs, res))) return;
        sse(res, 'content_block_delta', { type: 'content_block_delta', index: i, delta: { type: 'text_delta', text: c } });
      }
    } else {
      sse(res, 'content_block_start', { type: 'content_block_start', index: i, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } });
      for (const c of chunks(JSON.stringify(b.input), 40)) {
        if (!(await pause(chunkMs, res))) return;
        sse(res, 'content_block_delta', { type: 'content_block_delta', index: i, delta: { type: 'input_json_delta', partial_json: c } });
      }
    }
    sse(res, 'content_block_stop', { type: 'content_block_stop', index: i });
  }
  sse(res, 'message_delta', { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
  sse(res, 'message_stop', { type: 'message_stop' });
  res.end();
}

// ---------------------------------------------------------------- OpenAI Responses
const OPENAI_MODEL_ITEM_TYPES = new Set(['function_call', 'custom_tool_call', 'reasoning', 'local_shell_call', 'web_search_call']);
function openaiTurnIndex(body) {
  const input = Array.isArray(body.input) ? body.input : [];
  let runs = 0;
  let inRun = false;
  for (const it of input) {
    const fromModel = (it.type === 'message' || it.type === undefined) && it.role === 'assistant' ? true : OPENAI_MODEL_ITEM_TYPES.has(it.type);
    if (fromModel && !inRun) runs++;
    inRun = fromModel;
  }
  return runs;
}
function openaiTextOf(it) {
  if (!it) return '';
  if (typeof it.content === 'string') return it.content;
  if (Array.isArray(it.content)) return it.content.map((c) => c.text ?? `[${c.type}]`).join(' ');
  if (it.output !== undefined) return `[${it.type} ${snip(typeof it.output === 'string' ? it.output : JSON.stringify(it.output), 40)}]`;
  return `[${it.type}]`;
}
function isOpenaiSide(body) {
  if (!Array.isArray(body.tools) || body.tools.length === 0) return true;
  const fmt = body.text?.format;
  if (fmt && fmt.type && fmt.type !== 'text') return true;
  return false;
}

async function handleOpenaiResponses(req, res, body) {
  const side = isOpenaiSide(body);
  const input = Array.isArray(body.input) ? body.input : [];
  const lastUser = [...input].reverse().find((it) => it.role === 'user' || it.type === 'function_call_output' || it.type === 'custom_tool_call_output');
  const idx = openaiTurnIndex(body);
  const model = body.model || 'gpt-mock';
  let turn;
  if (side) {
    const schema = body.text?.format?.schema;
    const compaction = COMPACTION_RX.test(openaiTextOf(lastUser));
    turn = { text: schema ? JSON.stringify(instanceOf(schema)) : compaction ? summaryText : sideText, delay_ms: compaction ? 1500 : 0, compaction };
  } else
    turn = turnFor(
      idx,
      lastUser && lastUser.role === 'user' ? openaiTextOf(lastUser) : '',
      input.map((it) =>
        ((it.type === 'message' || it.type === undefined) && it.role === 'assistant') || OPENAI_MODEL_ITEM_TYPES.has(it.type)
          ? { model: true }
          : { user: it.role === 'user' ? openaiTextOf(it) : '' },
      ),
    );
  turn = failFirst(turn);
  log(
    `openai POST ${req.url} model=${model} stream=${!!body.stream} tools=${(body.tools || []).length} items=${input.length} ` +
      (side ? (turn.compaction ? 'SIDE(compaction)' : 'SIDE') : `turn=${turn.index}${turn.extra ? '(past script)' : ''}${turn.error ? ` ERROR ${turn.error.status || 400}` : ''}`) +
      ` last_input="${snip(openaiTextOf(lastUser))}"`,
  );
  if (!side && turn.drop) return dropStream(res, turn);
  if (!side && turn.error) return scriptedError(res, 'openai', turn);
  const tool = side ? null : codexTool(turn.tool);
  const respId = `resp_${shortId()}`;
  const items = [];
  if (turn.text) {
    items.push({ type: 'message', id: `msg_${shortId()}`, status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: turn.text, annotations: [] }] });
  }
  if (tool) {
    const callId = `call_${shortId()}`;
    if (tool.custom) items.push({ type: 'custom_tool_call', id: `ctc_${shortId()}`, status: 'completed', call_id: callId, name: tool.name, input: tool.input });
    else items.push({ type: 'function_call', id: `fc_${shortId()}`, status: 'completed', call_id: callId, name: tool.name, arguments: typeof tool.arguments === 'string' ? tool.arguments : JSON.stringify(tool.arguments) });
  }
  const usage = { input_tokens: 1200, input_tokens_details: { cached_tokens: 0 }, output_tokens: 40, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 1240 };
  const response = (status, output) => ({ id: respId, object: 'response', created_at: Math.floor(Date.now() / 1000), status, model, output, usage: status === 'completed' ? usage : null });

  if (!body.stream) {
    if (!(await pause(turn.delay_ms || 0, res))) return;
    return json(res, 200, response('completed', items));
  }
  sseStart(res);
  let seq = 0;
  const ev = (type, data) => sse(res, type, { type, sequence_number: seq++, ...data });
  ev('response.created', { response: response('in_progress', []) });
  ev('response.in_progress', { response: response('in_progress', []) });
  if (!(await pause(turn.delay_ms || 0, res))) return;
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (it.type === 'message') {
      const text = it.content[0].text;
      ev('response.output_item.added', { output_index: i, item: { ...it, status: 'in_progress', content: [] } });
      ev('response.content_part.added', { item_id: it.id, output_index: i, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
      for (const c of chunks(text)) {
        if (!(await pause(chunkMs, res))) return;
        ev('response.output_text.delta', { item_id: it.id, output_index: i, content_index: 0, delta: c });
      }
      ev('response.output_text.done', { item_id: it.id, output_index: i, content_index: 0, text });
      ev('response.content_part.done', { item_id: it.id, output_index: i, content_index: 0, part: { type: 'output_text', text, annotations: [] } });
      ev('response.output_item.done', { output_index: i, item: it });
    } else if (it.type === 'function_call') {
      ev('response.output_item.added', { output_index: i, item: { ...it, status: 'in_progress', arguments: '' } });
      for (const c of chunks(it.arguments, 40)) {
        if (!(await pause(chunkMs, res))) return;
        ev('response.function_call_arguments.delta', { item_id: it.id, output_index: i, delta: c });
      }
      ev('response.function_call_arguments.done', { item_id: it.id, output_index: i, arguments: it.arguments });
      ev('response.output_item.done', { output_index: i, item: it });
    } else {
      ev('response.output_item.added', { output_index: i, item: { ...it, status: 'in_progress', input: '' } });
      for (const c of chunks(it.input, 40)) {
        if (!(await pause(chunkMs, res))) return;
        ev('response.custom_tool_call_input.delta', { item_id: it.id, output_index: i, delta: c });
      }
      ev('response.custom_tool_call_input.done', { item_id: it.id, output_index: i, input: it.input });
      ev('response.output_item.done', { output_index: i, item: it });
    }
  }
  ev('response.completed', { response: response('completed', items) });
  res.end();
}

// ---------------------------------------------------------------- Gemini
function geminiTurnIndex(body) {
  let runs = 0;
  let inRun = false;
  for (const c of body.contents || []) {
    const fromModel = c.role === 'model';
    if (fromModel && !inRun) runs++;
    inRun = fromModel;
  }
  return runs;
}
function geminiTextOf(c) {
  if (!c) return '';
  return (c.parts || [])
    .map((p) => (p.text !== undefined ? p.text : p.functionResponse ? `[functionResponse ${p.functionResponse.name}]` : `[${Object.keys(p)[0]}]`))
    .join(' ');
}
function geminiSchema(body) {
  const g = body.generationConfig || body.generation_config || {};
  return g.responseJsonSchema || g.responseSchema || g.response_json_schema || g.response_schema || null;
}
function isGeminiSide(body) {
  const g = body.generationConfig || {};
  if (geminiSchema(body) || g.responseMimeType === 'application/json') return true;
  const tools = (body.tools || []).flatMap((t) => t.functionDeclarations || t.function_declarations || []);
  return tools.length === 0;
}

async function handleGemini(req, res, body, model, method, alt) {
  const side = isGeminiSide(body);
  const contents = body.contents || [];
  const lastUser = [...contents].reverse().find((c) => c.role === 'user');
  const idx = geminiTurnIndex(body);
  let turn;
  if (side) {
    const schema = geminiSchema(body);
    const compaction = COMPACTION_RX.test(geminiTextOf(lastUser));
    turn = {
      text: schema || body.generationConfig?.responseMimeType === 'application/json' ? JSON.stringify(instanceOf(schema)) : compaction ? summaryText : sideText,
      delay_ms: compaction ? 1500 : 0,
      compaction,
    };
  } else {
    const ownText = (c) => (c?.parts || []).filter((p) => typeof p.text === 'string').map((p) => p.text).join('\n');
    turn = turnFor(
      idx,
      ownText(lastUser),
      contents.map((c) => (c.role === 'model' ? { model: true } : { user: ownText(c) })),
    );
  }
  const nTools = (body.tools || []).flatMap((t) => t.functionDeclarations || []).length;
  turn = failFirst(turn);
  log(
    `gemini POST ${method} model=${model} tools=${nTools} contents=${contents.length} ` +
      (side ? `SIDE${geminiSchema(body) ? '(schema)' : turn.compaction ? '(compaction)' : ''}` : `turn=${turn.index}${turn.extra ? '(past script)' : ''}${turn.error ? ` ERROR ${turn.error.status || 400}` : ''}`) +
      ` last_user="${snip(geminiTextOf(lastUser))}"`,
  );
  if (!side && turn.drop) return dropStream(res, turn);
  if (!side && turn.error) return scriptedError(res, 'gemini', turn);
  const tool = side ? null : geminiTool(turn.tool);
  const usageMetadata = { promptTokenCount: 1200, candidatesTokenCount: 40, totalTokenCount: 1240 };
  const candidate = (parts, finish) => ({
    candidates: [{ content: { role: 'model', parts }, ...(finish ? { finishReason: finish } : {}), index: 0 }],
    usageMetadata,
    modelVersion: model,
    responseId: shortId(),
  });
  const allParts = [];
  if (turn.text) allParts.push({ text: turn.text });
  if (tool) allParts.push({ functionCall: { name: tool.name, args: tool.args } });

  if (method === 'generateContent') {
    if (!(await pause(turn.delay_ms || 0, res))) return;
    return json(res, 200, candidate(allParts, 'STOP'));
  }
  // streamGenerateContent
  if (alt !== 'sse') {
    if (!(await pause(turn.delay_ms || 0, res))) return;
    return json(res, 200, [candidate(allParts, 'STOP')]);
  }
  sseStart(res);
  if (!(await pause(turn.delay_ms || 0, res))) return;
  const pieces = [];
  if (turn.text) for (const c of chunks(turn.text)) pieces.push({ text: c });
  if (tool) pieces.push({ functionCall: { name: tool.name, args: tool.args } });
  if (pieces.length === 0) pieces.push({ text: '' });
  for (let i = 0; i < pieces.length; i++) {
    if (!(await pause(chunkMs, res))) return;
    sse(res, null, candidate([pieces[i]], i === pieces.length - 1 ? 'STOP' : null));
  }
  res.end();
}

// ---------------------------------------------------------------- server
function readBody(req) {
  return new Promise((resolve, reject) => {
    const parts = [];
    req.on('data', (d) => parts.push(d));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

const MODELS = ['claude-sonnet-4-5', 'claude-haiku-4-5', 'gpt-5.5', 'gemini-2.5-pro', 'gemini-2.5-flash'];

async function route(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  const p = url.pathname;
  if (req.method === 'HEAD' || (req.method === 'GET' && p === '/')) {
    log(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'text/plain' });
    return res.end(req.method === 'HEAD' ? undefined : 'mock model server\n');
  }
  if (req.method === 'GET' && /^\/(v1\/)?models\/?$/.test(p)) {
    log(`GET ${req.url} (model list)`);
    return json(res, 200, {
      object: 'list',
      data: MODELS.map((id) => ({ id, object: 'model', type: 'model', created: 0, created_at: '2025-01-01T00:00:00Z', owned_by: 'mock', display_name: id })),
      models: MODELS.map((id) => ({ slug: id, display_name: id })),
      has_more: false,
    });
  }
  if (req.method === 'GET' && /^\/v1(beta)?\/models/.test(p)) {
    log(`GET ${req.url} (gemini model)`);
    const one = p.match(/models\/([^/:]+)$/);
    const m = (id) => ({ name: `models/${id}`, displayName: id, inputTokenLimit: 1048576, outputTokenLimit: 65536, supportedGenerationMethods: ['generateContent', 'streamGenerateContent', 'countTokens'] });
    return json(res, 200, one ? m(one[1]) : { models: MODELS.filter((x) => x.startsWith('gemini')).map(m) });
  }
  if (req.method !== 'POST') {
    log(`${req.method} ${req.url} -> 404`);
    return json(res, 404, { error: { message: `mock: no route for ${req.method} ${p}` } });
  }
  const raw = await readBody(req);
  let body = {};
  try {
    body = raw ? JSON.parse(raw) : {};
  } catch {
    log(`POST ${req.url} bad JSON (${raw.length} bytes) -> 400`);
    return json(res, 400, { error: { message: 'mock: body is not JSON' } });
  }
  if (p === '/v1/messages/count_tokens') {
    dump('anthropic-count', body);
    log(`anthropic POST ${req.url} (count_tokens)`);
    return json(res, 200, { input_tokens: 1200 });
  }
  if (p === '/v1/messages') {
    dump('anthropic', body);
    return handleAnthropic(req, res, body);
  }
  if (p === '/v1/responses' || p === '/responses') {
    dump('openai', body);
    return handleOpenaiResponses(req, res, body);
  }
  const g = p.match(/^\/v1(?:beta|alpha)?\/models\/([^/:]+):(streamGenerateContent|generateContent|countTokens)$/);
  if (g) {
    const [, model, method] = g;
    dump(`gemini-${method}`, body);
    if (method === 'countTokens') {
      log(`gemini POST countTokens model=${model}`);
      return json(res, 200, { totalTokens: 1200 });
    }
    return handleGemini(req, res, body, model, method, url.searchParams.get('alt'));
  }
  dump('unknown', body);
  log(`POST ${req.url} -> 404 (unknown route)`);
  return json(res, 404, { error: { message: `mock: no route for POST ${p}` } });
}

const server = http.createServer((req, res) => {
  route(req, res).catch((e) => {
    log(`error handling ${req.method} ${req.url}: ${e.stack || e}`);
    if (!res.headersSent) json(res, 500, { error: { message: String(e) } });
    else res.end();
  });
});
server.keepAliveTimeout = 5000;
server.listen(opts.port, opts.host, () => {
  const { port } = server.address();
  process.stdout.write(`${port}\n`);
  log(`listening on ${opts.host}:${port} scenario=${scenario.name || opts.scenario} turns=${scenario.turns.length} workdir=${workdir}`);
});

let stopping = false;
function shutdown(sig) {
  if (stopping) return;
  stopping = true;
  log(`${sig}: shutting down`);
  server.close(() => {
    if (logStream) logStream.end(() => process.exit(0));
    else process.exit(0);
  });
  for (const r of openResponses) r.end();
  server.closeIdleConnections?.();
  setTimeout(() => server.closeAllConnections?.(), 100).unref();
  setTimeout(() => {
    server.closeAllConnections?.();
    process.exit(0);
  }, 1000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
