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

/** What activate returns: the context, for the integration tests (and other extensions). */
export interface GradientLabApi {
  ctx: Ctx;
  /** Milliseconds activate took. */
  activationMs: number;
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
  try {
    const c = (ctx = new Ctx(context));
    registerCommands(c);
    routeViewMessages(c);
    registerExplore(context, { log: c.log, datasetLocation: () => c.dataset?.location });
    const python = registerPythonCheck(context, {
      log: c.log,
      setReport: (key, label, report, thresholds) => c.setReport(key, label, report, thresholds),
      thresholds: () => config.check().thresholds,
    });
    const notebooks = registerNotebookChecks(context, { python, log: c.log });
    const s = (shapes = new ShapeService(c));
    context.subscriptions.push(s);
    const activationMs = performance.now() - t0;
    c.log.info(`Gradient Lab ${String(context.extension.packageJSON.version)} activated in ${activationMs.toFixed(1)} ms (VS Code ${vscode.version}, ${vscode.env.appName})`);
    return { ctx: c, activationMs, python, notebooks, languageClient: () => s.languageClient };
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
