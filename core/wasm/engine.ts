/**
 * The WebAssembly SIMD engine: one shared WebAssembly.Memory holding the tensors, the kernel module
 * (relaxed-SIMD FMA build when the runtime validates it, plain SIMD128 otherwise), an allocator over
 * that memory, and typed wrappers around the kernels. Pure ES2022: a second thread is attached by the
 * Node adapter (runtime/fastEngine.ts) through `attachHelper`, which only needs an Int32Array on a
 * SharedArrayBuffer; the hand-off is Atomics.notify / Atomics.wait, never a spin.
 */
import { kernelModuleBytes } from './build/modules';

export type DType = 'f32' | 'f64';
export type FloatArray = Float32Array | Float64Array;

/** What the kernel module exports (pointers are byte offsets into the shared memory). */
export interface KernelExports {
  gemm_f64(ta: number, tb: number, M: number, N: number, K: number, A: number, lda: number, B: number, ldb: number,
    C: number, ldc: number, beta: number, ws: number): void;
  gemm_f32(ta: number, tb: number, M: number, N: number, K: number, A: number, lda: number, B: number, ldb: number,
    C: number, ldc: number, beta: number, ws: number): void;
  wsBytes_f64(): number;
  wsBytes_f32(): number;
  zero_bytes(p: number, n: number): void;
  hasRelaxedSimd(): number;
  [name: string]: unknown;
}

const PAGE = 65536;
const HEAP_BASE = 1 << 16; // the module's own static data stays below 64 KiB
const MAX_PAGES = 16384;
/**
 * Rows of the kernels' micro-tile (core/wasm/as/gemm.ts MR): an M split cuts at multiples of it,
 * and so do sampling's row ranges (core/fast/sampleJob.ts).
 */
export const MR = 5;

// ---------------------------------------------------------------- module bytes and detection

let plainBytes: Uint8Array | undefined;
let relaxedBytes: Uint8Array | undefined;
export function kernelBytes(kind: 'plain' | 'relaxed'): Uint8Array {
  if (kind === 'plain') return (plainBytes ??= kernelModuleBytes('plain'));
  return (relaxedBytes ??= kernelModuleBytes('relaxed'));
}

/** What this runtime supports. `simd`: the plain build validates (and shared memory exists). */
export interface WasmSupport {
  simd: boolean;
  relaxedSimd: boolean;
}

export function detectWasmSupport(): WasmSupport {
  const hasWasm = typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function';
  const hasShared = typeof SharedArrayBuffer === 'function' && typeof Atomics === 'object';
  if (!hasWasm || !hasShared) return { simd: false, relaxedSimd: false };
  const simd = WebAssembly.validate(kernelBytes('plain'));
  // The relaxed build differs from the plain one only by relaxed-SIMD instructions, so validating it
  // is the exact feature test (Node 20 needs --experimental-wasm-relaxed-simd for it).
  const relaxedSimd = simd && WebAssembly.validate(kernelBytes('relaxed'));
  return { simd, relaxedSimd };
}

// ---------------------------------------------------------------- the helper-thread protocol

/** Slots of the control block shared with the helper thread (Int32Array of CTL_INTS). */
export const CTL = {
  SEQ: 0, DONE: 1, OP: 2, ERR: 3, TA: 4, TB: 5, M: 6, N: 7, K: 8, A: 9, LDA: 10, B: 11, LDB: 12,
  C: 13, LDC: 14, BETA: 15, WS: 16, READY: 17,
  /** OP.CALL: integer arguments ARG0…ARG0+13, their count, a bit mask of float arguments, the kernel index. */
  ARG0: 18, NARGS: 32, FMASK: 33, FN: 34,
} as const;
export const CTL_INTS = 64;
/** Float arguments (and, in slot RET, the float result) of OP.CALL, as a Float64Array at this byte offset. */
export const CTL_FLOAT_BYTE = 192;
export const CTL_RET = 7;
export const OP = { GEMM_F64: 1, GEMM_F32: 2, CALL: 3, JOB: 4, QUIT: 99 } as const;

/** The kernel names in a fixed order, so both threads can refer to a kernel by index. */
export function kernelNames(k: KernelExports): string[] {
  return Object.keys(k).filter((n) => typeof k[n] === 'function').sort();
}

/** Runs one job described by the control block; shared by the helper thread and tests. */
export function runCtlJob(k: KernelExports, ctl: Int32Array, names: string[] = kernelNames(k)): void {
  const op = ctl[CTL.OP];
  if (op === OP.CALL) {
    const f = k[names[ctl[CTL.FN]]] as (...a: number[]) => number;
    const fl = new Float64Array(ctl.buffer, CTL_FLOAT_BYTE, 8);
    const args: number[] = [];
    for (let i = 0; i < ctl[CTL.NARGS]; i++) args.push((ctl[CTL.FMASK] >> i) & 1 ? fl[i] : ctl[CTL.ARG0 + i]);
    const r = f(...args);
    fl[CTL_RET] = typeof r === 'number' ? r : 0;
    return;
  }
  const args = [ctl[CTL.TA], ctl[CTL.TB], ctl[CTL.M], ctl[CTL.N], ctl[CTL.K], ctl[CTL.A], ctl[CTL.LDA], ctl[CTL.B],
    ctl[CTL.LDB], ctl[CTL.C], ctl[CTL.LDC], ctl[CTL.BETA], ctl[CTL.WS]] as const;
  if (op === OP.GEMM_F64) k.gemm_f64(...args);
  else if (op === OP.GEMM_F32) k.gemm_f32(...args);
  else throw new Error(`gemm helper: unknown op ${op}`);
}

// ---------------------------------------------------------------- the engine

export interface EngineOptions {
  /** 'auto' (default): relaxed-SIMD FMA build when the runtime validates it. */
  build?: 'auto' | 'plain' | 'relaxed';
  /** Initial memory in MiB (default 64); grows on demand up to 1 GiB. */
  initialMiB?: number;
}

interface Block { ptr: number; size: number }

/** op(B) packed once by WasmEngine.packB for repeated products. */
export interface PackedB {
  readonly ptr: number;
  readonly dtype: DType;
  readonly K: number;
  readonly N: number;
  readonly Npad: number;
}

export class WasmEngine {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly k: KernelExports;
  readonly relaxed: boolean;
  /** Per-thread packing scratch (thread 0 = caller, i = helper i; at least two slots). */
  readonly ws: number[];
  /** Products of at least this many flops are split with the helper threads (when attached). */
  splitFlops = 2e6;
  /** At most this many threads work on one call (1 keeps all work on the calling thread). */
  maxThreads = 64;

  /** The attached helper threads, each with its own control block. */
  private helpers: { ctl: Int32Array; seq: number; stop: () => void }[] = [];
  private readonly wsBytes: number;
  private top = HEAP_BASE;
  /** Memory from here up has never been handed out: still the zeros a new (or grown) memory starts with. */
  private clean = HEAP_BASE;
  private free: Block[] = [];
  private readonly sizes = new Map<number, number>();
  private readonly buffers = new WeakSet<object>();
  private buffer: ArrayBuffer | SharedArrayBuffer;

  constructor(opts: EngineOptions = {}) {
    const support = detectWasmSupport();
    if (!support.simd) throw new Error('WebAssembly SIMD with shared memory is not available in this runtime');
    const want = opts.build ?? 'auto';
    if (want === 'relaxed' && !support.relaxedSimd) {
      throw new Error('relaxed SIMD is not available in this runtime (Node 20: --experimental-wasm-relaxed-simd)');
    }
    this.relaxed = want === 'relaxed' || (want === 'auto' && support.relaxedSimd);
    this.module = new WebAssembly.Module(kernelBytes(this.relaxed ? 'relaxed' : 'plain'));
    const pages = Math.max(32, Math.ceil(((opts.initialMiB ?? 64) * 1048576) / PAGE));
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
    this.k = new WebAssembly.Instance(this.module, { env: { memory: this.memory, abort: wasmAbort } }).exports as unknown as KernelExports;
    this.buffer = this.memory.buffer;
    this.buffers.add(this.buffer);
    this.wsBytes = Math.max(this.k.wsBytes_f64(), this.k.wsBytes_f32());
    this.ws = [this.alloc(this.wsBytes), this.alloc(this.wsBytes)];
    this.warmUp();
  }

  /** The calling thread plus the attached helpers. */
  get threads(): number {
    return 1 + this.helpers.length;
  }

  /** Threads one call may use now (threads, limited by maxThreads). */
  get team(): number {
    return Math.max(1, Math.min(this.threads, this.maxThreads));
  }

  // ---------------------------------------------------------------- memory

  /** Allocates `bytes` (64-byte aligned) in wasm memory; returns the byte offset. Contents are undefined. */
  alloc(bytes: number): number {
    const ptr = this.allocBlock(bytes);
    this.clean = Math.max(this.clean, ptr + this.sizes.get(ptr)!);
    return ptr;
  }

  /**
   * Like alloc, with the block zero-filled; only the part below the high-water mark is written
   * (fresh memory is zero already), so large first allocations cost no pass over memory.
   */
  allocZeroed(bytes: number): number {
    const ptr = this.allocBlock(bytes);
    const end = ptr + this.sizes.get(ptr)!;
    const dirtyEnd = Math.min(end, this.clean);
    // memory.fill in wasm: TypedArray.fill on shared memory writes byte by byte (~15x slower here).
    if (dirtyEnd > ptr) this.k.zero_bytes(ptr, dirtyEnd - ptr);
    this.clean = Math.max(this.clean, end);
    return ptr;
  }

  private allocBlock(bytes: number): number {
    const size = Math.max(64, Math.ceil(bytes / 64) * 64);
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i];
      if (b.size >= size) {
        const ptr = b.ptr;
        if (b.size === size) this.free.splice(i, 1);
        else { b.ptr += size; b.size -= size; }
        this.sizes.set(ptr, size);
        return ptr;
      }
    }
    const ptr = this.top;
    const end = ptr + size;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const need = Math.ceil((end - have) / PAGE);
      const grow = Math.max(need, Math.ceil(have / PAGE / 4)); // grow by >= 25 %
      const delta = Math.min(Math.max(need, grow), MAX_PAGES - have / PAGE);
      if (delta < need) {
        throw new Error(`wasm engine: out of memory allocating ${bytes} bytes (limit ${(MAX_PAGES * PAGE) / 1048576} MiB)`);
      }
      this.memory.grow(delta);
      this.buffer = this.memory.buffer;
      this.buffers.add(this.buffer);
    }
    this.top = end;
    this.sizes.set(ptr, size);
    return ptr;
  }

  /** Returns a block from `alloc` (or the block under a view from f64/f32) to the allocator. */
  release(ptrOrView: number | FloatArray | Int32Array): void {
    const ptr = typeof ptrOrView === 'number' ? ptrOrView : ptrOrView.byteOffset;
    const size = this.sizes.get(ptr);
    if (size === undefined) throw new Error(`wasm engine: release of unknown block at ${ptr}`);
    this.sizes.delete(ptr);
    if (ptr + size === this.top) {
      this.top = ptr;
    } else {
      this.free.push({ ptr, size });
    }
    // Coalesce neighbours and give the tail back to the bump pointer.
    this.free.sort((a, b) => a.ptr - b.ptr);
    const merged: Block[] = [];
    for (const b of this.free) {
      const last = merged[merged.length - 1];
      if (last && last.ptr + last.size === b.ptr) last.size += b.size;
      else merged.push({ ...b });
    }
    while (merged.length && merged[merged.length - 1].ptr + merged[merged.length - 1].size === this.top) {
      this.top = merged.pop()!.ptr;
    }
    this.free = merged;
  }

  /** A zero-filled Float64Array of n elements living in wasm memory. */
  f64(n: number): Float64Array {
    const p = this.allocZeroed(n * 8); // may grow the memory: take the buffer after
    return new Float64Array(this.buffer, p, n);
  }
  f32(n: number): Float32Array {
    const p = this.allocZeroed(n * 4); // may grow the memory: take the buffer after
    return new Float32Array(this.buffer, p, n);
  }
  i32(n: number): Int32Array {
    const p = this.allocZeroed(n * 4); // may grow the memory: take the buffer after
    return new Int32Array(this.buffer, p, n);
  }
  floats(dtype: DType, n: number): FloatArray {
    return dtype === 'f64' ? this.f64(n) : this.f32(n);
  }

  /** Bytes of wasm memory in use by live blocks (excluding the scratch areas' fixed cost). */
  get bytesInUse(): number {
    let s = 0;
    for (const v of this.sizes.values()) s += v;
    return s;
  }

  /** True if `a` is a view on this engine's memory (so kernels may take its byteOffset). */
  owns(a: ArrayBufferView): boolean {
    return this.buffers.has(a.buffer);
  }

  ptr(a: FloatArray | Int32Array, what = 'array'): number {
    if (!this.buffers.has(a.buffer)) throw new Error(`wasm engine: ${what} is not a view on the engine's memory`);
    return a.byteOffset;
  }

  // ---------------------------------------------------------------- threads

  /**
   * Attaches a helper thread that runs `runCtlJob` on `ctl` (see runtime/gemmWorker.ts); call
   * once per helper. Helper i (from 1) packs into ws[i].
   */
  attachHelper(ctl: Int32Array, stop: () => void): void {
    if (ctl.length < CTL_INTS) throw new Error('attachHelper: control block too short');
    this.helpers.push({ ctl, seq: Atomics.load(ctl, CTL.SEQ), stop });
    while (this.ws.length <= this.helpers.length) this.ws.push(this.alloc(this.wsBytes));
  }

  /** Stops the helper threads (if any); the engine keeps working single-threaded. */
  detachHelper(): void {
    const hs = this.helpers;
    this.helpers = [];
    for (const h of hs) {
      h.ctl[CTL.OP] = OP.QUIT;
      Atomics.store(h.ctl, CTL.SEQ, ++h.seq);
      Atomics.notify(h.ctl, CTL.SEQ);
      h.stop();
    }
  }

  /** Posts a GEMM part to helper `i` (0-based). */
  private post(i: number, op: number, a: readonly number[]): void {
    const h = this.helpers[i];
    const ctl = h.ctl;
    ctl[CTL.OP] = op;
    ctl[CTL.ERR] = 0;
    for (let j = 0; j < 13; j++) ctl[CTL.TA + j] = a[j];
    Atomics.store(ctl, CTL.SEQ, ++h.seq);
    Atomics.notify(ctl, CTL.SEQ);
  }

  /** Waits for helper `i`'s current job; returns its float result. */
  private join(i = 0): number {
    const h = this.helpers[i];
    const ctl = h.ctl;
    for (;;) {
      const d = Atomics.load(ctl, CTL.DONE);
      if (d === h.seq) break;
      if (Atomics.wait(ctl, CTL.DONE, d, 30000) === 'timed-out' && Atomics.load(ctl, CTL.DONE) === d) {
        throw new Error('wasm engine: the gemm helper thread did not answer within 30 s');
      }
    }
    if (ctl[CTL.ERR] !== 0) throw new Error(`wasm engine: the gemm helper thread failed (code ${ctl[CTL.ERR]})`);
    return new Float64Array(ctl.buffer, CTL_FLOAT_BYTE, 8)[CTL_RET];
  }

  /** Joins helpers 0..n-1 (every one, even after a failure), then reports the first failure. */
  private joinAll(n: number): number {
    let sum = 0;
    let err: unknown;
    for (let i = 0; i < n; i++) {
      try {
        sum += this.join(i);
      } catch (e) {
        err ??= e;
      }
    }
    if (err) throw err;
    return sum;
  }

  /** Joins the helpers that were posted a part (helpers 0..posted-1; an empty part posts nothing). */
  private joinPosted(posted: number): number {
    return this.joinAll(posted);
  }

  /**
   * How many threads a product of `flops` is split over: up to the team, each part at least
   * splitFlops / 2 (below that the hand-off costs more than it saves).
   */
  private partsFor(flops: number, units: number): number {
    if (flops < this.splitFlops) return 1;
    return Math.max(1, Math.min(this.team, units, Math.floor(flops / (this.splitFlops / 2))));
  }

  // ---------------------------------------------------------------- GEMM

  /**
   * C = beta·C + op(A)·op(B) on raw pointers (byte offsets), beta ∈ {0, 1}; leading dimensions in
   * elements. op(A) is M×K, op(B) K×N, C M×N. `threads` 1 forces one thread.
   */
  gemmRaw(dtype: DType, ta: boolean, tb: boolean, M: number, N: number, K: number, A: number, lda: number,
    B: number, ldb: number, C: number, ldc: number, beta: 0 | 1, threads = 64): void {
    const f = dtype === 'f64' ? this.k.gemm_f64 : this.k.gemm_f32;
    const TA = ta ? 1 : 0, TB = tb ? 1 : 0;
    const es = dtype === 'f64' ? 8 : 4;
    const nr = dtype === 'f64' ? 4 : 8;
    const mTiles = Math.ceil(M / MR), nTiles = Math.ceil(N / nr);
    const alongN = nTiles >= mTiles || nTiles >= 2 * 8;
    const parts = threads < 2 || (M < 8 && N < 16) ? 1 : Math.min(threads, this.partsFor(2 * M * N * K, alongN ? nTiles : mTiles));
    if (parts < 2) {
      f(TA, TB, M, N, K, A, lda, B, ldb, C, ldc, beta, this.ws[0]);
      return;
    }
    const op = dtype === 'f64' ? OP.GEMM_F64 : OP.GEMM_F32;
    // Part p covers tiles [ceil(tiles·p/parts), ceil(tiles·(p+1)/parts)): each output element is
    // computed by one thread, in the same order as on one thread (results are bit-identical).
    let posted = 0;
    try {
      if (alongN) {
        // Split along N in whole NR panels: each thread packs only its part of op(B).
        const cut = (p: number) => Math.min(N, Math.ceil((nTiles * p) / parts) * nr);
        for (let p = 1; p < parts; p++) {
          const n0 = cut(p), n1 = cut(p + 1);
          if (n1 <= n0) continue;
          this.post(p - 1, op, [TA, TB, M, n1 - n0, K, A, lda, B + (tb ? n0 * ldb : n0) * es, ldb, C + n0 * es, ldc, beta, this.ws[p]]);
          posted = p;
        }
        f(TA, TB, M, cut(1), K, A, lda, B, ldb, C, ldc, beta, this.ws[0]);
      } else {
        const cut = (p: number) => Math.min(M, Math.ceil((mTiles * p) / parts) * MR);
        for (let p = 1; p < parts; p++) {
          const m0 = cut(p), m1 = cut(p + 1);
          if (m1 <= m0) continue;
          this.post(p - 1, op, [TA, TB, m1 - m0, N, K, A + (ta ? m0 : m0 * lda) * es, lda, B, ldb, C + m0 * ldc * es, ldc, beta, this.ws[p]]);
          posted = p;
        }
        f(TA, TB, cut(1), N, K, A, lda, B, ldb, C, ldc, beta, this.ws[0]);
      }
    } finally {
      this.joinPosted(posted);
    }
  }

  /**
   * C (+)= op(A)·op(B) on dense row-major views in wasm memory. A is M×K (K×M when ta), B is K×N
   * (N×K when tb), C is M×N. Shapes are checked against the array lengths.
   */
  gemm(ta: boolean, tb: boolean, M: number, N: number, K: number, A: FloatArray, B: FloatArray, C: FloatArray,
    beta: 0 | 1 = 0, threads = 64): void {
    const dtype: DType = C instanceof Float64Array ? 'f64' : 'f32';
    if (A.constructor !== C.constructor || B.constructor !== C.constructor) throw new Error('gemm: mixed dtypes');
    if (A.length < M * K || B.length < K * N || C.length < M * N) {
      throw new Error(`gemm: arrays too short for M=${M} N=${N} K=${K} (A ${A.length}, B ${B.length}, C ${C.length})`);
    }
    this.gemmRaw(dtype, ta, tb, M, N, K, this.ptr(A, 'A'), ta ? M : K, this.ptr(B, 'B'), tb ? K : N,
      this.ptr(C, 'C'), N, beta, threads);
  }

  private names: string[] | undefined;

  /**
   * Runs a row-parallel kernel over `rows` rows: with helpers attached and at least `minRows`
   * rows, the rows are cut into up to `threads` ranges of at least minRows / 2 rows; this thread
   * runs the first, helper p the (p+1)-th. `args(r0, r1)` gives the kernel's arguments for a row
   * range; arguments at the indices in `floatArgs` are floats. Returns the sum of the ranges'
   * results in row order (for kernels that return a sum, e.g. softmax_xent).
   */
  callRows(name: string, dtype: DType | undefined, rows: number, minRows: number, args: (r0: number, r1: number) => number[],
    floatArgs: readonly number[] = []): number {
    const f = this.kernel(name, dtype);
    const team = this.team;
    if (team < 2 || rows < minRows || rows < 2) return f(...args(0, rows));
    const parts = Math.min(team, rows, Math.max(2, Math.floor((2 * rows) / Math.max(1, minRows))));
    const cut = (p: number) => Math.floor((rows * p) / parts);
    const full = dtype ? `${name}_${dtype}` : name;
    let posted = 0;
    let mine = 0;
    try {
      for (let p = 1; p < parts; p++) {
        this.postCall(p - 1, full, args(cut(p), cut(p + 1)), floatArgs);
        posted = p;
      }
      const r = f(...args(0, cut(1)));
      mine = typeof r === 'number' ? r : 0;
    } finally {
      const rest = this.joinPosted(posted);
      mine += rest;
    }
    return mine;
  }

  /** Posts one kernel call to helper `h` (join(h) waits for it and returns its float result). */
  private postCall(h: number, full: string, a: readonly number[], floatArgs: readonly number[]): void {
    const helper = this.helpers[h];
    const ctl = helper.ctl;
    this.names ??= kernelNames(this.k);
    const fn = this.names.indexOf(full);
    if (fn < 0) throw new Error(`wasm engine: the kernel module has no export ${full}`);
    if (a.length > 14) throw new Error(`wasm engine: ${full} takes ${a.length} arguments (at most 14 can be posted)`);
    const fl = new Float64Array(ctl.buffer, CTL_FLOAT_BYTE, 8);
    let mask = 0;
    for (let i = 0; i < a.length; i++) {
      if (floatArgs.includes(i)) {
        if (i >= 7) throw new Error('wasm engine: float arguments must come among the first 7');
        fl[i] = a[i];
        mask |= 1 << i;
      } else {
        ctl[CTL.ARG0 + i] = a[i];
      }
    }
    ctl[CTL.NARGS] = a.length;
    ctl[CTL.FMASK] = mask;
    ctl[CTL.FN] = fn;
    ctl[CTL.OP] = OP.CALL;
    ctl[CTL.ERR] = 0;
    Atomics.store(ctl, CTL.SEQ, ++helper.seq);
    Atomics.notify(ctl, CTL.SEQ);
  }

  // ---------------------------------------------------------------- prepacked weights

  /**
   * Packs op(B) (K×N; B is N×K when tb) once for many products with the same right operand (a
   * recurrent weight at every time step). Release with releasePacked.
   */
  packB(dtype: DType, tb: boolean, K: number, N: number, B: number, ldb: number): PackedB {
    const nr = dtype === 'f64' ? 4 : 8, es = dtype === 'f64' ? 8 : 4;
    const Npad = Math.ceil(N / nr) * nr;
    const ptr = this.alloc(Math.max(1, K * Npad) * es);
    this.kernel('packB_full', dtype)(tb ? 1 : 0, B, ldb, K, N, ptr);
    return { ptr, dtype, K, N, Npad };
  }

  releasePacked(pb: PackedB): void {
    this.release(pb.ptr);
  }

  /** C = beta·C + op(A)·B with B prepacked; split along N with the helper for large products. */
  gemmPacked(ta: boolean, M: number, A: number, lda: number, pb: PackedB, C: number, ldc: number, beta: 0 | 1): void {
    const { dtype, K, N, Npad } = pb;
    const f = this.kernel('gemm_pp', dtype);
    const TA = ta ? 1 : 0;
    const nr = dtype === 'f64' ? 4 : 8, es = dtype === 'f64' ? 8 : 4;
    const nTiles = Math.ceil(N / nr);
    const parts = nTiles < 2 ? 1 : this.partsFor(2 * M * N * K, nTiles);
    if (parts < 2) {
      f(TA, M, N, K, A, lda, pb.ptr, Npad, 0, C, ldc, beta, this.ws[0]);
      return;
    }
    const cut = (p: number) => Math.min(N, Math.ceil((nTiles * p) / parts) * nr);
    let posted = 0;
    try {
      for (let p = 1; p < parts; p++) {
        const n0 = cut(p), n1 = cut(p + 1);
        this.postCall(p - 1, `gemm_pp_${dtype}`, [TA, M, n1 - n0, K, A, lda, pb.ptr, Npad, n0, C + n0 * es, ldc, beta, this.ws[p]], []);
        posted = p;
      }
      f(TA, M, cut(1), K, A, lda, pb.ptr, Npad, 0, C, ldc, beta, this.ws[0]);
    } finally {
      this.joinPosted(posted);
    }
  }

  /**
   * Runs a registered job (runtime/gemmWorker.ts knows them by id) on every thread one call may use
   * now (`team`): helper i runs `jobId` with argsOf(i + 1), this thread runs `mine` (part 0); returns
   * when all are done (with no helper, only `mine` runs). The parts must share
   * their work through memory (e.g. a work counter), so that any number of threads gives the same result.
   */
  runJobTeam(jobId: number, argsOf: (part: number) => readonly number[], mine: () => void): void {
    const n = this.team - 1;
    for (let i = 0; i < n; i++) {
      const ctl = this.helpers[i].ctl;
      const args = argsOf(i + 1);
      for (let j = 0; j < args.length; j++) ctl[CTL.ARG0 + j] = args[j];
      ctl[CTL.NARGS] = args.length;
      ctl[CTL.FN] = jobId;
      ctl[CTL.OP] = OP.JOB;
      ctl[CTL.ERR] = 0;
      Atomics.store(ctl, CTL.SEQ, ++this.helpers[i].seq);
      Atomics.notify(ctl, CTL.SEQ);
    }
    try {
      mine();
    } finally {
      this.joinAll(n);
    }
  }

  /** A kernel export by base name and dtype, e.g. kernel('tanh', 'f32') -> tanh_f32. */
  kernel(name: string, dtype?: DType): (...args: number[]) => number {
    const full = dtype ? `${name}_${dtype}` : name;
    const f = this.k[full];
    if (typeof f !== 'function') throw new Error(`wasm engine: the kernel module has no export ${full}`);
    return f as (...args: number[]) => number;
  }

  /** Runs small products once per dtype so V8 tiers the kernels up before the first big call. */
  private warmUp(): void {
    for (const dtype of ['f64', 'f32'] as const) {
      const a = this.floats(dtype, 64 * 64), b = this.floats(dtype, 64 * 64), c = this.floats(dtype, 64 * 64);
      for (let r = 0; r < 3; r++) {
        this.gemm(false, false, 64, 64, 64, a, b, c, 0, 1);
        this.gemm(true, true, 61, 63, 62, a, b, c, 1, 1);
      }
      this.release(c); this.release(b); this.release(a);
    }
  }
}

function wasmAbort(): never {
  throw new Error('wasm kernel aborted');
}

let shared: WasmEngine | undefined;
/** The process-wide engine (single-threaded unless a Node adapter attached a helper). */
export function getEngine(): WasmEngine {
  return (shared ??= new WasmEngine());
}
export function setEngine(e: WasmEngine): void {
  shared = e;
}
