/**
 * The feature reader thread (bundled to dist/featureReaderWorker.js), started by the training
 * worker when the train features stream (runtime/prefetch.ts). It opens the feature file on its
 * own (its own h5wasm instance, chunk cache and direct reader) and answers `{ id, rows }` with the
 * (rows.length × D) float32 rows, transferred, so reading and decompressing overlap the model's
 * compute on the training thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FeatureRows } from '../core/data/features';
import { openDirectReader } from './featureStore';
import { openH5File } from './h5';
import type { ReaderReply, ReaderRequest, ReaderSetup } from './prefetch';

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('featureReaderWorker must run in a worker thread');
  const setup = workerData as ReaderSetup;
  let rows: FeatureRows;
  try {
    const h = await openH5File(setup.path);
    const info = h.info('features');
    if (!info || info.shape.length !== 2) throw new Error(`${setup.file}: no 2-D features dataset`);
    rows = new FeatureRows({ file: setup.file, split: setup.split, rows: info.shape[0], D: info.shape[1], info, handle: h, whole: null });
    rows.setCacheBytes(setup.cacheBytes);
    if (setup.direct) {
      const r = openDirectReader(setup.path, rows);
      if (r) rows.setDirectReader(r.read);
    }
  } catch (e) {
    port.postMessage({ id: -1, error: (e as Error).message } satisfies ReaderReply);
    return;
  }
  port.postMessage({ id: 0, ready: true } satisfies ReaderReply);
  port.on('message', (m: ReaderRequest) => {
    try {
      const out = new Float32Array(m.rows.length * rows.D);
      rows.gatherInto(m.rows, out);
      port.postMessage({ id: m.id, data: out } satisfies ReaderReply, [out.buffer]);
    } catch (e) {
      port.postMessage({ id: m.id, error: (e as Error).message } satisfies ReaderReply);
    }
  });
}

void main();
