/**
 * Worker thread that runs one engine job for the extension host (protocol/jobs.ts): the request
 * arrives as `workerData`, progress goes out as messages, then exactly one `done` or `error`.
 * The host cancels by terminating the worker, so jobs need no cancellation checks of their own.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FromJobWorker, JobRequest, JobResults } from '../../protocol/jobs';
import { runChecks } from '../checks';
import type { Dataset } from '../data/types';
import { CAPTIONS_FILE, featureFile } from '../data/loader';
import type { DatasetKeyInfo } from '../../protocol/lsp';
import { fsAccess, openDatasetAt } from './fsAccess';
import { checkModelAtSizes } from './sizedCheck';

function post(msg: FromJobWorker): void {
  parentPort?.postMessage(msg);
}

function progress(message: string, fraction?: number): void {
  post({ type: 'progress', message, fraction });
}

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
