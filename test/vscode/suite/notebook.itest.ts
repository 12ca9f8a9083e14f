/**
 * Gradient Lab in a Jupyter notebook in the real VS Code (issue 18): a small .ipynb opens in the
 * built-in notebook editor (no Jupyter extension, no kernel); hovers in cells show shapes from the
 * cells above; a misshapen call gets a warning; edits, deleted and moved cells are followed; a
 * cell's "Check rnn_step_forward" lens runs the check of cs231n/rnn_layers.py, and a layer defined
 * in a cell is checked on the cell's own code. Needs python3 with numpy for the checks.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FunctionResult } from '../../../runtime/pycheck/index';
import type { GradientLabApi } from '../../../extension/main';
import { CHECK_NOTEBOOK_CELL } from '../../../extension/notebook/cellChecks';
import { NOTEBOOK_CELLS, notebookJson } from '../notebookFixture';
import { EXT_ID, metric, until } from './util';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

async function hoverText(doc: vscode.TextDocument, needle: string, delta = 0): Promise<string> {
  const off = doc.getText().indexOf(needle);
  assert.ok(off >= 0, `${needle} in the cell`);
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, doc.positionAt(off + delta))) ?? [];
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
}

/**
 * The lenses of a cell. The workbench answers only for cells whose text model it has loaded (one
 * the notebook editor has shown): reveal the cell and retry until it answers.
 */
async function cellLenses(nb: vscode.NotebookDocument, i: number): Promise<vscode.CodeLens[]> {
  const editor = vscode.window.visibleNotebookEditors.find((e) => e.notebook === nb);
  editor?.revealRange(new vscode.NotebookRange(i, i + 1), vscode.NotebookEditorRevealType.InCenter);
  return until(`the lenses of cell ${i}`, async () => {
    try {
      return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', nb.cellAt(i).document.uri, 100)) ?? [];
    } catch {
      return undefined;
    }
  });
}

const cellDoc = (nb: vscode.NotebookDocument, i: number): vscode.TextDocument => nb.cellAt(i).document;

suite('Jupyter notebooks', () => {
  let nb: vscode.NotebookDocument;
  let api: GradientLabApi;

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension<GradientLabApi>(EXT_ID);
    assert.ok(ext);
    api = await ext.activate();
    const ws = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(ws, 'the test workspace is open');
    fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'pylayers', 'cs231n'), path.join(ws, 'cs231n'), { recursive: true });
    const file = path.join(ws, 'RNN_Captioning.ipynb');
    fs.writeFileSync(file, notebookJson(NOTEBOOK_CELLS));
    nb = await vscode.workspace.openNotebookDocument(vscode.Uri.file(file));
    await vscode.window.showNotebookDocument(nb);
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('the .ipynb opens in the built-in notebook editor, its code cells are Python', () => {
    assert.equal(nb.notebookType, 'jupyter-notebook');
    assert.equal(nb.cellCount, NOTEBOOK_CELLS.length);
    assert.equal(nb.cellAt(0).kind, vscode.NotebookCellKind.Markup);
    assert.equal(cellDoc(nb, 2).languageId, 'python');
    assert.equal(cellDoc(nb, 2).uri.scheme, 'vscode-notebook-cell');
  });

  test('hovers in cells: x is (3, 10), next_h (3, 4), from sizes and inputs in the cells above', async () => {
    const t0 = Date.now();
    const x = await until('the hover of x', async () => {
      const h = await hoverText(cellDoc(nb, 2), 'x = np');
      return h.includes('x: (3, 10)') && h;
    }, 60_000);
    metric(`notebook: first hover in a cell after ${Date.now() - t0} ms`);
    assert.match(x, /x: \(3, 10\)/);
    assert.match(await hoverText(cellDoc(nb, 3), 'next_h'), /next_h: \(3, 4\)/);
    assert.match(await hoverText(cellDoc(nb, 3), 'rnn_step_forward'), /rnn_step_forward\(x: \(N, D\), prev_h: \(N, H\)/);
  });

  test('a misshapen call gets a warning on the argument; correct cells get none', async () => {
    const bad = cellDoc(nb, 4);
    const [d] = await until('the warning in the misshapen call', () => {
      const ds = vscode.languages.getDiagnostics(bad.uri).filter((x) => x.source === 'Gradient Lab shapes');
      return ds.length > 0 && ds;
    });
    assert.equal(d.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(d.message, 'rnn_step_forward: argument Wx gets Wh (4, 4), expected (10, 4): 4 ≠ 10');
    assert.equal(bad.getText(d.range), 'Wh');
    for (const i of [1, 2, 3]) assert.deepEqual(vscode.languages.getDiagnostics(cellDoc(nb, i).uri).filter((x) => x.source === 'Gradient Lab shapes'), []);
  });

  test('an edit of an upper cell reaches the cells below; deleting and moving cells too', async () => {
    const sizes = cellDoc(nb, 2);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(sizes.uri, new vscode.Range(0, 0, 0, 18), 'N, D, H = 2, 10, 4');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await until('next_h follows the edit: (2, 4)', async () => (await hoverText(cellDoc(nb, 3), 'next_h')).includes('next_h: (2, 4)'));
    // Move the call cell above the inputs: its names are no longer known there.
    const moved = new vscode.WorkspaceEdit();
    const callSource = cellDoc(nb, 3).getText();
    moved.set(nb.uri, [vscode.NotebookEdit.deleteCells(new vscode.NotebookRange(3, 4)), vscode.NotebookEdit.insertCells(1, [new vscode.NotebookCellData(vscode.NotebookCellKind.Code, callSource, 'python')])]);
    assert.ok(await vscode.workspace.applyEdit(moved));
    await until('next_h unknown above its inputs', async () => {
      const h = await hoverText(cellDoc(nb, 1), 'next_h');
      return !h.includes('(2, 4)') && !h.includes('(3, 4)');
    });
    // Delete the sizes and inputs cell (now at index 3): the misshapen call loses its warning.
    assert.equal(cellDoc(nb, 3).getText().slice(0, 9), 'N, D, H =');
    const del = new vscode.WorkspaceEdit();
    del.set(nb.uri, [vscode.NotebookEdit.deleteCells(new vscode.NotebookRange(3, 4))]);
    assert.ok(await vscode.workspace.applyEdit(del));
    const badCell = nb.getCells().find((c) => c.document.getText().startsWith('bad_h'));
    assert.ok(badCell);
    await until('no warning once the shapes are gone', () => vscode.languages.getDiagnostics(badCell.document.uri).filter((x) => x.source === 'Gradient Lab shapes').length === 0);
    // Back to the original cells.
    const reset = new vscode.WorkspaceEdit();
    reset.set(nb.uri, [vscode.NotebookEdit.replaceCells(new vscode.NotebookRange(0, nb.cellCount), NOTEBOOK_CELLS.map((c) => c.kind === 'code' ? new vscode.NotebookCellData(vscode.NotebookCellKind.Code, c.source, 'python') : new vscode.NotebookCellData(vscode.NotebookCellKind.Markup, c.source, 'markdown')))]);
    assert.ok(await vscode.workspace.applyEdit(reset));
    await until('the notebook reverted', () => nb.cellCount === NOTEBOOK_CELLS.length && cellDoc(nb, 3).getText().startsWith('next_h'));
    await until('x back to (3, 10)', async () => (await hoverText(cellDoc(nb, 2), 'x = np')).includes('x: (3, 10)'));
  });

  test('"Check rnn_step_forward" on the cell that calls it checks cs231n/rnn_layers.py; the result shows on the cell', async () => {
    const call = cellDoc(nb, 3);
    const lens = await until('the Check lens on the call cell', async () => {
      const ls = await cellLenses(nb, 3);
      return ls.find((l) => l.command?.command === CHECK_NOTEBOOK_CELL);
    });
    assert.equal(lens.command!.title, 'Check rnn_step_forward');
    const t0 = Date.now();
    const r = await vscode.commands.executeCommand<FunctionResult>(lens.command!.command, ...(lens.command!.arguments ?? []));
    metric(`notebook: rnn_step_forward of cs231n/rnn_layers.py checked from a cell in ${Date.now() - t0} ms (status ${r?.status})`);
    assert.equal(r?.status, 'pass', r?.summary);
    assert.equal(r.file, path.join(path.dirname(nb.uri.fsPath), 'cs231n', 'rnn_layers.py'));
    const after = await cellLenses(nb, 3);
    assert.ok(after.some((l) => l.command?.title === '✓ Check rnn_step_forward: passes'), after.map((l) => l.command?.title).join(' | '));
    const d = api.notebooks.diagnostics.get(call.uri) ?? [];
    assert.equal(d.length, 1);
    assert.equal(d[0].severity, vscode.DiagnosticSeverity.Information);
    assert.match(d[0].message, /^rnn_step_forward \(cs231n\/rnn_layers\.py\): passes/);
    assert.equal(call.getText(d[0].range), 'rnn_step_forward');
  });

  test('a layer defined in a cell is checked on the cell\'s own code: the missing Wh term fails', async () => {
    const defCell = cellDoc(nb, 6);
    const lenses = await cellLenses(nb, 6);
    const lens = lenses.find((l) => l.command?.command === CHECK_NOTEBOOK_CELL && l.command.arguments?.[1] === 'rnn_step_forward');
    assert.ok(lens, lenses.map((l) => l.command?.title).join(' | '));
    assert.equal(lens.range.start.line, 3);
    const r = await vscode.commands.executeCommand<FunctionResult>(lens.command!.command, ...(lens.command!.arguments ?? []));
    assert.ok(r);
    assert.equal(r.status, 'fail', r.summary);
    assert.match(r.summary + r.details.join('\n'), /next_h|Wh/);
    const d = api.notebooks.diagnostics.get(defCell.uri) ?? [];
    assert.equal(d.length, 1);
    assert.equal(d[0].severity, vscode.DiagnosticSeverity.Error);
    assert.equal(d[0].range.start.line, 3);
    // The cell's temporary module was only for this check: deleted when it ended. (That it holds only
    // the cells' imports and definitions is test/extension/notebookPlan.test.ts's cellModule test.)
    assert.ok(!fs.existsSync(r.file), `${r.file} is deleted after the check`);
  });
});
