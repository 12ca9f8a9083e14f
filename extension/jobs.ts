import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import type { FromJobWorker, JobKind, JobRequest, JobResults, ToJobWorker } from '../protocol/jobs';
import type { Log } from './log';

/** A job stopped by the user; callers show nothing for it. */
export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export interface JobOptions {
  token?: vscode.CancellationToken;
  onProgress?: (message: string, fraction?: number) => void;
}

type RequestOf<K extends JobKind> = Extract<JobRequest, { kind: K }>;

/**
 * How long a cancelled job's worker may take to clean up (the default dataset's generation removes
 * its temporary folder) before it is terminated.
 */
export const CANCEL_GRACE_MS = 3000;

/**
 * Runs engine jobs in worker threads so the extension host never computes.
 * One worker per job. Cancelling settles the job at once, asks the worker to stop (so a generation
 * can remove its temporary folder) and terminates it when it has finished or after CANCEL_GRACE_MS,
 * which stops even a synchronous loop.
 */
export class JobRunner implements vscode.Disposable {
  private readonly live = new Set<Worker>();

  constructor(
    private readonly distDir: string,
    private readonly log: Log,
  ) {}

  get running(): number {
    return this.live.size;
  }

  run<K extends JobKind>(request: RequestOf<K>, opts: JobOptions = {}): Promise<JobResults[K]> {
    const script = path.join(this.distDir, 'jobWorker.js');
    const started = Date.now();
    return new Promise<JobResults[K]>((resolve, reject) => {
      if (opts.token?.isCancellationRequested) return reject(new CancelledError());
      const worker = new Worker(script, { workerData: request });
      this.live.add(worker);
      let settled = false;
      let graceTimer: NodeJS.Timeout | undefined;
      const end = (): void => {
        if (graceTimer) clearTimeout(graceTimer);
        this.live.delete(worker);
        void worker.terminate();
      };
      const finish = (fn: () => void, grace = false): void => {
        if (settled) {
          // A cancelled worker that has now finished (or failed) ends without waiting for the grace period.
          if (graceTimer) end();
          return;
        }
        settled = true;
        sub?.dispose();
        if (grace) {
          worker.postMessage({ type: 'cancel' } satisfies ToJobWorker);
          graceTimer = setTimeout(end, CANCEL_GRACE_MS);
        } else end();
        fn();
      };
      const sub = opts.token?.onCancellationRequested(() => {
        this.log.info(`job ${request.kind} cancelled after ${Date.now() - started} ms`);
        finish(() => reject(new CancelledError()), true);
      });
      worker.on('message', (msg: FromJobWorker) => {
        switch (msg.type) {
          case 'progress':
            opts.onProgress?.(msg.message, msg.fraction);
            break;
          case 'done':
            this.log.info(`job ${request.kind} done in ${Date.now() - started} ms`);
            finish(() => resolve(msg.result as JobResults[K]));
            break;
          case 'error':
            if (msg.stack) this.log.debug(msg.stack);
            finish(() => reject(new Error(msg.message)));
            break;
          default: {
            const never: never = msg;
            this.log.warn(`job worker sent an unknown message: ${JSON.stringify(never)}`);
          }
        }
      });
      worker.on('error', (err) => finish(() => reject(err)));
      worker.on('exit', (code) => {
        if (graceTimer) clearTimeout(graceTimer);
        this.live.delete(worker);
        finish(() => reject(new Error(`the job worker stopped (exit code ${code}) before finishing ${request.kind}`)));
      });
    });
  }

  dispose(): void {
    for (const w of this.live) void w.terminate();
    this.live.clear();
  }
}
