// AssemblyScript: elementwise kernels of the captioning layers (generated from one template for
// float64 and float32: the two halves differ only in lane type, element size and lane count).
// All pointers are byte offsets into the shared memory; n, rows, cols count elements.
import { vexp64, vtanh64, vsigmoid64, vexp32, vtanh32, vsigmoid32 } from './vmath';

/** dst[i] = <f32>src[i]. */
export function demote(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const a = f32x4.demote_f64x2_zero(v128.load(src + <usize>i * 8));
    const b = f32x4.demote_f64x2_zero(v128.load(src + <usize>i * 8 + 16));
    v128.store(dst + <usize>i * 4, i64x2.replace_lane(a, 1, i64x2.extract_lane(b, 0)));
  }
  for (; i < n; i++) store<f32>(dst + <usize>i * 4, <f32>load<f64>(src + <usize>i * 8));
}

/** dst[i] = <f64>src[i]. */
export function promote(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) v128.store(dst + <usize>i * 8, f64x2.promote_low_f32x4(v128.load64_zero(src + <usize>i * 4)));
  for (; i < n; i++) store<f64>(dst + <usize>i * 8, <f64>load<f32>(src + <usize>i * 4));
}

// ---------------------------------------------------------------- f64

// @ts-ignore: decorator
@inline function ld1_f64(p: usize): v128 { return f64x2.splat(load<f64>(p)); }
// @ts-ignore: decorator
@inline function st1_f64(p: usize, v: v128): void { store<f64>(p, f64x2.extract_lane(v, 0)); }

/** dst[i] = exp(src[i]) (dst may equal src). */
export function exp_f64(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) v128.store(dst + <usize>i * 8, vexp64(v128.load(src + <usize>i * 8)));
  for (; i < n; i++) st1_f64(dst + <usize>i * 8, vexp64(ld1_f64(src + <usize>i * 8)));
}
export function tanh_f64(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) v128.store(dst + <usize>i * 8, vtanh64(v128.load(src + <usize>i * 8)));
  for (; i < n; i++) st1_f64(dst + <usize>i * 8, vtanh64(ld1_f64(src + <usize>i * 8)));
}
export function sigmoid_f64(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) v128.store(dst + <usize>i * 8, vsigmoid64(v128.load(src + <usize>i * 8)));
  for (; i < n; i++) st1_f64(dst + <usize>i * 8, vsigmoid64(ld1_f64(src + <usize>i * 8)));
}

/** C[i, :] = bias for every row of a rows×cols matrix (then a GEMM with beta = 1 adds the product). */
export function fill_rows_f64(C: usize, rows: i32, cols: i32, bias: usize): void {
  const rowB = <usize>cols * 8;
  for (let r = 0; r < rows; r++) memory.copy(C + <usize>r * rowB, bias, rowB);
}

/** dst = (beta ? dst : 0) + column sums of the rows×cols matrix src. */
export function col_sums_f64(dst: usize, src: usize, rows: i32, cols: i32, beta: i32): void {
  if (!beta) memory.fill(dst, 0, <usize>cols * 8);
  for (let r = 0; r < rows; r++) {
    const row = src + <usize>r * cols * 8;
    let j = 0;
    for (; j + 2 <= cols; j += 2) {
      const d = dst + <usize>j * 8;
      v128.store(d, f64x2.add(v128.load(d), v128.load(row + <usize>j * 8)));
    }
    for (; j < cols; j++) {
      const d = dst + <usize>j * 8;
      store<f64>(d, load<f64>(d) + load<f64>(row + <usize>j * 8));
    }
  }
}

/** dst[i] += src[i]. */
export function add_f64(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const d = dst + <usize>i * 8;
    v128.store(d, f64x2.add(v128.load(d), v128.load(src + <usize>i * 8)));
  }
  for (; i < n; i++) {
    const d = dst + <usize>i * 8;
    store<f64>(d, load<f64>(d) + load<f64>(src + <usize>i * 8));
  }
}

/** RNN backward through tanh: da[i] *= 1 - h[i]² (in place). */
export function tanh_back_f64(da: usize, h: usize, n: i32): void {
  const one = f64x2.splat(1);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const p = da + <usize>i * 8;
    const hv = v128.load(h + <usize>i * 8);
    v128.store(p, f64x2.mul(v128.load(p), f64x2.sub(one, f64x2.mul(hv, hv))));
  }
  for (; i < n; i++) {
    const p = da + <usize>i * 8;
    const hv = load<f64>(h + <usize>i * 8);
    store<f64>(p, load<f64>(p) * (1 - hv * hv));
  }
}

// @ts-ignore: decorator
@inline function lstmFwdV_f64(a: usize, cp: usize, c: usize, tc: usize, h: usize, hB: usize): void {
  const gi = vsigmoid64(v128.load(a));
  const gf = vsigmoid64(v128.load(a + hB));
  const go = vsigmoid64(v128.load(a + 2 * hB));
  const gg = vtanh64(v128.load(a + 3 * hB));
  v128.store(a, gi); v128.store(a + hB, gf); v128.store(a + 2 * hB, go); v128.store(a + 3 * hB, gg);
  const cv = f64x2.add(f64x2.mul(gf, v128.load(cp)), f64x2.mul(gi, gg));
  const t = vtanh64(cv);
  v128.store(c, cv); v128.store(tc, t); v128.store(h, f64x2.mul(go, t));
}
// @ts-ignore: decorator
@inline function lstmFwd1_f64(a: usize, cp: usize, c: usize, tc: usize, h: usize, hB: usize): void {
  const gi = vsigmoid64(ld1_f64(a));
  const gf = vsigmoid64(ld1_f64(a + hB));
  const go = vsigmoid64(ld1_f64(a + 2 * hB));
  const gg = vtanh64(ld1_f64(a + 3 * hB));
  st1_f64(a, gi); st1_f64(a + hB, gf); st1_f64(a + 2 * hB, go); st1_f64(a + 3 * hB, gg);
  const cv = f64x2.add(f64x2.mul(gf, ld1_f64(cp)), f64x2.mul(gi, gg));
  const t = vtanh64(cv);
  st1_f64(c, cv); st1_f64(tc, t); st1_f64(h, f64x2.mul(go, t));
}

/**
 * LSTM step nonlinearity. a: (N, 4H) pre-activations (i, f, o, g blocks), overwritten with the
 * activated gates; cprev, c, tc = tanh(c), h: (N, H).
 */
export function lstm_fwd_f64(a: usize, cprev: usize, c: usize, tc: usize, h: usize, N: i32, H: i32): void {
  const hB = <usize>H * 8;
  for (let r = 0; r < N; r++) {
    const ar = a + <usize>r * 4 * hB, off = <usize>r * hB;
    let j = 0;
    for (; j + 2 <= H; j += 2) {
      const o = <usize>j * 8;
      lstmFwdV_f64(ar + o, cprev + off + o, c + off + o, tc + off + o, h + off + o, hB);
    }
    for (; j < H; j++) {
      const o = <usize>j * 8;
      lstmFwd1_f64(ar + o, cprev + off + o, c + off + o, tc + off + o, h + off + o, hB);
    }
  }
}

// @ts-ignore: decorator
@inline function lstmBwdV_f64(a: usize, dh: usize, dc: usize, cp: usize, tc: usize, hB: usize): void {
  const one = f64x2.splat(1);
  const gi = v128.load(a), gf = v128.load(a + hB), go = v128.load(a + 2 * hB), gg = v128.load(a + 3 * hB);
  const t = v128.load(tc), dhv = v128.load(dh);
  const d = f64x2.add(v128.load(dc), f64x2.mul(f64x2.mul(dhv, go), f64x2.sub(one, f64x2.mul(t, t))));
  v128.store(dc, f64x2.mul(d, gf));
  v128.store(a, f64x2.mul(f64x2.mul(f64x2.mul(d, gg), gi), f64x2.sub(one, gi)));
  v128.store(a + hB, f64x2.mul(f64x2.mul(f64x2.mul(d, v128.load(cp)), gf), f64x2.sub(one, gf)));
  v128.store(a + 2 * hB, f64x2.mul(f64x2.mul(f64x2.mul(dhv, t), go), f64x2.sub(one, go)));
  v128.store(a + 3 * hB, f64x2.mul(f64x2.mul(d, gi), f64x2.sub(one, f64x2.mul(gg, gg))));
}
// @ts-ignore: decorator
@inline function lstmBwd1_f64(a: usize, dh: usize, dc: usize, cp: usize, tc: usize, hB: usize): void {
  const gi = load<f64>(a), gf = load<f64>(a + hB), go = load<f64>(a + 2 * hB), gg = load<f64>(a + 3 * hB);
  const t = load<f64>(tc), dhv = load<f64>(dh);
  const d = load<f64>(dc) + dhv * go * (1 - t * t);
  store<f64>(dc, d * gf);
  store<f64>(a, d * gg * gi * (1 - gi));
  store<f64>(a + hB, d * load<f64>(cp) * gf * (1 - gf));
  store<f64>(a + 2 * hB, dhv * t * go * (1 - go));
  store<f64>(a + 3 * hB, d * gi * (1 - gg * gg));
}

/**
 * LSTM step backward through the nonlinearity. a: (N, 4H) activated gates, overwritten with da;
 * dh: (N, H) total gradient on h_t; dc: (N, H) gradient on c_t from the later step, overwritten
 * with the gradient on c_{t-1}; cprev, tc = tanh(c_t): (N, H).
 */
export function lstm_bwd_f64(a: usize, dh: usize, dc: usize, cprev: usize, tc: usize, N: i32, H: i32): void {
  const hB = <usize>H * 8;
  for (let r = 0; r < N; r++) {
    const ar = a + <usize>r * 4 * hB, off = <usize>r * hB;
    let j = 0;
    for (; j + 2 <= H; j += 2) {
      const o = <usize>j * 8;
      lstmBwdV_f64(ar + o, dh + off + o, dc + off + o, cprev + off + o, tc + off + o, hB);
    }
    for (; j < H; j++) {
      const o = <usize>j * 8;
      lstmBwd1_f64(ar + o, dh + off + o, dc + off + o, cprev + off + o, tc + off + o, hB);
    }
  }
}

/**
 * Masked softmax cross-entropy over rows of a rows×V score matrix. y, mask: i32 per row.
 * Returns the sum over unmasked rows of -log p[y] (the caller divides by N). With grad != 0 the
 * scores are overwritten with dscores = (p - onehot(y)) · invN on unmasked rows and 0 elsewhere.
 */
export function softmax_xent_f64(S: usize, y: usize, mask: usize, rows: i32, V: i32, invN: f64, grad: i32): f64 {
  let loss: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const row = S + <usize>r * V * 8;
    const m = load<i32>(mask + <usize>r * 4);
    if (!m) {
      if (grad) memory.fill(row, 0, <usize>V * 8);
      continue;
    }
    // max
    let mx = f64x2.splat(-Infinity);
    let j = 0;
    for (; j + 2 <= V; j += 2) mx = f64x2.max(mx, v128.load(row + <usize>j * 8));
    let mxs: f64 = -Infinity;
    mxs = max(mxs, f64x2.extract_lane(mx, 0));
    mxs = max(mxs, f64x2.extract_lane(mx, 1));
    for (; j < V; j++) mxs = max(mxs, load<f64>(row + <usize>j * 8));
    const mv = f64x2.splat(mxs);
    // exp and sum
    let sv = f64x2.splat(0);
    j = 0;
    for (; j + 2 <= V; j += 2) {
      const p = row + <usize>j * 8;
      const e = vexp64(f64x2.sub(v128.load(p), mv));
      v128.store(p, e);
      sv = f64x2.add(sv, e);
    }
    let sum: f64 = f64x2.extract_lane(sv, 0) + f64x2.extract_lane(sv, 1);
    for (; j < V; j++) {
      const p = row + <usize>j * 8;
      const e = f64x2.extract_lane(vexp64(f64x2.sub(ld1_f64(p), mv)), 0);
      store<f64>(p, e);
      sum += <f64>e;
    }
    const yi = load<i32>(y + <usize>r * 4);
    const ey = <f64>load<f64>(row + <usize>yi * 8);
    loss -= Math.log(ey / sum);
    if (grad) {
      const sc = f64x2.splat(<f64>(invN / sum));
      j = 0;
      for (; j + 2 <= V; j += 2) {
        const p = row + <usize>j * 8;
        v128.store(p, f64x2.mul(v128.load(p), sc));
      }
      for (; j < V; j++) {
        const p = row + <usize>j * 8;
        store<f64>(p, load<f64>(p) * <f64>(invN / sum));
      }
      const py = row + <usize>yi * 8;
      store<f64>(py, load<f64>(py) - <f64>invN);
    }
  }
  return loss;
}

/** out[r] = the first index of the largest score in row r of a rows×V matrix. */
export function argmax_rows_f64(S: usize, rows: i32, V: i32, out: usize): void {
  for (let r = 0; r < rows; r++) {
    const row = S + <usize>r * V * 8;
    let best = 0;
    let bv = load<f64>(row);
    for (let j = 1; j < V; j++) {
      const v = load<f64>(row + <usize>j * 8);
      if (v > bv) { bv = v; best = j; }
    }
    store<i32>(out + <usize>r * 4, best);
  }
}

/** dst[idx[r], :] += src[r, :] for r < rows (word-embedding backward). */
export function scatter_add_rows_f64(dst: usize, src: usize, idx: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) add_f64(dst + <usize>load<i32>(idx + <usize>r * 4) * cols * 8, src + <usize>r * cols * 8, cols);
}

/** dst[r, :] = src[idx[r], :] (word-embedding forward). */
export function gather_rows_f64(dst: usize, src: usize, idx: usize, rows: i32, cols: i32): void {
  const rowB = <usize>cols * 8;
  for (let r = 0; r < rows; r++) memory.copy(dst + <usize>r * rowB, src + <usize>load<i32>(idx + <usize>r * 4) * rowB, rowB);
}

// ---------------------------------------------------------------- f32

// @ts-ignore: decorator
@inline function ld1_f32(p: usize): v128 { return f32x4.splat(load<f32>(p)); }
// @ts-ignore: decorator
@inline function st1_f32(p: usize, v: v128): void { store<f32>(p, f32x4.extract_lane(v, 0)); }

/** dst[i] = exp(src[i]) (dst may equal src). */
export function exp_f32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + <usize>i * 4, vexp32(v128.load(src + <usize>i * 4)));
  for (; i < n; i++) st1_f32(dst + <usize>i * 4, vexp32(ld1_f32(src + <usize>i * 4)));
}
export function tanh_f32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + <usize>i * 4, vtanh32(v128.load(src + <usize>i * 4)));
  for (; i < n; i++) st1_f32(dst + <usize>i * 4, vtanh32(ld1_f32(src + <usize>i * 4)));
}
export function sigmoid_f32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + <usize>i * 4, vsigmoid32(v128.load(src + <usize>i * 4)));
  for (; i < n; i++) st1_f32(dst + <usize>i * 4, vsigmoid32(ld1_f32(src + <usize>i * 4)));
}

/** C[i, :] = bias for every row of a rows×cols matrix (then a GEMM with beta = 1 adds the product). */
export function fill_rows_f32(C: usize, rows: i32, cols: i32, bias: usize): void {
  const rowB = <usize>cols * 4;
  for (let r = 0; r < rows; r++) memory.copy(C + <usize>r * rowB, bias, rowB);
}

/** dst = (beta ? dst : 0) + column sums of the rows×cols matrix src. */
export function col_sums_f32(dst: usize, src: usize, rows: i32, cols: i32, beta: i32): void {
  if (!beta) memory.fill(dst, 0, <usize>cols * 4);
  for (let r = 0; r < rows; r++) {
    const row = src + <usize>r * cols * 4;
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const d = dst + <usize>j * 4;
      v128.store(d, f32x4.add(v128.load(d), v128.load(row + <usize>j * 4)));
    }
    for (; j < cols; j++) {
      const d = dst + <usize>j * 4;
      store<f32>(d, load<f32>(d) + load<f32>(row + <usize>j * 4));
    }
  }
}

/** dst[i] += src[i]. */
export function add_f32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const d = dst + <usize>i * 4;
    v128.store(d, f32x4.add(v128.load(d), v128.load(src + <usize>i * 4)));
  }
  for (; i < n; i++) {
    const d = dst + <usize>i * 4;
    store<f32>(d, load<f32>(d) + load<f32>(src + <usize>i * 4));
  }
}

/** RNN backward through tanh: da[i] *= 1 - h[i]² (in place). */
export function tanh_back_f32(da: usize, h: usize, n: i32): void {
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = da + <usize>i * 4;
    const hv = v128.load(h + <usize>i * 4);
    v128.store(p, f32x4.mul(v128.load(p), f32x4.sub(one, f32x4.mul(hv, hv))));
  }
  for (; i < n; i++) {
    const p = da + <usize>i * 4;
    const hv = load<f32>(h + <usize>i * 4);
    store<f32>(p, load<f32>(p) * (1 - hv * hv));
  }
}

// @ts-ignore: decorator
@inline function lstmFwdV_f32(a: usize, cp: usize, c: usize, tc: usize, h: usize, hB: usize): void {
  const gi = vsigmoid32(v128.load(a));
  const gf = vsigmoid32(v128.load(a + hB));
  const go = vsigmoid32(v128.load(a + 2 * hB));
  const gg = vtanh32(v128.load(a + 3 * hB));
  v128.store(a, gi); v128.store(a + hB, gf); v128.store(a + 2 * hB, go); v128.store(a + 3 * hB, gg);
  const cv = f32x4.add(f32x4.mul(gf, v128.load(cp)), f32x4.mul(gi, gg));
  const t = vtanh32(cv);
  v128.store(c, cv); v128.store(tc, t); v128.store(h, f32x4.mul(go, t));
}
// @ts-ignore: decorator
@inline function lstmFwd1_f32(a: usize, cp: usize, c: usize, tc: usize, h: usize, hB: usize): void {
  const gi = vsigmoid32(ld1_f32(a));
  const gf = vsigmoid32(ld1_f32(a + hB));
  const go = vsigmoid32(ld1_f32(a + 2 * hB));
  const gg = vtanh32(ld1_f32(a + 3 * hB));
  st1_f32(a, gi); st1_f32(a + hB, gf); st1_f32(a + 2 * hB, go); st1_f32(a + 3 * hB, gg);
  const cv = f32x4.add(f32x4.mul(gf, ld1_f32(cp)), f32x4.mul(gi, gg));
  const t = vtanh32(cv);
  st1_f32(c, cv); st1_f32(tc, t); st1_f32(h, f32x4.mul(go, t));
}

/**
 * LSTM step nonlinearity. a: (N, 4H) pre-activations (i, f, o, g blocks), overwritten with the
 * activated gates; cprev, c, tc = tanh(c), h: (N, H).
 */
export function lstm_fwd_f32(a: usize, cprev: usize, c: usize, tc: usize, h: usize, N: i32, H: i32): void {
  const hB = <usize>H * 4;
  for (let r = 0; r < N; r++) {
    const ar = a + <usize>r * 4 * hB, off = <usize>r * hB;
    let j = 0;
    for (; j + 4 <= H; j += 4) {
      const o = <usize>j * 4;
      lstmFwdV_f32(ar + o, cprev + off + o, c + off + o, tc + off + o, h + off + o, hB);
    }
    for (; j < H; j++) {
      const o = <usize>j * 4;
      lstmFwd1_f32(ar + o, cprev + off + o, c + off + o, tc + off + o, h + off + o, hB);
    }
  }
}

// @ts-ignore: decorator
@inline function lstmBwdV_f32(a: usize, dh: usize, dc: usize, cp: usize, tc: usize, hB: usize): void {
  const one = f32x4.splat(1);
  const gi = v128.load(a), gf = v128.load(a + hB), go = v128.load(a + 2 * hB), gg = v128.load(a + 3 * hB);
  const t = v128.load(tc), dhv = v128.load(dh);
  const d = f32x4.add(v128.load(dc), f32x4.mul(f32x4.mul(dhv, go), f32x4.sub(one, f32x4.mul(t, t))));
  v128.store(dc, f32x4.mul(d, gf));
  v128.store(a, f32x4.mul(f32x4.mul(f32x4.mul(d, gg), gi), f32x4.sub(one, gi)));
  v128.store(a + hB, f32x4.mul(f32x4.mul(f32x4.mul(d, v128.load(cp)), gf), f32x4.sub(one, gf)));
  v128.store(a + 2 * hB, f32x4.mul(f32x4.mul(f32x4.mul(dhv, t), go), f32x4.sub(one, go)));
  v128.store(a + 3 * hB, f32x4.mul(f32x4.mul(d, gi), f32x4.sub(one, f32x4.mul(gg, gg))));
}
// @ts-ignore: decorator
@inline function lstmBwd1_f32(a: usize, dh: usize, dc: usize, cp: usize, tc: usize, hB: usize): void {
  const gi = load<f32>(a), gf = load<f32>(a + hB), go = load<f32>(a + 2 * hB), gg = load<f32>(a + 3 * hB);
  const t = load<f32>(tc), dhv = load<f32>(dh);
  const d = load<f32>(dc) + dhv * go * (1 - t * t);
  store<f32>(dc, d * gf);
  store<f32>(a, d * gg * gi * (1 - gi));
  store<f32>(a + hB, d * load<f32>(cp) * gf * (1 - gf));
  store<f32>(a + 2 * hB, dhv * t * go * (1 - go));
  store<f32>(a + 3 * hB, d * gi * (1 - gg * gg));
}

/**
 * LSTM step backward through the nonlinearity. a: (N, 4H) activated gates, overwritten with da;
 * dh: (N, H) total gradient on h_t; dc: (N, H) gradient on c_t from the later step, overwritten
 * with the gradient on c_{t-1}; cprev, tc = tanh(c_t): (N, H).
 */
export function lstm_bwd_f32(a: usize, dh: usize, dc: usize, cprev: usize, tc: usize, N: i32, H: i32): void {
  const hB = <usize>H * 4;
  for (let r = 0; r < N; r++) {
    const ar = a + <usize>r * 4 * hB, off = <usize>r * hB;
    let j = 0;
    for (; j + 4 <= H; j += 4) {
      const o = <usize>j * 4;
      lstmBwdV_f32(ar + o, dh + off + o, dc + off + o, cprev + off + o, tc + off + o, hB);
    }
    for (; j < H; j++) {
      const o = <usize>j * 4;
      lstmBwd1_f32(ar + o, dh + off + o, dc + off + o, cprev + off + o, tc + off + o, hB);
    }
  }
}

/**
 * Masked softmax cross-entropy over rows of a rows×V score matrix. y, mask: i32 per row.
 * Returns the sum over unmasked rows of -log p[y] (the caller divides by N). With grad != 0 the
 * scores are overwritten with dscores = (p - onehot(y)) · invN on unmasked rows and 0 elsewhere.
 */
export function softmax_xent_f32(S: usize, y: usize, mask: usize, rows: i32, V: i32, invN: f64, grad: i32): f64 {
  let loss: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const row = S + <usize>r * V * 4;
    const m = load<i32>(mask + <usize>r * 4);
    if (!m) {
      if (grad) memory.fill(row, 0, <usize>V * 4);
      continue;
    }
    // max
    let mx = f32x4.splat(-Infinity);
    let j = 0;
    for (; j + 4 <= V; j += 4) mx = f32x4.max(mx, v128.load(row + <usize>j * 4));
    let mxs: f32 = -Infinity;
    mxs = max(mxs, f32x4.extract_lane(mx, 0));
    mxs = max(mxs, f32x4.extract_lane(mx, 1)); mxs = max(mxs, f32x4.extract_lane(mx, 2)); mxs = max(mxs, f32x4.extract_lane(mx, 3));
    for (; j < V; j++) mxs = max(mxs, load<f32>(row + <usize>j * 4));
    const mv = f32x4.splat(mxs);
    // exp and sum
    let sv = f32x4.splat(0);
    j = 0;
    for (; j + 4 <= V; j += 4) {
      const p = row + <usize>j * 4;
      const e = vexp32(f32x4.sub(v128.load(p), mv));
      v128.store(p, e);
      sv = f32x4.add(sv, e);
    }
    let sum: f64 = <f64>f32x4.extract_lane(sv, 0) + <f64>f32x4.extract_lane(sv, 1) + <f64>f32x4.extract_lane(sv, 2) + <f64>f32x4.extract_lane(sv, 3);
    for (; j < V; j++) {
      const p = row + <usize>j * 4;
      const e = f32x4.extract_lane(vexp32(f32x4.sub(ld1_f32(p), mv)), 0);
      store<f32>(p, e);
      sum += <f64>e;
    }
    const yi = load<i32>(y + <usize>r * 4);
    const ey = <f64>load<f32>(row + <usize>yi * 4);
    loss -= Math.log(ey / sum);
    if (grad) {
      const sc = f32x4.splat(<f32>(invN / sum));
      j = 0;
      for (; j + 4 <= V; j += 4) {
        const p = row + <usize>j * 4;
        v128.store(p, f32x4.mul(v128.load(p), sc));
      }
      for (; j < V; j++) {
        const p = row + <usize>j * 4;
        store<f32>(p, load<f32>(p) * <f32>(invN / sum));
      }
      const py = row + <usize>yi * 4;
      store<f32>(py, load<f32>(py) - <f32>invN);
    }
  }
  return loss;
}

/** out[r] = the first index of the largest score in row r of a rows×V matrix. */
export function argmax_rows_f32(S: usize, rows: i32, V: i32, out: usize): void {
  for (let r = 0; r < rows; r++) {
    const row = S + <usize>r * V * 4;
    let best = 0;
    let bv = load<f32>(row);
    for (let j = 1; j < V; j++) {
      const v = load<f32>(row + <usize>j * 4);
      if (v > bv) { bv = v; best = j; }
    }
    store<i32>(out + <usize>r * 4, best);
  }
}

/** dst[idx[r], :] += src[r, :] for r < rows (word-embedding backward). */
export function scatter_add_rows_f32(dst: usize, src: usize, idx: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) add_f32(dst + <usize>load<i32>(idx + <usize>r * 4) * cols * 4, src + <usize>r * cols * 4, cols);
}

/** dst[r, :] = src[idx[r], :] (word-embedding forward). */
export function gather_rows_f32(dst: usize, src: usize, idx: usize, rows: i32, cols: i32): void {
  const rowB = <usize>cols * 4;
  for (let r = 0; r < rows; r++) memory.copy(dst + <usize>r * rowB, src + <usize>load<i32>(idx + <usize>r * 4) * rowB, rowB);
}
