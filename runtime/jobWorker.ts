/**
 * Worker thread that runs one engine job for the extension host (protocol/jobs.ts): the request
 * arrives as `workerData`, progress goes out as messages, then exactly one `done` or `error`.
 * The host cancels by posting `cancel` and terminating the worker a moment later, so jobs need no
 * cancellation checks of their own; the default dataset's generation takes the `cancel` to remove its
 * temporary folder before the worker ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FromJobWorker, JobRequest, JobResults, ToJobWorker } from '../protocol/jobs';
import { runChecks } from '../core/checks';
import type { Dataset } from '../core/data/types';
import { CAPTIONS_FILE, featureFile, SCENES_FILE } from '../core/data/loader';
import type { DatasetKeyInfo } from '../protocol/lsp';
import { CaptioningModel } from '../core/model';
import type { Checkpoint } from '../core/checkpoint/checkpoint';
import { intTensor } from '../core/tensor';
import type { CellTrace, CheckpointInfoJob, CheckpointSummary, ImageSource, SampledImage, SampleJob, SampleResult, TraceJob, TraceResult } from '../protocol/jobs';
import { resolveImageRef } from '../core/data/images';
import { sampleSplit, type SampleMethod, type SamplingModel } from '../core/sampling';
import { checkpointSampler } from './samplingModel';
import { Rng } from '../core/random';
import { loadCheckpoint } from './checkpointFile';
import { fsAccess, openDatasetAt } from './fsAccess';
import { checkModelAtSizes } from './sizedCheck';
import { checkScene, scenePngDataUrl } from './scenePng';
import { setGenerationHooks } from './defaultDataset';

function post(msg: FromJobWorker): void {
  parentPort?.postMessage(msg);
}

function progress(message: string, fraction?: number): void {
  post({ type: 'progress', message, fraction });
}

// A job that opens the embedded default before it is generated generates it. The host's `cancel`
// stops the generation between blocks, and the generation removes its temporary folder.
const cancel = new AbortController();
parentPort?.on('message', (m: ToJobWorker) => {
  if (m && m.type === 'cancel') cancel.abort();
});
parentPort?.unref();
setGenerationHooks({
  signal: cancel.signal,
  onProgress: (p) => progress(p.stage === 'done' ? 'embedded default dataset ready' : `first use: generating the embedded default dataset (${p.stage})`, p.fraction),
});

/** dtype names as numpy prints them, from the HDF5 element kind and size. */
function dtypeName(kind: string, bytes: number): string {
  if (kind === 'int' || kind === 'uint' || kind === 'float') return `${kind}${bytes * 8}`;
  return kind;
}

/** The arrays of the CS231n data dict (load_coco_data's keys) with dtype and shape as the files hold them. */
async function datasetKeys(ds: Dataset): Promise<DatasetKeyInfo[]> {
  const access = fsAccess(ds.dir);
  const out: DatasetKeyInfo[] = [];
  const read = async (file: string, pairs: [string, string][]): Promise<void> => {
    const h = await access.openH5(file);
    try {
      for (const [inFile, key] of pairs) {
        const info = h.info(inFile);
        if (info) out.push({ key, dtype: dtypeName(info.kind, info.bytes), shape: [...info.shape], file });
      }
    } finally {
      h.close();
    }
  };
  await read(CAPTIONS_FILE, ['train_captions', 'train_image_idxs', 'val_captions', 'val_image_idxs'].map((k) => [k, k]));
  for (const split of ['train', 'val'] as const) await read(featureFile(split, ds.pcaFeatures), [['features', `${split}_features`]]);
  return out;
}

async function summarize(ds: Dataset, source: JobResults['datasetInfo']['source']): Promise<JobResults['datasetInfo']> {
  return {
    name: source.kind === 'default' ? 'embedded default' : ds.name,
    source,
    location: ds.dir,
    splits: (['train', 'val'] as const).map((name) => ({ name, captions: ds.splits[name].numCaptions, images: ds.splits[name].numImages })),
    vocabSize: ds.V,
    captionLength: ds.T,
    featureDim: ds.D,
    openMs: ds.stats.openMs,
    warnings: [...ds.warnings],
    keys: await datasetKeys(ds),
  };
}

async function trace(req: TraceJob): Promise<TraceResult> {
  const ds = await openSource(req.source);
  try {
    const split = ds.splits[req.split];
    if (!(Number.isInteger(req.index) && req.index >= 0 && req.index < split.numCaptions)) {
      throw new Error(`caption ${req.index} is outside the ${req.split} split's ${split.numCaptions} captions`);
    }
    const T1 = ds.T;
    const imageIndex = split.imageIdxs[req.index];
    const features = split.getFeatures([imageIndex]);
    const ckpt = req.checkpoint ? loadCheckpoint(req.checkpoint, { idxToWord: ds.idxToWord, D: ds.D, name: ds.name }) : undefined;
    let row: ArrayLike<number> = split.captions.data.subarray(req.index * T1, (req.index + 1) * T1);
    if (req.sampled) {
      if (!ckpt) throw new Error('tracing a sampled caption needs a trained model: train one or load a checkpoint first');
      progress(`sampling a caption for ${req.split} image ${imageIndex}`, 0);
      const sampler = new CaptioningModel({
        wordToIdx: ds.wordToIdx,
        inputDim: ds.D,
        wordvecDim: ckpt.config.wordvecDim,
        hiddenDim: ckpt.config.hiddenDim,
        cellType: ckpt.config.cellType,
      });
      sampler.setParams(ckpt.params);
      row = sampledRow(sampler.sample(features, T1 - 1).data, T1, ds);
    }
    const captions = intTensor([1, T1], row);
    const cells = ckpt ? [ckpt.config.cellType] : req.cells;
    const traces: CellTrace[] = cells.map((cell, k) => {
      progress(`tracing the ${cell} model`, k / cells.length);
      const model = new CaptioningModel({
        wordToIdx: ds.wordToIdx,
        inputDim: ds.D,
        wordvecDim: ckpt?.config.wordvecDim ?? req.wordvecDim,
        hiddenDim: ckpt?.config.hiddenDim ?? req.hiddenDim,
        cellType: cell,
        seed: req.seed,
      });
      if (ckpt) model.setParams(ckpt.params);
      const t = model.trace(features, captions, 0);
      return {
        cell,
        loss: t.loss,
        h: t.h,
        c: t.c,
        gates: t.gates,
        dh: t.dhNorm,
        dx: t.dxNorm,
        dWh: t.dWhNorm,
        dWx: t.dWxNorm,
        model: ckpt && req.checkpoint ? `trained, ${ckpt.lossHistory.length} iterations (${fileName(req.checkpoint)})` : `untrained (seed ${req.seed})`,
      };
    });
    const first = traces.length ? model0Words(ds.idxToWord, row) : [];
    return { split: req.split, index: req.index, count: split.numCaptions, words: first, traces, ...(req.sampled ? { sampled: { imageIndex } } : {}) };
  } finally {
    ds.close();
  }
}

function fileName(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

function openSource(source: TraceJob['source']): Promise<Dataset> {
  return openDatasetAt(source.kind === 'default' ? 'default' : source.path);
}

async function sample(req: SampleJob): Promise<SampleResult> {
  const ds = await openSource(req.source);
  try {
    const ckpt = loadCheckpoint(req.checkpoint, { idxToWord: ds.idxToWord, D: ds.D, name: ds.name });
    const sampler = await checkpointSampler({
      wordToIdx: ds.wordToIdx,
      inputDim: ds.D,
      wordvecDim: ckpt.config.wordvecDim,
      hiddenDim: ckpt.config.hiddenDim,
      cellType: ckpt.config.cellType,
      params: ckpt.params,
    });
    try {
      return sampleWith(sampler.model, ds, req, ckpt);
    } finally {
      sampler.close();
    }
  } finally {
    ds.close();
  }
}

function sampleWith(model: SamplingModel, ds: Dataset, req: SampleJob, ckpt: Checkpoint): SampleResult {
  const split = ds.splits[req.split];
  const n = split.numCaptions;
  if (n === 0) throw new Error(`the ${req.split} split has no captions`);
  const rng = new Rng(req.seed);
  const rows = Array.from({ length: Math.min(req.count, n) }, () => rng.int(n));
  const vocab = { idxToWord: ds.idxToWord, nullIdx: ds.nullIdx, startIdx: ds.startIdx, endIdx: ds.endIdx };
  const methods: SampleMethod[] = [{ kind: 'greedy' }, { kind: 'beam', width: 3 }, { kind: 'temperature', temperature: 0.7, seed: req.seed }];
  const runs = methods.map((method, k) => {
    progress(`sampling (${method.kind})`, k / methods.length);
    return sampleSplit(model, split, req.split, vocab, { rows, method });
  });
  const items: SampledImage[] = runs[0].map((r, i) => {
    const ref = r.imageRef;
    let image: ImageSource = { kind: 'none', reason: 'the split has no image list' };
    const scene = ds.scenes?.[req.split][r.imageIndex];
    if (scene !== undefined) {
      // The embedded default ships no image files: its pictures are drawn from the scene records.
      const checked = checkScene(scene);
      image = typeof checked === 'string' ? { kind: 'none', reason: `${SCENES_FILE}: ${req.split}[${r.imageIndex}]: ${checked}` } : { kind: 'picture', dataUrl: scenePngDataUrl(checked), label: ref ?? `${req.split} scene ${r.imageIndex}` };
    } else if (ref !== null) {
      const res = resolveImageRef(ds, ref);
      image = res.kind === 'url' ? { kind: 'url', url: res.url } : res.kind === 'file' ? { kind: 'file', path: res.path, label: res.relPath } : { kind: 'none', reason: res.reason };
    }
    return {
      split: req.split,
      imageIndex: r.imageIndex,
      image,
      groundTruth: r.references.length ? r.references : [r.groundTruth],
      samples: runs.map((run) => {
        const m = run[i].method;
        return {
          method: m.kind,
          text: run[i].sample,
          ...(m.kind === 'beam' ? { beamWidth: m.width } : {}),
          ...(m.kind === 'temperature' ? { temperature: m.temperature } : {}),
        };
      }),
    };
  });
  return { model: `${ckpt.config.cellType} H=${ckpt.config.hiddenDim}, W=${ckpt.config.wordvecDim}, ${ckpt.lossHistory.length} iterations (${fileName(req.checkpoint)})`, items };
}

async function checkpointInfo(req: CheckpointInfoJob): Promise<CheckpointSummary> {
  const ds = await openSource(req.source);
  try {
    const c = loadCheckpoint(req.file, { idxToWord: ds.idxToWord, D: ds.D, name: ds.name });
    return {
      file: req.file,
      cellType: c.config.cellType,
      hiddenDim: c.config.hiddenDim,
      wordvecDim: c.config.wordvecDim,
      inputDim: c.config.inputDim,
      vocabSize: c.config.vocabSize,
      iterations: c.lossHistory.length,
      finalLoss: c.lossHistory.at(-1),
    };
  } finally {
    ds.close();
  }
}

/**
 * A caption row of length T1 from a greedy sample (column 0 = first generated word): <START>, the
 * words up to and including the first <END>, then <NULL> to the end.
 */
function sampledRow(words: ArrayLike<number>, T1: number, vocab: { startIdx: number; endIdx: number; nullIdx: number }): Int32Array {
  const row = new Int32Array(T1).fill(vocab.nullIdx);
  row[0] = vocab.startIdx;
  for (let s = 0; s < T1 - 1 && s < words.length; s++) {
    row[s + 1] = words[s];
    if (words[s] === vocab.endIdx) break;
  }
  return row;
}

/** captions_in of a row as words (the model's input at each step). */
function model0Words(idxToWord: readonly string[], row: ArrayLike<number>): string[] {
  const out: string[] = [];
  for (let t = 0; t < row.length - 1; t++) out.push(idxToWord[row[t]] ?? `#${row[t]}`);
  return out;
}

async function run(req: JobRequest): Promise<JobResults[JobRequest['kind']]> {
  switch (req.kind) {
    case 'check': {
      if (req.sizes) {
        progress(`checking captioning_${req.cell} at N, T, D, W, H, V = ${['N', 'T', 'D', 'W', 'H', 'V'].map((k) => req.sizes?.[k]).join(', ')}`, 0);
        const layer = checkModelAtSizes(req.cell, req.sizes, req.seed, req.h, req.thresholds, (name, i, n) => progress(`checked ${name}`, (i + 1) / n));
        return { seed: req.seed, h: req.h, dtype: 'float64', layers: [layer], verdict: layer.verdict };
      }
      progress(`checking ${req.layer}`, 0);
      return runChecks({
        layer: req.layer,
        cell: req.layer === 'model' ? req.cell : undefined,
        seed: req.seed,
        h: req.h,
        thresholds: req.thresholds,
        onLayer: (done, i, total) => progress(`${done.layer}: ${done.verdict} (${i + 1}/${total})`, (i + 1) / total),
      });
    }
    case 'datasetInfo': {
      progress(req.source.kind === 'default' ? 'opening the embedded default dataset' : `opening ${req.source.path}`);
      const ds = await openDatasetAt(req.source.kind === 'default' ? 'default' : req.source.path);
      try {
        return await summarize(ds, req.source);
      } finally {
        ds.close();
      }
    }
    case 'trace':
      return trace(req);
    case 'sample':
      return sample(req);
    case 'checkpointInfo':
      return checkpointInfo(req);
    default: {
      const never: never = req;
      throw new Error(`unknown job ${JSON.stringify(never)}`);
    }
  }
}

run(workerData as JobRequest).then(
  (result) => post({ type: 'done', result }),
  (err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    post({ type: 'error', message: e.message.split('\n')[0], stack: e.stack });
  },
);
