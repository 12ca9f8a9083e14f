// AssemblyScript: kernels of the full numerical gradient check (core/fast/gradcheck.ts).
import { vexp64 } from './vmath';

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
