/**
 * Host side of training, used by the CLI and the extension alike: starts dist/trainWorker.js (or the
 * TypeScript source under tsx), relays its events, and settles `done` exactly once, whatever the
 * worker does: resolves with the run's summary (finished, cancelled or diverged), rejects with a
 * one-line Error when the job fails or the worker crashes or exits without finishing. Never hangs.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { SnapshotRequests } from './snapshots';
import { TRAIN_CONTROL, type TrainJob, type TrainSummary, type TrainWorkerEvent } from './trainProtocol';

export interface StartOptions {
  /** The worker script; default: trainWorker.js next to this bundle, else the .ts source (run through tsx). */
  workerFile?: string;
  /** After cancel(), terminate the worker if it has not finished within this many ms (default 15000). */
  cancelGraceMs?: number;
  /** Called for every event, in order (also available as the `events` async iterable). */
  onEvent?(e: TrainWorkerEvent): void;
}

export interface TrainingRun {
  /** Every event of the run, ending after `done` or `error` (empty when StartOptions.onEvent is given). */
  readonly events: AsyncIterable<TrainWorkerEvent>;
  /**
   * Asks the run to stop after its current iteration (it then saves and resolves as cancelled).
   * Returns the last iteration the worker had finished when the request was made (-1 when the run
   * had already ended or was already asked): the run ends there or one iteration later.
   */
  cancel(): number;
  /**
   * Writes a snapshot of the running model to `file` after the iteration in progress; resolves with
   * that iteration, rejects with the reason (the file could not be written, or the run ended first).
   */
  snapshot(file: string): Promise<number>;
  readonly done: Promise<TrainSummary>;
  /** Ends the worker at once, without a stop request (VS Code closing); `done` then rejects. */
  terminate(): void;
  /** The worker thread (for logs and tests). */
  readonly worker: Worker;
}

function defaultWorker(): { file: string; evalSource?: string } {
  const bundled = path.join(__dirname, 'trainWorker.js');
  if (!__filename.endsWith('.ts') && existsSync(bundled)) return { file: bundled };
  const src = path.join(__dirname, 'trainWorker.ts');
  // A worker's --import hooks do not apply to its entry file, so the source worker registers tsx itself.
  if (existsSync(src)) return { file: src, evalSource: `require('tsx/cjs'); require(${JSON.stringify(src)});` };
  throw new Error(`training worker not found (looked for ${bundled} and ${src})`);
}

export function startTraining(job: TrainJob, opts: StartOptions = {}): TrainingRun {
  const w = opts.workerFile ? (opts.workerFile.endsWith('.ts') ? { file: opts.workerFile, evalSource: `require('tsx/cjs'); require(${JSON.stringify(path.resolve(opts.workerFile))});` } : { file: opts.workerFile }) : defaultWorker();
  const control = new Int32Array(new SharedArrayBuffer(TRAIN_CONTROL.LENGTH * 4));
  const workerData = { job, control: control.buffer };
  const worker = w.evalSource ? new Worker(w.evalSource, { eval: true, workerData }) : new Worker(w.file, { workerData });

  const queue: TrainWorkerEvent[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  let settled = false;
  let resolveDone!: (s: TrainSummary) => void;
  let rejectDone!: (e: Error) => void;
  const done = new Promise<TrainSummary>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  // A caller that only iterates events must not see an unhandled rejection.
  done.catch(() => undefined);
  let killTimer: NodeJS.Timeout | undefined;
  let lastIteration = 0;
  const snapshots = new SnapshotRequests();

  // With an onEvent callback nothing is buffered (a long run would otherwise keep every step).
  const push = (e: TrainWorkerEvent): void => {
    if (opts.onEvent) opts.onEvent(e);
    else queue.push(e);
    wake?.();
  };
  const finish = (outcome: { ok: TrainSummary } | { err: Error }): void => {
    if (settled) return;
    settled = true;
    ended = true;
    if (killTimer) clearTimeout(killTimer);
    if ('ok' in outcome) resolveDone(outcome.ok);
    else rejectDone(outcome.err);
    snapshots.rejectAll((file) => `the run ended before ${file} was written`);
    wake?.();
    void worker.terminate();
  };


  worker.on('message', (raw: unknown) => {
    if (settled) return;
    const e = raw as TrainWorkerEvent;
    if (!e || typeof e !== 'object' || typeof e.type !== 'string') return;
    if (e.type === 'step') lastIteration = e.iteration;
    if (e.type === 'checkpoint' && e.requested) snapshots.written(e.file, e.iteration);
    if (e.type === 'saveFailed') snapshots.failed(e.file, e.message);
    push(e);
    if (e.type === 'done') {
      const { type: _t, ...summary } = e;
      void _t;
      finish({ ok: summary });
    } else if (e.type === 'error') {
      finish({ err: new Error(e.message) });
    }
  });
  worker.on('error', (err) => {
    if (settled) return;
    const message = `the training worker crashed: ${err.message.split('\n')[0]}`;
    push({ type: 'error', message, stack: err.stack });
    finish({ err: new Error(message) });
  });
  worker.on('exit', (code) => {
    if (settled) return;
    const message = cancelled
      ? `the training worker was terminated ${((opts.cancelGraceMs ?? 15000) / 1000).toFixed(1)} s after a stop request, at iteration ${lastIteration}`
      : `the training worker exited (code ${code}) at iteration ${lastIteration} without finishing`;
    push({ type: 'error', message });
    finish({ err: new Error(message) });
  });

  let cancelled = false;
  const cancel = (): number => {
    if (settled || cancelled) return -1;
    cancelled = true;
    // The flag first, then the read: whatever the worker finishes after this read, it sees the flag
    // before starting another iteration.
    Atomics.store(control, TRAIN_CONTROL.STOP, 1);
    const at = Atomics.load(control, TRAIN_CONTROL.ITERATION);
    worker.postMessage({ type: 'stop' });
    killTimer = setTimeout(() => void worker.terminate(), opts.cancelGraceMs ?? 15000);
    return at;
  };

  const events: AsyncIterable<TrainWorkerEvent> = {
    [Symbol.asyncIterator]() {
      return {
        async next(): Promise<IteratorResult<TrainWorkerEvent>> {
          for (;;) {
            const e = queue.shift();
            if (e) return { value: e, done: false };
            if (ended) return { value: undefined, done: true };
            await new Promise<void>((r) => (wake = r));
            wake = undefined;
          }
        },
      };
    },
  };

  const snapshot = (file: string): Promise<number> => {
    if (settled) return Promise.reject(new Error(`the run has ended: ${file} was not written`));
    const abs = path.resolve(file);
    const answered = snapshots.add(abs);
    worker.postMessage({ type: 'save', file: abs });
    return answered;
  };

  return { events, cancel, snapshot, done, terminate: () => void worker.terminate(), worker };
}
