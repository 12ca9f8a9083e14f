/**
 * Shape hovers in the real VS Code: opening a CS231n-style Python file starts the language
 * server; hovering a layer's name shows its shapes, and the file with shape bugs gets warnings.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { GradientLabApi } from '../../../extension/main';
import { EXT_ID, pythonFixtures, until } from './util';

const SOURCE = 'Gradient Lab shapes';

function hoverText(hovers: vscode.Hover[] | undefined): string {
  return (hovers ?? []).flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
}

suite('Shape hovers (language server)', () => {
  let ws: string;

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension<GradientLabApi>(EXT_ID);
    assert.ok(ext, `${EXT_ID} is not installed`);
    await ext.activate();
    const fixtures = pythonFixtures(ext.extensionPath);
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the test workspace is open');
    ws = path.join(folder.uri.fsPath, 'shapes');
    fs.mkdirSync(ws, { recursive: true });
    for (const f of ['rnn_layers.py', 'shape_bugs.py']) fs.copyFileSync(path.join(fixtures, f), path.join(ws, f));
  });

  test('hovering a layer name in an open Python file shows its shapes', async () => {
    const uri = vscode.Uri.file(path.join(ws, 'rnn_layers.py'));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    assert.equal(doc.languageId, 'python');
    const at = doc.positionAt(doc.getText().indexOf('def rnn_step_forward') + 6);
    const text = await until('a shape hover on rnn_step_forward', async () => {
      const t = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, at));
      return t.includes('rnn_step_forward(') ? t : undefined;
    }, 60_000, 200);
    assert.ok(text.includes('rnn_step_forward(x: (N, D), prev_h: (N, H), Wx: (D, H), Wh: (H, H), b: (H,)) → next_h: (N, H), cache'), text);
    const local = doc.positionAt(doc.getText().indexOf('temp1 = np.dot'));
    const t2 = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, local));
    assert.ok(/temp1: \(N, H\)/.test(t2), t2);
  });

  test('a file with shape bugs gets the proven mismatches as warnings', async () => {
    const uri = vscode.Uri.file(path.join(ws, 'shape_bugs.py'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const diags = await until('shape warnings', () => {
      const d = vscode.languages.getDiagnostics(uri).filter((x) => x.source === SOURCE);
      return d.length > 0 ? d : undefined;
    }, 60_000, 200);
    assert.equal(diags.length, 9, diags.map((d) => d.message).join('\n'));
    assert.ok(diags.every((d) => d.severity === vscode.DiagnosticSeverity.Warning));
    assert.ok(diags.some((d) => d.message === 'np.dot: prev_h (N, H) · Wx (D, H): inner dimensions H ≠ D'));
  });
});
