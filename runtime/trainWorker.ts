/**
 * The training worker (bundled to dist/trainWorker.js): runs one TrainJob off the calling thread and
 * posts TrainWorkerEvents. `{ type: 'stop' }` stops the run after the current iteration (the solver
 * yields to this thread's event loop between iterations, so the message is seen in time). Any
 * failure is posted as one `error` event; the host also watches for the worker dying.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { failureEvent, jobFromWorkerData, runTrainJob } from './trainJob';
import { TRAIN_CONTROL, type TrainJob, type TrainWorkerCommand, type TrainWorkerEvent } from './trainProtocol';

function main(): void {
  const port = parentPort;
  if (!port) throw new Error('trainWorker must run in a worker thread');
  const ctl = new AbortController();
  const saveRequests: string[] = [];
  port.on('message', (m: TrainWorkerCommand) => {
    if (m && m.type === 'stop') ctl.abort();
    else if (m && m.type === 'save' && typeof m.file === 'string') saveRequests.push(m.file);
  });
  const shared = (workerData as { control?: unknown } | undefined)?.control;
  const control = shared instanceof SharedArrayBuffer ? new Int32Array(shared) : undefined;
  // Stopped by the message or, without waiting for this thread's event loop, by the shared flag.
  const signal = { get aborted(): boolean { return ctl.signal.aborted || (control !== undefined && Atomics.load(control, TRAIN_CONTROL.STOP) === 1); } };
  const post = (e: TrainWorkerEvent): void => {
    if (control && e.type === 'step') Atomics.store(control, TRAIN_CONTROL.ITERATION, e.iteration);
    port.postMessage(e);
  };
  let job: TrainJob;
  try {
    job = jobFromWorkerData(workerData);
  } catch (e) {
    post({ type: 'error', message: (e as Error).message });
    port.close();
    return;
  }
  runTrainJob(job, post, { signal, tick: () => new Promise<void>((r) => setImmediate(r)), takeSaveRequests: () => saveRequests.splice(0) })
    .then((summary) => post({ type: 'done', ...summary }))
    .catch((e: unknown) => post(failureEvent(e)))
    .finally(() => port.close());
}

main();
