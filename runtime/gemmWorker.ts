/**
 * The gemm helper thread (bundled as dist/gemmWorker.js). It instantiates the engine's compiled
 * module on the engine's shared memory and runs the jobs the calling thread posts in the control
 * block (half of a GEMM, or half of a row-parallel kernel): it sleeps in Atomics.wait until SEQ changes, runs the job, stores DONE = SEQ and notifies.
 */
import { parentPort } from 'node:worker_threads';
import { CTL, OP, kernelNames, runCtlJob, type KernelExports } from '../core/wasm/engine';
import { GRADCHECK_JOB, runGradcheckBatches } from '../core/fast/gradcheck';
import { runSampleRows, SAMPLE_JOB } from '../core/fast/sampleJob';

interface GemmWorkerData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  ctl: Int32Array;
}

/** Jobs that run whole pieces of work on this thread (they share a work counter with the caller). */
function runJob(k: KernelExports, memory: WebAssembly.Memory, ctl: Int32Array): void {
  const id = ctl[CTL.FN];
  if (id === GRADCHECK_JOB) runGradcheckBatches(k, memory.buffer, ctl[CTL.ARG0], ctl[CTL.ARG0 + 1]);
  else if (id === SAMPLE_JOB) runSampleRows(k, memory.buffer, ctl[CTL.ARG0], ctl[CTL.ARG0 + 1]);
  else throw new Error(`gemm helper: unknown job ${id}`);
}

function main({ module, memory, ctl }: GemmWorkerData): void {
  const k = new WebAssembly.Instance(module, {
    env: { memory, abort: () => { throw new Error('wasm kernel aborted'); } },
  }).exports as unknown as KernelExports;
  const names = kernelNames(k);
  let seen = Atomics.load(ctl, CTL.SEQ);
  Atomics.store(ctl, CTL.READY, 1);
  Atomics.notify(ctl, CTL.READY);
  for (;;) {
    Atomics.wait(ctl, CTL.SEQ, seen);
    const s = Atomics.load(ctl, CTL.SEQ);
    if (s === seen) continue;
    seen = s;
    if (ctl[CTL.OP] === OP.QUIT) break;
    try {
      if (ctl[CTL.OP] === OP.JOB) runJob(k, memory, ctl);
      else runCtlJob(k, ctl, names);
    } catch {
      ctl[CTL.ERR] = 1;
    }
    Atomics.store(ctl, CTL.DONE, s);
    Atomics.notify(ctl, CTL.DONE);
  }
}

// The engine's module and memory come in the first message (runtime/fastEngine.ts attach): this
// thread finishes starting before the caller sets a V8 flag, which would make a thread started
// afterwards boot without Node's code cache (~30 ms slower).
parentPort?.once('message', (m: GemmWorkerData) => main(m));
