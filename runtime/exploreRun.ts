/**
 * One exploration at a time in a worker thread (dist/exploreWorker.js), without vscode so the
 * tests can drive it. Starting a new run ends the one in progress; that run resolves as
 * "superseded" (the user chose something else, nothing failed), not as an error.
 */
import { Worker } from 'node:worker_threads';
import type { ExploreResult } from '../core/explore/types';
import type { ExploreJob, FromExploreWorker } from './exploreWorker';

export type ExploreOutcome = { kind: 'done'; result: ExploreResult; ms: number } | { kind: 'cancelled' } | { kind: 'superseded' };

export interface ExploreRun {
  readonly done: Promise<ExploreOutcome>;
  /** Stops the run; `done` resolves as cancelled. */
  cancel(): void;
}

export class ExploreRunner {
  private current: { worker: Worker; end(outcome: ExploreOutcome): void } | undefined;

  constructor(private readonly script: string) {}

  /** Starts `job`, ending the run in progress (which resolves as superseded). */
  start(job: ExploreJob, onProgress: (message: string, fraction?: number) => void): ExploreRun {
    this.current?.end({ kind: 'superseded' });
    const worker = new Worker(this.script, { workerData: job });
    let settle!: (o: ExploreOutcome) => void;
    let fail!: (e: Error) => void;
    const done = new Promise<ExploreOutcome>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    let settled = false;
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      if (this.current?.worker === worker) this.current = undefined;
      void worker.terminate();
      f();
    };
    const entry = { worker, end: (o: ExploreOutcome) => finish(() => settle(o)) };
    this.current = entry;
    worker.on('message', (msg: FromExploreWorker) => {
      if (msg.type === 'progress') {
        if (!settled) onProgress(msg.message, msg.fraction);
      } else if (msg.type === 'done') finish(() => settle({ kind: 'done', result: msg.result, ms: msg.ms }));
      else finish(() => fail(Object.assign(new Error(msg.message), { stack: msg.stack })));
    });
    worker.on('error', (err) => finish(() => fail(err)));
    worker.on('exit', (code) => finish(() => fail(new Error(`the exploration worker stopped (exit code ${code}) before finishing`))));
    return { done, cancel: () => entry.end({ kind: 'cancelled' }) };
  }

  /** Ends the run in progress, if any (the panel is closing). */
  dispose(): void {
    this.current?.end({ kind: 'cancelled' });
  }
}
