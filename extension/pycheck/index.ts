/**
 * "Check" above each CS231n layer function in a Python file: runs the user's code in their Python
 * against the engine and puts the answer on the function (CodeLens ✓, diagnostics with traceback
 * links, the checks tree and the report view). User code runs only in a trusted workspace.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_THRESHOLDS, worstVerdict, type CheckReport, type Thresholds } from '../../core/gradcheck';
import { findFunctions, type FoundFunction, type FunctionResult } from '../../core/node/pycheck/index';
import { toDiagnostic } from './diagnostics';
import { interpreterCandidates } from './interpreter';
import { PyCheckWorker } from './worker';

export const PyCmd = {
  checkFunction: 'gradientLab.checkPythonFunction',
  checkFile: 'gradientLab.checkPythonFile',
  explainTrust: 'gradientLab.explainPythonCheckTrust',
} as const;

/** What the rest of the extension lends this feature; Ctx satisfies it. */
export interface PythonCheckDeps {
  log: { info(msg: string): void; warn(msg: string): void; error(msg: string, err?: unknown): void };
  /** Puts a checked file's functions in the gradient-checks tree and the report view. */
  setReport?(key: string, label: string, report: CheckReport, thresholds: Thresholds): void;
  thresholds?(): Thresholds;
}

/** For tests and other parts of the extension. */
export interface PythonCheckApi {
  checkFunction(uri: vscode.Uri, qualified: string): Promise<FunctionResult | undefined>;
  checkFile(uri: vscode.Uri): Promise<FunctionResult[]>;
  results(uri: vscode.Uri): FunctionResult[];
  readonly diagnostics: vscode.DiagnosticCollection;
  readonly onDidCheck: vscode.Event<FunctionResult>;
}

const TRUST_REASON =
  'Gradient Lab does not run Python code in Restricted Mode: checking a function imports and runs your file. Trust this workspace to turn checks on.';

interface Stored {
  result: FunctionResult;
  /** Document version the result belongs to: after an edit the ✓ goes quiet until the next check. */
  version: number;
}

const LENS_MARK: Record<FunctionResult['status'], string> = { pass: '✓ Check', warn: '⚠ Check', fail: '✗ Check', error: '✗ Check' };

export function registerPythonCheck(context: vscode.ExtensionContext, deps: PythonCheckDeps): PythonCheckApi {
  const driver = vscode.Uri.joinPath(context.extensionUri, 'python', 'driver.py').fsPath;
  const worker = new PyCheckWorker(vscode.Uri.joinPath(context.extensionUri, 'dist').fsPath, (m) => deps.log.warn(m));
  const diagnostics = vscode.languages.createDiagnosticCollection('gradientLab.python');
  const lensChanged = new vscode.EventEmitter<void>();
  const checked = new vscode.EventEmitter<FunctionResult>();
  const results = new Map<string, Map<string, Stored>>();
  const running = new Set<string>();
  const abort = new AbortController();
  const subs: vscode.Disposable[] = [diagnostics, lensChanged, checked, { dispose: () => abort.abort() }, worker];

  const settings = (uri: vscode.Uri): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('gradientLab.python', uri);

  const explainTrust = async (): Promise<void> => {
    const pick = await vscode.window.showWarningMessage(TRUST_REASON, 'Manage Workspace Trust');
    if (pick) await vscode.commands.executeCommand('workbench.trust.manage');
  };

  const publish = (uri: vscode.Uri, found: readonly FoundFunction[]): void => {
    const stored = results.get(uri.toString());
    if (!stored) return;
    const diags: vscode.Diagnostic[] = [];
    let fileErrorShown = false;
    for (const s of stored.values()) {
      if (s.result.fileError && fileErrorShown) continue; // one error for a file that does not import
      fileErrorShown ||= !!s.result.fileError;
      const d = toDiagnostic(s.result, found, uri);
      if (d) diags.push(d);
    }
    diagnostics.set(uri, diags);
    if (deps.setReport) {
      const layers = [...stored.values()].map((s) => s.result.layer);
      const report: CheckReport = { seed: 0, h: 1e-5, dtype: 'float64', layers, verdict: worstVerdict(layers.map((l) => l.verdict)) };
      deps.setReport(`python:${uri.fsPath}`, path.basename(uri.fsPath), report, deps.thresholds?.() ?? DEFAULT_THRESHOLDS);
    }
  };

  /**
   * Says how a check went beyond the lens mark: one function in the status bar for a while; a whole
   * file as a notification when something failed, with a way to its report.
   */
  const announce = (done: readonly FunctionResult[], file: string): void => {
    if (done.length === 0) return;
    const bad = done.filter((r) => r.status === 'fail' || r.status === 'error');
    if (done.length === 1) {
      const r = done[0];
      const icon = r.status === 'pass' ? '$(pass)' : r.status === 'warn' ? '$(warning)' : '$(error)';
      vscode.window.setStatusBarMessage(`${icon} ${r.function}: ${r.status === 'pass' ? 'passes' : r.summary}`, 10_000);
      return;
    }
    const counts = `${done.length - bad.length} of ${done.length} functions in ${file} pass`;
    if (bad.length === 0) {
      vscode.window.setStatusBarMessage(`$(pass) ${counts}`, 10_000);
      return;
    }
    const first = bad[0];
    const param = first.layer.params.find((p) => p.verdict === 'wrong' || p.verdict === 'warn')?.name;
    void vscode.window.showWarningMessage(`Gradient Lab: ${counts}; not ${bad.map((r) => r.function).join(', ')}.`, 'Show Report').then((pick) => {
      if (pick) void vscode.commands.executeCommand('gradientLab.showReport', param ? { layer: first.layer.layer, param } : undefined);
    });
  };

  let toldAboutPython = false;
  /** Checks some functions of one document in one Python process; each result is published as it arrives. */
  const run = async (doc: vscode.TextDocument, fs: readonly FoundFunction[], found: readonly FoundFunction[]): Promise<FunctionResult[]> => {
    const keys = fs.map((f) => `${doc.uri.toString()}#${f.qualified}`);
    const mine = fs.filter((_, i) => !running.has(keys[i]));
    if (mine.length === 0) return [];
    for (const f of mine) running.add(`${doc.uri.toString()}#${f.qualified}`);
    lensChanged.fire();
    const label = mine.length === 1 ? mine[0].qualified : `${mine.length} functions in ${path.basename(doc.uri.fsPath)}`;
    try {
      const folder = vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath ?? path.dirname(doc.uri.fsPath);
      const { candidates, source } = await interpreterCandidates(doc.uri);
      const timeoutMs = Math.max(1, settings(doc.uri).get<number>('timeoutSeconds', 10)) * 1000;
      const onResult = (r: FunctionResult): void => {
        deps.log.info(`check ${r.function} (${path.basename(doc.uri.fsPath)}, ${r.interpreter ?? candidates.join('|')} from ${source}): ${r.status} in ${r.ms.toFixed(0)} ms: ${r.summary}`);
        if (r.problem && (r.problem.kind === 'not-found' || r.problem.kind === 'no-numpy') && !toldAboutPython) {
          toldAboutPython = true;
          void vscode.window.showErrorMessage(`Gradient Lab: ${r.summary}`, 'Open Settings').then((pick) => {
            if (pick) void vscode.commands.executeCommand('workbench.action.openSettings', 'gradientLab.python.interpreter');
          });
        }
        let perDoc = results.get(doc.uri.toString());
        if (!perDoc) results.set(doc.uri.toString(), (perDoc = new Map()));
        perDoc.set(r.function, { result: r, version: doc.version });
        running.delete(`${doc.uri.toString()}#${r.function}`);
        publish(doc.uri, found);
        checked.fire(r);
        lensChanged.fire();
      };
      const done = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `Gradient Lab: checking ${label}` },
        () => worker.run(doc.uri.fsPath, mine, { python: candidates, cwd: folder, timeoutMs, driver, signal: abort.signal, thresholds: deps.thresholds?.() }, onResult),
      );
      announce(done, path.basename(doc.uri.fsPath));
      return done;
    } catch (e) {
      deps.log.error(`checking ${label} failed`, e);
      void vscode.window.showErrorMessage(`Gradient Lab: checking ${label} failed: ${e instanceof Error ? e.message : String(e)}`);
      return [];
    } finally {
      for (const f of mine) running.delete(`${doc.uri.toString()}#${f.qualified}`);
      lensChanged.fire();
    }
  };

  /** Python imports the saved file, so a modified editor is saved first. */
  const prepare = async (uri: vscode.Uri): Promise<{ doc: vscode.TextDocument; found: FoundFunction[] } | undefined> => {
    if (!vscode.workspace.isTrusted) {
      void explainTrust();
      return undefined;
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    if (doc.isDirty && !(await doc.save())) {
      void vscode.window.showWarningMessage(`Gradient Lab: ${path.basename(uri.fsPath)} could not be saved, and Python runs the saved file.`);
      return undefined;
    }
    return { doc, found: findFunctions(doc.getText()) };
  };

  const api: PythonCheckApi = {
    diagnostics,
    onDidCheck: checked.event,
    async checkFunction(uri, qualified) {
      const p = await prepare(uri);
      if (!p) return undefined;
      const f = p.found.find((x) => x.qualified === qualified);
      if (!f) {
        void vscode.window.showWarningMessage(`Gradient Lab: ${qualified} is no longer in ${path.basename(uri.fsPath)}.`);
        return undefined;
      }
      return (await run(p.doc, [f], p.found))[0];
    },
    async checkFile(uri) {
      const p = await prepare(uri);
      if (!p) return [];
      if (p.found.length === 0) {
        void vscode.window.showInformationMessage(`Gradient Lab: no CS231n layer functions (rnn_step_forward, …) or model loss/sample in ${path.basename(uri.fsPath)}.`);
        return [];
      }
      return run(p.doc, p.found, p.found);
    },
    results(uri) {
      return [...(results.get(uri.toString())?.values() ?? [])].map((s) => s.result);
    },
  };

  // The first check of a folder should not wait for Python to start and import numpy either.
  const warmed = new Set<string>();
  const warmFor = async (doc: vscode.TextDocument): Promise<void> => {
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath ?? path.dirname(doc.uri.fsPath);
    if (warmed.has(folder)) return;
    warmed.add(folder);
    const { candidates } = await interpreterCandidates(doc.uri);
    if (candidates[0]) worker.warm(candidates[0], driver, folder);
  };

  const lensProvider: vscode.CodeLensProvider = {
    onDidChangeCodeLenses: lensChanged.event,
    provideCodeLenses(doc) {
      if (!settings(doc.uri).get<boolean>('codeLens', true)) return [];
      const found = findFunctions(doc.getText());
      if (found.length > 0 && vscode.workspace.isTrusted) void warmFor(doc).catch((e: unknown) => deps.log.warn(`starting Python ahead of time failed: ${String(e)}`));
      const stored = results.get(doc.uri.toString());
      return found.map((f) => {
        const range = new vscode.Range(f.defLine, 0, f.defLine, 0);
        if (!vscode.workspace.isTrusted) {
          return new vscode.CodeLens(range, { title: 'Check (off in Restricted Mode)', command: PyCmd.explainTrust, tooltip: TRUST_REASON });
        }
        const key = `${doc.uri.toString()}#${f.qualified}`;
        const s = stored?.get(f.qualified);
        let title = 'Check';
        let tooltip = `Run ${f.qualified} in your Python on the engine's inputs and compare`;
        if (running.has(key)) title = '$(sync~spin) Checking…';
        else if (f.problem) tooltip = f.problem;
        else if (s && s.version === doc.version) {
          title = LENS_MARK[s.result.status];
          tooltip = s.result.summary;
        }
        return new vscode.CodeLens(range, { title, command: PyCmd.checkFunction, arguments: [doc.uri, f.qualified], tooltip });
      });
    },
  };

  subs.push(
    // Files only: notebook cells have their own lens (extension/notebook/cellChecks.ts); Python cannot import a cell.
    vscode.languages.registerCodeLensProvider([{ language: 'python', scheme: 'file' }, { language: 'python', scheme: 'untitled' }], lensProvider),
    vscode.commands.registerCommand(PyCmd.checkFunction, async (uri?: vscode.Uri, qualified?: string) => {
      if (uri instanceof vscode.Uri && typeof qualified === 'string') return api.checkFunction(uri, qualified);
      const ed = vscode.window.activeTextEditor;
      if (!ed || ed.document.languageId !== 'python') {
        void vscode.window.showInformationMessage('Gradient Lab: open a Python file and put the cursor in a layer function to check it.');
        return undefined;
      }
      const line = ed.selection.active.line;
      const found = findFunctions(ed.document.getText()).filter((f) => f.defLine <= line);
      const f = found[found.length - 1];
      if (!f) {
        void vscode.window.showInformationMessage('Gradient Lab: put the cursor in a CS231n layer function (rnn_step_forward, lstm_backward, …) or in a model\'s loss/sample.');
        return undefined;
      }
      return api.checkFunction(ed.document.uri, f.qualified);
    }),
    vscode.commands.registerCommand(PyCmd.checkFile, async (uri?: vscode.Uri) => {
      const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
      if (!target) {
        void vscode.window.showInformationMessage('Gradient Lab: open a Python file to check its functions.');
        return [];
      }
      return api.checkFile(target);
    }),
    vscode.commands.registerCommand(PyCmd.explainTrust, explainTrust),
    vscode.workspace.onDidGrantWorkspaceTrust(() => lensChanged.fire()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('gradientLab.python')) lensChanged.fire();
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      results.delete(doc.uri.toString());
      diagnostics.delete(doc.uri);
    }),
  );
  context.subscriptions.push(...subs);
  return api;
}
