/**
 * Worker thread of "Gradient Lab: Explore…" (bundled as dist/exploreWorker.js): runs one
 * exploration of core/explore off the extension host's thread. The request arrives as
 * `workerData`; progress goes out as messages, then exactly one `done` or `error`. The host
 * cancels by terminating the worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runExplore, type ExploreData, type ExploreRequest, type ExploreResult } from '../core/explore/index';
import { openDatasetAt } from './fsAccess';
import { setGenerationHooks } from './defaultDataset';

export interface ExploreJob {
  request: ExploreRequest;
  /** Dataset for sanity and caption flow: a folder, or "default" for the embedded set. */
  data: string;
}

export type FromExploreWorker =
  | { type: 'progress'; message: string; fraction?: number }
  | { type: 'done'; result: ExploreResult; ms: number }
  | { type: 'error'; message: string; stack?: string };

function post(m: FromExploreWorker): void {
  parentPort?.postMessage(m);
}

// The embedded default's first use generates it here (seconds), with progress like any other step.
setGenerationHooks({ onProgress: (p) => post({ type: 'progress', message: `first use: generating the embedded default dataset (${p.stage})`, fraction: p.fraction }) });

async function main(job: ExploreJob): Promise<void> {
  const t0 = Date.now();
  let data: ExploreData | undefined;
  const name = job.request.name;
  if (name === 'sanity' || name === 'flow') {
    post({ type: 'progress', message: `opening ${job.data === 'default' ? 'the embedded default dataset' : job.data}` });
    try {
      data = await openDatasetAt(job.data);
    } catch (e) {
      // The flow's synthetic task needs no data; the sanity suite does.
      if (name === 'sanity') throw e;
      post({ type: 'progress', message: `no caption flow: ${(e as Error).message.split('\n')[0]}` });
    }
  }
  const result = runExplore(job.request, { data, progress: (message, fraction) => post({ type: 'progress', message, fraction }) });
  post({ type: 'done', result, ms: Date.now() - t0 });
}

main(workerData as ExploreJob).catch((err: unknown) => {
  const e = err instanceof Error ? err : new Error(String(err));
  post({ type: 'error', message: e.message.split('\n')[0], stack: e.stack });
});
