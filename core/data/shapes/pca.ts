/**
 * Deterministic PCA for N samples of F dims when N < F (1600 × 4096 here): the top components
 * come from the N×N Gram matrix of the centred data, found by block subspace iteration with
 * Rayleigh–Ritz (a Householder tridiagonalisation + implicit QL eigensolver on the small
 * projected matrix). Everything is plain float64 loops in a fixed order, so the result is
 * bit-for-bit reproducible.
 */
import type { Rng } from '../../random';

export interface PcaFit {
  /** (F,) mean of the fitted rows. */
  mean: Float64Array;
  /** (k, F): component m is row m, unit length, sign so its largest-magnitude loading is positive. */
  components: Float64Array;
  /** Variance (eigenvalue of the covariance, /N) of each component, descending. */
  variances: Float64Array;
  /** Fraction of the total variance the k components hold. */
  explained: number;
  k: number;
  F: number;
}

function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += a[ao + i] * b[bo + i];
    s1 += a[ao + i + 1] * b[bo + i + 1];
    s2 += a[ao + i + 2] * b[bo + i + 2];
    s3 += a[ao + i + 3] * b[bo + i + 3];
  }
  for (; i < n; i++) s0 += a[ao + i] * b[bo + i];
  return s0 + s1 + (s2 + s3);
}

/** Orthonormalises the k rows (length n) of `q` in place: modified Gram–Schmidt, run twice. */
function orthonormalizeRows(q: Float64Array, k: number, n: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < k; j++) {
      const oj = j * n;
      for (let p = 0; p < j; p++) {
        const op = p * n;
        const r = dot(q, oj, q, op, n);
        for (let i = 0; i < n; i++) q[oj + i] -= r * q[op + i];
      }
      const norm = Math.sqrt(dot(q, oj, q, oj, n));
      const inv = norm > 0 ? 1 / norm : 0;
      for (let i = 0; i < n; i++) q[oj + i] *= inv;
    }
  }
}

/** out (k×n rows) = rows of q (k×n) multiplied by the symmetric n×n matrix g. */
function symTimesRows(g: Float64Array, q: Float64Array, k: number, n: number, out: Float64Array): void {
  for (let j = 0; j < k; j++) for (let i = 0; i < n; i++) out[j * n + i] = dot(g, i * n, q, j * n, n);
}

/**
 * Eigen-decomposition of a symmetric n×n matrix (row-major `a`, not modified):
 * values ascending, vectors as columns of the returned row-major matrix. A port of the
 * public-domain JAMA routines tred2 and tql2.
 */
export function symEig(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const V = Float64Array.from(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const at = (i: number, j: number): number => i * n + j;
  // tred2: Householder reduction to tridiagonal form.
  for (let j = 0; j < n; j++) d[j] = V[at(n - 1, j)];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = V[at(i - 1, j)];
        V[at(i, j)] = 0;
        V[at(j, i)] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        V[at(j, i)] = f;
        g = e[j] + V[at(j, j)] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[at(k, j)] * d[k];
          e[k] += V[at(k, j)] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) V[at(k, j)] -= f * e[k] + g * d[k];
        d[j] = V[at(i - 1, j)];
        V[at(i, j)] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    V[at(n - 1, i)] = V[at(i, i)];
    V[at(i, i)] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[at(k, i + 1)] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[at(k, i + 1)] * V[at(k, j)];
        for (let k = 0; k <= i; k++) V[at(k, j)] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) V[at(k, i + 1)] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[at(n - 1, j)];
    V[at(n - 1, j)] = 0;
  }
  V[at(n - 1, n - 1)] = 1;
  e[0] = 0;

  // tql2: implicit QL on the tridiagonal matrix, accumulating rotations into V.
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 300) throw new Error('symEig: QL iteration did not converge');
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.sqrt(p * p + 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.sqrt(p * p + e[i] * e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          for (let k = 0; k < n; k++) {
            const o = k * n;
            h = V[o + i + 1];
            V[o + i + 1] = s * V[o + i] + c * h;
            V[o + i] = c * V[o + i] - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
  // Sort ascending (selection sort, like JAMA).
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let p = d[i];
    for (let j = i + 1; j < n; j++) {
      if (d[j] < p) {
        k = j;
        p = d[j];
      }
    }
    if (k !== i) {
      d[k] = d[i];
      d[i] = p;
      for (let j = 0; j < n; j++) {
        const t = V[at(j, i)];
        V[at(j, i)] = V[at(j, k)];
        V[at(j, k)] = t;
      }
    }
  }
  return { values: d, vectors: V };
}

/**
 * Top-`k` principal components of the N rows (F values each) of `x`.
 * `oversample` extra directions and `iterations` rounds of subspace iteration on the Gram matrix.
 */
export function fitPca(x: Float64Array, N: number, F: number, k: number, rng: Rng, iterations = 4, oversample = 64): PcaFit {
  const mean = new Float64Array(F);
  for (let i = 0; i < N; i++) for (let f = 0; f < F; f++) mean[f] += x[i * F + f];
  for (let f = 0; f < F; f++) mean[f] /= N;
  const xc = new Float64Array(N * F);
  for (let i = 0; i < N; i++) for (let f = 0; f < F; f++) xc[i * F + f] = x[i * F + f] - mean[f];

  const g = new Float64Array(N * N);
  let trace = 0;
  for (let i = 0; i < N; i++) {
    for (let j = i; j < N; j++) {
      const v = dot(xc, i * F, xc, j * F, F);
      g[i * N + j] = v;
      g[j * N + i] = v;
    }
    trace += g[i * N + i];
  }

  const p = Math.min(N, k + oversample);
  let q: Float64Array = rng.normals(p * N);
  orthonormalizeRows(q, p, N);
  let z: Float64Array = new Float64Array(p * N);
  for (let it = 0; it < iterations; it++) {
    symTimesRows(g, q, p, N, z);
    orthonormalizeRows(z, p, N);
    [q, z] = [z, q];
  }
  // Rayleigh–Ritz: B = Qᵀ G Q, eigenvectors of B rotate Q into Ritz vectors.
  symTimesRows(g, q, p, N, z);
  const b = new Float64Array(p * p);
  for (let a = 0; a < p; a++) {
    for (let c = a; c < p; c++) {
      const v = dot(q, a * N, z, c * N, N);
      b[a * p + c] = v;
      b[c * p + a] = v;
    }
  }
  const eig = symEig(b, p);

  const components = new Float64Array(k * F);
  const variances = new Float64Array(k);
  const u = new Float64Array(N);
  let kept = 0;
  for (let m = 0; m < k; m++) {
    const col = p - 1 - m; // descending
    const lambda = eig.values[col];
    variances[m] = lambda / N;
    kept += lambda;
    u.fill(0);
    for (let a = 0; a < p; a++) {
      const w = eig.vectors[a * p + col];
      for (let i = 0; i < N; i++) u[i] += w * q[a * N + i];
    }
    // Component in feature space: Xcᵀ u / sqrt(lambda), unit length when u is.
    const o = m * F;
    for (let i = 0; i < N; i++) {
      const w = u[i];
      for (let f = 0; f < F; f++) components[o + f] += w * xc[i * F + f];
    }
    let norm = 0;
    let big = 0;
    for (let f = 0; f < F; f++) {
      norm += components[o + f] * components[o + f];
      if (Math.abs(components[o + f]) > Math.abs(big)) big = components[o + f];
    }
    const scale = (big < 0 ? -1 : 1) / Math.sqrt(norm);
    for (let f = 0; f < F; f++) components[o + f] *= scale;
  }
  return { mean, components, variances, explained: kept / trace, k, F };
}

/** (n, k) projections (x - mean)·Vᵀ of the n rows of `x`. */
export function pcaTransform(fit: PcaFit, x: Float64Array, n: number): Float64Array {
  const { F, k, mean, components } = fit;
  const out = new Float64Array(n * k);
  const row = new Float64Array(F);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < F; f++) row[f] = x[i * F + f] - mean[f];
    for (let m = 0; m < k; m++) out[i * k + m] = dot(row, 0, components, m * F, F);
  }
  return out;
}
