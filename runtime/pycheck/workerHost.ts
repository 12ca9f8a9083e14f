import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { checkFunctions, type FoundFunction, type FunctionResult, type PyCheckOptions } from './index';
import type { FromPyWorker, ToPyWorker } from './worker';

interface Pending {
  functions: readonly FoundFunction[];
  out: FunctionResult[];
  onResult: (r: FunctionResult) => void;
  resolve: (rs: FunctionResult[]) => void;
  reject: (e: Error) => void;
}

/**
 * The editor's check worker (dist/pycheckWorker.js), started on first use and kept: checks run off
 * the extension host thread, and the worker keeps a Python process warm between them. Without the
 * bundle (tests from sources) checks run here, and the log says so.
 */
export class PyCheckWorker {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly distDir: string,
    private readonly warn: (msg: string) => void,
  ) {}

  run(file: string, functions: readonly FoundFunction[], opts: PyCheckOptions, onResult: (r: FunctionResult) => void): Promise<FunctionResult[]> {
    const script = path.join(this.distDir, 'pycheckWorker.js');
    if (!existsSync(script)) {
      this.warn(`${script} is missing: checking on the extension host thread`);
      return checkFunctions(file, functions, opts, onResult);
    }
    const w = this.ensure(script);
    const id = this.nextId++;
    const { signal, ...plain } = opts;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => this.post({ type: 'cancel', id });
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = <T>(f: (v: T) => void) => (v: T): void => {
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
        f(v);
      };
      this.pending.set(id, { functions, out: [], onResult, resolve: done(resolve), reject: done(reject) });
      this.post({ type: 'check', id, file, functions: [...functions], opts: { ...plain, prewarm: true } }, w);
    });
  }

  /** Starts the worker and a Python process ahead of the first check (nothing without the bundle). */
  warm(python: string, driver: string, cwd: string): void {
    const script = path.join(this.distDir, 'pycheckWorker.js');
    if (existsSync(script)) this.post({ type: 'warm', python, driver, cwd }, this.ensure(script));
  }

  private post(m: ToPyWorker, w = this.worker): void {
    w?.postMessage(m);
  }

  private ensure(script: string): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(script);
    w.on('message', (m: FromPyWorker) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.type === 'result') {
        p.out.push(m.result);
        p.onResult(m.result);
      } else if (m.type === 'done') {
        p.resolve(p.functions.map((f) => p.out.find((r) => r.function === f.qualified)).filter((r): r is FunctionResult => !!r));
      } else p.reject(new Error(m.message));
    });
    const lost = (why: string): void => {
      if (this.worker === w) this.worker = undefined;
      for (const p of this.pending.values()) p.reject(new Error(why));
    };
    w.on('error', (e) => lost(`the check worker failed: ${e.message}`));
    w.on('exit', (code) => lost(`the check worker stopped (exit code ${code})`));
    this.worker = w;
    return w;
  }

  /** Stops running checks, kills the waiting Python process, then the worker. */
  dispose(): void {
    const w = this.worker;
    if (!w) return;
    this.worker = undefined;
    w.postMessage({ type: 'shutdown' } satisfies ToPyWorker);
    setTimeout(() => void w.terminate(), 2000).unref();
  }
}
