// ---------------------------------------------------------------- SUF

// @ts-ignore: decorator
@inline function ld1_SUF(p: usize): v128 { return VT.splat(load<ST>(p)); }
// @ts-ignore: decorator
@inline function st1_SUF(p: usize, v: v128): void { store<ST>(p, VT.extract_lane(v, 0)); }

/** dst[i] = exp(src[i]) (dst may equal src). */
export function exp_SUF(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 2 * LN <= n; i += 2 * LN) {
    const a = vexpB(v128.load(src + <usize>i * ES));
    const b = vexpB(v128.load(src + <usize>(i + LN) * ES));
    v128.store(dst + <usize>i * ES, a);
    v128.store(dst + <usize>(i + LN) * ES, b);
  }
  for (; i + LN <= n; i += LN) v128.store(dst + <usize>i * ES, vexpB(v128.load(src + <usize>i * ES)));
  for (; i < n; i++) st1_SUF(dst + <usize>i * ES, vexpB(ld1_SUF(src + <usize>i * ES)));
}
export function tanh_SUF(dst: usize, src: usize, n: i32): void {
  let i = 0;
  // Two independent vectors per iteration: the evaluation is latency-bound.
  for (; i + 2 * LN <= n; i += 2 * LN) {
    const a = vtanhB(v128.load(src + <usize>i * ES));
    const b = vtanhB(v128.load(src + <usize>(i + LN) * ES));
    v128.store(dst + <usize>i * ES, a);
    v128.store(dst + <usize>(i + LN) * ES, b);
  }
  for (; i + LN <= n; i += LN) v128.store(dst + <usize>i * ES, vtanhB(v128.load(src + <usize>i * ES)));
  for (; i < n; i++) st1_SUF(dst + <usize>i * ES, vtanhB(ld1_SUF(src + <usize>i * ES)));
}
export function sigmoid_SUF(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 2 * LN <= n; i += 2 * LN) {
    const a = vsigmoidB(v128.load(src + <usize>i * ES));
    const b = vsigmoidB(v128.load(src + <usize>(i + LN) * ES));
    v128.store(dst + <usize>i * ES, a);
    v128.store(dst + <usize>(i + LN) * ES, b);
  }
  for (; i + LN <= n; i += LN) v128.store(dst + <usize>i * ES, vsigmoidB(v128.load(src + <usize>i * ES)));
  for (; i < n; i++) st1_SUF(dst + <usize>i * ES, vsigmoidB(ld1_SUF(src + <usize>i * ES)));
}

/** C[i, :] = bias for every row of a rows×cols matrix (then a GEMM with beta = 1 adds the product). */
export function fill_rows_SUF(C: usize, rows: i32, cols: i32, bias: usize): void {
  const rowB = <usize>cols * ES;
  for (let r = 0; r < rows; r++) memory.copy(C + <usize>r * rowB, bias, rowB);
}

/** dst = (beta ? dst : 0) + column sums of the rows×cols matrix src. */
export function col_sums_SUF(dst: usize, src: usize, rows: i32, cols: i32, beta: i32): void {
  if (!beta) memory.fill(dst, 0, <usize>cols * ES);
  for (let r = 0; r < rows; r++) {
    const row = src + <usize>r * cols * ES;
    let j = 0;
    for (; j + LN <= cols; j += LN) {
      const d = dst + <usize>j * ES;
      v128.store(d, VT.add(v128.load(d), v128.load(row + <usize>j * ES)));
    }
    for (; j < cols; j++) {
      const d = dst + <usize>j * ES;
      store<ST>(d, load<ST>(d) + load<ST>(row + <usize>j * ES));
    }
  }
}

/** dst[i] += src[i]. */
export function add_SUF(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + LN <= n; i += LN) {
    const d = dst + <usize>i * ES;
    v128.store(d, VT.add(v128.load(d), v128.load(src + <usize>i * ES)));
  }
  for (; i < n; i++) {
    const d = dst + <usize>i * ES;
    store<ST>(d, load<ST>(d) + load<ST>(src + <usize>i * ES));
  }
}

/** dst[r, :] = tanh(A[r, :] + B[r % period, :]) for a rows×cols A (the input term added on the fly). */
export function tanh_addp_SUF(dst: usize, A: usize, B: usize, rows: i32, cols: i32, period: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * cols * ES;
    const br = B + <usize>(r % period) * cols * ES;
    let j = 0;
    for (; j + 2 * LN <= cols; j += 2 * LN) {
      const p0 = <usize>j * ES, p1 = <usize>(j + LN) * ES;
      const x0 = vtanhB(VT.add(v128.load(A + o + p0), v128.load(br + p0)));
      const x1 = vtanhB(VT.add(v128.load(A + o + p1), v128.load(br + p1)));
      v128.store(dst + o + p0, x0);
      v128.store(dst + o + p1, x1);
    }
    for (; j + LN <= cols; j += LN) {
      const p0 = <usize>j * ES;
      v128.store(dst + o + p0, vtanhB(VT.add(v128.load(A + o + p0), v128.load(br + p0))));
    }
    for (; j < cols; j++) {
      const p0 = <usize>j * ES;
      st1_SUF(dst + o + p0, vtanhB(VT.add(ld1_SUF(A + o + p0), ld1_SUF(br + p0))));
    }
  }
}

/** RNN backward through tanh: da[i] *= 1 - h[i]² (in place). */
export function tanh_back_SUF(da: usize, h: usize, n: i32): void {
  const one = VT.splat(1);
  let i = 0;
  for (; i + LN <= n; i += LN) {
    const p = da + <usize>i * ES;
    const hv = v128.load(h + <usize>i * ES);
    v128.store(p, VT.mul(v128.load(p), VT.sub(one, VT.mul(hv, hv))));
  }
  for (; i < n; i++) {
    const p = da + <usize>i * ES;
    const hv = load<ST>(h + <usize>i * ES);
    store<ST>(p, load<ST>(p) * (1 - hv * hv));
  }
}

// @ts-ignore: decorator
@inline function lstmFwdV_SUF(a: usize, cp: usize, c: usize, tc: usize, h: usize, hB: usize): void {
  const gi = vsigmoidB(v128.load(a));
  const gf = vsigmoidB(v128.load(a + hB));
  const go = vsigmoidB(v128.load(a + 2 * hB));
  const gg = vtanhB(v128.load(a + 3 * hB));
  v128.store(a, gi); v128.store(a + hB, gf); v128.store(a + 2 * hB, go); v128.store(a + 3 * hB, gg);
  const cv = VT.add(VT.mul(gf, v128.load(cp)), VT.mul(gi, gg));
  const t = vtanhB(cv);
  v128.store(c, cv); v128.store(tc, t); v128.store(h, VT.mul(go, t));
}
// @ts-ignore: decorator
@inline function lstmFwd1_SUF(a: usize, cp: usize, c: usize, tc: usize, h: usize, hB: usize): void {
  const gi = vsigmoidB(ld1_SUF(a));
  const gf = vsigmoidB(ld1_SUF(a + hB));
  const go = vsigmoidB(ld1_SUF(a + 2 * hB));
  const gg = vtanhB(ld1_SUF(a + 3 * hB));
  st1_SUF(a, gi); st1_SUF(a + hB, gf); st1_SUF(a + 2 * hB, go); st1_SUF(a + 3 * hB, gg);
  const cv = VT.add(VT.mul(gf, ld1_SUF(cp)), VT.mul(gi, gg));
  const t = vtanhB(cv);
  st1_SUF(c, cv); st1_SUF(tc, t); st1_SUF(h, VT.mul(go, t));
}

/**
 * LSTM step nonlinearity. a: (N, 4H) pre-activations (i, f, o, g blocks), overwritten with the
 * activated gates; cprev, c, tc = tanh(c), h: (N, H).
 */
export function lstm_fwd_SUF(a: usize, cprev: usize, c: usize, tc: usize, h: usize, N: i32, H: i32): void {
  const hB = <usize>H * ES;
  for (let r = 0; r < N; r++) {
    const ar = a + <usize>r * 4 * hB, off = <usize>r * hB;
    let j = 0;
    for (; j + LN <= H; j += LN) {
      const o = <usize>j * ES;
      lstmFwdV_SUF(ar + o, cprev + off + o, c + off + o, tc + off + o, h + off + o, hB);
    }
    for (; j < H; j++) {
      const o = <usize>j * ES;
      lstmFwd1_SUF(ar + o, cprev + off + o, c + off + o, tc + off + o, h + off + o, hB);
    }
  }
}

// Numerator and denominator of the logistic and of tanh, for the forward-only LSTM step below.
// @ts-ignore: decorator
@inline function sigNum_SUF(x: v128, e: v128): v128 { return v128.bitselect(VT.splat(1), e, VT.ge(x, VT.splat(0))); }
// @ts-ignore: decorator
@inline function tanhNum_SUF(x: v128, u: v128): v128 { return v128.or(VT.neg(u), v128.and(x, VT.splat(-0.0))); }

// @ts-ignore: decorator
@inline function lstmFastV_SUF(a: usize, b: usize, cp: usize, c: usize, h: usize, hB: usize): void {
  const xi = VT.add(v128.load(a), v128.load(b));
  const xf = VT.add(v128.load(a + hB), v128.load(b + hB));
  const xo = VT.add(v128.load(a + 2 * hB), v128.load(b + 2 * hB));
  const xg = VT.add(v128.load(a + 3 * hB), v128.load(b + 3 * hB));
  const ei = vexpB(VT.neg(VT.abs(xi))), ef = vexpB(VT.neg(VT.abs(xf))), eo = vexpB(VT.neg(VT.abs(xo)));
  const ug = vexpm1B(VT.neg(VT.add(VT.abs(xg), VT.abs(xg))));
  const one = VT.splat(1);
  const di = VT.add(one, ei), df = VT.add(one, ef), dg = VT.add(VT.splat(2), ug);
  // c = f·c' + i·g over one common denominator.
  const num = VT.add(VT.mul(VT.mul(sigNum_SUF(xf, ef), v128.load(cp)), VT.mul(di, dg)), VT.mul(VT.mul(sigNum_SUF(xi, ei), tanhNum_SUF(xg, ug)), df));
  const cv = VT.div(num, VT.mul(df, VT.mul(di, dg)));
  v128.store(c, cv);
  const ac = VT.abs(cv);
  const uc = vexpm1B(VT.neg(VT.add(ac, ac)));
  // h = o·tanh(c), one division.
  v128.store(h, VT.div(VT.mul(sigNum_SUF(xo, eo), tanhNum_SUF(cv, uc)), VT.mul(VT.add(one, eo), VT.add(VT.splat(2), uc))));
}

/**
 * Forward-only LSTM step for loss evaluations (numerical gradients): lstm_fwd_SUF after adding
 * B[r % period, :] (4H wide) to row r of the pre-activations, but
 * keeps no gates and puts each of c and h over one denominator (2 divisions instead of 5; the
 * results differ from lstm_fwd by a few ulps).
 */
export function lstm_fwd_fast_addp_SUF(a: usize, B: usize, period: i32, cprev: usize, c: usize, h: usize, N: i32, H: i32): void {
  const hB = <usize>H * ES;
  for (let r = 0; r < N; r++) {
    const ar = a + <usize>r * 4 * hB, br = B + <usize>(r % period) * 4 * hB, off = <usize>r * hB;
    let j = 0;
    for (; j + LN <= H; j += LN) {
      const o = <usize>j * ES;
      lstmFastV_SUF(ar + o, br + o, cprev + off + o, c + off + o, h + off + o, hB);
    }
    // Tail, lane by lane with the gate functions.
    for (; j < H; j++) {
      const o = <usize>j * ES;
      lstmFast1_SUF(ar + o, br + o, cprev + off + o, c + off + o, h + off + o, hB);
    }
  }
}

// @ts-ignore: decorator
@inline function lstmFast1_SUF(a: usize, b: usize, cp: usize, c: usize, h: usize, hB: usize): void {
  const xi = VT.add(ld1_SUF(a), ld1_SUF(b));
  const xf = VT.add(ld1_SUF(a + hB), ld1_SUF(b + hB));
  const xo = VT.add(ld1_SUF(a + 2 * hB), ld1_SUF(b + 2 * hB));
  const xg = VT.add(ld1_SUF(a + 3 * hB), ld1_SUF(b + 3 * hB));
  const cv = VT.add(VT.mul(vsigmoidB(xf), ld1_SUF(cp)), VT.mul(vsigmoidB(xi), vtanhB(xg)));
  st1_SUF(c, cv);
  st1_SUF(h, VT.mul(vsigmoidB(xo), vtanhB(cv)));
}

// F64_ONLY_BEGIN (the batched gradient check, float64 only)
/**
 * lstm_fwd_fast_addp_f64 for one hidden unit u only, on `rows` rows that are `stride` rows apart in
 * a, cprev, c and h (B: one 4H-wide row per row, contiguous). Writes the same values that
 * lstm_fwd_fast_addp_f64 writes at unit u (and at its SIMD partner column, which it recomputes).
 */
export function lstm_fwd_fast_addp_unit_f64(a: usize, B: usize, cprev: usize, c: usize, h: usize, rows: i32, stride: i32, H: i32, u: i32): void {
  const hB = <usize>H * 8;
  const pair = (u & ~1) + 2 <= H;
  const o = <usize>(pair ? u & ~1 : u) * 8;
  for (let i = 0; i < rows; i++) {
    const ar = a + <usize>i * stride * 4 * hB + o, br = B + <usize>i * 4 * hB + o, off = <usize>i * stride * hB + o;
    if (pair) lstmFastV_f64(ar, br, cprev + off, c + off, h + off, hB);
    else lstmFast1_f64(ar, br, cprev + off, c + off, h + off, hB);
  }
}

/** tanh_addp_f64 for column u only, on `rows` rows `stride` rows apart in dst and A (B: one row per row). */
export function tanh_addp_col_f64(dst: usize, A: usize, B: usize, rows: i32, stride: i32, cols: i32, u: i32): void {
  const rowB = <usize>cols * 8, o = <usize>u * 8;
  for (let i = 0; i < rows; i++) {
    const r = <usize>i * stride * rowB + o;
    st1_f64(dst + r, vtanh64(f64x2.add(ld1_f64(A + r), ld1_f64(B + <usize>i * rowB + o))));
  }
}

// Near-base evaluation for the batched gradient check. A perturbed copy's pre-activation a differs
// from the unperturbed one by d = a − ah (ah: the unperturbed h·Wh; the input terms are the same),
// of order h = 1e-6. Where every |d| ≤ NEAR_MAX = 2^-15, tanh and σ are evaluated by their Taylor
// polynomial of degree 3 around the unperturbed pre-activation, with coefficients (value and
// f⁽ᵏ⁾/k!, k = 1..3; the tables also hold k = 4, unused) computed once per check
// (core/fast/gradcheck.ts nearTables): the remainder is below max|f⁽⁴⁾|/24·|d|⁴ ≤ 0.17·2^-60 ≈
// 1.5e-19 (absolute; max|tanh⁽⁴⁾| = 4.09, max|σ⁽⁴⁾| = 0.13), far below the rounding of the values
// themselves, so the results are the same function values up to rounding, for a few multiply-adds and
// no exp or division. Otherwise the full function is evaluated.
const NEAR_MAX: f64 = 0.000030517578125;

// @ts-ignore: decorator
@inline function far64(d: v128): bool {
  return v128.any_true(f64x2.gt(f64x2.abs(d), f64x2.splat(NEAR_MAX)));
}

/** Value + d·(c1 + d·(c2 + d·c3)) with the coefficients H elements apart from p. */
// @ts-ignore: decorator
@inline function taylorV64(d: v128, p: usize, hB: usize): v128 {
  let r = v128.load(p + 3 * hB);
  r = f64x2.add(v128.load(p + 2 * hB), f64x2.mul(d, r));
  r = f64x2.add(v128.load(p + hB), f64x2.mul(d, r));
  return f64x2.add(v128.load(p), f64x2.mul(d, r));
}
// @ts-ignore: decorator
@inline function taylor164(d: v128, p: usize, hB: usize): v128 {
  let r = ld1_f64(p + 3 * hB);
  r = f64x2.add(ld1_f64(p + 2 * hB), f64x2.mul(d, r));
  r = f64x2.add(ld1_f64(p + hB), f64x2.mul(d, r));
  return f64x2.add(ld1_f64(p), f64x2.mul(d, r));
}

/**
 * RNN step of perturbed copies near the unperturbed step: dst[r] = tanh(A[r] + B[s]) for the rows
 * r = s·reps + c (c < reps) of the first `samples` samples. CO: per sample 6·H values: the
 * unperturbed h·Wh, then tanh's value and Taylor coefficients 1..4 at the unperturbed pre-activation.
 */
export function tanh_near_f64(dst: usize, A: usize, B: usize, CO: usize, samples: i32, reps: i32, H: i32): void {
  const hB = <usize>H * 8;
  for (let s = 0; s < samples; s++) {
    const br = B + <usize>s * hB, co = CO + <usize>s * 6 * hB;
    for (let c = 0; c < reps; c++) {
      const o = (<usize>s * reps + c) * hB;
      let j = 0;
      // A row whose every element is near (the common case) runs the polynomial with no branch.
      let dmax = f64x2.splat(0);
      for (; j + 2 <= H; j += 2) {
        const p = <usize>j * 8;
        dmax = f64x2.pmax(dmax, f64x2.abs(f64x2.sub(v128.load(A + o + p), v128.load(co + p))));
      }
      j = 0;
      if (!far64(dmax)) {
        for (; j + 2 <= H; j += 2) {
          const p = <usize>j * 8;
          v128.store(dst + o + p, taylorV64(f64x2.sub(v128.load(A + o + p), v128.load(co + p)), co + hB + p, hB));
        }
      }
      for (; j + 2 <= H; j += 2) {
        const p = <usize>j * 8;
        const a = v128.load(A + o + p);
        const d = f64x2.sub(a, v128.load(co + p));
        v128.store(dst + o + p, far64(d) ? vtanh64(f64x2.add(a, v128.load(br + p))) : taylorV64(d, co + hB + p, hB));
      }
      for (; j < H; j++) {
        const p = <usize>j * 8;
        const a = ld1_f64(A + o + p);
        const d = f64x2.sub(a, ld1_f64(co + p));
        st1_f64(dst + o + p, far64(d) ? vtanh64(f64x2.add(a, ld1_f64(br + p))) : taylor164(d, co + hB + p, hB));
      }
    }
  }
}

// @ts-ignore: decorator
@inline function lstmNearV64(a: usize, b: usize, co: usize, cp: usize, c: usize, h: usize, hB: usize): void {
  const ai = v128.load(a), af = v128.load(a + hB), ao = v128.load(a + 2 * hB), ag = v128.load(a + 3 * hB);
  const di = f64x2.sub(ai, v128.load(co)), df = f64x2.sub(af, v128.load(co + hB));
  const dO = f64x2.sub(ao, v128.load(co + 2 * hB)), dg = f64x2.sub(ag, v128.load(co + 3 * hB));
  if (far64(f64x2.pmax(f64x2.pmax(f64x2.abs(di), f64x2.abs(df)), f64x2.pmax(f64x2.abs(dO), f64x2.abs(dg))))) {
    const xi = f64x2.add(ai, v128.load(b)), xf = f64x2.add(af, v128.load(b + hB));
    const xo = f64x2.add(ao, v128.load(b + 2 * hB)), xg = f64x2.add(ag, v128.load(b + 3 * hB));
    const cv = f64x2.add(f64x2.mul(vsigmoid64(xf), v128.load(cp)), f64x2.mul(vsigmoid64(xi), vtanh64(xg)));
    v128.store(c, cv);
    v128.store(h, f64x2.mul(vsigmoid64(xo), vtanh64(cv)));
    return;
  }
  const q = co + 5 * hB; // the five functions' coefficient blocks, 5·H values each
  const gi = taylorV64(di, q, hB), gf = taylorV64(df, q + 5 * hB, hB);
  const go = taylorV64(dO, q + 10 * hB, hB), gg = taylorV64(dg, q + 15 * hB, hB);
  const cv = f64x2.add(f64x2.mul(gf, v128.load(cp)), f64x2.mul(gi, gg));
  v128.store(c, cv);
  const dc = f64x2.sub(cv, v128.load(co + 4 * hB));
  v128.store(h, f64x2.mul(go, far64(dc) ? vtanh64(cv) : taylorV64(dc, q + 20 * hB, hB)));
}
// @ts-ignore: decorator
@inline function lstmNear164(a: usize, b: usize, co: usize, cp: usize, c: usize, h: usize, hB: usize): void {
  const ai = ld1_f64(a), af = ld1_f64(a + hB), ao = ld1_f64(a + 2 * hB), ag = ld1_f64(a + 3 * hB);
  const di = f64x2.sub(ai, ld1_f64(co)), df = f64x2.sub(af, ld1_f64(co + hB));
  const dO = f64x2.sub(ao, ld1_f64(co + 2 * hB)), dg = f64x2.sub(ag, ld1_f64(co + 3 * hB));
  let cv: v128, th: v128, go: v128;
  if (far64(f64x2.pmax(f64x2.pmax(f64x2.abs(di), f64x2.abs(df)), f64x2.pmax(f64x2.abs(dO), f64x2.abs(dg))))) {
    const xi = f64x2.add(ai, ld1_f64(b)), xf = f64x2.add(af, ld1_f64(b + hB));
    const xo = f64x2.add(ao, ld1_f64(b + 2 * hB)), xg = f64x2.add(ag, ld1_f64(b + 3 * hB));
    cv = f64x2.add(f64x2.mul(vsigmoid64(xf), ld1_f64(cp)), f64x2.mul(vsigmoid64(xi), vtanh64(xg)));
    go = vsigmoid64(xo);
    th = vtanh64(cv);
  } else {
    const q = co + 5 * hB;
    const gi = taylor164(di, q, hB), gf = taylor164(df, q + 5 * hB, hB), gg = taylor164(dg, q + 15 * hB, hB);
    go = taylor164(dO, q + 10 * hB, hB);
    cv = f64x2.add(f64x2.mul(gf, ld1_f64(cp)), f64x2.mul(gi, gg));
    const dc = f64x2.sub(cv, ld1_f64(co + 4 * hB));
    th = far64(dc) ? vtanh64(cv) : taylor164(dc, q + 20 * hB, hB);
  }
  st1_f64(c, cv);
  st1_f64(h, f64x2.mul(go, th));
}

/**
 * LSTM step of perturbed copies near the unperturbed step (see NEAR_MAX): rows r = s·reps + k of a
 * (h_{t-1}·Wh plus corrections, 4H wide: i, f, o, g), B[s] the input term (for the fallback). CO:
 * per sample 30·H values: the unperturbed h·Wh (4H), the unperturbed c_t (H), then for i, f, o
 * (σ), g (tanh) and tanh(c_t) the value and Taylor coefficients 1..4 (5·H each). Writes c and h.
 */
export function lstm_near_f64(a: usize, B: usize, CO: usize, cprev: usize, c: usize, h: usize, samples: i32, reps: i32, H: i32): void {
  const hB = <usize>H * 8;
  for (let s = 0; s < samples; s++) {
    const b4 = B + <usize>s * 4 * hB, co = CO + <usize>s * 30 * hB;
    for (let k = 0; k < reps; k++) {
      const r = <usize>s * reps + k;
      const ar = a + r * 4 * hB, off = r * hB;
      let j = 0;
      for (; j + 2 <= H; j += 2) {
        const o = <usize>j * 8;
        lstmNearV64(ar + o, b4 + o, co + o, cprev + off + o, c + off + o, h + off + o, hB);
      }
      for (; j < H; j++) {
        const o = <usize>j * 8;
        lstmNear164(ar + o, b4 + o, co + o, cprev + off + o, c + off + o, h + off + o, hB);
      }
    }
  }
}

// F64_ONLY_END

// @ts-ignore: decorator
@inline function lstmBwdV_SUF(a: usize, dh: usize, dc: usize, cp: usize, tc: usize, hB: usize): void {
  const one = VT.splat(1);
  const gi = v128.load(a), gf = v128.load(a + hB), go = v128.load(a + 2 * hB), gg = v128.load(a + 3 * hB);
  const t = v128.load(tc), dhv = v128.load(dh);
  const d = VT.add(v128.load(dc), VT.mul(VT.mul(dhv, go), VT.sub(one, VT.mul(t, t))));
  v128.store(dc, VT.mul(d, gf));
  v128.store(a, VT.mul(VT.mul(VT.mul(d, gg), gi), VT.sub(one, gi)));
  v128.store(a + hB, VT.mul(VT.mul(VT.mul(d, v128.load(cp)), gf), VT.sub(one, gf)));
  v128.store(a + 2 * hB, VT.mul(VT.mul(VT.mul(dhv, t), go), VT.sub(one, go)));
  v128.store(a + 3 * hB, VT.mul(VT.mul(d, gi), VT.sub(one, VT.mul(gg, gg))));
}
// @ts-ignore: decorator
@inline function lstmBwd1_SUF(a: usize, dh: usize, dc: usize, cp: usize, tc: usize, hB: usize): void {
  const gi = load<ST>(a), gf = load<ST>(a + hB), go = load<ST>(a + 2 * hB), gg = load<ST>(a + 3 * hB);
  const t = load<ST>(tc), dhv = load<ST>(dh);
  const d = load<ST>(dc) + dhv * go * (1 - t * t);
  store<ST>(dc, d * gf);
  store<ST>(a, d * gg * gi * (1 - gi));
  store<ST>(a + hB, d * load<ST>(cp) * gf * (1 - gf));
  store<ST>(a + 2 * hB, dhv * t * go * (1 - go));
  store<ST>(a + 3 * hB, d * gi * (1 - gg * gg));
}

/**
 * LSTM step backward through the nonlinearity. a: (N, 4H) activated gates, overwritten with da;
 * dh: (N, H) total gradient on h_t; dc: (N, H) gradient on c_t from the later step, overwritten
 * with the gradient on c_{t-1}; cprev, tc = tanh(c_t): (N, H).
 */
export function lstm_bwd_SUF(a: usize, dh: usize, dc: usize, cprev: usize, tc: usize, N: i32, H: i32): void {
  const hB = <usize>H * ES;
  for (let r = 0; r < N; r++) {
    const ar = a + <usize>r * 4 * hB, off = <usize>r * hB;
    let j = 0;
    for (; j + LN <= H; j += LN) {
      const o = <usize>j * ES;
      lstmBwdV_SUF(ar + o, dh + off + o, dc + off + o, cprev + off + o, tc + off + o, hB);
    }
    for (; j < H; j++) {
      const o = <usize>j * ES;
      lstmBwd1_SUF(ar + o, dh + off + o, dc + off + o, cprev + off + o, tc + off + o, hB);
    }
  }
}

/**
 * Masked softmax cross-entropy over rows of a rows×V score matrix. y, mask: i32 per row.
 * Returns the sum over unmasked rows of -log p[y] (the caller divides by N). With grad != 0 the
 * scores are overwritten with dscores = (p - onehot(y)) · invN on unmasked rows and 0 elsewhere.
 */
export function softmax_xent_SUF(S: usize, y: usize, mask: usize, rows: i32, V: i32, invN: f64, grad: i32): f64 {
  // Compensated (Neumaier) sum over rows: numerical gradients divide loss differences by 2h, so the
  // loss's own rounding error is what limits a gradient check.
  let loss: f64 = 0, comp: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const row = S + <usize>r * V * ES;
    const m = load<i32>(mask + <usize>r * 4);
    if (!m) {
      if (grad) memory.fill(row, 0, <usize>V * ES);
      continue;
    }
    // max
    let mx = VT.splat(-Infinity);
    let j = 0;
    for (; j + LN <= V; j += LN) mx = VT.pmax(mx, v128.load(row + <usize>j * ES));
    let mxs: ST = -Infinity;
    for (let l = 0; l < LN; l++) mxs = max(mxs, VT.extract_lane(mx, 0));
    MAXLANES
    for (; j < V; j++) mxs = max(mxs, load<ST>(row + <usize>j * ES));
    const mv = VT.splat(mxs);
    // exp and sum
    let sv = VT.splat(0);
    j = 0;
    for (; j + LN <= V; j += LN) {
      const p = row + <usize>j * ES;
      const e = vexpB(VT.sub(v128.load(p), mv));
      v128.store(p, e);
      sv = VT.add(sv, e);
    }
    let sum: f64 = SUMLANES;
    for (; j < V; j++) {
      const p = row + <usize>j * ES;
      const e = VT.extract_lane(vexpB(VT.sub(ld1_SUF(p), mv)), 0);
      store<ST>(p, e);
      sum += <f64>e;
    }
    const yi = load<i32>(y + <usize>r * 4);
    const ey = <f64>load<ST>(row + <usize>yi * ES);
    const term = -Math.log(ey / sum);
    const nl = loss + term;
    comp += Math.abs(loss) >= Math.abs(term) ? loss - nl + term : term - nl + loss;
    loss = nl;
    if (grad) {
      const sc = VT.splat(<ST>(invN / sum));
      j = 0;
      for (; j + LN <= V; j += LN) {
        const p = row + <usize>j * ES;
        v128.store(p, VT.mul(v128.load(p), sc));
      }
      for (; j < V; j++) {
        const p = row + <usize>j * ES;
        store<ST>(p, load<ST>(p) * <ST>(invN / sum));
      }
      const py = row + <usize>yi * ES;
      store<ST>(py, load<ST>(py) - <ST>invN);
    }
  }
  return loss + comp;
}

/**
 * out[r] = the first index of the largest of the V scores in row r (rows ld elements apart), like a
 * scalar scan with `>`: a SIMD pass finds the maximum, a scalar pass its first position.
 */
export function argmax_rows_SUF(S: usize, rows: i32, V: i32, ld: i32, out: usize): void {
  for (let r = 0; r < rows; r++) {
    const row = S + <usize>r * ld * ES;
    let j = 0;
    let mx = VT.splat(-Infinity);
    for (; j + LN <= V; j += LN) mx = VT.pmax(mx, v128.load(row + <usize>j * ES));
    let m: ST = -Infinity;
    MAXLANES_M
    for (; j < V; j++) { const v = load<ST>(row + <usize>j * ES); if (v > m) m = v; }
    let best = 0;
    for (let k = 0; k < V; k++) {
      if (load<ST>(row + <usize>k * ES) == m) { best = k; break; }
    }
    store<i32>(out + <usize>r * 4, best);
  }
}

/** dst[r, :] = src[idx[r], :] + add[r, :] (add rows ldAdd elements apart). */
export function gather_add_rows_SUF(dst: usize, src: usize, idx: usize, add: usize, ldAdd: i32, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const d = dst + <usize>r * cols * ES;
    const sr = src + <usize>load<i32>(idx + <usize>r * 4) * cols * ES;
    const ar = add + <usize>r * ldAdd * ES;
    let j = 0;
    for (; j + LN <= cols; j += LN) {
      const o = <usize>j * ES;
      v128.store(d + o, VT.add(v128.load(sr + o), v128.load(ar + o)));
    }
    for (; j < cols; j++) {
      const o = <usize>j * ES;
      store<ST>(d + o, load<ST>(sr + o) + load<ST>(ar + o));
    }
  }
}

/** dst[r, :] += add[r, :] (add rows ldAdd elements apart). */
export function add_rows_ld_SUF(dst: usize, add: usize, ldAdd: i32, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) add_SUF(dst + <usize>r * cols * ES, add + <usize>r * ldAdd * ES, cols);
}

/** dst[idx[r], :] += src[r, :] for r < rows (word-embedding backward). */
export function scatter_add_rows_SUF(dst: usize, src: usize, idx: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) add_SUF(dst + <usize>load<i32>(idx + <usize>r * 4) * cols * ES, src + <usize>r * cols * ES, cols);
}

/** dst[r, :] = src[idx[r], :] (word-embedding forward). */
export function gather_rows_SUF(dst: usize, src: usize, idx: usize, rows: i32, cols: i32): void {
  const rowB = <usize>cols * ES;
  for (let r = 0; r < rows; r++) memory.copy(dst + <usize>r * rowB, src + <usize>load<i32>(idx + <usize>r * 4) * rowB, rowB);
}
