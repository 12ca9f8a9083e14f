/**
 * The shape language server's crash path in the real VS Code: a server process that is killed
 * comes back (hovers work again) and the Gradient Lab log says how it ended; one that keeps dying
 * is left stopped after 5 crashes with a line saying so; "Restart Language Server" brings a fresh one.
 * Everything is awaited by polling with generous bounds; nothing depends on how fast it happens.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import type { GradientLabApi } from '../../../extension/main';
import { EXT_ID, pythonFixtures, until } from './util';

const RESTART = 'gradientLab.restartLanguageServer';
const LAYER_HOVER = 'rnn_step_forward(x: (N, D), prev_h: (N, H), Wx: (D, H), Wh: (H, H), b: (H,)) → next_h';

function hoverText(hovers: vscode.Hover[] | undefined): string {
  return (hovers ?? []).flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Records the notifications shown while it is on (and still shows them). `seen` is false when this
 * suite has its own copy of the vscode API (the .vsix run: the suite lies outside the installed
 * extension), where the extension's calls cannot be watched.
 */
function watchNotifications(): { shown: string[]; seen: boolean; restore(): void } {
  const ext = vscode.extensions.getExtension(EXT_ID);
  const seen = !!ext && __dirname.startsWith(ext.extensionPath + path.sep);
  const shown: string[] = [];
  const w = vscode.window as unknown as Record<string, (...args: unknown[]) => unknown>;
  const kinds = { showErrorMessage: 'error', showWarningMessage: 'warning', showInformationMessage: 'info' } as const;
  const saved = Object.keys(kinds).map((k) => [k, w[k]] as const);
  for (const [k, orig] of saved) {
    w[k] = (...args: unknown[]) => {
      const items = args.slice(1).filter((a): a is string => typeof a === 'string');
      shown.push(`${kinds[k as keyof typeof kinds]}: ${String(args[0])}${items.length ? ` [${items.join(' | ')}]` : ''}`);
      return orig.apply(vscode.window, args);
    };
  }
  return { shown, seen, restore: () => saved.forEach(([k, orig]) => (w[k] = orig)) };
}

suite('Language server restarts', () => {
  let api: GradientLabApi;
  let uri: vscode.Uri;
  let at: vscode.Position;
  let logFile: string;

  function client(): LanguageClient {
    const c = api.languageClient();
    assert.ok(c, 'the language client has not started');
    return c;
  }

  /** The pid the running server reported at initialize, once it differs from `not`. */
  function serverPid(not?: number): Promise<number> {
    return until(`a running language server${not ? ` other than process ${not}` : ''}`, () => {
      // The client's module loads just after the first Python file opens: not there yet is not a failure.
      const c = api.languageClient();
      if (!c) return undefined;
      const pid = (c.initializeResult?.capabilities.experimental as { processId?: number } | undefined)?.processId;
      return c.state === State.Running && typeof pid === 'number' && pid !== not ? pid : undefined;
    }, 90_000, 100);
  }

  async function hover(): Promise<string> {
    return hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, at));
  }

  /** Waits for the layer hover (the server answers again). */
  function hoverWorks(): Promise<string> {
    return until('the shape hover on rnn_step_forward', async () => {
      const t = await hover();
      return t.includes(LAYER_HOVER) ? t : undefined;
    }, 90_000, 200);
  }

  function logText(): string {
    return fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
  }

  /** Waits for a log line containing every part (the log channel writes its file asynchronously). */
  function logLine(...parts: string[]): Promise<string> {
    return until(`a log line with ${parts.map((p) => JSON.stringify(p)).join(' and ')} in ${logFile}`, () => logText().split('\n').find((l) => parts.every((p) => l.includes(p))), 60_000, 100);
  }

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension<GradientLabApi>(EXT_ID);
    assert.ok(ext, `${EXT_ID} is not installed`);
    api = await ext.activate();
    // The "Gradient Lab" log channel's file, in the extension's log folder.
    logFile = path.join(api.ctx.context.logUri.fsPath, 'Gradient Lab.log');
    const fixtures = pythonFixtures(ext.extensionPath);
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the test workspace is open');
    const ws = path.join(folder.uri.fsPath, 'lsp-restart');
    fs.mkdirSync(ws, { recursive: true });
    fs.copyFileSync(path.join(fixtures, 'rnn_layers.py'), path.join(ws, 'rnn_layers.py'));
    uri = vscode.Uri.file(path.join(ws, 'rnn_layers.py'));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    at = doc.positionAt(doc.getText().indexOf('def rnn_step_forward') + 6);
    await hoverWorks();
  });

  test('a killed server is restarted, the log says how it ended, and hovers work again', async () => {
    const pid = await serverPid();
    const notes = watchNotifications();
    try {
      process.kill(pid, 'SIGKILL');
      const line = await logLine(`language server stopped: process ${pid} was killed by SIGKILL`, 'Restarting it');
      assert.match(line, /crash \d of 5 allowed in 3 minutes/);
      const next = await serverPid(pid);
      await logLine(`language server is running (process ${next})`);
      await hoverWorks();
      assert.equal(isAlive(pid), false);
      // A crash that is mended is the log's business only: no notification.
      assert.deepEqual(notes.shown, []);
    } finally {
      notes.restore();
    }
  });

  test('"Restart Language Server" replaces a running server with a fresh one', async () => {
    const pid = await serverPid();
    await vscode.commands.executeCommand(RESTART);
    const next = await serverPid(pid);
    await logLine('Restarting the Gradient Lab language server (Restart Language Server command).');
    await logLine(`language server is running (process ${next})`);
    await hoverWorks();
    // The old server was asked to exit (and is killed if it does not): it goes away.
    await until(`the old server process ${pid} to exit`, () => !isAlive(pid), 60_000, 100);
    // A stop on request is no crash: nothing says it stopped.
    assert.ok(!logText().includes(`process ${pid} was killed`) && !logText().includes(`process ${pid} exited`));
    assert.notEqual(next, pid);
  });

  test('a server that dies 5 times in 3 minutes is left stopped with a clear line; the command brings it back', async function () {
    // Several polls in a row, each with its own generous bound: the test's limit is theirs, not mocha's default.
    this.timeout(10 * 60_000);
    // The command starts the crash count over, so this test needs no history.
    await vscode.commands.executeCommand(RESTART);
    let pid = await serverPid();
    const notes = watchNotifications();
    try {
      for (let crash = 1; crash <= 4; crash++) {
        process.kill(pid, 'SIGKILL');
        await logLine(`process ${pid} was killed by SIGKILL`, `Restarting it (crash ${crash} of 5`);
        pid = await serverPid(pid);
      }
      process.kill(pid, 'SIGKILL');
      const gaveUp = await logLine(`process ${pid} was killed by SIGKILL`, 'It stopped 5 times in 3 minutes, so it was not restarted');
      assert.ok(gaveUp.includes('Gradient Lab: Restart Language Server'), gaveUp);
      await until('the client to stay stopped', () => client().state === State.Stopped, 60_000, 100);
      if (notes.seen) {
        // One notification in all (shown together with the give-up line), with its two ways out.
        assert.deepEqual(notes.shown, [
          `error: The Gradient Lab language server crashed 5 times in 3 minutes (last: process ${pid} was killed by SIGKILL) and was not restarted. Shape hovers and warnings are off. [Restart Language Server | Open Log]`,
        ]);
      }
    } finally {
      notes.restore();
    }
    // Nothing answers now: no shape hover (the server is not restarted behind the log's back).
    assert.ok(!(await hover()).includes(LAYER_HOVER));
    assert.equal(client().state, State.Stopped);

    await vscode.commands.executeCommand(RESTART);
    const next = await serverPid(pid);
    await logLine(`language server is running (process ${next})`);
    await hoverWorks();
  });

  test('a server that dies while starting (exit code 3) is retried, then left stopped with one notification naming the code', async function () {
    this.timeout(10 * 60_000);
    const pid = await serverPid();
    // Every server forked while this is set exits with code 3 before it answers initialize (the
    // client copies the extension host's environment into the server's).
    const crash = path.join(os.tmpdir(), `gradlab-crash-at-start-${process.pid}.js`);
    fs.writeFileSync(crash, 'process.exit(3);\n');
    const saved = process.env.NODE_OPTIONS;
    process.env.NODE_OPTIONS = `${saved ?? ''} --require ${JSON.stringify(crash)}`.trim();
    const notes = watchNotifications();
    try {
      // A fresh server by hand; it and the 4 restarts after it die while starting.
      await vscode.commands.executeCommand(RESTART);
      const gaveUp = await logLine('exited with code 3', 'It stopped 5 times in 3 minutes, so it was not restarted');
      await until('the client to stay stopped', () => client().state === State.Stopped, 60_000, 100);
      // The earlier tests' crashes were kills: every exit code 3 in the log is this test's.
      const restarts = logText().split('\n').filter((l) => /exited with code 3\. Restarting it \(crash [1-4] of 5 allowed/.test(l));
      assert.equal(restarts.length, 4, restarts.join('\n'));
      if (notes.seen) {
        assert.equal(notes.shown.length, 1, notes.shown.join('\n'));
        assert.match(notes.shown[0], /^error: The Gradient Lab language server crashed 5 times in 3 minutes \(last: process \d+ exited with code 3\) and was not restarted\. .* \[Restart Language Server \| Open Log\]$/);
      }
      assert.ok(gaveUp.includes('exited with code 3'));
    } finally {
      notes.restore();
      if (saved === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = saved;
      fs.rmSync(crash, { force: true });
    }
    // Fixed: the command starts a server that stays up.
    await vscode.commands.executeCommand(RESTART);
    await serverPid(pid);
    await hoverWorks();
  });
});
