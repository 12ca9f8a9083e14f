/**
 * Greedy sampling steps for a range of rows, run by either thread. Rows of greedy sampling never
 * interact (row i's next word depends only on row i's state), so the calling thread and the helper
 * each run every step for their own rows with no hand-off per step: the gather of b + x·Wx, the
 * recurrent nonlinearity, the scores h·[W_vocab | Wh] (+ [b_vocab | 0]) through the prepacked
 * product, and the per-row argmax. A row's arithmetic is the same whichever rows share its product
 * (same micro-kernel, same k order), so the sampled words do not depend on the split.
 */
import type { KernelExports } from '../wasm/engine';

/** Job id of a sampling row range run on the helper thread (see core/wasm/gemmWorker.ts). */
export const SAMPLE_JOB = 2;

// Layout of the job descriptor (a Float64Array in wasm memory; pointers are byte offsets).
export const S = {
  F32: 0, LSTM: 1, N: 2, H: 3, G: 4, V: 5, VG: 6, W: 7, T: 8, EWX: 9, X: 10, WEMBED: 11, B: 12, WXP: 13, WXNPAD: 14,
  A: 15, H0: 16, H1: 17, C0: 18, C1: 19, TC: 20, SC: 21, BIAS: 22, WVHP: 23, WVHNPAD: 24, WORDS: 25, OUT: 26,
  /** per thread slot s: rows [R0 + 3s, R1 + 3s), packing scratch WS + 3s */
  R0: 27, R1: 28, WS: 29,
  LEN: 33,
} as const;

type Kern = (...a: number[]) => number;

/** Runs all T steps for rows [r0, r1) of the sampling described at descPtr (slot 0: caller, 1: helper). */
export function runSampleRows(k: KernelExports, buf: ArrayBufferLike, descPtr: number, slot: number): void {
  const d = new Float64Array(buf, descPtr, S.LEN);
  const r0 = d[S.R0 + 3 * slot], r1 = d[S.R1 + 3 * slot], ws = d[S.WS + 3 * slot];
  const m = r1 - r0;
  if (m <= 0) return;
  const f32 = d[S.F32] === 1, lstm = d[S.LSTM] === 1;
  const sfx = f32 ? '_f32' : '_f64', es = f32 ? 4 : 8;
  const kn = (name: string) => k[name + sfx] as Kern;
  const gatherAdd = kn('gather_add_rows'), gather = kn('gather_rows'), fillRows = kn('fill_rows'), gemmPP = kn('gemm_pp');
  const addRowsLd = kn('add_rows_ld'), tanh = kn('tanh'), lstmFwd = kn('lstm_fwd'), argmax = kn('argmax_rows');
  const H = d[S.H], G = d[S.G], V = d[S.V], VG = d[S.VG], W = d[S.W], T = d[S.T], N = d[S.N];
  const ewx = d[S.EWX], pa = d[S.A] + r0 * G * es, psc = d[S.SC] + r0 * VG * es, pw = d[S.WORDS] + r0 * 4;
  const px = d[S.X] + r0 * W * es, pWembed = d[S.WEMBED], pb = d[S.B], pWx = d[S.WXP], wxNpad = d[S.WXNPAD];
  const pbias = d[S.BIAS], pWvh = d[S.WVHP], wvhNpad = d[S.WVHNPAD], ptc = d[S.TC] + r0 * H * es;
  let h = d[S.H0] + r0 * H * es, hn = d[S.H1] + r0 * H * es, c = d[S.C0] + r0 * H * es, cn = d[S.C1] + r0 * H * es;
  const words = new Int32Array(buf, d[S.WORDS], N), out = new Int32Array(buf, d[S.OUT], N * T);
  for (let step = 0; step < T; step++) {
    if (ewx) {
      gatherAdd(pa, ewx, pw, psc + V * es, VG, m, G);
    } else {
      gather(px, pWembed, pw, m, W);
      fillRows(pa, m, G, pb);
      gemmPP(0, m, G, W, px, W, pWx, wxNpad, 0, pa, G, 1, ws);
      addRowsLd(pa, psc + V * es, VG, m, G);
    }
    if (lstm) lstmFwd(pa, c, cn, ptc, hn, m, H);
    else tanh(hn, pa, m * H);
    fillRows(psc, m, VG, pbias);
    gemmPP(0, m, VG, H, hn, H, pWvh, wvhNpad, 0, psc, VG, 1, ws);
    argmax(psc, m, V, VG, pw);
    for (let i = r0; i < r1; i++) out[i * T + step] = words[i];
    let t = h; h = hn; hn = t;
    t = c; c = cn; cn = t;
  }
}
