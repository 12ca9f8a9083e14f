/**
 * Node adapter for the wasm engine: enables relaxed SIMD where the runtime has it behind a flag,
 * and attaches the gemm helper thread (runtime/gemmWorker.ts, bundled as dist/gemmWorker.js).
 * Use from worker threads / the CLI, not on the extension host thread (a two-thread product blocks
 * the calling thread in Atomics.wait for its duration).
 */
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism, cpus } from 'node:os';
import { CTL, CTL_INTS, WasmEngine, detectWasmSupport, setEngine, type EngineOptions, type WasmSupport } from '../core/wasm/engine';

let flagTried = false;
/**
 * Detects wasm SIMD / relaxed SIMD. If relaxed SIMD does not validate, turns on V8's
 * --experimental-wasm-relaxed-simd (Node 20) once and detects again; never assumes.
 */
export function detectNodeWasmSupport(allowFlag = true): WasmSupport {
  let s = detectWasmSupport();
  if (s.simd && !s.relaxedSimd && allowFlag && !flagTried) {
    flagTried = true;
    try {
      setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      /* an unknown flag is ignored by V8; nothing to do */
    }
    s = detectWasmSupport();
  }
  return s;
}

/** The most threads an engine runs (the caller plus MAX_THREADS - 1 helper workers). */
export const MAX_THREADS = 64;

/** The machine's cores as Node sees them (os.availableParallelism, else the CPU count). */
export function machineThreads(): number {
  const n = typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
  return Math.max(1, Math.min(MAX_THREADS, n || 1));
}

/** Threads for a requested count: 0 or undefined = every core of the machine. */
export function resolveThreads(requested: number | undefined): number {
  if (requested === undefined || requested === 0) return machineThreads();
  return Math.max(1, Math.min(MAX_THREADS, Math.floor(requested)));
}

export interface NodeEngineOptions extends EngineOptions {
  /** The calling thread plus threads - 1 helper workers; 0 or undefined: every core (os.availableParallelism). */
  threads?: number;
  /** May set V8's relaxed-SIMD flag when the runtime needs it (default true). */
  allowFlag?: boolean;
  /** Make it the process-wide engine returned by getEngine() (default true). */
  global?: boolean;
}

function workerScript(): { file: string; evalSource?: string } {
  // Bundled: dist/<bundle>.js sits next to dist/gemmWorker.js. From sources (tsx): the .ts file.
  const bundled = join(__dirname, 'gemmWorker.js');
  if (!__filename.endsWith('.ts') && existsSync(bundled)) return { file: bundled };
  const src = join(__dirname, 'gemmWorker.ts');
  // From sources the worker registers tsx itself (a worker's --import hook does not apply to its entry file).
  if (existsSync(src)) return { file: src, evalSource: `require('tsx/cjs'); require(${JSON.stringify(src)});` };
  throw new Error(`wasm engine: cannot find the gemm worker script (looked for ${bundled} and ${src})`);
}

/**
 * Starts one helper worker without the engine: it loads its script and waits for the module and
 * memory (see attach). Resolves when it has started, or rejects when it fails to.
 */
function spawnHelper(): Promise<Worker> {
  const { file, evalSource } = workerScript();
  // Referenced until it is attached (a caller awaiting only this would otherwise see the process end).
  const worker = evalSource ? new Worker(evalSource, { eval: true }) : new Worker(file);
  return new Promise<Worker>((resolve, reject) => {
    const onError = (e: Error) => reject(new Error(`wasm engine: gemm worker failed to start: ${e.message}`));
    const onExit = (code: number) => reject(new Error(`wasm engine: gemm worker exited (code ${code}) while starting`));
    worker.once('error', onError);
    worker.once('exit', onExit);
    worker.once('online', () => {
      worker.off('error', onError);
      worker.off('exit', onExit);
      resolve(worker);
    });
  });
}

/** Hands a started helper the engine's module and memory; resolves when it is ready for jobs. */
async function attach(engine: WasmEngine, worker: Worker): Promise<Int32Array> {
  const ctl = new Int32Array(new SharedArrayBuffer(CTL_INTS * 4));
  await new Promise<void>((resolve, reject) => {
    let ended = false;
    const onError = (e: Error) => {
      ended = true;
      reject(new Error(`wasm engine: gemm worker failed to start: ${e.message}`));
    };
    const onExit = (code: number) => {
      ended = true;
      reject(new Error(`wasm engine: gemm worker exited (code ${code}) before it was ready`));
    };
    worker.once('error', onError);
    worker.once('exit', onExit);
    worker.postMessage({ module: engine.module, memory: engine.memory, ctl });
    const poll = () => {
      if (ended) return;
      if (Atomics.load(ctl, CTL.READY) === 1) {
        worker.off('error', onError);
        worker.off('exit', onExit);
        // An idle helper does not keep the process alive.
        worker.unref();
        resolve();
      } else {
        setTimeout(poll, 1);
      }
    };
    poll();
  });
  return ctl;
}

/**
 * Creates a WasmEngine with `threads` threads (default: every core): the helper workers start
 * first, together; then the kernel module is compiled (turning on V8's relaxed-SIMD flag where
 * Node 20 needs it: a thread started after that boots without Node's code cache, about twice as
 * slowly), and each helper instantiates the compiled module (nothing is compiled twice). The
 * promise resolves when all are ready.
 */
export async function createNodeEngine(opts: NodeEngineOptions = {}): Promise<WasmEngine> {
  const threads = resolveThreads(opts.threads);
  const spawned = threads >= 2 ? await Promise.allSettled(Array.from({ length: threads - 1 }, () => spawnHelper())) : [];
  const workers = spawned.filter((r): r is PromiseFulfilledResult<Worker> => r.status === 'fulfilled').map((r) => r.value);
  const stopAll = () => { for (const w of workers) void w.terminate(); };
  const spawnFailed = spawned.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (spawnFailed) {
    stopAll();
    throw spawnFailed.reason;
  }
  let engine: WasmEngine;
  try {
    const support = detectNodeWasmSupport(opts.allowFlag ?? true);
    if (!support.simd) throw new Error('WebAssembly SIMD with shared memory is not available in this runtime');
    engine = new WasmEngine(opts);
  } catch (e) {
    stopAll();
    throw e;
  }
  const started = await Promise.allSettled(workers.map((w) => attach(engine, w)));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    stopAll();
    throw failed.reason;
  }
  started.forEach((r, i) => {
    if (r.status === 'fulfilled') engine.attachHelper(r.value, () => void workers[i].terminate());
  });
  if (opts.global ?? true) setEngine(engine);
  return engine;
}
