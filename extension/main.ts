import * as vscode from 'vscode';
import type { TrainConfig } from '../protocol/webview';
import { registerCommands } from './commands';
import { Cmd } from './constants';
import { Ctx } from './ctx';

let ctx: Ctx | undefined;

/** What activate returns: the context, for the integration tests (and other extensions). */
export interface GradientLabApi {
  ctx: Ctx;
  /** Milliseconds activate took. */
  activationMs: number;
}

/** Builds the context and registers everything; no engine work happens here. */
export function activate(context: vscode.ExtensionContext): GradientLabApi | undefined {
  const t0 = performance.now();
  try {
    ctx = new Ctx(context);
    const c = ctx;
    registerCommands(c);
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
    c.panelHandler = (view, msg) => {
      switch (msg.type) {
        case 'paramSelected':
          c.log.debug(`${view}: selected ${msg.ref.layer}/${msg.ref.param}`);
          break;
        default:
          c.log.info(`${view} view asked for ${msg.type}: not available in this build`);
      }
    };
    const activationMs = performance.now() - t0;
    c.log.info(`Gradient Lab ${String(context.extension.packageJSON.version)} activated in ${activationMs.toFixed(1)} ms (VS Code ${vscode.version}, ${vscode.env.appName})`);
    return { ctx: c, activationMs };
  } catch (err) {
    // VS Code doesn't show a notification when an extension fails to activate.
    const reason = err instanceof Error ? err.message : String(err);
    void vscode.window.showErrorMessage(`Gradient Lab failed to start: ${reason}`);
    throw err;
  }
}

/** Stops the training worker and any job (they are in context.subscriptions too; this makes it explicit). */
export function deactivate(): void {
  ctx?.training.dispose();
  ctx?.jobs.dispose();
  ctx = undefined;
}
