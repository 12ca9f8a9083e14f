/**
 * Worker thread for the editor's Python checks, so the engine's side of a check (its forward and
 * backward passes, the comparisons) never runs on the extension host thread. It lives as long as
 * the extension and keeps the next Python process started (numpy imported) between checks.
 * Requests carry an id; each function's result is posted as it finishes, then one `done` or `error`.
 */
import { parentPort } from 'node:worker_threads';
import { checkFunctions, type FunctionResult, type PyCheckOptions } from './check';
import type { FoundFunction } from './finder';
import { disposeWarm, warmUp } from './runner';

export type ToPyWorker =
  | { type: 'check'; id: number; file: string; functions: FoundFunction[]; opts: Omit<PyCheckOptions, 'signal'> }
  | { type: 'cancel'; id: number }
  /** Start a Python process ahead of the first check. */
  | { type: 'warm'; python: string; driver: string; cwd: string }
  | { type: 'shutdown' };

export type FromPyWorker =
  | { type: 'result'; id: number; result: FunctionResult }
  | { type: 'done'; id: number }
  | { type: 'error'; id: number; message: string };

const port = parentPort;
if (port) {
  const running = new Map<number, AbortController>();
  const post = (m: FromPyWorker): void => port.postMessage(m);
  port.on('message', (m: ToPyWorker) => {
    switch (m.type) {
      case 'check': {
        const ac = new AbortController();
        running.set(m.id, ac);
        checkFunctions(m.file, m.functions, { ...m.opts, signal: ac.signal }, (result) => post({ type: 'result', id: m.id, result }))
          .then(
            () => post({ type: 'done', id: m.id }),
            (e: unknown) => post({ type: 'error', id: m.id, message: e instanceof Error ? e.message : String(e) }),
          )
          .finally(() => running.delete(m.id));
        break;
      }
      case 'cancel':
        running.get(m.id)?.abort();
        break;
      case 'warm':
        warmUp(m.python, m.driver, m.cwd);
        break;
      case 'shutdown':
        for (const ac of running.values()) ac.abort();
        disposeWarm();
        port.close();
        break;
    }
  });
}
