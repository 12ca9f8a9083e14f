import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { ShapeContextParams } from '../protocol/lsp';
import type { TrainConfig } from '../protocol/webview';
import { registerCommands } from './commands';
import { registerExplore } from './explore';
import { config } from './config';
import { Cmd } from './constants';
import { Ctx } from './ctx';
import { pushShapeContext, startLanguageClient } from './lspClient';
import { registerPythonCheck, type PythonCheckApi } from './pycheck/index';

let ctx: Ctx | undefined;
let client: LanguageClient | undefined;

/** What activate returns: the context, for the integration tests (and other extensions). */
export interface GradientLabApi {
  ctx: Ctx;
  /** Milliseconds activate took. */
  activationMs: number;
  /** The CodeLens checks of Python layer functions. */
  python: PythonCheckApi;
  /** The shape language client, once a Python or TypeScript file was opened. */
  languageClient(): LanguageClient | undefined;
}

/** The numbers behind the hovers' letters: model settings and the open dataset. */
function shapeContext(c: Ctx): ShapeContextParams {
  const t = config.training();
  const ds = c.dataset;
  return {
    sizes: { N: t.batchSize, H: t.hiddenDim, W: t.wordvecDim, ...(ds ? { T: ds.captionLength - 1, D: ds.featureDim, V: ds.vocabSize } : {}) },
    cellType: t.cellType,
    datasetKeys: ds?.keys ?? [],
  };
}

/** The shape server starts with the first Python or TypeScript file, not at activation. */
function startShapesLazily(c: Ctx): void {
  const wanted = (d: vscode.TextDocument): boolean => d.languageId === 'python' || d.languageId === 'typescript';
  const start = (): void => {
    if (client) return;
    client = startLanguageClient(c.context, 'dist/server.js', c.log);
    void pushShapeContext(client, shapeContext(c));
  };
  if (vscode.workspace.textDocuments.some(wanted)) start();
  else {
    const sub = vscode.workspace.onDidOpenTextDocument((d) => {
      if (!wanted(d)) return;
      sub.dispose();
      start();
    });
    c.context.subscriptions.push(sub);
  }
  const push = (): void => {
    if (client) pushShapeContext(client, shapeContext(c)).catch((err: unknown) => c.log.error('sending the shape context', err));
  };
  c.context.subscriptions.push(
    c.onDidChange((what) => what === 'dataset' && push()),
    vscode.workspace.onDidChangeConfiguration((e) => (config.affects(e, 'model') || config.affects(e, 'training')) && push()),
  );
}

/** Builds the context and registers everything; no engine work happens here. */
export function activate(context: vscode.ExtensionContext): GradientLabApi | undefined {
  const t0 = performance.now();
  try {
    ctx = new Ctx(context);
    const c = ctx;
    registerCommands(c);
    registerExplore(context, { log: c.log, datasetLocation: () => c.dataset?.location });
    c.trainingHandler = async (msg) => {
      switch (msg.type) {
        case 'editConfig':
          c.training.editConfig(msg.config);
          break;
        case 'startTraining':
          await vscode.commands.executeCommand<TrainConfig | undefined>(Cmd.trainModel, msg.config);
          break;
        case 'stopTraining':
          await vscode.commands.executeCommand(Cmd.stopTraining);
          break;
        case 'resetTraining':
          c.training.reset();
          break;
        case 'viewError':
        case 'export':
          break; // answered by Ctx before it gets here
        default: {
          const never: never = msg;
          c.log.warn(`unhandled training message ${JSON.stringify(never)}`);
        }
      }
    };
    c.panelHandler = async (view, msg) => {
      switch (msg.type) {
        case 'paramSelected':
          c.log.debug(`${view}: selected ${msg.ref.layer}/${msg.ref.param}`);
          break;
        case 'chooseCaption':
          if (msg.sampled) c.log.info(`${view}: tracing sampled captions is not offered; traced the dataset caption instead`);
          await vscode.commands.executeCommand(view === 'hidden' ? Cmd.showHiddenStates : Cmd.showGradients, { split: msg.split, index: msg.index, cell: view === 'hidden' ? c.hidden?.cell : undefined });
          break;
        case 'resample':
          await vscode.commands.executeCommand(Cmd.sampleCaptions, { split: msg.split, count: msg.count });
          break;
        case 'explore':
          await vscode.commands.executeCommand('gradientLab.explore', { name: msg.name, ref: msg.ref });
          break;
        default:
          c.log.warn(`${view} view sent ${msg.type}, which nothing handles`);
      }
    };
    const python = registerPythonCheck(context, {
      log: c.log,
      setReport: (key, label, report, thresholds) => c.setReport(key, label, report, thresholds),
      thresholds: () => config.check().thresholds,
    });
    startShapesLazily(c);
    const activationMs = performance.now() - t0;
    c.log.info(`Gradient Lab ${String(context.extension.packageJSON.version)} activated in ${activationMs.toFixed(1)} ms (VS Code ${vscode.version}, ${vscode.env.appName})`);
    return { ctx: c, activationMs, python, languageClient: () => client };
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
  const c = client;
  client = undefined;
  await c?.stop().catch(() => undefined);
}
