/**
 * Checks for models too large to difference every element.
 * - Sparse: k random entries per parameter (so a 4H bias is sampled as surely as a V×W matrix),
 *   2k forward passes per parameter.
 * - Directional: the derivative along random unit directions u over all parameters at once,
 *   (f(θ + h·u) − f(θ − h·u)) / 2h against g·u: two forward passes per direction whatever the
 *   parameter count. It cannot say where an error is, and it estimates how large the error is:
 *   for u uniform on the sphere, E[(e·u)²] = ‖e‖²/P and E[(g·u)²] = ‖g‖²/P, so the RMS over
 *   directions of (directional error) / (directional derivative) estimates ‖e‖ / ‖g‖.
 */
import { compareGradients, worstVerdict, type LayerCheck, type ParamCheck } from '../gradcheck';
import type { LayerImpl } from '../layers/index';
import { CaptioningModel, PARAM_NAMES, type CellType } from '../model';
import { Rng } from '../random';
import { intTensor, type Tensor } from '../tensor';
import { numericAt, type Problem } from './precision';
import type { DirectionalCheck } from './types';
export type { DirectionalCheck };

/** k distinct random flat indices in [0, n) (all of them when n ≤ k), sorted. */
export function sampleIndices(n: number, k: number, rng: Rng): number[] {
  if (n <= k) return Array.from({ length: n }, (_, i) => i);
  const picked = new Set<number>();
  while (picked.size < k) picked.add(rng.int(n));
  return [...picked].sort((a, b) => a - b);
}

/** k random entries of every parameter of a problem. */
export function sparseCheck(p: Problem, opts: { perParam?: number; h?: number; seed?: number } = {}): LayerCheck {
  const t0 = Date.now();
  const k = opts.perParam ?? 10;
  const h = opts.h ?? 1e-5;
  const rng = new Rng(opts.seed ?? 7);
  const analytic = p.analytic();
  const params: ParamCheck[] = [];
  for (const [input, gradName] of Object.entries(p.gradNames)) {
    const idx = sampleIndices(p.params[input].data.length, k, rng);
    const numeric = { shape: p.params[input].shape, data: numericAt(p, input, idx, h) };
    params.push(compareGradients(gradName, analytic[input], numeric, { only: idx, timeAxis: p.timeAxis[input] }));
  }
  return { layer: p.name, sizes: p.sizes, params, verdict: worstVerdict(params.map((q) => q.verdict)), ms: Date.now() - t0 };
}


/** Random-direction check over all parameters of a problem. */
export function directionalCheck(p: Problem, opts: { directions?: number; h?: number; seed?: number } = {}): DirectionalCheck {
  const m = opts.directions ?? 8;
  const h = opts.h ?? 1e-5;
  const rng = new Rng(opts.seed ?? 11);
  const analytic = p.analytic();
  const inputs = Object.keys(p.gradNames);
  const P = inputs.reduce((s, k) => s + p.params[k].data.length, 0);
  const samples: DirectionalCheck['samples'] = [];
  let se = 0;
  let sg = 0;
  for (let d = 0; d < m; d++) {
    const u = inputs.map((k) => rng.normals(p.params[k].data.length));
    const norm = Math.sqrt(u.reduce((s, a) => s + a.reduce((t, v) => t + v * v, 0), 0));
    for (const a of u) for (let i = 0; i < a.length; i++) a[i] /= norm;
    let gu = 0;
    inputs.forEach((k, j) => {
      const g = analytic[k].data;
      for (let i = 0; i < g.length; i++) gu += g[i] * u[j][i];
    });
    const saved = inputs.map((k) => Float64Array.from(p.params[k].data));
    const shift = (s: number) =>
      inputs.forEach((k, j) => {
        const x = p.params[k].data;
        for (let i = 0; i < x.length; i++) x[i] = saved[j][i] + s * u[j][i];
      });
    shift(h);
    const fp = p.objective();
    shift(-h);
    const fm = p.objective();
    inputs.forEach((k, j) => p.params[k].data.set(saved[j]));
    const num = (fp - fm) / (2 * h);
    const rel = Math.abs(gu - num) / Math.max(1e-8, Math.abs(gu) + Math.abs(num));
    samples.push({ analytic: gu, numeric: num, relError: rel });
    se += (gu - num) ** 2;
    sg += num ** 2;
  }
  const estimatedRelError = sg > 0 ? Math.sqrt(se / sg) : se > 0 ? Infinity : 0;
  const worstRelError = samples.reduce((w, s) => Math.max(w, s.relError), 0);
  const explanation =
    `${m} random directions over all ${P} parameters cost ${2 * m} forward passes (a dense check needs ${2 * P}). ` +
    `For a direction u uniform on the sphere, (e·u)² and (g·u)² average ‖e‖²/P and ‖g‖²/P, so the RMS ratio ${estimatedRelError.toExponential(1)} estimates ‖g_analytic − g_true‖/‖g_true‖ ` +
    `(to within a factor of about 1 ± ${(1 / Math.sqrt(m)).toFixed(2)} from ${m} directions). It says how wrong the gradient is overall, not where; ` +
    `an error in a parameter with a small share of ‖g‖ (a bias) moves it little — the sparse check samples every parameter for that.`;
  return { check: p.name, parameterCount: P, directions: m, h, samples, forwardPasses: 2 * m, estimatedRelError, worstRelError, denseForwardPasses: 2 * P, explanation };
}

/** A captioning model at chosen sizes as a Problem (random data), for checks at realistic sizes. */
export function modelProblem(cell: CellType, sizes: { N: number; T: number; D: number; W: number; H: number; V: number }, seed = 231, layers?: LayerImpl): Problem {
  const rng = new Rng(seed);
  const wordToIdx: Record<string, number> = { '<NULL>': 0, '<START>': 1, '<END>': 2 };
  for (let i = 3; i < sizes.V; i++) wordToIdx[`w${i}`] = i;
  const captions = intTensor([sizes.N, sizes.T + 1], Array.from({ length: sizes.N * (sizes.T + 1) }, () => rng.int(sizes.V)));
  const features: Tensor = { shape: [sizes.N, sizes.D], data: rng.normals(sizes.N * sizes.D) };
  const model = new CaptioningModel({ wordToIdx, inputDim: sizes.D, wordvecDim: sizes.W, hiddenDim: sizes.H, cellType: cell, seed: seed + 1, layers });
  const gradNames: Record<string, string> = {};
  for (const p of [...PARAM_NAMES].sort()) gradNames[p] = p;
  return {
    name: `captioning_${cell}`,
    sizes,
    params: model.params,
    gradNames,
    timeAxis: {},
    objective: () => model.loss(features, captions).loss,
    analytic: () => model.loss(features, captions).grads,
    precision: 'float64',
  };
}

