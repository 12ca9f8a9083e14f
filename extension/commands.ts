import * as fs from 'node:fs/promises';
import * as vscode from 'vscode';
import type { CheckReport } from '../core/gradcheck';
import type { CheckJob, DatasetSource, DatasetSummary } from '../protocol/jobs';
import type { ParamRef, TrainConfig } from '../protocol/webview';
import { config, type CellType } from './config';
import { Cmd, View, type CommandId } from './constants';
import type { Ctx } from './ctx';
import { writeFileAtomic } from './files';
import { CancelledError } from './jobs';
import { reportTo } from './generationProgress';
import { errorMessage } from './log';
import { fmtErr, fmtIndex, isFailing } from './views/checksTree';
import { loadCheckpoint, sampleCaptions, showGradients, showHiddenStates, type TraceChoice } from './analysis';

/** A command's handler built from the context; what it returns is the command's result (tests read it). */
export type CommandFactory = (ctx: Ctx) => (...args: never[]) => unknown;

/** Which check to run; the quick pick builds one, tests and links may pass one directly. */
export interface CheckChoice {
  /** 'all', a layer name, or 'model'. */
  layer: string;
  cell?: CellType;
  /** Check the model at the open dataset's sizes instead of the seeds' small ones. */
  atDatasetSizes?: boolean;
}

const LAYERS = ['affine', 'rnn_step', 'rnn', 'word_embedding', 'temporal_affine', 'temporal_softmax_loss', 'lstm_step', 'lstm'];

async function pickCheck(ctx: Ctx): Promise<CheckChoice | undefined> {
  type Item = vscode.QuickPickItem & { choice?: CheckChoice };
  const ds = ctx.dataset;
  const dsSizes = ds ? `D=${ds.featureDim}, V=${ds.vocabSize}, T=${ds.captionLength - 1}` : 'opens the dataset first';
  const items: Item[] = [
    { label: '$(checklist) Every layer and both models', description: 'the CS231n notebooks\u2019 checks', choice: { layer: 'all' } },
    { label: 'Whole model', kind: vscode.QuickPickItemKind.Separator },
    { label: '$(type-hierarchy) Captioning model, rnn', description: 'seed sizes N=2, T=3, D=4, W=5, H=6', choice: { layer: 'model', cell: 'rnn' } },
    { label: '$(type-hierarchy) Captioning model, lstm', description: 'seed sizes', choice: { layer: 'model', cell: 'lstm' } },
    { label: '$(database) Captioning model, rnn, at the dataset\u2019s sizes', description: dsSizes, detail: 'sparse check: 10 random entries per parameter', choice: { layer: 'model', cell: 'rnn', atDatasetSizes: true } },
    { label: '$(database) Captioning model, lstm, at the dataset\u2019s sizes', description: dsSizes, detail: 'sparse check: 10 random entries per parameter', choice: { layer: 'model', cell: 'lstm', atDatasetSizes: true } },
    { label: 'One layer', kind: vscode.QuickPickItemKind.Separator },
    ...LAYERS.map((l): Item => ({ label: `$(symbol-function) ${l}`, choice: { layer: l } })),
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'Gradient Lab: Run Gradient Check', placeHolder: 'What to check', matchOnDescription: true });
  return picked?.choice;
}

function describeChoice(c: CheckChoice): string {
  if (c.layer === 'all') return 'every layer and both models';
  if (c.layer === 'model') return `the ${c.cell ?? 'rnn'} captioning model${c.atDatasetSizes ? ' at the dataset\u2019s sizes' : ''}`;
  return c.layer;
}

async function runGradientCheck(ctx: Ctx, choice: CheckChoice): Promise<CheckReport> {
  const d = config.check();
  const t = config.training();
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Gradient check of ${describeChoice(choice)}`, cancellable: true },
    async (progress, token) => {
      let sizes: Record<string, number> | undefined;
      if (choice.atDatasetSizes) {
        progress.report({ message: 'opening the dataset' });
        const ds = await ctx.ensureDataset(token);
        sizes = { N: 2, T: ds.captionLength - 1, D: ds.featureDim, W: t.wordvecDim, H: t.hiddenDim, V: ds.vocabSize };
      }
      const job: CheckJob = { kind: 'check', layer: choice.layer, cell: choice.cell ?? d.cellType, seed: d.seed, h: d.h, thresholds: d.thresholds, sizes };
      ctx.status.setCheck('Gradient check');
      ctx.log.info(`gradient check: ${describeChoice(choice)} (seed ${d.seed}, h ${d.h})`);
      let last = 0;
      try {
        const report = await ctx.jobs.run(job, {
          token,
          onProgress: (message, fraction) => {
            const inc = fraction !== undefined ? Math.max(0, fraction - last) * 100 : undefined;
            if (fraction !== undefined) last = fraction;
            progress.report({ message, increment: inc });
            ctx.status.setCheck(`Gradient check ${fraction !== undefined ? `${Math.round(fraction * 100)}%` : ''}`);
          },
        });
        for (const l of report.layers) {
          ctx.log.info(`  ${l.layer}: ${l.verdict} (${l.ms} ms) ${l.params.map((p) => `${p.name} ${fmtErr(p.relError)}`).join(', ')}`);
        }
        return report;
      } finally {
        ctx.status.setCheck(undefined);
      }
    },
  ).then(async (report) => {
    const title = `${describeChoice(choice)[0].toUpperCase()}${describeChoice(choice).slice(1)}, seed ${report.seed}`;
    ctx.setReport('engine', title, report, config.check().thresholds);
    // Not awaited: the view loads on its own and asks for the report when its script runs.
    void ctx.showReport('engine');
    const failing = report.layers.flatMap((l) => l.params.filter((p) => isFailing(p.verdict)).map((p) => ({ l, p })));
    if (failing.length > 0) {
      const first = failing[0];
      void vscode.window
        .showWarningMessage(
          `Gradient check: ${failing.length} gradient${failing.length > 1 ? 's' : ''} off, first ${first.p.name} in ${first.l.layer} (relative error ${fmtErr(first.p.relError)}).`,
          'Show Worst Element',
        )
        .then((a) => a && vscode.commands.executeCommand(Cmd.showWorstElement, { layer: first.l.layer, param: first.p.name }));
    }
    return report;
  });
}

async function pickDataset(): Promise<DatasetSource | undefined> {
  const configured = config.datasetPath();
  const items: (vscode.QuickPickItem & { source?: DatasetSource; browse?: boolean })[] = [
    { label: '$(package) Embedded default dataset', description: 'coloured-shape scenes, generated on first use', source: { kind: 'default' } },
    ...(configured ? [{ label: `$(folder) ${configured}`, description: 'gradientLab.dataset.path', source: { kind: 'folder', path: configured } as DatasetSource }] : []),
    { label: '$(folder-opened) Choose a folder in the CS231n layout…', description: 'coco2014_captions.h5, *_vgg16_fc7_pca.h5, coco2014_vocab.json', browse: true },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'Gradient Lab: Open Dataset', placeHolder: 'Which dataset' });
  if (!picked) return undefined;
  if (picked.source) return picked.source;
  const uri = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Open Dataset' });
  return uri?.[0] ? { kind: 'folder', path: uri[0].fsPath } : undefined;
}

function toSource(arg: unknown): DatasetSource | undefined {
  if (arg === 'default') return { kind: 'default' };
  if (typeof arg === 'string') return { kind: 'folder', path: arg };
  if (arg instanceof vscode.Uri) return { kind: 'folder', path: arg.fsPath };
  return undefined;
}

function revealSidebar(): Thenable<unknown> {
  return vscode.commands.executeCommand(`${View.training}.focus`);
}

/** One factory per command. */
export const COMMANDS: Record<CommandId, CommandFactory> = {
  [Cmd.runGradientCheck]: (ctx) => async (arg?: CheckChoice) => {
    const choice = arg ?? (await pickCheck(ctx));
    return choice ? runGradientCheck(ctx, choice) : undefined;
  },

  [Cmd.openDataset]: (ctx) => async (arg?: unknown): Promise<DatasetSummary | undefined> => {
    const source = toSource(arg) ?? (await pickDataset());
    if (!source) return undefined;
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Opening ${source.kind === 'default' ? 'the embedded default dataset' : source.path}`, cancellable: true },
      async (p, token) => {
        const ds = await ctx.openDataset(source, token, reportTo(p));
        void vscode.commands.executeCommand(`${View.dataset}.focus`);
        return ds;
      },
    );
  },

  [Cmd.trainModel]: (ctx) => async (arg?: Partial<TrainConfig>) => {
    if (ctx.training.running) throw new Error('a training run is already going: stop it first');
    const ds = await ctx.ensureDataset();
    const cfg: TrainConfig = { ...ctx.training.snapshot.config, ...(arg ?? {}) };
    ctx.training.start(cfg, ds.source);
    void revealSidebar();
    return cfg;
  },

  [Cmd.stopTraining]: (ctx) => async () => {
    if (!ctx.training.running) {
      void vscode.window.showInformationMessage('No training run is going.');
      return;
    }
    await ctx.training.stop();
  },

  [Cmd.sampleCaptions]: (ctx) => (arg?: { split?: 'train' | 'val'; count?: number }) => sampleCaptions(ctx, arg),

  [Cmd.showHiddenStates]: (ctx) => (arg?: TraceChoice) => showHiddenStates(ctx, arg),

  [Cmd.showGradients]: (ctx) => (arg?: TraceChoice) => showGradients(ctx, arg),

  [Cmd.saveCheckpoint]: (ctx) => async (arg?: unknown): Promise<string | undefined> => {
    const running = ctx.training.runningConfig;
    const model = ctx.checkpoint;
    if (!model && !running) throw new Error('there is no trained model to save: train one first (Gradient Lab: Train Model)');
    let target = typeof arg === 'string' ? arg : arg instanceof vscode.Uri ? arg.fsPath : undefined;
    if (!target) {
      const base = vscode.workspace.workspaceFolders?.[0]?.uri;
      const name = running ? `captioning-${running.cellType}-h${running.hiddenDim}-running.npz` : `captioning-${model!.cellType}-h${model!.hiddenDim}.npz`;
      const picked = await vscode.window.showSaveDialog({ defaultUri: base ? vscode.Uri.joinPath(base, name) : undefined, filters: { 'Gradient Lab checkpoint': ['npz'] }, saveLabel: 'Save Checkpoint' });
      target = picked?.fsPath;
    }
    if (!target) return undefined;
    if (running) {
      // Mid-run: the worker writes the model as it is after the iteration in progress (atomically).
      const iteration = await ctx.training.saveSnapshot(target);
      ctx.log.info(`checkpoint of the running model saved to ${target} (iteration ${iteration})`);
      void vscode.window.showInformationMessage(`Saved the running ${running.cellType} model (iteration ${iteration}) to ${target}; training goes on.`);
      return target;
    }
    if (!model) return undefined;
    // The run's worker wrote the model atomically at its end; saving copies those bytes, again through a temp file.
    await writeFileAtomic(target, await fs.readFile(model.file));
    ctx.log.info(`checkpoint saved to ${target}`);
    void vscode.window.showInformationMessage(`Saved the ${model.cellType} model (${model.iterations} iterations) to ${target}.`);
    return target;
  },

  [Cmd.loadCheckpoint]: (ctx) => (arg?: unknown) => loadCheckpoint(ctx, typeof arg === 'string' ? arg : arg instanceof vscode.Uri ? arg.fsPath : undefined),

  [Cmd.showReport]: (ctx) => async (ref?: ParamRef) => {
    const key = ref ? ctx.reportWithLayer(ref.layer)?.key : undefined;
    void ctx.showReport(key, ref);
  },

  [Cmd.showWorstElement]: (ctx) => async (ref?: ParamRef) => {
    const r = ref ? ctx.reportWithLayer(ref.layer) : ctx.report();
    if (!r) throw new Error('no gradient check has run yet');
    const layer = ref ? r.report.layers.find((l) => l.layer === ref.layer) : r.report.layers.find((l) => isFailing(l.verdict));
    const param = layer && (ref ? layer.params.find((p) => p.name === ref.param) : layer.params.find((p) => isFailing(p.verdict)));
    if (!layer || !param) throw new Error(ref ? `no parameter ${ref.param} in ${ref.layer}` : 'every gradient of the last check is within the thresholds');
    void ctx.showReport(r.key, { layer: layer.layer, param: param.name });
    const w = param.worst;
    const msg = `${layer.layer} ${param.name}${fmtIndex(w.index)}: analytic ${w.analytic.toPrecision(8)}, numeric ${w.numeric.toPrecision(8)}, relative error ${fmtErr(w.relError)}`;
    ctx.log.info(`worst element: ${msg}`);
    void vscode.window.showInformationMessage(msg);
    return msg;
  },

  [Cmd.clearChecks]: (ctx) => () => ctx.clearReports(),

  [Cmd.showLog]: (ctx) => () => ctx.log.show(),
};

/** Registers every command in one loop; a failure says why with an action, never silently. */
export function registerCommands(ctx: Ctx): void {
  for (const [id, factory] of Object.entries(COMMANDS) as [CommandId, CommandFactory][]) {
    const handler = factory(ctx) as (...args: unknown[]) => unknown;
    ctx.context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await handler(...args);
        } catch (err) {
          if (err instanceof CancelledError) return undefined;
          reportFailure(ctx, id, err);
          return undefined;
        }
      }),
    );
  }
}

/** The title a user knows the command by ("Open Dataset", from the package's contributes), not its id. */
function commandTitle(ctx: Ctx, id: CommandId): string {
  const contributed = (ctx.context.extension?.packageJSON as { contributes?: { commands?: { command: string; title: string }[] } } | undefined)?.contributes?.commands;
  const title = contributed?.find((c) => c.command === id)?.title;
  return title ? title.replace(/\u2026$/, '') : id.replace('gradientLab.', '');
}

function reportFailure(ctx: Ctx, id: CommandId, err: unknown): void {
  const title = commandTitle(ctx, id);
  ctx.log.error(`${title} failed`, err);
  const reason = errorMessage(err);
  const datasetTrouble = /dataset|\.h5|vocab|captions/i.test(reason);
  const actions = datasetTrouble ? ['Choose Dataset…', 'Open Log'] : ['Open Log'];
  void vscode.window.showErrorMessage(`Gradient Lab: ${title} failed: ${reason}`, ...actions).then((a) => {
    if (a === 'Open Log') ctx.log.show();
    if (a === 'Choose Dataset…') void vscode.commands.executeCommand(Cmd.openDataset);
  });
}
