/**
 * Worker thread for the editor's Python checks, so the engine's side of a check (its forward and
 * backward passes, the comparisons) never runs on the extension host thread. The request arrives
 * as `workerData`; each function's result is posted as it finishes, then one `done` or `error`.
 * The host cancels with a `cancel` message (not by terminating: the Python child must be killed).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { checkFunctions, type FunctionResult, type PyCheckOptions } from './check';
import type { FoundFunction } from './finder';

export interface PyWorkerRequest {
  file: string;
  functions: FoundFunction[];
  opts: Omit<PyCheckOptions, 'signal'>;
}

export type FromPyWorker =
  | { type: 'result'; result: FunctionResult }
  | { type: 'done' }
  | { type: 'error'; message: string };

const post = (m: FromPyWorker): void => parentPort?.postMessage(m);

if (parentPort && workerData) {
  const req = workerData as PyWorkerRequest;
  const ac = new AbortController();
  parentPort.on('message', (m: { type?: string }) => {
    if (m?.type === 'cancel') ac.abort();
  });
  checkFunctions(req.file, req.functions, { ...req.opts, signal: ac.signal }, (result) => post({ type: 'result', result }))
    .then(
      () => post({ type: 'done' }),
      (e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) }),
    )
    .finally(() => parentPort?.close());
}
