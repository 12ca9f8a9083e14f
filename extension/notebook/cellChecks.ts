/**
 * "Check rnn_step_forward" above a notebook cell that calls (or defines) a CS231n layer function or
 * the captioning model's loss/sample. The check is the Python check of `.py` files (pycheck's API):
 * a called function is checked in the module file the notebook imports it from; a function defined
 * in a cell is checked on that cell's own code (its imports and definitions, written to a module in
 * the temp folder; the notebook's other statements never run). The result shows on the cell (the
 * lens title and a diagnostic on the name) and in the Gradient Checks tree. Nothing needs a kernel;
 * nothing runs without an explicit click, and only in a trusted workspace.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm, rmdir } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { cellPython } from '../../core/notebook/cells';
import { findFunctions, type FunctionResult } from '../../runtime/pycheck/index';
import { severityOf } from '../pycheck/diagnostics';
import type { PythonCheckApi } from '../pycheck/index';
import { moduleCandidates } from '../../runtime/pythonModules';
import { removeStaleCellModules } from './cellModules';
import { cellModule, planCellChecks, type CellCheck, type PlanCell } from './plan';

export const CHECK_NOTEBOOK_CELL = 'gradientLab.checkNotebookCell';

export interface NotebookChecksApi {
  /** Runs a cell's check as its lens does; undefined when it could not run (untrusted, not found). */
  check(cell: vscode.Uri, qualified: string): Promise<FunctionResult | undefined>;
  readonly diagnostics: vscode.DiagnosticCollection;
}

interface Deps {
  python: PythonCheckApi;
  log: { info(msg: string): void; warn(msg: string): void; error(msg: string, err?: unknown): void };
}

const TRUST_REASON = 'Gradient Lab does not run Python code in Restricted Mode: a check imports and runs your layer code. Trust this workspace to turn checks on.';

interface Stored {
  result: FunctionResult;
  version: number;
  where: string;
}

function notebookOf(doc: vscode.TextDocument): { nb: vscode.NotebookDocument; index: number } | undefined {
  for (const nb of vscode.workspace.notebookDocuments) {
    const cell = nb.getCells().find((c) => c.document.uri.toString() === doc.uri.toString());
    if (cell) return { nb, index: cell.index };
  }
  return undefined;
}

function planCells(nb: vscode.NotebookDocument): PlanCell[] {
  return nb.getCells().map((c) => ({ python: c.kind === vscode.NotebookCellKind.Code && c.document.languageId === 'python' ? cellPython(c.document.getText()) : null }));
}

/** The file of a dotted module next to the notebook (or up to three folders above), holding `qualified`. */
function moduleFile(folder: string, modules: readonly string[], qualified: string): string | undefined {
  for (const m of modules) {
    for (const f of moduleCandidates(folder, m)) {
      if (!existsSync(f)) continue;
      try {
        if (findFunctions(readFileSync(f, 'utf8')).some((x) => x.qualified === qualified)) return f;
      } catch {
        /* unreadable: look on */
      }
    }
  }
  return undefined;
}

const MARK: Record<FunctionResult['status'], string> = { pass: '✓', warn: '⚠', fail: '✗', error: '✗', todo: 'ℹ' };

function verdictLine(r: FunctionResult): string {
  return r.status === 'pass' ? 'passes' : r.summary;
}

export function registerNotebookChecks(context: vscode.ExtensionContext, deps: Deps): NotebookChecksApi {
  const diagnostics = vscode.languages.createDiagnosticCollection('gradientLab.notebook');
  const changed = new vscode.EventEmitter<void>();
  const results = new Map<string, Map<string, Stored>>();
  const running = new Set<string>();
  const tmpRoot = path.join(os.tmpdir(), 'gradient-lab-cells');
  /** What an earlier session left is swept once, before the first cell module is written (not at activation). */
  let staleSweep: Promise<void> | undefined;
  /** Checks using each cell module right now: the file is deleted when the last one finishes. */
  const inUse = new Map<string, number>();
  const release = async (file: vscode.Uri): Promise<void> => {
    const n = (inUse.get(file.fsPath) ?? 1) - 1;
    if (n > 0) {
      inUse.set(file.fsPath, n);
      return;
    }
    inUse.delete(file.fsPath);
    await rm(file.fsPath, { force: true }).catch(() => undefined);
    await rmdir(path.dirname(file.fsPath)).catch(() => undefined); // only when empty
  };

  const publish = (cell: vscode.TextDocument, plan: readonly CellCheck[]): void => {
    const stored = results.get(cell.uri.toString());
    const diags: vscode.Diagnostic[] = [];
    for (const p of plan) {
      const s = stored?.get(p.qualified);
      if (!s) continue;
      const r = s.result;
      const range = new vscode.Range(p.line, p.character, p.line, p.endCharacter);
      const d = new vscode.Diagnostic(range, [`${p.qualified} (${s.where}): ${verdictLine(r)}`, ...(r.status === 'pass' ? [] : r.details)].join('\n'), severityOf(r.status));
      d.source = 'Gradient Lab';
      d.code = r.problem?.kind ?? (r.error ? r.error.type : 'gradient-check');
      diags.push(d);
    }
    diagnostics.set(cell.uri, diags);
  };

  /** Writes the module for a cell's own functions through a text document, so pycheck reads what Python runs. */
  const writeCellModule = async (nb: vscode.NotebookDocument, cellIndex: number, folder: string): Promise<vscode.Uri> => {
    const { text } = cellModule(planCells(nb), cellIndex, folder);
    await (staleSweep ??= removeStaleCellModules(tmpRoot).then((n) => {
      if (n > 0) deps.log.info(`removed ${n} cell module(s) older than a day from ${tmpRoot}`);
    }));
    const stem = path.basename(nb.uri.fsPath, '.ipynb').replace(/\W/g, '_') || 'notebook';
    const dir = path.join(tmpRoot, createHash('sha1').update(nb.uri.toString()).digest('hex').slice(0, 10));
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${stem}_cell_${cellIndex + 1}.py`);
    if (!existsSync(file)) writeFileSync(file, text);
    const uri = vscode.Uri.file(file);
    const doc = await vscode.workspace.openTextDocument(uri);
    if (doc.getText() !== text) {
      const edit = new vscode.WorkspaceEdit();
      edit.replace(uri, new vscode.Range(0, 0, doc.lineCount, 0), text);
      await vscode.workspace.applyEdit(edit);
      await doc.save();
    }
    return uri;
  };

  const check = async (cellUri: vscode.Uri, qualified: string): Promise<FunctionResult | undefined> => {
    if (!vscode.workspace.isTrusted) {
      const pick = await vscode.window.showWarningMessage(TRUST_REASON, 'Manage Workspace Trust');
      if (pick) await vscode.commands.executeCommand('workbench.trust.manage');
      return undefined;
    }
    const cellDoc = await vscode.workspace.openTextDocument(cellUri);
    const where = notebookOf(cellDoc);
    if (!where) {
      void vscode.window.showWarningMessage('Gradient Lab: that cell is no longer in an open notebook.');
      return undefined;
    }
    const { nb, index } = where;
    const plan = planCellChecks(planCells(nb), index);
    const p = plan.find((x) => x.qualified === qualified);
    if (!p) {
      void vscode.window.showWarningMessage(`Gradient Lab: the cell no longer calls or defines ${qualified}.`);
      return undefined;
    }
    const folder = path.dirname(nb.uri.fsPath);
    const key = `${cellUri.toString()}#${qualified}`;
    let file: vscode.Uri;
    let label: string;
    if (p.target.kind === 'unresolved') {
      void vscode.window.showWarningMessage(`Gradient Lab: cannot check ${qualified}: ${p.target.reason}.`);
      return undefined;
    }
    if (p.target.kind === 'module') {
      const f = moduleFile(folder, p.target.modules, p.target.qualified);
      if (!f) {
        void vscode.window.showWarningMessage(`Gradient Lab: cannot check ${qualified}: no ${p.target.modules.map((m) => m.replace(/\./g, '/') + '.py').join(' or ')} defining it next to ${path.basename(nb.uri.fsPath)}.`);
        return undefined;
      }
      file = vscode.Uri.file(f);
      label = path.relative(folder, f) || path.basename(f);
    } else {
      file = await writeCellModule(nb, p.target.cell, folder);
      label = `cell ${p.target.cell + 1}`;
      inUse.set(file.fsPath, (inUse.get(file.fsPath) ?? 0) + 1);
    }
    const temporary = p.target.kind === 'cell';
    running.add(key);
    changed.fire();
    try {
      deps.log.info(`notebook check of ${qualified} in ${path.basename(nb.uri.fsPath)} cell ${index + 1}: ${label}`);
      const r = await deps.python.checkFunction(file, p.target.qualified);
      if (r) {
        let perCell = results.get(cellUri.toString());
        if (!perCell) results.set(cellUri.toString(), (perCell = new Map()));
        perCell.set(qualified, { result: r, version: cellDoc.version, where: label });
        publish(cellDoc, plan);
      }
      return r;
    } finally {
      running.delete(key);
      changed.fire();
      // The cell's module was only for this check.
      if (temporary) await release(file);
    }
  };

  const lenses: vscode.CodeLensProvider = {
    onDidChangeCodeLenses: changed.event,
    provideCodeLenses(doc) {
      if (!vscode.workspace.getConfiguration('gradientLab.python', doc.uri).get<boolean>('codeLens', true)) return [];
      const where = notebookOf(doc);
      if (!where) return [];
      const plan = planCellChecks(planCells(where.nb), where.index);
      const stored = results.get(doc.uri.toString());
      return plan.map((p) => {
        const range = new vscode.Range(p.line, 0, p.line, 0);
        if (!vscode.workspace.isTrusted) return new vscode.CodeLens(range, { title: `Check ${p.qualified} (off in Restricted Mode)`, command: 'gradientLab.explainPythonCheckTrust', tooltip: TRUST_REASON });
        const s = stored?.get(p.qualified);
        let title = `Check ${p.qualified}`;
        let tooltip = p.target.kind === 'cell'
          ? `Run ${p.qualified} as defined in cell ${p.target.cell + 1} in your Python on the engine's inputs and compare (only the cells' imports and definitions run)`
          : p.target.kind === 'module' ? `Run ${p.qualified} from ${p.target.modules[0]} in your Python on the engine's inputs and compare` : p.target.reason;
        if (running.has(`${doc.uri.toString()}#${p.qualified}`)) title = `$(sync~spin) Checking ${p.qualified}…`;
        else if (s && s.version === doc.version) {
          title = `${MARK[s.result.status]} Check ${p.qualified}: ${verdictLine(s.result)}`;
          if (title.length > 90) title = title.slice(0, 89) + '…';
          tooltip = `${s.where}: ${s.result.summary}`;
        }
        return new vscode.CodeLens(range, { title, command: CHECK_NOTEBOOK_CELL, arguments: [doc.uri, p.qualified], tooltip });
      });
    },
  };

  context.subscriptions.push(
    diagnostics,
    changed,
    vscode.languages.registerCodeLensProvider({ scheme: 'vscode-notebook-cell', language: 'python' }, lenses),
    vscode.commands.registerCommand(CHECK_NOTEBOOK_CELL, (uri?: vscode.Uri, qualified?: string) => {
      if (uri instanceof vscode.Uri && typeof qualified === 'string') return check(uri, qualified);
      void vscode.window.showInformationMessage('Gradient Lab: use the "Check …" lens above a notebook cell that calls or defines a CS231n layer function.');
      return undefined;
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => changed.fire()),
    vscode.workspace.onDidChangeTextDocument((e) => {
      // An edited cell's results no longer describe it (its lens goes back to "Check").
      if (e.document.uri.scheme === 'vscode-notebook-cell' && e.contentChanges.length && results.has(e.document.uri.toString())) {
        results.delete(e.document.uri.toString());
        diagnostics.delete(e.document.uri);
      }
    }),
    vscode.workspace.onDidCloseNotebookDocument((nb) => {
      for (const c of nb.getCells()) {
        results.delete(c.document.uri.toString());
        diagnostics.delete(c.document.uri);
      }
    }),
  );
  return { check, diagnostics };
}
