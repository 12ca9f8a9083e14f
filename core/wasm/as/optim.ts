// Update rules on float64 parameters in wasm memory (f64x2), the same operations in the same order
// as core/optim.ts (no fused multiply-add, IEEE division and square root), so results are bit-identical.

/**
 * Adam (CS231n): m = b1·m + (1−b1)·g; v = b2·v + ((1−b2)·g)·g; w −= (lr·(m/c1)) / (sqrt(v/c2) + eps),
 * with omb1 = 1 − b1, omb2 = 1 − b2, c1 = 1 − b1^t, c2 = 1 − b2^t computed by the caller.
 */
export function adam_f64(w: usize, dw: usize, m: usize, v: usize, n: i32, lr: f64, b1: f64, b2: f64, omb1: f64, omb2: f64, eps: f64, c1: f64, c2: f64): void {
  const vlr = f64x2.splat(lr), vb1 = f64x2.splat(b1), vb2 = f64x2.splat(b2), vo1 = f64x2.splat(omb1), vo2 = f64x2.splat(omb2);
  const veps = f64x2.splat(eps), vc1 = f64x2.splat(c1), vc2 = f64x2.splat(c2);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i << 3;
    const g = v128.load(dw + o);
    const mi = f64x2.add(f64x2.mul(vb1, v128.load(m + o)), f64x2.mul(vo1, g));
    const vi = f64x2.add(f64x2.mul(vb2, v128.load(v + o)), f64x2.mul(f64x2.mul(vo2, g), g));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const step = f64x2.div(f64x2.mul(vlr, f64x2.div(mi, vc1)), f64x2.add(f64x2.sqrt(f64x2.div(vi, vc2)), veps));
    v128.store(w + o, f64x2.sub(v128.load(w + o), step));
  }
  for (; i < n; i++) {
    const o = <usize>i << 3;
    const g = load<f64>(dw + o);
    const mi = b1 * load<f64>(m + o) + omb1 * g;
    const vi = b2 * load<f64>(v + o) + omb2 * g * g;
    store<f64>(m + o, mi);
    store<f64>(v + o, vi);
    store<f64>(w + o, load<f64>(w + o) - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps));
  }
}
