// AssemblyScript: packed-panel GEMM for WebAssembly SIMD128 (BLIS structure, see shared KERNELS.md).
//
//   C (+)= op(A) · op(B),  op(X) = X or Xᵀ,  C: M×N row-major with leading dimension ldc.
//
// float64 uses a 5×4 micro-tile (10 f64x2 accumulators), float32 a 5×8 tile (10 f32x4 accumulators).
// Ten independent multiply-add chains keep both FMA pipes busy where an FMA takes 5 cycles (AMD Zen 2;
// eight chains reach at most 80% there). V8 allocates only 15 xmm registers and issues every load at
// the top of the loop body, so the A values of rows 0–3 come from one or two vector loads, splat by
// shuffles (pure operations, scheduled next to their use), and only row 4 is a splatting load. Transposes live only in the packing routines, so
// NN, TN and NT run through the same micro-kernel. All pointers are byte offsets chosen by the JS
// side; `ws` is a per-thread scratch area of wsBytes_f64()/wsBytes_f32() bytes. Compiled twice:
// with --enable relaxed-simd (fused multiply-add) and without (mul + add); the loader picks one.

// ---------------------------------------------------------------- blocking
const KC: i32 = 256;
const NC: i32 = 2048;
const MC64: i32 = 100;
const MC32: i32 = 120;
const MR: i32 = 5;
const NR64: i32 = 4;
const NR32: i32 = 8;

export function wsBytes_f64(): i32 {
  return ((MC64 + MR) * KC + (NC + NR64) * KC + MR * NR64) * 8;
}
export function wsBytes_f32(): i32 {
  return ((MC32 + MR) * KC + (NC + NR32) * KC + MR * NR32) * 4;
}

// @ts-ignore: decorator
@inline function madd64(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  else return f64x2.add(c, f64x2.mul(a, b));
}
// @ts-ignore: decorator
@inline function madd32(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  else return f32x4.add(c, f32x4.mul(a, b));
}
// @ts-ignore: decorator
@inline function madd<T>(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_madd<T>(a, b, c);
  else return v128.add<T>(c, v128.mul<T>(a, b));
}

export function hasRelaxedSimd(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}

// ---------------------------------------------------------------- float64

// @ts-ignore: decorator
@inline function ukr64(kc: i32, a: usize, b: usize, c: usize, ldcB: usize, beta: i32): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  let c40 = f64x2.splat(0), c41 = f64x2.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b, 0);
    const b1 = v128.load(b, 16);
    const a01 = v128.load(a, 0), a23 = v128.load(a, 16);
    let ai = v128.shuffle<f64>(a01, a01, 0, 0);
    c00 = madd64(ai, b0, c00); c01 = madd64(ai, b1, c01);
    ai = v128.shuffle<f64>(a01, a01, 1, 1);
    c10 = madd64(ai, b0, c10); c11 = madd64(ai, b1, c11);
    ai = v128.shuffle<f64>(a23, a23, 0, 0);
    c20 = madd64(ai, b0, c20); c21 = madd64(ai, b1, c21);
    ai = v128.shuffle<f64>(a23, a23, 1, 1);
    c30 = madd64(ai, b0, c30); c31 = madd64(ai, b1, c31);
    ai = v128.load64_splat(a, 32);
    c40 = madd64(ai, b0, c40); c41 = madd64(ai, b1, c41);
    a += MR * 8; b += 32;
  }
  const r1 = c + ldcB, r2 = r1 + ldcB, r3 = r2 + ldcB, r4 = r3 + ldcB;
  if (beta) {
    c00 = f64x2.add(c00, v128.load(c, 0)); c01 = f64x2.add(c01, v128.load(c, 16));
    c10 = f64x2.add(c10, v128.load(r1, 0)); c11 = f64x2.add(c11, v128.load(r1, 16));
    c20 = f64x2.add(c20, v128.load(r2, 0)); c21 = f64x2.add(c21, v128.load(r2, 16));
    c30 = f64x2.add(c30, v128.load(r3, 0)); c31 = f64x2.add(c31, v128.load(r3, 16));
    c40 = f64x2.add(c40, v128.load(r4, 0)); c41 = f64x2.add(c41, v128.load(r4, 16));
  }
  v128.store(c, c00, 0); v128.store(c, c01, 16);
  v128.store(r1, c10, 0); v128.store(r1, c11, 16);
  v128.store(r2, c20, 0); v128.store(r2, c21, 16);
  v128.store(r3, c30, 0); v128.store(r3, c31, 16);
  v128.store(r4, c40, 0); v128.store(r4, c41, 16);
}

/** Packs the mc×kc block of op(A) at (ic, pc) into MR-high panels, k-major, zero padded. */
function packA64(ta: i32, A: usize, lda: i32, ic: i32, pc: i32, mc: i32, kc: i32, Ap: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    const panel = Ap + <usize>(ir * kc) * 8;
    if (ta == 0) {
      // op(A)(i, p) = A[i*lda + p]: read rows contiguously, write with stride MR.
      for (let i = 0; i < mr; i++) {
        let src = A + (<usize>(ic + ir + i) * lda + pc) * 8;
        let dst = panel + <usize>i * 8;
        for (let p = 0; p < kc; p++) {
          store<f64>(dst, load<f64>(src));
          src += 8; dst += MR * 8;
        }
      }
      for (let i = mr; i < MR; i++) {
        let dst = panel + <usize>i * 8;
        for (let p = 0; p < kc; p++) { store<f64>(dst, 0); dst += MR * 8; }
      }
    } else {
      // op(A)(i, p) = A[p*lda + i]: MR contiguous values per k.
      let src = A + (<usize>pc * lda + ic + ir) * 8;
      let dst = panel;
      if (mr == MR) {
        for (let p = 0; p < kc; p++) {
          v128.store(dst, v128.load(src, 0), 0);
          v128.store(dst, v128.load(src, 16), 16);
          store<f64>(dst, load<f64>(src, 32), 32);
          src += <usize>lda * 8; dst += MR * 8;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let i = 0; i < MR; i++) store<f64>(dst + <usize>i * 8, i < mr ? load<f64>(src + <usize>i * 8) : 0);
          src += <usize>lda * 8; dst += MR * 8;
        }
      }
    }
  }
}

/** Packs the kc×nc block of op(B) at (pc, jc) into NR-wide panels, k-major, zero padded. */
function packB64(tb: i32, B: usize, ldb: i32, pc: i32, jc: i32, kc: i32, nc: i32, Bp: usize): void {
  for (let jr = 0; jr < nc; jr += NR64) {
    const nr = min(NR64, nc - jr);
    const panel = Bp + <usize>(jr * kc) * 8;
    if (tb == 0) {
      let src = B + (<usize>pc * ldb + jc + jr) * 8;
      let dst = panel;
      if (nr == NR64) {
        for (let p = 0; p < kc; p++) {
          v128.store(dst, v128.load(src, 0), 0);
          v128.store(dst, v128.load(src, 16), 16);
          src += <usize>ldb * 8; dst += NR64 * 8;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let j = 0; j < NR64; j++) store<f64>(dst + <usize>j * 8, j < nr ? load<f64>(src + <usize>j * 8) : 0);
          src += <usize>ldb * 8; dst += NR64 * 8;
        }
      }
    } else {
      // op(B)(p, j) = B[j*ldb + p]
      for (let j = 0; j < nr; j++) {
        let src = B + (<usize>(jc + jr + j) * ldb + pc) * 8;
        let dst = panel + <usize>j * 8;
        for (let p = 0; p < kc; p++) {
          store<f64>(dst, load<f64>(src));
          src += 8; dst += NR64 * 8;
        }
      }
      for (let j = nr; j < NR64; j++) {
        let dst = panel + <usize>j * 8;
        for (let p = 0; p < kc; p++) { store<f64>(dst, 0); dst += NR64 * 8; }
      }
    }
  }
}

/** C = beta·C + op(A)·op(B) with beta ∈ {0, 1}; float64. Element strides lda, ldb, ldc. */
export function gemm_f64(ta: i32, tb: i32, M: i32, N: i32, K: i32, A: usize, lda: i32, B: usize, ldb: i32,
  C: usize, ldc: i32, beta: i32, ws: usize): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!beta) for (let i = 0; i < M; i++) memory.fill(C + <usize>i * ldc * 8, 0, <usize>N * 8);
    return;
  }
  const Ap = ws;
  const Bp = Ap + <usize>((MC64 + MR) * KC) * 8;
  const tmp = Bp + <usize>((NC + NR64) * KC) * 8;
  const ldcB = <usize>ldc * 8;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      packB64(tb, B, ldb, pc, jc, kc, nc, Bp);
      const bt = pc == 0 ? beta : 1;
      for (let ic = 0; ic < M; ic += MC64) {
        const mc = min(MC64, M - ic);
        packA64(ta, A, lda, ic, pc, mc, kc, Ap);
        for (let jr = 0; jr < nc; jr += NR64) {
          const nr = min(NR64, nc - jr);
          const bpan = Bp + <usize>(jr * kc) * 8;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const apan = Ap + <usize>(ir * kc) * 8;
            tile<f64>(kc, apan, bpan, C + (<usize>(ic + ir) * ldc + jc + jr) * 8, ldcB, bt, mr, nr, tmp);
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------- float32

// @ts-ignore: decorator
@inline function ukr32(kc: i32, a: usize, b: usize, c: usize, ldcB: usize, beta: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b, 0);
    const b1 = v128.load(b, 16);
    const a4 = v128.load(a, 0);
    let ai = v128.shuffle<f32>(a4, a4, 0, 0, 0, 0);
    c00 = madd32(ai, b0, c00); c01 = madd32(ai, b1, c01);
    ai = v128.shuffle<f32>(a4, a4, 1, 1, 1, 1);
    c10 = madd32(ai, b0, c10); c11 = madd32(ai, b1, c11);
    ai = v128.shuffle<f32>(a4, a4, 2, 2, 2, 2);
    c20 = madd32(ai, b0, c20); c21 = madd32(ai, b1, c21);
    ai = v128.shuffle<f32>(a4, a4, 3, 3, 3, 3);
    c30 = madd32(ai, b0, c30); c31 = madd32(ai, b1, c31);
    ai = v128.load32_splat(a, 16);
    c40 = madd32(ai, b0, c40); c41 = madd32(ai, b1, c41);
    a += MR * 4; b += 32;
  }
  const r1 = c + ldcB, r2 = r1 + ldcB, r3 = r2 + ldcB, r4 = r3 + ldcB;
  if (beta) {
    c00 = f32x4.add(c00, v128.load(c, 0)); c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(r1, 0)); c11 = f32x4.add(c11, v128.load(r1, 16));
    c20 = f32x4.add(c20, v128.load(r2, 0)); c21 = f32x4.add(c21, v128.load(r2, 16));
    c30 = f32x4.add(c30, v128.load(r3, 0)); c31 = f32x4.add(c31, v128.load(r3, 16));
    c40 = f32x4.add(c40, v128.load(r4, 0)); c41 = f32x4.add(c41, v128.load(r4, 16));
  }
  v128.store(c, c00, 0); v128.store(c, c01, 16);
  v128.store(r1, c10, 0); v128.store(r1, c11, 16);
  v128.store(r2, c20, 0); v128.store(r2, c21, 16);
  v128.store(r3, c30, 0); v128.store(r3, c31, 16);
  v128.store(r4, c40, 0); v128.store(r4, c41, 16);
}

/**
 * Tail kernels for a 1- or 2-row remainder of M: the same multiply-adds per element in the same
 * order as ukr32 (so bit-identical results), but over 4 (1 row) or 2 (2 rows) packed B panels at once,
 * which keeps 8 independent accumulators in flight instead of the 2 or 4 of ukrR4's first rows.
 * bstride: bytes between consecutive packed panels (kc·NR·4).
 */
// @ts-ignore: decorator
@inline function ukr32w1(kc: i32, a: usize, b: usize, bstride: usize, c: usize, beta: i32): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  let c4 = f32x4.splat(0), c5 = f32x4.splat(0), c6 = f32x4.splat(0), c7 = f32x4.splat(0);
  const b1 = b + bstride, b2 = b1 + bstride, b3 = b2 + bstride;
  for (let p = 0; p < kc; p++) {
    const o = <usize>p * 32;
    const ai = v128.load32_splat(a, 0);
    c0 = madd32(ai, v128.load(b + o, 0), c0); c1 = madd32(ai, v128.load(b + o, 16), c1);
    c2 = madd32(ai, v128.load(b1 + o, 0), c2); c3 = madd32(ai, v128.load(b1 + o, 16), c3);
    c4 = madd32(ai, v128.load(b2 + o, 0), c4); c5 = madd32(ai, v128.load(b2 + o, 16), c5);
    c6 = madd32(ai, v128.load(b3 + o, 0), c6); c7 = madd32(ai, v128.load(b3 + o, 16), c7);
    a += MR * 4;
  }
  if (beta) {
    c0 = f32x4.add(c0, v128.load(c, 0)); c1 = f32x4.add(c1, v128.load(c, 16));
    c2 = f32x4.add(c2, v128.load(c, 32)); c3 = f32x4.add(c3, v128.load(c, 48));
    c4 = f32x4.add(c4, v128.load(c, 64)); c5 = f32x4.add(c5, v128.load(c, 80));
    c6 = f32x4.add(c6, v128.load(c, 96)); c7 = f32x4.add(c7, v128.load(c, 112));
  }
  v128.store(c, c0, 0); v128.store(c, c1, 16); v128.store(c, c2, 32); v128.store(c, c3, 48);
  v128.store(c, c4, 64); v128.store(c, c5, 80); v128.store(c, c6, 96); v128.store(c, c7, 112);
}

// @ts-ignore: decorator
@inline function ukr32w2(kc: i32, a: usize, b: usize, bstride: usize, c: usize, ldcB: usize, beta: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
  const b1 = b + bstride;
  for (let p = 0; p < kc; p++) {
    const o = <usize>p * 32;
    const x0 = v128.load(b + o, 0), x1 = v128.load(b + o, 16), x2 = v128.load(b1 + o, 0), x3 = v128.load(b1 + o, 16);
    let ai = v128.load32_splat(a, 0);
    c00 = madd32(ai, x0, c00); c01 = madd32(ai, x1, c01); c02 = madd32(ai, x2, c02); c03 = madd32(ai, x3, c03);
    ai = v128.load32_splat(a, 4);
    c10 = madd32(ai, x0, c10); c11 = madd32(ai, x1, c11); c12 = madd32(ai, x2, c12); c13 = madd32(ai, x3, c13);
    a += MR * 4;
  }
  const r1 = c + ldcB;
  if (beta) {
    c00 = f32x4.add(c00, v128.load(c, 0)); c01 = f32x4.add(c01, v128.load(c, 16));
    c02 = f32x4.add(c02, v128.load(c, 32)); c03 = f32x4.add(c03, v128.load(c, 48));
    c10 = f32x4.add(c10, v128.load(r1, 0)); c11 = f32x4.add(c11, v128.load(r1, 16));
    c12 = f32x4.add(c12, v128.load(r1, 32)); c13 = f32x4.add(c13, v128.load(r1, 48));
  }
  v128.store(c, c00, 0); v128.store(c, c01, 16); v128.store(c, c02, 32); v128.store(c, c03, 48);
  v128.store(r1, c10, 0); v128.store(r1, c11, 16); v128.store(r1, c12, 32); v128.store(r1, c13, 48);
}


/**
 * Rows 0..mr-1 (mr ≤ 4) of ukr64 (T = f64) or ukr32 (T = f32), for the remainder of M: the same
 * multiply-adds per element in the same order (bit-identical rows), with four splatting loads and
 * eight accumulators. Both precisions' B panels are 32 bytes a step and C rows two vectors.
 */
// @ts-ignore: decorator
@inline function ukrR4<T>(kc: i32, a: usize, b: usize, c: usize, ldcB: usize, beta: i32, mr: i32): void {
  const es = sizeof<T>();
  let c00 = v128.splat<T>(0), c01 = v128.splat<T>(0);
  let c10 = v128.splat<T>(0), c11 = v128.splat<T>(0);
  let c20 = v128.splat<T>(0), c21 = v128.splat<T>(0);
  let c30 = v128.splat<T>(0), c31 = v128.splat<T>(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b, 0);
    const b1 = v128.load(b, 16);
    let ai = v128.load_splat<T>(a);
    c00 = madd<T>(ai, b0, c00); c01 = madd<T>(ai, b1, c01);
    ai = v128.load_splat<T>(a + es);
    c10 = madd<T>(ai, b0, c10); c11 = madd<T>(ai, b1, c11);
    ai = v128.load_splat<T>(a + 2 * es);
    c20 = madd<T>(ai, b0, c20); c21 = madd<T>(ai, b1, c21);
    ai = v128.load_splat<T>(a + 3 * es);
    c30 = madd<T>(ai, b0, c30); c31 = madd<T>(ai, b1, c31);
    a += <usize>MR * es; b += 32;
  }
  if (beta) { c00 = v128.add<T>(c00, v128.load(c, 0)); c01 = v128.add<T>(c01, v128.load(c, 16)); }
  v128.store(c, c00, 0); v128.store(c, c01, 16);
  if (mr > 1) {
    const r = c + ldcB;
    if (beta) { c10 = v128.add<T>(c10, v128.load(r, 0)); c11 = v128.add<T>(c11, v128.load(r, 16)); }
    v128.store(r, c10, 0); v128.store(r, c11, 16);
  }
  if (mr > 2) {
    const r = c + 2 * ldcB;
    if (beta) { c20 = v128.add<T>(c20, v128.load(r, 0)); c21 = v128.add<T>(c21, v128.load(r, 16)); }
    v128.store(r, c20, 0); v128.store(r, c21, 16);
  }
  if (mr > 3) {
    const r = c + 3 * ldcB;
    if (beta) { c30 = v128.add<T>(c30, v128.load(r, 0)); c31 = v128.add<T>(c31, v128.load(r, 16)); }
    v128.store(r, c30, 0); v128.store(r, c31, 16);
  }
}

/**
 * One mr×nr tile of C from packed panels (T = f64: 5×4 tiles, f32: 5×8): the full kernel, the
 * remainder-row kernel, or (for a partial NR panel) either one into tmp and then the mr×nr values
 * copied (or added) into C.
 */
// @ts-ignore: decorator
@inline function tile<T>(kc: i32, apan: usize, bpan: usize, c: usize, ldcB: usize, bt: i32, mr: i32, nr: i32, tmp: usize): void {
  const NR: i32 = sizeof<T>() == 8 ? NR64 : NR32;
  if (nr == NR) {
    if (mr == MR) {
      if (sizeof<T>() == 8) ukr64(kc, apan, bpan, c, ldcB, bt);
      else ukr32(kc, apan, bpan, c, ldcB, bt);
    } else ukrR4<T>(kc, apan, bpan, c, ldcB, bt, mr);
    return;
  }
  const tB = <usize>NR * sizeof<T>();
  if (mr == MR) {
    if (sizeof<T>() == 8) ukr64(kc, apan, bpan, tmp, tB, 0);
    else ukr32(kc, apan, bpan, tmp, tB, 0);
  } else ukrR4<T>(kc, apan, bpan, tmp, tB, 0, 4);
  for (let i = 0; i < mr; i++) {
    const crow = c + <usize>i * ldcB;
    const trow = tmp + <usize>i * tB;
    for (let j = 0; j < nr; j++) {
      const o = <usize>j * sizeof<T>();
      const v = load<T>(trow + o);
      store<T>(crow + o, bt ? load<T>(crow + o) + v : v);
    }
  }
}

function packA32(ta: i32, A: usize, lda: i32, ic: i32, pc: i32, mc: i32, kc: i32, Ap: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    const panel = Ap + <usize>(ir * kc) * 4;
    if (ta == 0) {
      for (let i = 0; i < mr; i++) {
        let src = A + (<usize>(ic + ir + i) * lda + pc) * 4;
        let dst = panel + <usize>i * 4;
        for (let p = 0; p < kc; p++) {
          store<f32>(dst, load<f32>(src));
          src += 4; dst += MR * 4;
        }
      }
      for (let i = mr; i < MR; i++) {
        let dst = panel + <usize>i * 4;
        for (let p = 0; p < kc; p++) { store<f32>(dst, 0); dst += MR * 4; }
      }
    } else {
      let src = A + (<usize>pc * lda + ic + ir) * 4;
      let dst = panel;
      if (mr == MR) {
        for (let p = 0; p < kc; p++) {
          v128.store(dst, v128.load(src, 0), 0);
          store<f32>(dst, load<f32>(src, 16), 16);
          src += <usize>lda * 4; dst += MR * 4;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let i = 0; i < MR; i++) store<f32>(dst + <usize>i * 4, i < mr ? load<f32>(src + <usize>i * 4) : 0);
          src += <usize>lda * 4; dst += MR * 4;
        }
      }
    }
  }
}

function packB32(tb: i32, B: usize, ldb: i32, pc: i32, jc: i32, kc: i32, nc: i32, Bp: usize): void {
  for (let jr = 0; jr < nc; jr += NR32) {
    const nr = min(NR32, nc - jr);
    const panel = Bp + <usize>(jr * kc) * 4;
    if (tb == 0) {
      let src = B + (<usize>pc * ldb + jc + jr) * 4;
      let dst = panel;
      if (nr == NR32) {
        for (let p = 0; p < kc; p++) {
          v128.store(dst, v128.load(src, 0), 0);
          v128.store(dst, v128.load(src, 16), 16);
          src += <usize>ldb * 4; dst += NR32 * 4;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let j = 0; j < NR32; j++) store<f32>(dst + <usize>j * 4, j < nr ? load<f32>(src + <usize>j * 4) : 0);
          src += <usize>ldb * 4; dst += NR32 * 4;
        }
      }
    } else {
      for (let j = 0; j < nr; j++) {
        let src = B + (<usize>(jc + jr + j) * ldb + pc) * 4;
        let dst = panel + <usize>j * 4;
        for (let p = 0; p < kc; p++) {
          store<f32>(dst, load<f32>(src));
          src += 4; dst += NR32 * 4;
        }
      }
      for (let j = nr; j < NR32; j++) {
        let dst = panel + <usize>j * 4;
        for (let p = 0; p < kc; p++) { store<f32>(dst, 0); dst += NR32 * 4; }
      }
    }
  }
}

/** C = beta·C + op(A)·op(B) with beta ∈ {0, 1}; float32. */
export function gemm_f32(ta: i32, tb: i32, M: i32, N: i32, K: i32, A: usize, lda: i32, B: usize, ldb: i32,
  C: usize, ldc: i32, beta: i32, ws: usize): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!beta) for (let i = 0; i < M; i++) memory.fill(C + <usize>i * ldc * 4, 0, <usize>N * 4);
    return;
  }
  const Ap = ws;
  const Bp = Ap + <usize>((MC32 + MR) * KC) * 4;
  const tmp = Bp + <usize>((NC + NR32) * KC) * 4;
  const ldcB = <usize>ldc * 4;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      packB32(tb, B, ldb, pc, jc, kc, nc, Bp);
      const bt = pc == 0 ? beta : 1;
      for (let ic = 0; ic < M; ic += MC32) {
        const mc = min(MC32, M - ic);
        packA32(ta, A, lda, ic, pc, mc, kc, Ap);
        for (let jr = 0; jr < nc; jr += NR32) {
          const nr = min(NR32, nc - jr);
          const bpan = Bp + <usize>(jr * kc) * 4;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const apan = Ap + <usize>(ir * kc) * 4;
            tile<f32>(kc, apan, bpan, C + (<usize>(ic + ir) * ldc + jc + jr) * 4, ldcB, bt, mr, nr, tmp);
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------- prepacked op(B), f64

/**
 * Packs all of op(B) (K×N) once, for products that reuse it (the recurrent weights at every time
 * step): K-blocks of KC rows, each block holding Npad/NR panels of kc×NR, block base pc·Npad.
 */
export function packB_full_f64(tb: i32, B: usize, ldb: i32, K: i32, N: i32, Bp: usize): void {
  const Npad = (N + NR64 - 1) / NR64 * NR64;
  for (let pc = 0; pc < K; pc += KC) {
    const kc = min(KC, K - pc);
    packB64(tb, B, ldb, pc, 0, kc, N, Bp + <usize>pc * Npad * 8);
  }
}

/**
 * C = beta·C + op(A)·op(B)[:, n0:n0+N] with op(B) prepacked by packB_full_f64 (row length Npad);
 * n0 must be a multiple of NR.
 */
export function gemm_pp_f64(ta: i32, M: i32, N: i32, K: i32, A: usize, lda: i32, Bp: usize, Npad: i32, n0: i32,
  C: usize, ldc: i32, beta: i32, ws: usize): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!beta) for (let i = 0; i < M; i++) memory.fill(C + <usize>i * ldc * 8, 0, <usize>N * 8);
    return;
  }
  const Ap = ws;
  const tmp = Ap + <usize>((MC64 + MR) * KC + (NC + NR64) * KC) * 8;
  const ldcB = <usize>ldc * 8;
  for (let pc = 0; pc < K; pc += KC) {
    const kc = min(KC, K - pc);
    const Bblk = Bp + (<usize>pc * Npad + <usize>n0 * kc) * 8;
    const bt = pc == 0 ? beta : 1;
    for (let ic = 0; ic < M; ic += MC64) {
      const mc = min(MC64, M - ic);
      packA64(ta, A, lda, ic, pc, mc, kc, Ap);
      for (let jr = 0; jr < N; jr += NR64) {
        const nr = min(NR64, N - jr);
        const bpan = Bblk + <usize>(jr * kc) * 8;
        for (let ir = 0; ir < mc; ir += MR) {
          const mr = min(MR, mc - ir);
          const apan = Ap + <usize>(ir * kc) * 8;
          tile<f64>(kc, apan, bpan, C + (<usize>(ic + ir) * ldc + jr) * 8, ldcB, bt, mr, nr, tmp);
        }
      }
    }
  }
}

// ---------------------------------------------------------------- prepacked op(B), f32

/**
 * Packs all of op(B) (K×N) once, for products that reuse it (the recurrent weights at every time
 * step): K-blocks of KC rows, each block holding Npad/NR panels of kc×NR, block base pc·Npad.
 */
export function packB_full_f32(tb: i32, B: usize, ldb: i32, K: i32, N: i32, Bp: usize): void {
  const Npad = (N + NR32 - 1) / NR32 * NR32;
  for (let pc = 0; pc < K; pc += KC) {
    const kc = min(KC, K - pc);
    packB32(tb, B, ldb, pc, 0, kc, N, Bp + <usize>pc * Npad * 4);
  }
}

/**
 * C = beta·C + op(A)·op(B)[:, n0:n0+N] with op(B) prepacked by packB_full_f32 (row length Npad);
 * n0 must be a multiple of NR.
 */
export function gemm_pp_f32(ta: i32, M: i32, N: i32, K: i32, A: usize, lda: i32, Bp: usize, Npad: i32, n0: i32,
  C: usize, ldc: i32, beta: i32, ws: usize): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!beta) for (let i = 0; i < M; i++) memory.fill(C + <usize>i * ldc * 4, 0, <usize>N * 4);
    return;
  }
  const Ap = ws;
  const tmp = Ap + <usize>((MC32 + MR) * KC + (NC + NR32) * KC) * 4;
  const ldcB = <usize>ldc * 4;
  for (let pc = 0; pc < K; pc += KC) {
    const kc = min(KC, K - pc);
    const Bblk = Bp + (<usize>pc * Npad + <usize>n0 * kc) * 4;
    const bt = pc == 0 ? beta : 1;
    for (let ic = 0; ic < M; ic += MC32) {
      const mc = min(MC32, M - ic);
      packA32(ta, A, lda, ic, pc, mc, kc, Ap);
      // A 1- or 2-row remainder runs through the wide tail kernels, groups of g full panels at a time.
      const tail = mc % MR, mFull = mc - tail;
      const g = tail == 1 ? 4 : tail == 2 ? 2 : 0;
      const nFull = N / NR32 * NR32;
      const bstride = <usize>(kc * NR32) * 4;
      for (let jr = 0; jr < N; jr += NR32) {
        const nr = min(NR32, N - jr);
        const bpan = Bblk + <usize>(jr * kc) * 4;
        if (g) {
          // The wide tail for the group of panels starting here (B panels still hot after the tiles below).
          const gw = g * NR32;
          if (jr % gw == 0 && jr + gw <= nFull) {
            for (let jj = 0; jj < gw; jj += NR32) {
              const bp = bpan + <usize>(jj * kc) * 4;
              for (let ir = 0; ir < mFull; ir += MR) {
                ukr32(kc, Ap + <usize>(ir * kc) * 4, bp, C + (<usize>(ic + ir) * ldc + jr + jj) * 4, ldcB, bt);
              }
            }
            const apan = Ap + <usize>(mFull * kc) * 4;
            const c = C + (<usize>(ic + mFull) * ldc + jr) * 4;
            if (g == 4) ukr32w1(kc, apan, bpan, bstride, c, bt);
            else ukr32w2(kc, apan, bpan, bstride, c, ldcB, bt);
            jr += gw - NR32;
            continue;
          }
        }
        for (let ir = 0; ir < mc; ir += MR) {
          const mr = min(MR, mc - ir);
          const apan = Ap + <usize>(ir * kc) * 4;
          tile<f32>(kc, apan, bpan, C + (<usize>(ic + ir) * ldc + jr) * 4, ldcB, bt, mr, nr, tmp);
        }
      }
    }
  }
}

// ---------------------------------------------------------------- prepacked op(B), A read in place, f64

// @ts-ignore: decorator
@inline function ukr64d(kc: i32, a0: usize, a1: usize, a2: usize, a3: usize, b: usize, c: usize, ldcB: usize, beta: i32): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b, 0);
    const b1 = v128.load(b, 16);
    let ai = v128.load64_splat(a0);
    c00 = madd64(ai, b0, c00); c01 = madd64(ai, b1, c01);
    ai = v128.load64_splat(a1);
    c10 = madd64(ai, b0, c10); c11 = madd64(ai, b1, c11);
    ai = v128.load64_splat(a2);
    c20 = madd64(ai, b0, c20); c21 = madd64(ai, b1, c21);
    ai = v128.load64_splat(a3);
    c30 = madd64(ai, b0, c30); c31 = madd64(ai, b1, c31);
    a0 += 8; a1 += 8; a2 += 8; a3 += 8; b += 32;
  }
  const r1 = c + ldcB, r2 = r1 + ldcB, r3 = r2 + ldcB;
  if (beta) {
    c00 = f64x2.add(c00, v128.load(c, 0)); c01 = f64x2.add(c01, v128.load(c, 16));
    c10 = f64x2.add(c10, v128.load(r1, 0)); c11 = f64x2.add(c11, v128.load(r1, 16));
    c20 = f64x2.add(c20, v128.load(r2, 0)); c21 = f64x2.add(c21, v128.load(r2, 16));
    c30 = f64x2.add(c30, v128.load(r3, 0)); c31 = f64x2.add(c31, v128.load(r3, 16));
  }
  v128.store(c, c00, 0); v128.store(c, c01, 16);
  v128.store(r1, c10, 0); v128.store(r1, c11, 16);
  v128.store(r2, c20, 0); v128.store(r2, c21, 16);
  v128.store(r3, c30, 0); v128.store(r3, c31, 16);
}

const MCD64: i32 = 48;
/** Rows per tile of gemm_pd_f64 (its A rows are read in place, one splatting load each). */
const MRD: i32 = 4;

/**
 * C = beta·C + A·op(B) with op(B) prepacked by packB_full_f64 (row length Npad) and A (M×K, row
 * stride lda) read in place instead of packed: for small K, where packing A costs as much as a good
 * part of the product (the gradient check's recurrent steps, K = H). Same micro-kernel arithmetic as
 * gemm_f64 / gemm_pp_f64, so the results are bit-identical to theirs.
 */
export function gemm_pd_f64(M: i32, N: i32, K: i32, A: usize, lda: i32, Bp: usize, Npad: i32,
  C: usize, ldc: i32, beta: i32, ws: usize): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!beta) for (let i = 0; i < M; i++) memory.fill(C + <usize>i * ldc * 8, 0, <usize>N * 8);
    return;
  }
  const tmp = ws;
  const ldcB = <usize>ldc * 8, ldaB = <usize>lda * 8;
  for (let pc = 0; pc < K; pc += KC) {
    const kc = min(KC, K - pc);
    const Bblk = Bp + <usize>pc * Npad * 8;
    const bt = pc == 0 ? beta : 1;
    for (let ic = 0; ic < M; ic += MCD64) {
      const mc = min(MCD64, M - ic);
      for (let jr = 0; jr < N; jr += NR64) {
        const nr = min(NR64, N - jr);
        const bpan = Bblk + <usize>(jr * kc) * 8;
        for (let ir = 0; ir < mc; ir += MRD) {
          const mr = min(MRD, mc - ir);
          const a0 = A + <usize>(ic + ir) * ldaB + <usize>pc * 8;
          // Rows past M repeat row 0 of the tile (their results are dropped).
          const a1 = mr > 1 ? a0 + ldaB : a0, a2 = mr > 2 ? a0 + 2 * ldaB : a0, a3 = mr > 3 ? a0 + 3 * ldaB : a0;
          const c = C + (<usize>(ic + ir) * ldc + jr) * 8;
          if (mr == MRD && nr == NR64) {
            ukr64d(kc, a0, a1, a2, a3, bpan, c, ldcB, bt);
          } else {
            ukr64d(kc, a0, a1, a2, a3, bpan, tmp, NR64 * 8, 0);
            for (let i = 0; i < mr; i++) {
              const crow = c + <usize>i * ldcB;
              const trow = tmp + <usize>(i * NR64) * 8;
              for (let j = 0; j < nr; j++) {
                const v = load<f64>(trow + <usize>j * 8);
                store<f64>(crow + <usize>j * 8, bt ? load<f64>(crow + <usize>j * 8) + v : v);
              }
            }
          }
        }
      }
    }
  }
}
