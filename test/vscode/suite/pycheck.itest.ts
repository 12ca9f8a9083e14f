/**
 * Python checks in the real VS Code: the CodeLens appears above rnn_step_backward in a fixture
 * file, running it puts a diagnostic on the buggy function, a passing function gets its ✓, and a
 * traceback frame becomes a related location. Needs python3 with numpy in the server's PATH.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FunctionResult } from '../../../runtime/pycheck/index';
import { PyCmd, registerPythonCheck } from '../../../extension/pycheck/index';
import type { GradientLabApi } from '../../../extension/main';
import { EXT_ID, until, metric } from './util';

/** The repository: this file runs from out/test/vscode/suite. */
const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

async function lensesAt(uri: vscode.Uri, line: number): Promise<vscode.CodeLens[]> {
  const all = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
  return all.filter((l) => l.range.start.line === line && l.command?.command === PyCmd.checkFunction);
}

suite('Python layer checks', () => {
  let ws: string;
  let api: GradientLabApi | undefined;

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension<GradientLabApi>(EXT_ID);
    assert.ok(ext, `${EXT_ID} is not installed`);
    api = await ext.activate();
    if (!(await vscode.commands.getCommands(true)).includes(PyCmd.checkFunction)) {
      // Not wired into extension/main.ts yet: register the same code with the repository as its root.
      const subscriptions: vscode.Disposable[] = [];
      const context = { extensionUri: vscode.Uri.file(ROOT), subscriptions } as unknown as vscode.ExtensionContext;
      registerPythonCheck(context, { log: { info: () => undefined, warn: () => undefined, error: () => undefined } });
      metric('pycheck: registerPythonCheck was not wired in extension/main.ts; the test registered it');
    }
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the test workspace is open');
    ws = folder.uri.fsPath;
    // The assignment's layout: cs231n/ at the workspace root, the files to check beside it.
    fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'pylayers'), ws, { recursive: true });
  });

  test('the CodeLens sits above rnn_step_backward; running it puts an error on the buggy function', async () => {
    const uri = vscode.Uri.file(path.join(ws, 'bugs', 'tanh_derivative_dropped.py'));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    assert.equal(doc.languageId, 'python');
    const defLine = doc.getText().split('\n').findIndex((l) => l.startsWith('def rnn_step_backward'));
    const [lens] = await until('the Check lens above rnn_step_backward', async () => {
      const ls = await lensesAt(uri, defLine);
      return ls.length > 0 && ls;
    });
    assert.equal(lens.command!.title, 'Check');
    const t0 = Date.now();
    const r = await vscode.commands.executeCommand<FunctionResult>(lens.command!.command, ...(lens.command!.arguments ?? []));
    metric(`pycheck: rnn_step_backward checked in the editor in ${Date.now() - t0} ms (status ${r?.status})`);
    assert.equal(r?.status, 'fail', r?.summary);
    const diag = await until('a diagnostic on rnn_step_backward', () => vscode.languages.getDiagnostics(uri).find((d) => d.range.start.line === defLine));
    assert.equal(diag.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(diag.source, 'Gradient Lab');
    assert.equal(doc.getText(diag.range), 'rnn_step_backward');
    assert.match(diag.message, /^5 of 5 gradients wrong: dx, dprev_h, dWx, dWh and db/);
    const after = await until('the lens marked ✗', async () => (await lensesAt(uri, defLine)).find((l) => l.command!.title === '✗ Check'));
    assert.ok(after);
  });

  test('a passing function gets a quiet ✓ and no diagnostic', async () => {
    const uri = vscode.Uri.file(path.join(ws, 'cs231n', 'rnn_layers.py'));
    const doc = await vscode.workspace.openTextDocument(uri);
    const defLine = doc.getText().split('\n').findIndex((l) => l.startsWith('def rnn_forward'));
    const r = await vscode.commands.executeCommand<FunctionResult>(PyCmd.checkFunction, uri, 'rnn_forward');
    assert.equal(r?.status, 'pass', r?.summary);
    const lens = await until('the ✓ lens', async () => (await lensesAt(uri, defLine)).find((l) => l.command!.title === '✓ Check'));
    assert.ok(lens);
    assert.equal(vscode.languages.getDiagnostics(uri).length, 0);
  });

  test('Check All Functions in File: one diagnostic per failing function, and the file in the checks tree', async () => {
    const uri = vscode.Uri.file(path.join(ws, 'misc', 'wrong_returns.py'));
    const t0 = Date.now();
    const rs = await vscode.commands.executeCommand<FunctionResult[]>(PyCmd.checkFile, uri);
    metric(`pycheck: Check All on wrong_returns.py (3 functions) in ${Date.now() - t0} ms`);
    assert.deepEqual(rs?.map((r) => r.function), ['rnn_step_backward', 'rnn_backward', 'word_embedding_forward']);
    const diags = await until('three diagnostics', () => vscode.languages.getDiagnostics(uri).length === 3 && vscode.languages.getDiagnostics(uri));
    assert.ok(diags.some((d) => d.message.startsWith('rnn_step_backward returned 4 values, expected dx, dprev_h, dWx, dWh, db')));
    const report = api?.ctx.report(`python:${uri.fsPath}`);
    if (api) {
      assert.ok(report, 'the checked file is a report in the checks tree');
      assert.equal(report.report.layers.length, 3);
    }
  });

  test("an exception's traceback frame links to the line in the editor", async () => {
    const uri = vscode.Uri.file(path.join(ws, 'misc', 'raises.py'));
    const r = await vscode.commands.executeCommand<FunctionResult>(PyCmd.checkFunction, uri, 'rnn_step_backward');
    assert.equal(r?.status, 'error');
    const diag = await until('the exception diagnostic', () => vscode.languages.getDiagnostics(uri)[0]);
    assert.match(diag.message, /raised ValueError/);
    const frame = diag.relatedInformation?.[0];
    assert.ok(frame, 'a related location for the innermost frame');
    assert.equal(frame.location.uri.fsPath, uri.fsPath);
    assert.equal(frame.location.range.start.line, 13);
  });

  test('a Python 2 file is one error on its print line, not one per function', async () => {
    const sub = path.join(ws, 'py2sub');
    fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'pycorpus', 's08_python2_2016'), sub, { recursive: true });
    const uri = vscode.Uri.file(path.join(sub, 'cs231n', 'rnn_layers.py'));
    const rs = await vscode.commands.executeCommand<FunctionResult[]>(PyCmd.checkFile, uri);
    assert.equal(rs?.length, 15);
    const diags = await until('the file error', () => vscode.languages.getDiagnostics(uri).length > 0 && vscode.languages.getDiagnostics(uri));
    assert.equal(diags.length, 1, diags.map((d) => d.message).join('\n'));
    assert.equal(diags[0].severity, vscode.DiagnosticSeverity.Error);
    assert.equal(diags[0].range.start.line, 51, 'line 52: print "rnn_forward: …"');
    assert.match(diags[0].message, /^rnn_layers\.py is Python 2 code; the notebooks run Python 3: print statement \(lines 52, 221\): write print\(\.\.\.\)/);
  });

  test("right code that compares strings with `is` passes, with an Information hint", async () => {
    const sub = path.join(ws, 'issub');
    fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'pycorpus', 's02_vectorised_2021'), sub, { recursive: true });
    const uri = vscode.Uri.file(path.join(sub, 'cs231n', 'classifiers', 'rnn.py'));
    const r = await vscode.commands.executeCommand<FunctionResult>(PyCmd.checkFunction, uri, 'CaptioningRNN.loss');
    assert.equal(r?.status, 'pass', r?.summary);
    const diag = await until('the hint', () => vscode.languages.getDiagnostics(uri)[0]);
    assert.equal(diag.severity, vscode.DiagnosticSeverity.Information);
    assert.match(diag.message, /hint: lines 39 and 47 compare a string with `is` \(self\.cell_type is 'rnn'\)/);
  });

  test("the starter's unfilled `pass` reads 'not implemented yet' as Information; a loss() mistake is named as an Error", async () => {
    const stubs = vscode.Uri.file(path.join(ws, 'misc', 'starter_stubs.py'));
    const rs = await vscode.commands.executeCommand<FunctionResult[]>(PyCmd.checkFile, stubs);
    const by = Object.fromEntries((rs ?? []).map((r) => [r.function, r]));
    assert.equal(by.rnn_step_forward?.status, 'pass', by.rnn_step_forward?.summary);
    assert.equal(by.lstm_step_forward?.status, 'todo', by.lstm_step_forward?.summary);
    const diags = await until('the two not-implemented diagnostics', () => {
      const ds = vscode.languages.getDiagnostics(stubs);
      return ds.length === 2 ? ds : undefined;
    });
    for (const d of diags) {
      assert.equal(d.severity, vscode.DiagnosticSeverity.Information, d.message);
      assert.match(d.message, /^lstm_(step_)?forward: not implemented yet \(the starter's `pass` is still at line \d+\): it is checked once you write it$/);
    }
    // The Gradient Checks tree says the same: information, not a failure.
    const tree = api?.ctx.checksTree;
    assert.ok(tree, 'the extension API gives the checks tree');
    const rows = await until('the stubs in the Gradient Checks tree', () => {
      const items = tree.getChildren().map((n) => tree.getTreeItem(n)).filter((i) => String(i.label).endsWith('(starter_stubs.py)'));
      return items.length >= 3 ? items : undefined;
    });
    for (const fn of ['lstm_step_forward', 'lstm_forward']) {
      const row = rows.find((i) => String(i.label).startsWith(`${fn} (`));
      assert.match(String(row?.description), /^not implemented yet/, `${fn}: ${String(row?.description)}`);
      assert.equal(row?.contextValue, 'layer.todo');
    }
    assert.match(String(rows.find((i) => String(i.label).startsWith('rnn_step_forward ('))?.description), /^pass/);
    const report = api?.ctx.report(`python:${stubs.fsPath}`)?.report;
    assert.ok(report && report.verdict !== 'wrong', `the file's verdict leaves the stubs out: ${report?.verdict}`);
    const doc = await vscode.workspace.openTextDocument(stubs);
    assert.deepEqual(diags.map((d) => d.range.start.line).sort(), ['def lstm_step_forward', 'def lstm_forward'].map((h) => doc.getText().split('\n').findIndex((l) => l.startsWith(h))).sort());
    const model = vscode.Uri.file(path.join(ws, 'misc', 'loss_mask.py'));
    const r = await vscode.commands.executeCommand<FunctionResult>(PyCmd.checkFunction, model, 'CaptioningRNN.loss');
    assert.equal(r?.status, 'fail', r?.summary);
    const diag = await until('the loss diagnostic', () => vscode.languages.getDiagnostics(model).find((d) => /CaptioningRNN\.loss/.test(d.message)));
    assert.equal(diag.severity, vscode.DiagnosticSeverity.Error);
    assert.match(diag.message, /^CaptioningRNN\.loss: the mask is built from captions_in: .*mask = \(captions_out != self\._null\) \(line 35: mask = \(captions_in != self\._null\)\)/);
  });

  test('a module that sleeps at import time longer than the function limit still passes (the limit starts after the import)', async () => {
    const cfg = vscode.workspace.getConfiguration('gradientLab.python');
    await cfg.update('timeoutSeconds', 2, vscode.ConfigurationTarget.Global);
    try {
      const layers = fs.readFileSync(path.join(ws, 'cs231n', 'rnn_layers.py'), 'utf8');
      const file = path.join(ws, 'misc', 'slow_import.py');
      fs.writeFileSync(file, layers.replace('import numpy as np\n', 'import numpy as np\nimport time\ntime.sleep(4)\n'));
      const r = await vscode.commands.executeCommand<FunctionResult>(PyCmd.checkFunction, vscode.Uri.file(file), 'rnn_step_forward');
      assert.equal(r?.status, 'pass', r?.summary);
    } finally {
      await cfg.update('timeoutSeconds', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
