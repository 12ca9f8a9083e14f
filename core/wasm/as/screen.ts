// AssemblyScript: the word choice of float64 greedy sampling from float32 scores
// (core/fast/sampleJob.ts runs it after the float32 vocabulary product).

/**
 * Every word whose float32 score could, within the bound (sampleJob.ts screenBound), reach the
 * largest lower bound is a candidate; the candidates' scores are computed again in float64 and the
 * first largest wins. The float64 argmax is always among the candidates, so the words are those of
 * float64 scores; a row has one or two candidates in practice, so the vocabulary product runs in
 * float32. For each of `rows` rows: e = bound·||h_r||₂; lo = max_v (s32[v] − (e·wn[v] + bound·wn[V + v]));
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
