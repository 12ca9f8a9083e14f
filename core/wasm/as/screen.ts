// AssemblyScript: the word choice of float64 greedy sampling from float32 scores (see
// core/fast/sampleJob.ts screenedArgmax, which this computes identically, faster), and the per-row
// losses of the full gradient check.
import { vexp64 } from './vmath';

/**
 * For each of `rows` rows: e = bound·||h_r||₂; lo = max_v (s32[v] − (e·wn[v] + bound·wn[V + v]));
 * among the words with s32[v] + (e·wn[v] + bound·wn[V + v]) ≥ lo, the first with the largest
 * b_v + Σ_k h_k·WvT[v, k] (float64, k in order) goes to out[r] (i32).
 * s32: f32 rows of V; h: f64 rows of H; WvT: f64 V×H (W_vocab transposed); bv: f64 V; wn: f64 2V.
 */
export function screen_argmax_f64(s32: usize, h: usize, WvT: usize, bv: usize, wn: usize, rows: i32, H: i32, V: i32,
  bound: f64, out: usize): void {
  const hB = <usize>H * 8;
  for (let r = 0; r < rows; r++) {
    const so = s32 + <usize>r * V * 4, ho = h + <usize>r * hB;
    let acc = f64x2.splat(0);
    let k = 0;
    for (; k + 2 <= H; k += 2) {
      const x = v128.load(ho + <usize>k * 8);
      acc = f64x2.add(acc, f64x2.mul(x, x));
    }
    let hh = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
    for (; k < H; k++) { const x = load<f64>(ho + <usize>k * 8); hh += x * x; }
    const e = bound * Math.sqrt(hh);
    let lo: f64 = -Infinity;
    for (let v = 0; v < V; v++) {
      const l = <f64>load<f32>(so + <usize>v * 4) - (e * load<f64>(wn + <usize>v * 8) + bound * load<f64>(wn + <usize>(V + v) * 8));
      if (l > lo) lo = l;
    }
    let best = -1;
    let bestS: f64 = -Infinity;
    for (let v = 0; v < V; v++) {
      if (<f64>load<f32>(so + <usize>v * 4) + (e * load<f64>(wn + <usize>v * 8) + bound * load<f64>(wn + <usize>(V + v) * 8)) < lo) continue;
      // Scalar, k in order, no fused multiply-add: the same float64 value as the JS loop.
      let sv = load<f64>(bv + <usize>v * 8);
      const wo = WvT + <usize>v * hB;
      for (let q = 0; q < H; q++) sv += load<f64>(ho + <usize>q * 8) * load<f64>(wo + <usize>q * 8);
      if (sv > bestS || best < 0) {
        bestS = sv;
        best = v;
      }
    }
    store<i32>(out + <usize>r * 4, best);
  }
}

/**
 * Per-row masked softmax cross-entropy of scores plus a bias (the full gradient check's losses):
 * out[r] = log Σ_j exp(s_j − max) − (s_y − max) with s_j = S[r, j] + bias[j], 0 where mask[r] == 0.
 * Rows ldS elements apart; S is read only.
 */
export function rows_loss_bias_f64(S: usize, ldS: i32, bias: usize, y: usize, mask: usize, rows: i32, V: i32, out: usize): void {
  for (let r = 0; r < rows; r++) {
    const o = out + <usize>r * 8;
    if (!load<i32>(mask + <usize>r * 4)) { store<f64>(o, 0); continue; }
    const row = S + <usize>r * ldS * 8;
    let mx: f64 = -Infinity;
    for (let j = 0; j < V; j++) mx = max(mx, load<f64>(row + <usize>j * 8) + load<f64>(bias + <usize>j * 8));
    const mv = f64x2.splat(mx);
    let sv = f64x2.splat(0);
    let j = 0;
    for (; j + 2 <= V; j += 2) {
      const s = f64x2.add(v128.load(row + <usize>j * 8), v128.load(bias + <usize>j * 8));
      sv = f64x2.add(sv, vexp64(f64x2.sub(s, mv)));
    }
    let sum: f64 = f64x2.extract_lane(sv, 0) + f64x2.extract_lane(sv, 1);
    if (j < V) {
      const s = load<f64>(row + <usize>j * 8) + load<f64>(bias + <usize>j * 8);
      sum += f64x2.extract_lane(vexp64(f64x2.splat(s - mx)), 0);
    }
    const yi = load<i32>(y + <usize>r * 4);
    store<f64>(o, Math.log(sum) - (load<f64>(row + <usize>yi * 8) + load<f64>(bias + <usize>yi * 8) - mx));
  }
}

/** Zeroes n bytes at p (bulk memory.fill: a typed array's fill on shared memory runs byte by byte). */
export function zero_bytes(p: usize, n: usize): void {
  memory.fill(p, 0, n);
}
