/**
 * Linear probes: how much of a scene fact a linear read-out of the features recovers.
 * Ridge regression onto one-hot labels (with a bias), prediction by argmax.
 */

/** Solves (A) x = b in place for symmetric positive definite A (n×n, row-major) by Cholesky. */
function choleskySolve(a: Float64Array, n: number, b: Float64Array, m: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (s <= 0) throw new Error('choleskySolve: matrix is not positive definite');
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j];
    }
  }
  const x = Float64Array.from(b); // (n, m)
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < n; i++) {
      let s = x[i * m + c];
      for (let k = 0; k < i; k++) s -= L[i * n + k] * x[k * m + c];
      x[i * m + c] = s / L[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = x[i * m + c];
      for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k * m + c];
      x[i * m + c] = s / L[i * n + i];
    }
  }
  return x;
}

/**
 * Fits ridge regression on (xTrain, labels yTrain in [0, classes)) and returns the accuracy on
 * (xTest, yTest). x: (n, D) row-major.
 */
export function ridgeProbe(xTrain: ArrayLike<number>, yTrain: ArrayLike<number>, xTest: ArrayLike<number>, yTest: ArrayLike<number>, D: number, classes: number, lambda = 1): number {
  const n = yTrain.length;
  const d1 = D + 1;
  const A = new Float64Array(d1 * d1);
  const B = new Float64Array(d1 * classes);
  const row = new Float64Array(d1);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < D; j++) row[j] = xTrain[i * D + j];
    row[D] = 1;
    for (let p = 0; p < d1; p++) {
      const v = row[p];
      for (let q = 0; q <= p; q++) A[p * d1 + q] += v * row[q];
      B[p * classes + yTrain[i]] += v;
    }
  }
  for (let p = 0; p < d1; p++) {
    for (let q = 0; q < p; q++) A[q * d1 + p] = A[p * d1 + q];
    if (p < D) A[p * d1 + p] += lambda;
  }
  const W = choleskySolve(A, d1, B, classes);
  let correct = 0;
  for (let i = 0; i < yTest.length; i++) {
    let best = -1;
    let bestScore = -Infinity;
    for (let c = 0; c < classes; c++) {
      let s = W[D * classes + c];
      for (let j = 0; j < D; j++) s += xTest[i * D + j] * W[j * classes + c];
      if (s > bestScore) {
        bestScore = s;
        best = c;
      }
    }
    if (best === yTest[i]) correct++;
  }
  return correct / yTest.length;
}
