/**
 * Node adapter for the wasm engine: enables relaxed SIMD where the runtime has it behind a flag,
 * and attaches the gemm helper thread (core/wasm/gemmWorker.ts, bundled as dist/gemmWorker.js).
 * Use from worker threads / the CLI, not on the extension host thread (a two-thread product blocks
 * the calling thread in Atomics.wait for its duration).
 */
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CTL, CTL_INTS, WasmEngine, detectWasmSupport, setEngine, type EngineOptions, type WasmSupport } from '../wasm/engine';

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

export interface NodeEngineOptions extends EngineOptions {
  /** 1 or 2 (default 2): the calling thread plus one helper worker. */
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
  const src = join(__dirname, '..', 'wasm', 'gemmWorker.ts');
  // From sources the worker registers tsx itself (a worker's --import hook does not apply to its entry file).
  if (existsSync(src)) return { file: src, evalSource: `require('tsx/cjs'); require(${JSON.stringify(src)});` };
  throw new Error(`wasm engine: cannot find the gemm worker script (looked for ${bundled} and ${src})`);
}

/** Creates a WasmEngine; with threads = 2 it starts the helper worker and waits until it is ready. */
export async function createNodeEngine(opts: NodeEngineOptions = {}): Promise<WasmEngine> {
  const support = detectNodeWasmSupport(opts.allowFlag ?? true);
  if (!support.simd) throw new Error('WebAssembly SIMD with shared memory is not available in this runtime');
  const engine = new WasmEngine(opts);
  if ((opts.threads ?? 2) >= 2) {
    const ctl = new Int32Array(new SharedArrayBuffer(CTL_INTS * 4));
    const { file, evalSource } = workerScript();
    const workerData = { module: engine.module, memory: engine.memory, ctl };
    const worker = evalSource ? new Worker(evalSource, { eval: true, workerData }) : new Worker(file, { workerData });
    worker.unref();
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(new Error(`wasm engine: gemm worker failed to start: ${e.message}`));
      worker.once('error', onError);
      const poll = () => {
        if (Atomics.load(ctl, CTL.READY) === 1) {
          worker.off('error', onError);
          resolve();
        } else {
          setTimeout(poll, 2);
        }
      };
      poll();
    });
    engine.attachHelper(ctl, () => void worker.terminate());
  }
  if (opts.global ?? true) setEngine(engine);
  return engine;
}
