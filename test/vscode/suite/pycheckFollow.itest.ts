/**
 * Python-check diagnostics follow edits in the real VS Code: lines inserted above a flagged
 * function move its diagnostic (and its lens mark) with it; an edit inside the function clears
 * it; with gradientLab.python.checkOnSave on, a save checks the file again, and a second save
 * cancels the check the first one started. Needs python3 with numpy in the server's PATH.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FunctionResult } from '../../../runtime/pycheck/index';
import { PyCmd } from '../../../extension/pycheck/index';
import type { GradientLabApi } from '../../../extension/main';
import { EXT_ID, metric, until } from './util';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

const nameLine = (doc: vscode.TextDocument, name: string): number => doc.getText().split('\n').findIndex((l) => l.startsWith(`def ${name}(`));

/** Saves; a busy host may abort a save ("Aborted onWillSaveTextDocument-event"): then again. */
async function saved(doc: vscode.TextDocument): Promise<void> {
  await until(`${path.basename(doc.uri.fsPath)} saved`, async () => !doc.isDirty || (await doc.save()), 20_000, 200);
}

async function lensTitleAt(uri: vscode.Uri, line: number): Promise<string | undefined> {
  const all = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
  return all.find((l) => l.range.start.line === line && l.command?.command === PyCmd.checkFunction)?.command?.title;
}

suite('Python check diagnostics follow edits', () => {
  let ws: string;
  let api: GradientLabApi | undefined;

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension<GradientLabApi>(EXT_ID);
    assert.ok(ext, `${EXT_ID} is not installed`);
    api = await ext.activate();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the test workspace is open');
    ws = folder.uri.fsPath;
    fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'pylayers'), ws, { recursive: true });
    fs.mkdirSync(path.join(ws, 'follow'), { recursive: true });
  });

  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('gradientLab.python').update('checkOnSave', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('lines inserted above move the diagnostic; an edit inside the function clears it', async () => {
    const file = path.join(ws, 'follow', 'tanh_moves.py');
    const uri = vscode.Uri.file(file);
    // Through VS Code's file service, so that its saves later see no newer file on disk.
    await vscode.workspace.fs.writeFile(uri, fs.readFileSync(path.join(ws, 'bugs', 'tanh_derivative_dropped.py')));
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    const line0 = nameLine(doc, 'rnn_step_backward');
    const r = await vscode.commands.executeCommand<FunctionResult>(PyCmd.checkFunction, uri, 'rnn_step_backward');
    assert.equal(r?.status, 'fail', r?.summary);
    const d0 = await until('the diagnostic on rnn_step_backward', () => vscode.languages.getDiagnostics(uri).find((d) => d.range.start.line === line0));
    const message = d0.message;

    // Three lines above the function: the diagnostic moves down three lines, on the same name, same words.
    assert.ok(await editor.edit((e) => e.insert(new vscode.Position(1, 0), '# one\n# two\n# three\n')));
    const moved = await until('the diagnostic three lines down', () => vscode.languages.getDiagnostics(uri).find((d) => d.range.start.line === line0 + 3));
    assert.equal(doc.getText(moved.range), 'rnn_step_backward');
    assert.equal(moved.message, message);
    assert.equal(vscode.languages.getDiagnostics(uri).length, 1, 'moved, not copied');
    assert.equal(await until('the ✗ lens on the moved function', () => lensTitleAt(uri, line0 + 3)), '✗ Check');

    // Deleting two of them moves it back up two.
    assert.ok(await editor.edit((e) => e.delete(new vscode.Range(1, 0, 3, 0))));
    const up = await until('the diagnostic one line below where it started', () => vscode.languages.getDiagnostics(uri).find((d) => d.range.start.line === line0 + 1));
    assert.equal(doc.getText(up.range), 'rnn_step_backward');

    // An edit in its body: the verdict was about other text, so it goes.
    const body = nameLine(doc, 'rnn_step_backward') + 2;
    assert.ok(await editor.edit((e) => e.insert(new vscode.Position(body, doc.lineAt(body).text.length), '  # changed')));
    await until('no diagnostic left', () => vscode.languages.getDiagnostics(uri).length === 0);
    await until('the lens without a mark', async () => (await lensTitleAt(uri, nameLine(doc, 'rnn_step_backward'))) === 'Check');
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  test('checkOnSave: a save checks again; a second save cancels the first one\'s check', async () => {
    const file = path.join(ws, 'follow', 'on_save.py');
    // The import sleeps: the first save's check is still running when the second save comes.
    const slow = fs.readFileSync(path.join(ws, 'bugs', 'tanh_derivative_dropped.py'), 'utf8').replace('import numpy as np\n', 'import numpy as np\nimport time\ntime.sleep(8)\n');
    const uri = vscode.Uri.file(file);
    await vscode.workspace.fs.writeFile(uri, Buffer.from(slow, 'utf8'));
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    const seen: FunctionResult[] = [];
    const sub = api?.python.onDidCheck((r) => {
      if (r.file === file) seen.push(r);
    });
    try {
      // Off by default: a save checks nothing.
      assert.ok(await editor.edit((e) => e.insert(new vscode.Position(0, 0), '# a\n')));
      assert.ok(await doc.save());
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(seen.length, 0, 'no check on save while the setting is off');
      assert.equal(vscode.languages.getDiagnostics(uri).length, 0);

      await vscode.workspace.getConfiguration('gradientLab.python').update('checkOnSave', true, vscode.ConfigurationTarget.Workspace);
      const t0 = Date.now();
      assert.ok(await editor.edit((e) => e.insert(new vscode.Position(0, 0), '# b\n')));
      await saved(doc);
      await new Promise((r) => setTimeout(r, 300));
      // Second save, without the sleep: the first check (still importing) is cancelled.
      const sleepLine = doc.getText().split('\n').findIndex((l) => l === 'time.sleep(8)');
      assert.ok(await editor.edit((e) => e.delete(new vscode.Range(sleepLine, 0, sleepLine + 1, 0))));
      await saved(doc);
      const line = nameLine(doc, 'rnn_step_backward');
      const d = await until('the diagnostic from the check on save', () => vscode.languages.getDiagnostics(uri).find((x) => x.range.start.line === line), 60_000);
      metric(`pycheck: check on save, second save to diagnostic in ${Date.now() - t0} ms`);
      assert.match(d.message, /^5 of 5 gradients wrong/);
      await new Promise((r) => setTimeout(r, 9000)); // long enough for the first check to have ended, had it not been cancelled
      assert.equal(seen.length, 1, `one result, from the second save only: ${seen.map((r) => `${r.status} ${r.summary}`).join(' | ')}`);
      assert.equal(seen[0].status, 'fail');
    } finally {
      sub?.dispose();
      await vscode.workspace.getConfiguration('gradientLab.python').update('checkOnSave', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
