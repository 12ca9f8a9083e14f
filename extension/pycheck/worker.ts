import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { checkFunctions, type FoundFunction, type FunctionResult, type PyCheckOptions } from '../../core/node/pycheck/index';
import type { FromPyWorker, PyWorkerRequest } from '../../core/node/pycheck/worker';

/**
 * Runs checks in dist/pycheckWorker.js (off the extension host thread). Without the bundle (tests
 * from sources) it runs them here and says so in the log.
 */
export function checkInWorker(
  distDir: string,
  file: string,
  functions: readonly FoundFunction[],
  opts: PyCheckOptions,
  onResult: (r: FunctionResult) => void,
  warn: (msg: string) => void,
): Promise<FunctionResult[]> {
  const script = path.join(distDir, 'pycheckWorker.js');
  if (!existsSync(script)) {
    warn(`${script} is missing: checking on the extension host thread`);
    return checkFunctions(file, functions, opts, onResult);
  }
  const { signal, ...plain } = opts;
  const request: PyWorkerRequest = { file, functions: [...functions], opts: plain };
  return new Promise((resolve, reject) => {
    const out: FunctionResult[] = [];
    const worker = new Worker(script, { workerData: request });
    let settled = false;
    const onAbort = (): void => worker.postMessage({ type: 'cancel' });
    signal?.addEventListener('abort', onAbort);
    const settle = (f: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      f();
    };
    worker.on('message', (m: FromPyWorker) => {
      if (m.type === 'result') {
        out.push(m.result);
        onResult(m.result);
      } else if (m.type === 'done') settle(() => resolve(functions.map((f) => out.find((r) => r.function === f.qualified)).filter((r): r is FunctionResult => !!r)));
      else settle(() => reject(new Error(m.message)));
    });
    worker.on('error', (e) => settle(() => reject(e)));
    worker.on('exit', (code) => settle(() => (code === 0 ? resolve(out) : reject(new Error(`the check worker exited with code ${code}`)))));
  });
}
