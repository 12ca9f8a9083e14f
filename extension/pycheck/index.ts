/**
 * "Check" above each CS231n layer function in a Python file: runs the user's code in their Python
 * against the engine and puts the answer on the function (CodeLens ✓, diagnostics with traceback
 * links, the checks tree and the report view). User code runs only in a trusted workspace.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_THRESHOLDS, reportVerdict, type CheckReport, type Thresholds } from '../../core/gradcheck';
import { findFunctions, type FoundFunction, type FunctionResult } from '../../runtime/pycheck/index';
import { toDiagnostic } from './diagnostics';
import { advance, ChangeLog, functionLines, mapLine, track, type TextChange, type Tracked } from './follow';
import { interpreterCandidates } from './interpreter';
import { PyCheckWorker } from '../../runtime/pycheck/workerHost';

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
  /** Document version the result belongs to. */
  version: number;
  /**
   * The lines the result belongs to (its function; a line it points at elsewhere), from the checked
   * text to now: an edit above moves them, an edit of them ends them and the diagnostic goes.
   */
  anchors: Tracked[];
  /** The functions of the checked text (related locations are in its lines). */
  found: readonly FoundFunction[];
}

/** Per document: edits since each running check started. */
interface Following {
  log: ChangeLog;
  /** Running checks of this document, to cancel when a save starts a newer one. */
  inflight: Set<AbortController>;
}

/** The result's own lines still hold the text that was checked. */
const current = (s: Stored): boolean => s.anchors.length > 0 && s.anchors[0].now !== undefined;

/**
 * Anchors of a result in the text it checked: its function's lines first (its diagnostic's own),
 * then each other line of the file its diagnostic points at (traceback frames, "check this first").
 */
function anchorsOf(r: FunctionResult, found: readonly FoundFunction[], checked: string, uri: vscode.Uri, since: readonly TextChange[]): Tracked[] {
  const fn = functionLines(checked, r.line, r.character) ?? { first: r.line, last: r.line };
  const out = [track(fn, since)];
  const d = toDiagnostic(r, found, uri);
  for (const ri of d?.relatedInformation ?? []) {
    const l = ri.location.range.start.line;
    if (ri.location.uri.toString() === uri.toString() && (l < fn.first || l > fn.last)) out.push(track({ first: l, last: l }, since));
  }
  return out;
}

/** A diagnostic made in the checked text's lines, moved to where they are now; undefined when its own lines changed. */
function follow(d: vscode.Diagnostic, anchors: readonly Tracked[], uri: vscode.Uri): vscode.Diagnostic | undefined {
  const line = mapLine(anchors, d.range.start.line);
  if (line === undefined) return undefined;
  const shift = line - d.range.start.line;
  const moved = new vscode.Diagnostic(new vscode.Range(line, d.range.start.character, d.range.end.line + shift, d.range.end.character), d.message, d.severity);
  moved.source = d.source;
  moved.code = d.code;
  const related = (d.relatedInformation ?? []).flatMap((ri) => {
    if (ri.location.uri.toString() !== uri.toString()) return [ri];
    const l = mapLine(anchors, ri.location.range.start.line);
    if (l === undefined) return [];
    const pos = new vscode.Position(l, ri.location.range.start.character);
    return [new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, pos), ri.message)];
  });
  if (related.length > 0) moved.relatedInformation = related;
  return moved;
}

const LENS_MARK: Record<FunctionResult['status'], string> = { pass: '✓ Check', warn: '⚠ Check', fail: '✗ Check', error: '✗ Check', todo: 'ℹ Check' };

export function registerPythonCheck(context: vscode.ExtensionContext, deps: PythonCheckDeps): PythonCheckApi {
  const driver = vscode.Uri.joinPath(context.extensionUri, 'python', 'driver.py').fsPath;
  const worker = new PyCheckWorker(vscode.Uri.joinPath(context.extensionUri, 'dist').fsPath, (m) => deps.log.warn(m));
  const diagnostics = vscode.languages.createDiagnosticCollection('gradientLab.python');
  const lensChanged = new vscode.EventEmitter<void>();
  const checked = new vscode.EventEmitter<FunctionResult>();
  const results = new Map<string, Map<string, Stored>>();
  /** `uri#function` → the check (its AbortController) running it. */
  const running = new Map<string, AbortController>();
  const following = new Map<string, Following>();
  const followingOf = (uri: vscode.Uri): Following => {
    let f = following.get(uri.toString());
    if (!f) following.set(uri.toString(), (f = { log: new ChangeLog(), inflight: new Set() }));
    return f;
  };
  /** Saves made by a check itself (Python imports the saved file), not by the user: no check on save. */
  const savingForCheck = new Set<string>();
  const abort = new AbortController();
  const subs: vscode.Disposable[] = [diagnostics, lensChanged, checked, { dispose: () => abort.abort() }, worker];

  const settings = (uri: vscode.Uri): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('gradientLab.python', uri);

  const explainTrust = async (): Promise<void> => {
    const pick = await vscode.window.showWarningMessage(TRUST_REASON, 'Manage Workspace Trust');
    if (pick) await vscode.commands.executeCommand('workbench.trust.manage');
  };

  const publish = (uri: vscode.Uri, report = true): void => {
    const stored = results.get(uri.toString());
    if (!stored) return;
    const diags: vscode.Diagnostic[] = [];
    let fileErrorShown = false;
    for (const s of stored.values()) {
      if (s.result.fileError && fileErrorShown) continue; // one error for a file that does not import
      fileErrorShown ||= !!s.result.fileError;
      const d = toDiagnostic(s.result, s.found, uri);
      const now = d && follow(d, s.anchors, uri);
      if (now) diags.push(now);
    }
    diagnostics.set(uri, diags);
    if (report && deps.setReport) {
      const layers = [...stored.values()].map((s) => s.result.layer);
      const report: CheckReport = { seed: 0, h: 1e-5, dtype: 'float64', layers, verdict: reportVerdict(layers) };
      deps.setReport(`python:${uri.fsPath}`, path.basename(uri.fsPath), report, deps.thresholds?.() ?? DEFAULT_THRESHOLDS);
    }
  };

  /**
   * Says how a check went beyond the lens mark: one function in the status bar for a while; a whole
   * file as a notification when something failed, with a way to its report.
   */
  const announce = (done: readonly FunctionResult[], file: string, quiet = false): void => {
    if (done.length === 0) return;
    const bad = done.filter((r) => r.status === 'fail' || r.status === 'error');
    if (done.length === 1) {
      const r = done[0];
      const icon = r.status === 'pass' ? '$(pass)' : r.status === 'warn' ? '$(warning)' : r.status === 'todo' ? '$(info)' : '$(error)';
      vscode.window.setStatusBarMessage(`${icon} ${r.function}: ${r.status === 'pass' ? 'passes' : r.summary}`, 10_000);
      return;
    }
    const todo = done.filter((r) => r.status === 'todo').length;
    const counts = `${done.length - bad.length - todo} of ${done.length} functions in ${file} pass${todo ? ` (${todo} not implemented yet)` : ''}`;
    if (bad.length === 0 || quiet) {
      vscode.window.setStatusBarMessage(`${bad.length === 0 ? '$(pass)' : '$(error)'} ${counts}`, 10_000);
      return;
    }
    const first = bad[0];
    const param = first.layer.params.find((p) => p.verdict === 'wrong' || p.verdict === 'warn')?.name;
    void vscode.window.showWarningMessage(`Gradient Lab: ${counts}; not ${bad.map((r) => r.function).join(', ')}.`, 'Show Report').then((pick) => {
      if (pick) void vscode.commands.executeCommand('gradientLab.showReport', param ? { layer: first.layer.layer, param } : undefined);
    });
  };

  let toldAboutPython = false;
  /**
   * Checks some functions of one document in one Python process; each result is published as it
   * arrives. A check on save (`quiet`) first cancels the document's running checks (they check
   * text that is gone) and tells its result only by the lens, the diagnostics and the status bar.
   */
  const run = async (doc: vscode.TextDocument, fs: readonly FoundFunction[], found: readonly FoundFunction[], quiet = false): Promise<FunctionResult[]> => {
    const fl = followingOf(doc.uri);
    if (quiet) for (const ac of fl.inflight) ac.abort();
    const keys = fs.map((f) => `${doc.uri.toString()}#${f.qualified}`);
    const mine = fs.filter((_, i) => quiet || !running.has(keys[i]));
    if (mine.length === 0) return [];
    const mineAc = new AbortController();
    fl.inflight.add(mineAc);
    const logId = fl.log.start();
    const checkedText = doc.getText();
    for (const f of mine) running.set(`${doc.uri.toString()}#${f.qualified}`, mineAc);
    lensChanged.fire();
    const label = mine.length === 1 ? mine[0].qualified : `${mine.length} functions in ${path.basename(doc.uri.fsPath)}`;
    try {
      const folder = vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath ?? path.dirname(doc.uri.fsPath);
      const { candidates, source } = await interpreterCandidates(doc.uri);
      const timeoutMs = Math.max(1, settings(doc.uri).get<number>('timeoutSeconds', 10)) * 1000;
      // Starting Python with numpy, then importing the file: each has its own limit, never the function's.
      const importTimeoutMs = Math.max(1, settings(doc.uri).get<number>('importTimeoutSeconds', 30)) * 1000;
      const onResult = (r: FunctionResult): void => {
        if (mineAc.signal.aborted) return; // superseded by a newer check of this file
        deps.log.info(`check ${r.function} (${path.basename(doc.uri.fsPath)}, ${r.interpreter ?? candidates.join('|')} from ${source}): ${r.status} in ${r.ms.toFixed(0)} ms: ${r.summary}`);
        if (r.problem && (r.problem.kind === 'not-found' || r.problem.kind === 'no-numpy') && !toldAboutPython) {
          toldAboutPython = true;
          void vscode.window.showErrorMessage(`Gradient Lab: ${r.summary}`, 'Open Settings').then((pick) => {
            if (pick) void vscode.commands.executeCommand('workbench.action.openSettings', 'gradientLab.python.interpreter');
          });
        }
        let perDoc = results.get(doc.uri.toString());
        if (!perDoc) results.set(doc.uri.toString(), (perDoc = new Map()));
        perDoc.set(r.function, { result: r, version: doc.version, anchors: anchorsOf(r, found, checkedText, doc.uri, fl.log.since(logId)), found });
        if (running.get(`${doc.uri.toString()}#${r.function}`) === mineAc) running.delete(`${doc.uri.toString()}#${r.function}`);
        publish(doc.uri);
        checked.fire(r);
        lensChanged.fire();
      };
      const done = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `Gradient Lab: checking ${label}` },
        () => worker.run(doc.uri.fsPath, mine, { python: candidates, cwd: folder, timeoutMs, importTimeoutMs, driver, signal: AbortSignal.any([abort.signal, mineAc.signal]), thresholds: deps.thresholds?.() }, onResult),
      );
      if (mineAc.signal.aborted) {
        deps.log.info(`check of ${label} cancelled: a newer check of ${path.basename(doc.uri.fsPath)} started`);
        return [];
      }
      announce(done, path.basename(doc.uri.fsPath), quiet);
      return done;
    } catch (e) {
      if (mineAc.signal.aborted) return [];
      deps.log.error(`checking ${label} failed`, e);
      void vscode.window.showErrorMessage(`Gradient Lab: checking ${label} failed: ${e instanceof Error ? e.message : String(e)}`);
      return [];
    } finally {
      for (const f of mine) if (running.get(`${doc.uri.toString()}#${f.qualified}`) === mineAc) running.delete(`${doc.uri.toString()}#${f.qualified}`);
      fl.inflight.delete(mineAc);
      fl.log.stop(logId);
      lensChanged.fire();
    }
  };

  const saveForCheck = async (doc: vscode.TextDocument): Promise<boolean> => {
    const key = doc.uri.toString();
    savingForCheck.add(key);
    try {
      return await doc.save();
    } finally {
      // The save event may come after the save resolves; the handler below also clears the mark.
      setTimeout(() => savingForCheck.delete(key), 2000);
    }
  };

  /** Python imports the saved file, so a modified editor is saved first. */
  const prepare = async (uri: vscode.Uri): Promise<{ doc: vscode.TextDocument; found: FoundFunction[] } | undefined> => {
    if (!vscode.workspace.isTrusted) {
      void explainTrust();
      return undefined;
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    if (doc.isDirty && !(await saveForCheck(doc))) {
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
        else if (s && current(s) && mapLine(s.anchors, s.result.line) === f.line) {
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
      following.delete(doc.uri.toString());
      diagnostics.delete(doc.uri);
    }),
    // Diagnostics follow edits: moved with their function's lines, cleared when those change.
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length === 0) return;
      const key = e.document.uri.toString();
      const stored = results.get(key);
      const fl = following.get(key);
      if (!stored && !fl?.log.running) return;
      const changes: TextChange[] = e.contentChanges.map((c) => ({
        start: { line: c.range.start.line, character: c.range.start.character },
        end: { line: c.range.end.line, character: c.range.end.character },
        text: c.text,
      }));
      fl?.log.record(changes);
      if (!stored) return;
      const before = [...stored.values()].map(current);
      for (const s of stored.values()) advance(s.anchors, changes);
      publish(e.document.uri, false);
      if ([...stored.values()].some((s, i) => current(s) !== before[i])) lensChanged.fire();
    }),
    // Re-check on save (setting gradientLab.python.checkOnSave): trusted workspaces only, quietly.
    vscode.workspace.onDidSaveTextDocument((doc) => {
      if (savingForCheck.delete(doc.uri.toString()) || doc.languageId !== 'python') return;
      if (!vscode.workspace.isTrusted || !settings(doc.uri).get<boolean>('checkOnSave', false)) return;
      const found = findFunctions(doc.getText());
      if (found.length === 0) return;
      void run(doc, found, found, true);
    }),
  );
  context.subscriptions.push(...subs);
  return api;
}
