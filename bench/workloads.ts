/**
 * The engine's side of the benchmark: the workloads on the wasm engine, timed as medians of
 * wall-clock time and of busy CPU time (the busiest thread's, from /proc/self/task/<tid>/schedstat on
 * Linux; process CPU time elsewhere), so figures stay meaningful on a shared, loaded machine.
 * Used by bench/main.ts (`npm run bench`, with the numpy side) and cli/commands/bench.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { FastCaptioningModel } from '../core/fast/model';
import { fastGradCheck } from '../core/fast/gradcheck';
import { Rng } from '../core/random';
import { intTensor, tensor, type IntTensor, type Tensor } from '../core/tensor';
import { CaptioningModel, type CellType } from '../core/model';
import type { DType, WasmEngine } from '../core/wasm/engine';

export const BIG = { N: 50, T: 16, D: 512, W: 256, H: 512, V: 1004 };
export const SMALL = { N: 10, T: 13, D: 20, W: 30, H: 40, V: 3 };
export const GEMM = { M: 800, K: 512, N: 1004 };

export interface WorkloadInfo {
  name: string;
  what: string;
  /** Target ratio engine/numpy(1 BLAS thread): at most this (or, for gradcheck, numpy/engine at least). */
  target: string;
  flops?: number;
}

export const WORKLOADS: WorkloadInfo[] = [
  ...(['rnn', 'lstm'] as const).flatMap((cell) => (['f64', 'f32'] as const).map((dt) => ({
    name: `train-${cell}-${dt}`,
    what: `one training iteration (loss + all gradients), ${cell} ${dt}, N=50 T=16 D=512 W=256 H=512 V=1004`,
    target: cell === 'rnn' ? 'ratio <= 1.0' : 'ratio <= 1.2',
  }))),
  ...(['rnn', 'lstm'] as const).flatMap((cell) => (['f64', 'f32'] as const).map((dt) => ({
    name: `sample-${cell}-${dt}`,
    what: `greedy sampling of 50 captions of length 30, ${cell} ${dt}`,
    target: 'ratio <= 1.0',
  }))),
  ...(['rnn', 'lstm'] as const).map((cell) => ({
    name: `gradcheck-${cell}`,
    what: `full numerical gradient check of the ${cell} captioning model, N=10 T=13 D=20 W=30 H=40 V=3, every parameter element`,
    target: 'numpy/engine >= 50',
  })),
  ...(['f64', 'f32'] as const).map((dt) => ({
    name: `gemm-${dt}`,
    what: `matrix product (800x512)·(512x1004) ${dt}`,
    target: '1T >= 40% of numpy 1T; 2T >= 1.8x 1T',
    flops: 2 * GEMM.M * GEMM.K * GEMM.N,
  })),
];

export interface Timing {
  /** Median wall-clock milliseconds. */
  wallMs: number;
  /** Median busy CPU milliseconds of the busiest thread (process CPU when per-thread is unavailable). */
  cpuMs: number;
  /** Median CPU milliseconds of the whole process (all threads). */
  procCpuMs: number;
  samples: number;
}

export interface EngineResult {
  name: string;
  /** Engine timings by thread count (1 and 2). */
  threads: Record<string, Timing>;
  gflops?: Record<string, number>;
  note?: string;
  /** train: the loss; gradcheck: the worst rel_error; sample: the captions (row-major N×30). */
  loss?: number;
  worstRelError?: number;
  captions?: number[];
}

// ---------------------------------------------------------------- timing

function threadCpuNs(): Map<string, number> | undefined {
  try {
    const m = new Map<string, number>();
    for (const tid of readdirSync('/proc/self/task')) {
      const s = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8');
      m.set(tid, Number(s.split(' ')[0]));
    }
    return m;
  } catch {
    return undefined;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

export function measure(fn: () => void, repeats: number, warmup = 1): Timing {
  for (let i = 0; i < warmup; i++) fn();
  const wall: number[] = [], cpu: number[] = [], proc: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = threadCpuNs();
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    fn();
    const w = performance.now() - w0;
    const c = process.cpuUsage(c0);
    const t1 = threadCpuNs();
    const p = (c.user + c.system) / 1000;
    let busiest = p;
    if (t0 && t1) {
      busiest = 0;
      for (const [tid, ns] of t1) busiest = Math.max(busiest, (ns - (t0.get(tid) ?? 0)) / 1e6);
    }
    wall.push(w);
    cpu.push(busiest);
    proc.push(p);
  }
  return { wallMs: median(wall), cpuMs: median(cpu), procCpuMs: median(proc), samples: repeats };
}

// ---------------------------------------------------------------- data

function vocab(v: number): Record<string, number> {
  const w: Record<string, number> = { '<NULL>': 0, '<START>': 1, '<END>': 2 };
  for (let i = 3; i < v; i++) w[`w${i}`] = i;
  return w;
}

/** Same distribution as bench/reference.py's make_data: N(0,1) features, random words, some NULL padding. */
export function makeData(s: typeof BIG, seed: number): { features: Tensor; captions: IntTensor } {
  const rng = new Rng(seed);
  const features = tensor([s.N, s.D], rng.normals(s.N * s.D, 1));
  const captions = intTensor([s.N, s.T + 1]);
  for (let i = 0; i < s.N; i++) {
    for (let t = 0; t <= s.T; t++) captions.data[i * (s.T + 1) + t] = s.V > 3 ? 3 + rng.int(s.V - 3) : rng.int(s.V);
    captions.data[i * (s.T + 1)] = 1;
    for (let t = s.T + 1 - (i % 5); t <= s.T; t++) captions.data[i * (s.T + 1) + t] = 0;
  }
  return { features, captions };
}

/**
 * The model as the trainer builds it (runtime/trainJob.ts): reuseGrads, so loss() hands out its
 * gradient buffers instead of copying them (the update consumes them at once).
 */
function model(engine: WasmEngine, s: typeof BIG, cell: CellType, dtype: DType): FastCaptioningModel {
  return new FastCaptioningModel({ wordToIdx: vocab(s.V), inputDim: s.D, wordvecDim: s.W, hiddenDim: s.H, cellType: cell, dtype, engine, seed: 0, reuseGrads: true });
}

/**
 * The parameters and data of every model workload, so the numpy side computes on exactly the same
 * numbers (bench/main.ts writes them as raw little-endian arrays for bench/reference.py --data).
 */
export function workloadInputs(): { key: string; params: Record<string, Tensor>; features: Tensor; captions: IntTensor }[] {
  const out: ReturnType<typeof workloadInputs> = [];
  for (const [size, s, seed] of [['big', BIG, 1], ['sample', BIG, 2], ['small', SMALL, 3]] as const) {
    for (const cell of ['rnn', 'lstm'] as const) {
      const ref = new CaptioningModel({ wordToIdx: vocab(s.V), inputDim: s.D, wordvecDim: s.W, hiddenDim: s.H, cellType: cell, seed: 0 });
      const { features, captions } = makeData(s, seed);
      out.push({ key: `${size}-${cell}`, params: ref.params, features, captions });
    }
  }
  return out;
}

// ---------------------------------------------------------------- workloads

/** Runs one workload on the engine; `threadCounts` lists the thread counts to time (2 needs a helper). */
export function runEngineWorkload(engine: WasmEngine, name: string, repeats: number, threadCounts: number[]): EngineResult {
  const info = WORKLOADS.find((w) => w.name === name);
  if (!info) throw new Error(`unknown workload "${name}" (known: ${WORKLOADS.map((w) => w.name).join(', ')})`);
  const [kind, a, b] = name.split('-');
  const out: EngineResult = { name, threads: {} };
  const withThreads = (th: number, fn: () => void) => {
    const saved = engine.maxThreads;
    engine.maxThreads = th;
    try {
      fn();
    } finally {
      engine.maxThreads = saved;
    }
  };
  const counts = threadCounts.filter((t) => t === 1 || engine.threads >= t);
  if (kind === 'gemm') {
    const dt = a as DType;
    const { M, K, N } = GEMM;
    const A = engine.floats(dt, M * K), B = engine.floats(dt, K * N), C = engine.floats(dt, M * N);
    const rng = new Rng(4);
    for (let i = 0; i < A.length; i++) A[i] = rng.uniform() * 2 - 1;
    for (let i = 0; i < B.length; i++) B[i] = rng.uniform() * 2 - 1;
    out.gflops = {};
    for (const th of counts) {
      const t = measure(() => engine.gemm(false, false, M, N, K, A, B, C, 0, th), Math.max(repeats, 7), 3);
      out.threads[th] = t;
      out.gflops[th] = info.flops! / (t.wallMs * 1e6);
      out.gflops[`${th}-cpu`] = info.flops! / (t.cpuMs * 1e6);
    }
    engine.release(C); engine.release(B); engine.release(A);
    out.note = engine.relaxed ? 'relaxed-SIMD FMA build' : 'plain SIMD128 build';
    return out;
  }
  if (kind === 'train' || kind === 'sample') {
    const m = model(engine, BIG, a as CellType, b as DType);
    const { features, captions } = makeData(BIG, kind === 'train' ? 1 : 2);
    for (const th of counts) {
      withThreads(th, () => {
        out.threads[th] = kind === 'train'
          ? measure(() => m.loss(features, captions), repeats, 2)
          : measure(() => m.sample(features, 30), repeats, 2);
      });
    }
    if (kind === 'train') {
      out.loss = m.loss(features, captions).loss;
      out.note = `loss ${out.loss.toFixed(6)}`;
    } else {
      out.captions = Array.from(m.sample(features, 30).data);
    }
    m.dispose();
    return out;
  }
  if (kind === 'gradcheck') {
    const m = model(engine, SMALL, a as CellType, 'f64');
    const { features, captions } = makeData(SMALL, 3);
    let worst = 0;
    for (const th of counts) {
      withThreads(th, () => {
        out.threads[th] = measure(() => {
          worst = fastGradCheck(m, features, captions, 1e-6).worstRelError;
        }, Math.max(1, Math.min(repeats, 3)), 1);
      });
    }
    out.worstRelError = worst;
    out.note = `worst rel error ${worst.toExponential(2)}`;
    m.dispose();
    return out;
  }
  throw new Error(`unknown workload "${name}"`);
}
