import * as vscode from 'vscode';
import type { TrainConfig } from '../protocol/webview';
import { Cmd } from './constants';
import type { Ctx } from './ctx';

/** What the views ask for, routed to the commands that do it (so a view and the palette behave alike). */
export function routeViewMessages(c: Ctx): void {
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
        await vscode.commands.executeCommand(view === 'hidden' ? Cmd.showHiddenStates : Cmd.showGradients, {
          split: msg.split,
          index: msg.index,
          cell: view === 'hidden' ? c.hidden?.cell : undefined,
          sampled: msg.sampled,
        });
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
}
