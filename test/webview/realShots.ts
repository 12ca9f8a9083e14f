/**
 * The README's webview screenshots, from the real engine on the embedded default dataset:
 * a full gradient check, two small models trained for a few hundred iterations (rnn and lstm),
 * their hidden states, gradients per timestep and sampled captions, and the training curve.
 * Rendered by the views' own bundle through the harness (the extension's HTML shell and CSP).
 *
 *   node --import tsx test/webview/realShots.ts [outDir]      (default docs/screenshots)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkModel, runChecks } from '../../core/checks';
import { findBug } from '../../core/explore/bugs';
import { resolveImageRef } from '../../core/data/images';
import type { Dataset } from '../../core/data/types';
import { CaptioningModel } from '../../core/model';
import { openDatasetAt } from '../../runtime/fsAccess';
import { Rng } from '../../core/random';
import { sampleSplit, type SampleMethod } from '../../core/sampling';
import { CaptioningSolver } from '../../core/solver';
import { intTensor } from '../../core/tensor';
import type { CaptionsPayload, EpochPoint, GradFlowSeries, HiddenStatesPayload, TrainConfig, TrainingState } from '../../protocol/webview';
import { type Extra, launch, openView, ORIGIN } from './harness';

const OUT = process.argv[2] ?? join(__dirname, '..', '..', 'docs', 'screenshots');
const H = 64;
const W = 32;

async function trainModel(ds: Dataset, cell: 'rnn' | 'lstm', iterations: number): Promise<{ model: CaptioningModel; loss: number[]; epochs: EpochPoint[]; itPerSec: number }> {
  const model = new CaptioningModel({ wordToIdx: ds.wordToIdx, inputDim: ds.D, wordvecDim: W, hiddenDim: H, cellType: cell, seed: 231 });
  const batch = 50;
  const perEpoch = Math.max(1, Math.floor(ds.splits.train.numCaptions / batch));
  const solver = new CaptioningSolver(model, { train: ds.splits.train, val: ds.splits.val }, {
    updateRule: 'adam',
    optimConfig: { learningRate: 5e-3 },
    lrDecay: 0.995,
    batchSize: batch,
    numEpochs: Math.max(1, Math.ceil(iterations / perEpoch)),
    seed: 231,
    evalSize: 50,
  });
  let itPerSec = 0;
  const r = await solver.train({ onStep: (s) => (itPerSec = s.itPerSec) });
  return { model, loss: r.lossHistory, epochs: r.epochs.map((e) => ({ epoch: e.epoch, iteration: e.iteration, trainLoss: e.trainLoss, valLoss: e.valLoss })), itPerSec };
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const report = runChecks({});
  console.log(`check: ${report.layers.length} layers, verdict ${report.verdict} (${Date.now() - t0} ms)`);
  // The embedded default dataset once built (npm run gen:data); its shared prototype otherwise.
  const ds = await openDatasetAt('default', { maxTrain: 2000, seed: 231 }).catch(() => openDatasetAt(process.env.GRADLAB_DATASET ?? '/work/shared/data/shapes-default-proto', { maxTrain: 2000, seed: 231 }));
  console.log(`dataset ${ds.name}: T+1=${ds.T}, D=${ds.D}, V=${ds.V}, train ${ds.splits.train.numCaptions} captions`);
  const lstm = await trainModel(ds, 'lstm', 200);
  const rnn = await trainModel(ds, 'rnn', 200);
  console.log(`trained: lstm ${lstm.loss.length} it, loss ${lstm.loss.at(-1)?.toFixed(3)}; rnn ${rnn.loss.length} it, loss ${rnn.loss.at(-1)?.toFixed(3)}`);

  // One caption, traced through both models.
  const split = ds.splits.val;
  // The longest of the first 500 val captions: more unmasked steps for the gradient to travel.
  let index = 0;
  let best = -1;
  for (let r = 0; r < Math.min(500, split.numCaptions); r++) {
    let len = 0;
    for (let t = 0; t < ds.T; t++) if (split.captions.data[r * ds.T + t] !== ds.nullIdx) len++;
    if (len > best) [best, index] = [len, r];
  }
  const row = split.captions.data.subarray(index * ds.T, (index + 1) * ds.T);
  const captions = intTensor([1, ds.T], row);
  const features = split.getFeatures([split.imageIdxs[index]]);
  const words = Array.from(row.subarray(0, ds.T - 1), (w) => ds.idxToWord[w]);
  const tl = lstm.model.trace(features, captions, 0);
  const tr = rnn.model.trace(features, captions, 0);
  const caption = { split: 'val' as const, index, count: split.numCaptions, sampled: false };
  const hidden: HiddenStatesPayload = { cell: 'lstm', words, h: tl.h, ...(tl.c ? { c: tl.c } : {}), ...(tl.gates ? { gates: tl.gates } : {}), caption };
  const series = (t: typeof tl): GradFlowSeries => ({ dh: t.dhNorm, dx: t.dxNorm, dWh: t.dWhNorm, dWx: t.dWxNorm });

  // Captions: greedy, beam 3, temperature 0.7 on train and val images.
  const vocab = { idxToWord: ds.idxToWord, nullIdx: ds.nullIdx, startIdx: ds.startIdx, endIdx: ds.endIdx };
  const methods: SampleMethod[] = [{ kind: 'greedy' }, { kind: 'beam', width: 3 }, { kind: 'temperature', temperature: 0.7, seed: 231 }];
  const extra: Extra = {};
  const items: CaptionsPayload['items'] = [];
  for (const name of ['train', 'val'] as const) {
    const sp = ds.splits[name];
    const rng = new Rng(name === 'train' ? 1 : 2);
    const rows = Array.from({ length: name === 'train' ? 4 : 4 }, () => rng.int(sp.numCaptions));
    const runs = methods.map((method) => sampleSplit(lstm.model, sp, name, vocab, { rows, method }));
    runs[0].forEach((r, i) => {
      const ref = r.imageRef ? resolveImageRef(ds, r.imageRef) : undefined;
      let src = '';
      let label = r.imageRef ?? 'no image';
      if (ref?.kind === 'file') {
        src = `${ORIGIN}/ds/${ref.relPath}`;
        label = ref.relPath;
        extra[`/ds/${ref.relPath}`] = { body: readFileSync(ref.path), contentType: 'image/png' };
      } else if (ref?.kind === 'url') src = ref.url;
      items.push({
        split: name,
        imageIndex: r.imageIndex,
        src,
        label,
        groundTruth: r.references.length ? r.references : [r.groundTruth],
        samples: runs.map((run) => {
          const m = run[i].method;
          return { method: m.kind, text: run[i].sample, ...(m.kind === 'beam' ? { beamWidth: m.width } : {}), ...(m.kind === 'temperature' ? { temperature: m.temperature } : {}) };
        }),
      });
    });
  }

  const config: TrainConfig = { cellType: 'lstm', hiddenDim: H, wordvecDim: W, updateRule: 'adam', learningRate: 5e-3, batchSize: 50, numEpochs: lstm.epochs.length || 1, trainSubset: 2000, seed: 231 };
  const n = lstm.loss.length;
  const training: TrainingState = {
    config,
    status: 'done',
    message: `loss ${lstm.loss[n - 1].toFixed(3)} after ${n} iterations`,
    loss: { iteration: lstm.loss.map((_, i) => i + 1), loss: lstm.loss },
    epochs: lstm.epochs,
    progress: { iteration: n, totalIterations: n, epoch: lstm.epochs.length, totalEpochs: lstm.epochs.length, itPerSec: lstm.itPerSec, etaSeconds: 0 },
    captions: items.slice(0, 3).map((it) => ({ split: it.split, text: it.samples[0].text, groundTruth: it.groundTruth[0] })),
  };
  ds.close();

  const browser = await launch();
  try {
    const shot = async (view: Parameters<typeof openView>[1], msg: Record<string, unknown>, file: string, o: { width?: number; theme?: 'dark' | 'light' | 'hc'; before?: (p: Awaited<ReturnType<typeof openView>>) => Promise<void> } = {}): Promise<void> => {
      const v = await openView(browser, view, { width: o.width ?? 1200, height: 800, theme: o.theme, extra });
      try {
        await v.send(msg);
        if (o.before) await o.before(v);
        await v.page.waitForTimeout(200);
        await v.page.screenshot({ path: join(OUT, file), fullPage: true });
        if (v.errors.some((e) => !/ERR_INTERNET_DISCONNECTED/.test(e))) throw new Error(`${view}: ${v.errors.join(' | ')}`);
        console.log(`wrote ${file}`);
      } finally {
        await v.close();
      }
    };
    const thresholds = { good: 1e-7, ok: 1e-4, warn: 1e-2 };
    await shot('report', { type: 'setReport', payload: { report, thresholds, title: 'All layers and both models, seed 231', select: { layer: report.layers.find((l) => l.params.some((p) => p.perTimestep))?.layer ?? '', param: report.layers.find((l) => l.params.some((p) => p.perTimestep))?.params.find((p) => p.perTimestep)?.name ?? '' } } }, 'webview-report.png');
    await shot('report', { type: 'setReport', payload: { report, thresholds, title: 'All layers and both models, seed 231' } }, 'webview-report-light.png', { theme: 'light' });
    const bug = checkModel('rnn', 231, 1e-6, findBug('dwh-not-accumulated').layers);
    await shot('report', { type: 'setReport', payload: { report: { seed: 231, h: 1e-6, dtype: 'float64', layers: [bug], verdict: bug.verdict }, thresholds, title: 'captioning_rnn with the bug dWh not accumulated (gradlab explore bugs)', select: { layer: 'captioning_rnn', param: 'Wh' } } }, 'webview-report-loss-steps.png');
    await shot('hidden', { type: 'setHidden', payload: hidden }, 'webview-hidden-states.png');
    await shot('hidden', { type: 'setHidden', payload: hidden }, 'webview-hidden-forget-gate.png', {
      before: async (v) => {
        await v.page.locator('.segmented label', { hasText: 'gate f' }).click();
        await v.page.locator('select').nth(1).selectOption('std');
      },
    });
    await shot('gradflow', { type: 'setGradFlow', payload: { words, perCell: { rnn: series(tr), lstm: series(tl) }, caption } }, 'webview-gradients-per-timestep.png');
    await shot('captions', { type: 'setCaptions', payload: { items, model: `lstm H=${H}, W=${W}, ${n} iterations on the embedded default dataset` } }, 'webview-captions.png');
    await shot('training', { type: 'setTraining', state: training }, 'webview-training.png', { width: 340 });
    await shot('training', { type: 'setTraining', state: training }, 'webview-training-hc.png', { width: 340, theme: 'hc' });
  } finally {
    await browser.close();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : String(e));
  process.exit(1);
});
