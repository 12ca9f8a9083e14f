/**
 * Fuzz: text to the real language server (the esbuild bundle dist/server.js, forked with its IPC
 * connection as the extension starts it). Seeded random and half-edited Python, a 200k-character
 * line, 500 to 20000 nested brackets and calls, 300 nested defs, sent as didOpen/didChange, each followed by
 * hover and codeLens requests. The server must answer every request (a 20 s guard against a hang,
 * not a speed assertion) and never exit.
 */
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CodeLensRequest, createProtocolConnection, DidChangeTextDocumentNotification, DidOpenTextDocumentNotification,
  HoverRequest, InitializedNotification, InitializeRequest, IPCMessageReader, IPCMessageWriter,
  LogMessageNotification, MessageType, PublishDiagnosticsNotification, ResponseError, ErrorCodes,
  type ProtocolConnection,
} from 'vscode-languageserver/node';
import { Rand } from './rules';

const ROOT = join(__dirname, '..', '..');
const BUNDLE = join(ROOT, 'dist', 'server.js');
const FIXTURES = ['shape_bugs.py', 'rnn_layers.py', 'captioning_rnn.py'].map((f) => readFileSync(join(ROOT, 'test', 'fixtures', 'python', f), 'utf8'));
const TOKENS = ['def ', 'class ', 'return ', 'np.dot(', 'np.zeros((', 'x.shape', ')', '(', '[', ']', '{', '}', ':', ',', '\n', '\n    ', '    ', '"""', "'", '"', '#', '\\', '=', '+', '*', '@', 'lambda ', 'N, T, D = ', '.T', '[:, t, :]', 'for t in range(T):', 'if ', 'else:', '\t', '\r\n', '\u0000', '😀', '__proto__', 'constructor'];

function halfEdited(r: Rand): string {
  let s = r.pick(FIXTURES);
  for (let i = 1 + r.int(12); i > 0; i--) {
    const at = r.int(s.length + 1);
    const k = r.int(4);
    if (k === 0) s = s.slice(0, at) + s.slice(at + 1 + r.int(200));                 // delete a span
    else if (k === 1) s = s.slice(0, at);                                             // cut off
    else if (k === 2) s = s.slice(0, at) + r.pick(TOKENS) + s.slice(at);               // insert a token
    else s = s.slice(0, at) + s.slice(r.int(s.length + 1), r.int(s.length + 1)) + s.slice(at); // paste a piece
  }
  return s;
}

function randomPython(r: Rand): string {
  let s = '';
  for (let i = 50 + r.int(400); i > 0; i--) s += r.pick(TOKENS) + (r.next() < 0.3 ? 'x' + r.int(9) : '');
  return s;
}

/** The hostile shapes named in the issue, each its own document. */
const HOSTILE: { name: string; text: string }[] = [
  { name: 'a 200k-character line', text: 'x = ' + '1 + '.repeat(50_000) + '1\n' },
  { name: 'a 200k-character string line', text: 's = "' + 'a'.repeat(200_000) + '"\ny = s\n' },
  { name: '500 nested parentheses', text: 'x = ' + '('.repeat(500) + '1' + ')'.repeat(500) + '\n' },
  { name: '500 nested brackets, unclosed', text: 'x = ' + '['.repeat(500) + '\n' },
  { name: '500 mixed nested brackets', text: 'y = ' + Array.from({ length: 500 }, (_, i) => '([{'[i % 3]).join('') + 'np.dot(a, b)' + Array.from({ length: 500 }, (_, i) => ')]}'[(499 - i) % 3]).join('') + '\n' },
  { name: '300 nested defs', text: Array.from({ length: 300 }, (_, i) => '    '.repeat(i) + `def f${i}(x, w):\n` + '    '.repeat(i + 1) + 'N, D = x.shape\n').join('') + '    '.repeat(300) + 'return np.dot(x, w)\n' },
  { name: '500 nested calls', text: 'z = ' + 'np.tanh('.repeat(500) + 'x' + ')'.repeat(500) + '\n' },
  { name: '10000 nested calls', text: 'z = ' + 'np.tanh('.repeat(10000) + 'x' + ')'.repeat(10000) + '\n' },
  { name: '20000 nested calls', text: 'z = ' + 'np.dot(a, '.repeat(20000) + 'x' + ')'.repeat(20000) + '\n' },
  { name: '20000 nested lists', text: 'z = ' + '[1, '.repeat(20000) + '2' + ']'.repeat(20000) + '\n' },
  { name: '2000 nested unary minus', text: 'z = ' + '-'.repeat(2000) + '1\n' },
  { name: '20000 short lines', text: 'import numpy as np\n' + 'a = np.zeros((3, 4))\nb = a.T\n'.repeat(10_000) },
];

const GUARD_MS = 20_000;

describe('fuzz: language server (dist/server.js over IPC)', { skip: existsSync(BUNDLE) && statSync(BUNDLE).size > 0 ? false : 'dist/server.js not built (npm run build)' }, () => {
  let child: ChildProcess;
  let conn: ProtocolConnection;
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const errors: string[] = [];
  let stderr = '';

  /** The request's answer, or a failure if the server exits or does not answer within the guard. */
  async function answered<T>(label: string, p: Promise<T>): Promise<T | ResponseError> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const guard = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${label}: no answer within ${GUARD_MS / 1000} s (exit: ${JSON.stringify(exit)})`)), GUARD_MS); });
    try {
      return await Promise.race([p, guard]);
    } catch (e) {
      // An error answer (method not found for codeLens, which the server does not offer) is still an answer.
      if (e instanceof ResponseError) return e;
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  async function probe(uri: string, text: string, r: Rand, label: string): Promise<void> {
    const lines = text.split('\n');
    for (let i = 0; i < 3; i++) {
      const line = r.int(lines.length + 2);                   // sometimes past the end
      const character = r.int((lines[line]?.length ?? 5) + 3);
      const h = await answered(`${label} hover`, conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character } }));
      if (h instanceof ResponseError) assert.fail(`${label}: hover answered with an error: ${h.message}`);
    }
    const lens = await answered(`${label} codeLens`, conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } }));
    if (lens instanceof ResponseError) assert.equal(lens.code, ErrorCodes.MethodNotFound, `${label}: codeLens: ${lens.message}`);
    assert.equal(exit, null, `${label}: the server exited`);
  }

  before(async () => {
    child = fork(BUNDLE, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('exit', (code, signal) => { exit = { code, signal }; });
    conn = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    conn.onNotification(PublishDiagnosticsNotification.type, () => undefined);
    conn.onNotification(LogMessageNotification.type, (m) => { if (m.type === MessageType.Error) errors.push(m.message); });
    conn.listen();
    await answered('initialize', conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: null }));
    await conn.sendNotification(InitializedNotification.type, {});
  });

  after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
    conn.dispose();
  });

  it('hostile documents: huge lines, 500- to 20000-deep nesting, 300 nested defs, each opened then edited, are answered', async () => {
    const r = new Rand(17);
    for (const [i, h] of HOSTILE.entries()) {
      const uri = `file:///fuzz/hostile${i}.py`;
      await conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'python', version: 1, text: h.text } });
      await probe(uri, h.text, r, h.name);
      // An edit in the middle of it (incremental change), then probe again.
      const mid = h.text.split('\n').length >> 1;
      await conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: mid, character: 0 }, end: { line: mid, character: 0 } }, text: 'q = np.dot(x, (\n' }] });
      await probe(uri, h.text, r, `${h.name} (edited)`);
    }
    assert.equal(exit, null);
  });

  it('seed 1717: 12 random and half-edited Python documents, 5 versions each (full and range edits), hovers and codeLens are all answered', async () => {
    const r = new Rand(1717);
    for (let d = 0; d < 12; d++) {
      const uri = `file:///fuzz/doc${d}.py`;
      let text = r.next() < 0.5 ? halfEdited(r) : randomPython(r);
      await conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: r.next() < 0.85 ? 'python' : 'typescript', version: 1, text } });
      await probe(uri, text, r, `doc ${d} v1`);
      for (let v = 2; v <= 5; v++) {
        if (r.next() < 0.5) {
          text = halfEdited(r);
          await conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: v }, contentChanges: [{ text }] });
        } else {
          // A random range edit, sometimes past the end of the document.
          const lines = text.split('\n');
          const l = r.int(lines.length + 1);
          const c = r.int((lines[l]?.length ?? 0) + 2);
          const insert = Array.from({ length: 1 + r.int(6) }, () => r.pick(TOKENS)).join('');
          await conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: v }, contentChanges: [{ range: { start: { line: l, character: 0 }, end: { line: l, character: c } }, text: insert }] });
          text = lines.slice(0, l).join('\n') + insert;   // approximate; only used to pick probe positions
        }
        await probe(uri, text, r, `doc ${d} v${v}`);
      }
    }
    assert.equal(exit, null, 'the server never exits');
    assert.equal(stderr.includes('RangeError') || stderr.includes('Maximum call stack'), false, `stderr: ${stderr.slice(0, 500)}`);
  });

  it('logs no crash of the analysis (stack overflow) while fuzzed', () => {
    // The server logs a skipped statement as an error; a stack overflow inside the analysis must not reach the log as such.
    const overflow = errors.filter((e) => /Maximum call stack|RangeError/.test(e));
    assert.deepEqual(overflow.map((e) => e.split('\n')[0]), []);
  });
});
