// The real language server in its own process, spoken to over its real IPC connection.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  createProtocolConnection, DidChangeTextDocumentNotification, DidOpenTextDocumentNotification, ExitNotification,
  HoverRequest, InitializedNotification, InitializeRequest, IPCMessageReader, IPCMessageWriter,
  LogMessageNotification, MessageType, PublishDiagnosticsNotification, ShutdownRequest,
  type Hover, type ProtocolConnection, type PublishDiagnosticsParams,
} from 'vscode-languageserver/node';
import { ShapeContextNotification } from '../../protocol/lsp';

const ROOT = join(__dirname, '..', '..');
const BUGS = readFileSync(join(ROOT, 'test', 'fixtures', 'python', 'shape_bugs.py'), 'utf8');
const URI = 'file:///work/shape_bugs.py';

/** The server from source (tsx) always; the esbuild bundle too when it has been built. */
const TARGETS: { name: string; module: string; execArgv: string[] }[] = [
  { name: 'server/server.ts via tsx', module: join(ROOT, 'server', 'server.ts'), execArgv: ['--import', 'tsx'] },
];
// The bundle is tested when a build has produced it (npm test builds first); an empty file is a build in progress.
if (existsSync(join(ROOT, 'dist', 'server.js')) && statSync(join(ROOT, 'dist', 'server.js')).size > 0) TARGETS.push({ name: 'dist/server.js (bundle)', module: join(ROOT, 'dist', 'server.js'), execArgv: [] });

function position(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

for (const target of TARGETS) {
  describe(`language server over IPC: ${target.name}`, () => {
    let child: ChildProcess;
    let conn: ProtocolConnection;
    const errors: string[] = [];
    const published: PublishDiagnosticsParams[] = [];
    const waiters: { pred: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void }[] = [];

    /** Resolves with the first diagnostics for `version` (already received or still to come). */
    function diagnosticsFor(version: number): Promise<PublishDiagnosticsParams> {
      const pred = (p: PublishDiagnosticsParams): boolean => p.uri === URI && p.version === version;
      const seen = published.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        // A guard against hanging forever, not a speed assertion.
        const timer = setTimeout(() => reject(new Error(`no diagnostics for version ${version}`)), 60_000);
        waiters.push({ pred, resolve: (p) => { clearTimeout(timer); resolve(p); } });
      });
    }

    async function hoverAt(offset: number): Promise<string | null> {
      const h: Hover | null = await conn.sendRequest(HoverRequest.type, { textDocument: { uri: URI }, position: position(currentText, offset) });
      if (!h) return null;
      const c = h.contents;
      return typeof c === 'object' && 'kind' in c ? c.value : JSON.stringify(c);
    }

    let currentText = BUGS;

    before(async () => {
      child = fork(target.module, ['--node-ipc'], { execArgv: target.execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
      conn = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
      conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
        published.push(p);
        for (const w of waiters.filter((x) => x.pred(p))) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(p);
        }
      });
      conn.onNotification(LogMessageNotification.type, (m) => {
        if (m.type === MessageType.Error) errors.push(m.message);
      });
      conn.listen();
    });

    after(async () => {
      if (child.exitCode === null) child.kill();
      conn.dispose();
    });

    it('initializes with hover support', async () => {
      const res = await conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: null });
      assert.equal(res.capabilities.hoverProvider, true);
      // The pid the client logs and the restart test stops: the forked process itself.
      assert.equal((res.capabilities.experimental as { processId?: number } | undefined)?.processId, child.pid);
      await conn.sendNotification(InitializedNotification.type, {});
    });

    it('publishes the proven mismatches of an opened file', async () => {
      await conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: URI, languageId: 'python', version: 1, text: BUGS } });
      const d = await diagnosticsFor(1);
      assert.equal(d.diagnostics.length, 9);
      assert.equal(d.diagnostics[0].message, 'np.dot: prev_h (N, H) · Wx (D, H): inner dimensions H ≠ D');
      assert.deepEqual(d.diagnostics[0].range, { start: { line: 18, character: 8 }, end: { line: 18, character: 26 } });
      assert.equal(d.diagnostics[0].severity, 2);
    });

    it('hovers a layer name with its shapes, letters alone before any context', async () => {
      const value = await hoverAt(BUGS.indexOf('def rnn_step_forward') + 6);
      assert.equal(value, '```text\nrnn_step_forward(x: (N, D), prev_h: (N, H), Wx: (D, H), Wh: (H, H), b: (H,)) → next_h: (N, H), cache\n```\n\nShapes from the docstring.');
      assert.equal(await hoverAt(BUGS.indexOf('next_h = np.tanh(a)')), '```text\nnext_h: array, shape not inferred\n```');
      assert.equal(await hoverAt(BUGS.indexOf('    N, T, D = x.shape') + 4), '```text\nN: int = N\n```');
    });

    it('shows the numbers the extension pushes', async () => {
      await conn.sendNotification(ShapeContextNotification.type, { sizes: { N: 25, T: 16, D: 512, H: 512, W: 256, V: 1004 }, cellType: 'lstm', datasetKeys: [] });
      // Notifications are handled in order, so the next hover sees the new context.
      const value = await hoverAt(BUGS.indexOf('h = np.zeros((N, T, H))'));
      assert.equal(value, '```text\nh: (N, T, H) = (25, 16, 512)\n```');
    });

    it('re-analyses after a change: fixing the swapped weights removes those warnings', async () => {
      currentText = BUGS.replace('np.dot(prev_h, Wx) + np.dot(x, Wh)', 'np.dot(prev_h, Wh) + np.dot(x, Wx)');
      await conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: URI, version: 2 }, contentChanges: [{ text: currentText }] });
      const d = await diagnosticsFor(2);
      assert.equal(d.diagnostics.length, 7);
      assert.ok(d.diagnostics.every((x) => !x.message.startsWith('np.dot: prev_h')));
      assert.equal(await hoverAt(currentText.indexOf('next_h = np.tanh(a)')), '```text\nnext_h: (N, H) = (25, 512)\n```');
    });

    it('keeps hovering and stays up in the middle of an edit (syntax error)', async () => {
      const cut = currentText.indexOf('    next_h = np.tanh(a)');
      const edited = currentText.slice(0, cut) + '    next_h = np.tanh(a +\n' + currentText.slice(cut);
      const start = position(currentText, cut);
      await conn.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri: URI, version: 3 },
        contentChanges: [{ range: { start, end: start }, text: '    next_h = np.tanh(a +\n' }],
      });
      currentText = edited;
      await diagnosticsFor(3);
      assert.equal(await hoverAt(currentText.indexOf('a = np.dot(prev_h')), '```text\na: (N, H) = (25, 512)\n```');
      assert.deepEqual(errors, []);
    });

    it('shuts down and exits cleanly', async () => {
      await conn.sendRequest(ShutdownRequest.type);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      await conn.sendNotification(ExitNotification.type);
      assert.equal(await exited, 0);
    });
  });
}
