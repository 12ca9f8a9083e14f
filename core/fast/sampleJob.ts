/**
 * Greedy sampling steps for a range of rows, run by any thread. Rows of greedy sampling never
 * interact (row i's next word depends only on row i's state), so the calling thread and each helper
 * run every step for their own rows with no hand-off per step: the input term b + x·Wx, the
 * recurrent nonlinearity, the scores h·[W_vocab | Wh] (+ [b_vocab | 0]) through the prepacked
 * product, and the per-row argmax. A row's arithmetic is the same whichever rows share its product
 * (same micro-kernel, same k order), so the sampled words do not depend on the split.
 *
 * The input term depends only on the word, so each thread keeps a table of b + W_embed[w]·Wx rows
 * and computes a word's row the first time one of its rows samples that word (greedy captions reuse
 * few words): no per-step product over all rows, and no table over the whole vocabulary.
 */
import { MR, type KernelExports } from '../wasm/engine';

/** Job id of a sampling row range run on the helper thread (see runtime/gemmWorker.ts). */
export const SAMPLE_JOB = 2;

// Layout of the job descriptor (a Float64Array in wasm memory; pointers are byte offsets).
export const S = {
  F32: 0, LSTM: 1, N: 2, H: 3, G: 4, V: 5, VG: 6, W: 7, T: 8, X: 9, WEMBED: 10, B: 11, WXP: 12, WXNPAD: 13,
  A: 14, H0: 15, H1: 16, C0: 17, C1: 18, TC: 19, SC: 20, BIAS: 21, WVHP: 22, WVHNPAD: 23, WORDS: 24, OUT: 25,
  /** i32 2N: per row, its word's table slot, then the new words of a step (rows r0.. of each half) */
  SIDX: 26,
  /** h0 = features·W_proj + b_proj and its recurrent term h0·Wh are computed per row range too */
  FEAT: 27, D: 28, WPROJ: 29, BPROJ: 30, WH: 31,
  /**
   * float64 sampling screened in float32 (kernel screen_argmax_f64, core/wasm/as/screen.ts): SCREEN 1 to use it; Wh packed alone
   * (WHP, WHNPAD); W_vocab in float32, packed (WV32P, WV32NPAD), b_vocab in float32 (B32); per word
   * the bound's factor ||W_vocab[:, v]||₂ and |b_vocab[v]| (WNORM, f64 2V); float32 scratch for h (H32,
   * n·H) and the scores (S32, n·V); W_vocab transposed (WVOCAB, f64 V·H: a word's column contiguous)
   * and b_vocab for the exact scores.
   */
  SCREEN: 32, WHP: 33, WHNPAD: 34, WV32P: 35, WV32NPAD: 36, B32: 37, WNORM: 38, H32: 39, S32: 40, WVOCAB: 41, BVOCAB: 42,
  /**
   * per thread slot s (0: the caller, 1…: the helpers), at SLOT + SLOT_LEN·s: rows [R0, R1), packing
   * scratch WS, the table of input terms TAB (V·G floats) and the word → table row map MAP (i32 V)
   */
  SLOT: 43, R0: 0, R1: 1, WS: 2, TAB: 3, MAP: 4, SLOT_LEN: 5,
} as const;

/**
 * Bound on |s32 − s| for a score computed in float32 from float64 h, W_vocab and b_vocab, per unit
 * of ||h||₂·||W_v||₂ + |b_v|: rounding h, W and b to float32 (u = 2⁻²⁴ each), the products, and
 * the float32 sum of H + 1 terms in any order (γ_{H+1} ≤ (H + 1)·u / (1 − (H + 1)·u)), with
 * Σ|h_k·W_kv| ≤ ||h||₂·||W_v||₂ (Cauchy–Schwarz); doubled for slack.
 */
export function screenBound(H: number): number {
  const u = 2 ** -24;
  const g = ((H + 1) * u) / (1 - (H + 1) * u);
  return 2 * (g * (1 + 3 * u) + 3 * u);
}

/** Length of the job descriptor for `threads` slots. */
export const sampleDescLength = (threads: number): number => S.SLOT + S.SLOT_LEN * threads;

/**
 * Row ranges of `threads` threads over n rows, in whole micro-tiles of MR rows (no remainder kernel; a row's arithmetic is the same
 * whatever the split: each score is one multiply-add chain in k order); the caller (slot 0, which
 * also runs the JS around the kernels) gets the fewest. Returns threads + 1 boundaries.
 */
export function sampleRowRanges(n: number, threads: number): number[] {
  const tiles = Math.ceil(n / MR);
  const base = Math.floor(tiles / threads), extra = tiles % threads;
  const bounds = [0];
  for (let s = 0; s < threads; s++) {
    // The extra tiles go to the helpers (slots threads-1, threads-2, …), never to the caller first.
    const t = base + (s >= threads - extra ? 1 : 0);
    bounds.push(Math.min(n, bounds[s] + MR * t));
  }
  bounds[threads] = n;
  return bounds;
}

type Kern = (...a: number[]) => number;

/** Runs all T steps for rows [r0, r1) of the sampling described at descPtr (slot 0: caller, 1…: helpers). */
export function runSampleRows(k: KernelExports, buf: ArrayBufferLike, descPtr: number, slot: number): void {
  const d = new Float64Array(buf, descPtr, sampleDescLength(slot + 1));
  const sb = S.SLOT + S.SLOT_LEN * slot;
  const r0 = d[sb + S.R0], r1 = d[sb + S.R1], ws = d[sb + S.WS], tab = d[sb + S.TAB];
  const m = r1 - r0;
  if (m <= 0) return;
  const f32 = d[S.F32] === 1, lstm = d[S.LSTM] === 1;
  const sfx = f32 ? '_f32' : '_f64', es = f32 ? 4 : 8;
  const kn = (name: string) => k[name + sfx] as Kern;
  const gatherAdd = kn('gather_add_rows'), gather = kn('gather_rows'), fillRows = kn('fill_rows'), gemmPP = kn('gemm_pp');
  const tanh = kn('tanh'), lstmFwd = kn('lstm_fwd'), argmax = kn('argmax_rows');
  const H = d[S.H], G = d[S.G], V = d[S.V], VG = d[S.VG], W = d[S.W], T = d[S.T], N = d[S.N];
  const pa = d[S.A] + r0 * G * es, psc = d[S.SC] + r0 * VG * es, pw = d[S.WORDS] + r0 * 4;
  const px = d[S.X] + r0 * W * es, pWembed = d[S.WEMBED], pb = d[S.B], pWx = d[S.WXP], wxNpad = d[S.WXNPAD];
  const pbias = d[S.BIAS], pWvh = d[S.WVHP], wvhNpad = d[S.WVHNPAD], ptc = d[S.TC] + r0 * H * es;
  let hn = d[S.H1] + r0 * H * es, hp = d[S.H0] + r0 * H * es, c = d[S.C0] + r0 * H * es, cn = d[S.C1] + r0 * H * es;
  const words = new Int32Array(buf, d[S.WORDS], N), out = new Int32Array(buf, d[S.OUT], N * T);
  const map = new Int32Array(buf, d[sb + S.MAP], V);
  const pSidx = d[S.SIDX] + r0 * 4, pNew = d[S.SIDX] + (N + r0) * 4;
  const sidx = new Int32Array(buf, pSidx, m), fresh = new Int32Array(buf, pNew, m);
  map.fill(-1);
  const gemm = k['gemm' + sfx] as Kern, D = d[S.D];
  fillRows(hp, m, H, d[S.BPROJ]);
  gemm(0, 0, m, H, D, d[S.FEAT] + r0 * D * es, D, d[S.WPROJ], H, hp, H, 1, ws);
  gemm(0, 0, m, G, H, hp, H, d[S.WH], G, psc + V * es, VG, 0, ws);
  const screen = d[S.SCREEN] === 1 && !f32;
  const gemmPP32 = k.gemm_pp_f32 as Kern, fill32 = k.fill_rows_f32 as Kern, demote = k.demote as Kern;
  const ph32 = d[S.H32] + r0 * H * 4, ps32 = d[S.S32] + r0 * V * 4;
  const screenArgmax = k.screen_argmax_f64 as Kern;
  const bound = screenBound(H);
  let slots = 0;
  for (let step = 0; step < T; step++) {
    // Table rows of this step's words; words not seen yet get b + W_embed[w]·Wx computed now.
    let nNew = 0;
    for (let i = 0; i < m; i++) {
      const w = words[r0 + i];
      let s = map[w];
      if (s < 0) {
        s = map[w] = slots + nNew;
        fresh[nNew++] = w;
      }
      sidx[i] = s;
    }
    if (nNew > 0) {
      const dst = tab + slots * G * es;
      gather(px, pWembed, pNew, nNew, W);
      fillRows(dst, nNew, G, pb);
      gemmPP(0, nNew, G, W, px, W, pWx, wxNpad, 0, dst, G, 1, ws);
      slots += nNew;
    }
    gatherAdd(pa, tab, pSidx, psc + V * es, VG, m, G);
    if (lstm) lstmFwd(pa, c, cn, ptc, hn, m, H);
    else tanh(hn, pa, m * H);
    if (screen) {
      // The recurrent term of the next step in float64; the scores in float32, then the screen.
      gemmPP(0, m, G, H, hn, H, d[S.WHP], d[S.WHNPAD], 0, psc + V * es, VG, 0, ws);
      demote(ph32, hn, m * H);
      fill32(ps32, m, V, d[S.B32]);
      gemmPP32(0, m, V, H, ph32, H, d[S.WV32P], d[S.WV32NPAD], 0, ps32, V, 1, ws);
      screenArgmax(ps32, hn, d[S.WVOCAB], d[S.BVOCAB], d[S.WNORM], m, H, V, bound, pw);
    } else {
      fillRows(psc, m, VG, pbias);
      gemmPP(0, m, VG, H, hn, H, pWvh, wvhNpad, 0, psc, VG, 1, ws);
      argmax(psc, m, V, VG, pw);
    }
    for (let i = r0; i < r1; i++) out[i * T + step] = words[i];
    let t = hp; hp = hn; hn = t;
    t = c; c = cn; cn = t;
  }
}
