import * as vscode from 'vscode';
import type { CellType, CheckpointSummary, SampleResult, TraceResult } from '../protocol/jobs';
import type { CaptionRef, GradFlowPayload, GradFlowSeries, HiddenStatesPayload, Split } from '../protocol/webview';
import { config } from './config';
import type { Ctx } from './ctx';

/** Which caption to trace; every field has a default (train split, caption 0, the settings' cell). */
export interface TraceChoice {
  split?: Split;
  index?: number;
  cell?: CellType;
  /** Trace the greedy caption the current model samples for that caption's image (needs a model). */
  sampled?: boolean;
}

function progressOptions(title: string): vscode.ProgressOptions {
  return { location: vscode.ProgressLocation.Notification, title, cancellable: true };
}

/** Runs a trace job on the open dataset with the current model (the checkpoint when one is loaded). */
async function runTrace(ctx: Ctx, choice: TraceChoice, cells: CellType[], title: string): Promise<TraceResult> {
  if (choice.sampled && !ctx.checkpoint) {
    throw new Error('tracing a sampled caption needs a trained model: train one (Gradient Lab: Train Model) or load a checkpoint first');
  }
  return vscode.window.withProgress(progressOptions(title), async (progress, token) => {
    const ds = await ctx.ensureDataset(token);
    const t = config.training();
    return ctx.jobs.run(
      {
        kind: 'trace',
        source: ds.source,
        split: choice.split ?? 'train',
        index: choice.index ?? 0,
        cells,
        hiddenDim: t.hiddenDim,
        wordvecDim: t.wordvecDim,
        seed: t.seed,
        checkpoint: ctx.checkpoint?.file,
        ...(choice.sampled ? { sampled: true } : {}),
      },
      { token, onProgress: (message) => progress.report({ message }) },
    );
  });
}

/** Which caption a trace was taken on; `samplable` is filled in when the view is sent (it follows the model). */
function captionRef(r: TraceResult): CaptionRef {
  return { split: r.split, index: r.index, count: r.count, sampled: r.sampled !== undefined, ...(r.sampled ? { imageIndex: r.sampled.imageIndex } : {}) };
}

export function hiddenPayload(r: TraceResult): HiddenStatesPayload {
  const tr = r.traces[0];
  return {
    cell: tr.cell,
    words: r.words,
    h: tr.h,
    ...(tr.c ? { c: tr.c } : {}),
    ...(tr.gates ? { gates: tr.gates } : {}),
    caption: captionRef(r),
    model: tr.model,
  };
}

export function gradFlowPayload(r: TraceResult): GradFlowPayload {
  const perCell: GradFlowPayload['perCell'] = {};
  const models: NonNullable<GradFlowPayload['models']> = {};
  for (const tr of r.traces) {
    const s: GradFlowSeries = { dh: tr.dh, dx: tr.dx, dWh: tr.dWh, dWx: tr.dWx };
    perCell[tr.cell] = s;
    models[tr.cell] = tr.model;
  }
  return { words: r.words, perCell, caption: captionRef(r), models };
}

/** Show Hidden States: h_t (and the LSTM's c_t and gates) for one caption. */
export async function showHiddenStates(ctx: Ctx, choice: TraceChoice = {}, reveal = true): Promise<HiddenStatesPayload> {
  const cell = choice.cell ?? ctx.checkpoint?.cellType ?? config.training().cellType;
  const r = await runTrace(ctx, choice, [cell], 'Tracing hidden states');
  ctx.hidden = hiddenPayload(r);
  ctx.log.info(`hidden states: ${r.split} caption ${r.index}${r.sampled ? ` (sampled for image ${r.sampled.imageIndex})` : ''}, ${r.traces[0].cell}, ${r.traces[0].model}`);
  ctx.panels.refresh('hidden');
  if (reveal) void ctx.panels.show('hidden');
  return ctx.hidden;
}

/** Show Gradients per Timestep: ‖∂L/∂h_t‖, ‖∂L/∂x_t‖ and the per-step dWh, dWx for rnn and lstm. */
export async function showGradients(ctx: Ctx, choice: TraceChoice = {}, reveal = true): Promise<GradFlowPayload> {
  const cells: CellType[] = ctx.checkpoint ? [ctx.checkpoint.cellType] : ['rnn', 'lstm'];
  const r = await runTrace(ctx, choice, cells, 'Tracing gradients per timestep');
  ctx.gradflow = gradFlowPayload(r);
  ctx.log.info(`gradients per timestep: ${r.split} caption ${r.index}${r.sampled ? ` (sampled for image ${r.sampled.imageIndex})` : ''}, ${r.traces.map((t) => `${t.cell}: ${t.model}`).join('; ')}`);
  ctx.panels.refresh('gradflow');
  if (reveal) void ctx.panels.show('gradflow');
  return ctx.gradflow;
}

/** How many times Sample Captions has run: the first draw uses the training seed, each later one the next seed, so "Sample new images" shows new images. */
let sampleDraws = 0;

/** Sample Captions: greedy, beam and temperature captions of a trained model for images of a split. */
export async function sampleCaptions(ctx: Ctx, opts: { split?: Split; count?: number } = {}): Promise<SampleResult> {
  const ckpt = ctx.checkpoint;
  if (!ckpt) throw new Error('sampling needs a trained model: train one (Gradient Lab: Train Model) or load a checkpoint first');
  const seed = config.training().seed + sampleDraws++;
  const r = await vscode.window.withProgress(progressOptions('Sampling captions'), async (progress, token) => {
    const ds = await ctx.ensureDataset(token);
    return ctx.jobs.run(
      { kind: 'sample', source: ds.source, checkpoint: ckpt.file, split: opts.split ?? 'val', count: opts.count ?? 8, seed },
      { token, onProgress: (message) => progress.report({ message }) },
    );
  });
  ctx.samples = r;
  ctx.log.info(`sampled ${r.items.length} captions with ${r.model}`);
  ctx.panels.refresh('captions');
  void ctx.panels.show('captions');
  return r;
}

/** Load Checkpoint…: reads and checks an .npz against the open dataset; the model then drives sampling and traces. */
export async function loadCheckpoint(ctx: Ctx, file?: string): Promise<CheckpointSummary | undefined> {
  let path = file;
  if (!path) {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Gradient Lab checkpoint': ['npz'] }, openLabel: 'Load Checkpoint' });
    path = picked?.[0]?.fsPath;
  }
  if (!path) return undefined;
  const target = path;
  const summary = await vscode.window.withProgress(progressOptions(`Loading ${target}`), async (_p, token) => {
    const ds = await ctx.ensureDataset(token);
    return ctx.jobs.run({ kind: 'checkpointInfo', source: ds.source, file: target }, { token });
  });
  ctx.setCheckpoint(summary);
  // The trace views follow the model: what they show is traced again with the loaded one (same caption).
  const again = (c: CaptionRef | undefined): TraceChoice | undefined => (c ? { split: c.split, index: c.index, sampled: c.sampled } : undefined);
  const hidden = again(ctx.hidden?.caption);
  const flow = again(ctx.gradflow?.caption);
  try {
    if (hidden) await showHiddenStates(ctx, hidden, false);
    if (flow) await showGradients(ctx, flow, false);
  } catch (e) {
    ctx.log.warn(`tracing the open views again with the loaded model failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  void vscode.window.showInformationMessage(
    `Loaded an ${summary.cellType.toUpperCase()} model (H=${summary.hiddenDim}, W=${summary.wordvecDim}, ${summary.iterations} iterations) from ${target}.`,
  );
  return summary;
}
