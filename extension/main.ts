import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { registerCommands } from './commands';
import { config } from './config';
import { Ctx } from './ctx';
import { registerExplore } from './explore';
import { registerNotebookChecks, type NotebookChecksApi } from './notebook/cellChecks';
import { registerPythonCheck, type PythonCheckApi } from './pycheck/index';
import { ShapeService } from './shapes';
import { routeViewMessages } from './viewMessages';

let ctx: Ctx | undefined;
let shapes: ShapeService | undefined;

/** Set by the bundle's first line (esbuild.mjs banner); absent when these sources are bundled elsewhere. */
declare const __gradlabLoadStart: number | undefined;
/** Milliseconds from the bundle's first line to here, after every import ran: the load before activate. */
const loadMs = typeof __gradlabLoadStart === 'number' ? performance.now() - __gradlabLoadStart : undefined;

/** What activate returns: the context, for the integration tests (and other extensions). */
export interface GradientLabApi {
  ctx: Ctx;
  /** Milliseconds activate took. */
  activationMs: number;
  /** Milliseconds the bundle's top-level code (its imports) ran before activate; undefined unbundled. */
  loadMs: number | undefined;
  /** performance.now() when activate began (the Training view's firstReadyAt is on the same clock). */
  activatedAt: number;
  /** Where activate's time went, e.g. "context 2.1, commands 0.4, …" (ms). */
  activationPhases: string;
  /** The CodeLens checks of Python layer functions. */
  python: PythonCheckApi;
  /** The CodeLens checks of notebook cells (issue 18). */
  notebooks: NotebookChecksApi;
  /** The shape language client, once a Python or TypeScript file was opened. */
  languageClient(): LanguageClient | undefined;
}

/** The composition root: builds the context and registers everything. No engine work happens here. */
export function activate(context: vscode.ExtensionContext): GradientLabApi {
  const t0 = performance.now();
  const phases: string[] = [];
  let tp = t0;
  const phase = (name: string): void => {
    const now = performance.now();
    phases.push(`${name} ${(now - tp).toFixed(1)}`);
    tp = now;
  };
  try {
    const c = (ctx = new Ctx(context));
    phase('context');
    registerCommands(c);
    routeViewMessages(c);
    phase('commands');
    registerExplore(context, { log: c.log, datasetLocation: () => c.dataset?.location });
    phase('explore');
    const python = registerPythonCheck(context, {
      log: c.log,
      setReport: (key, label, report, thresholds) => c.setReport(key, label, report, thresholds),
      thresholds: () => config.check().thresholds,
    });
    const notebooks = registerNotebookChecks(context, { python, log: c.log });
    phase('python checks');
    const s = (shapes = new ShapeService(c));
    context.subscriptions.push(s);
    phase('shapes');
    const activationMs = performance.now() - t0;
    const activationPhases = phases.join(', ');
    const loaded = loadMs === undefined ? '' : `, after ${loadMs.toFixed(1)} ms loading the bundle`;
    c.log.info(`Gradient Lab ${String(context.extension.packageJSON.version)} activated in ${activationMs.toFixed(1)} ms (${activationPhases} ms${loaded}; VS Code ${vscode.version}, ${vscode.env.appName})`);
    c.trainingView.activatedAt = t0;
    return { ctx: c, activationMs, loadMs, activatedAt: t0, activationPhases, python, notebooks, languageClient: () => s.languageClient };
  } catch (err) {
    // VS Code doesn't show a notification when an extension fails to activate.
    const reason = err instanceof Error ? err.message : String(err);
    void vscode.window.showErrorMessage(`Gradient Lab failed to start: ${reason}`);
    throw err;
  }
}

/** Stops the training worker, any job and the language server (VS Code waits for the returned promise). */
export async function deactivate(): Promise<void> {
  ctx?.training.dispose();
  ctx?.jobs.dispose();
  ctx = undefined;
  await shapes?.stop();
  shapes = undefined;
}
