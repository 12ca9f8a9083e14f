/**
 * Step-size sweep: the relative error of the centred difference against the analytic gradient for
 * h from 1e-1 down to 1e-12, in float64 and float32. On the right (large h) the truncation error of
 * the centred difference falls like h²; on the left (small h) round-off in f(x+h) − f(x−h) grows
 * like u·|f|/h. The best h sits where they cross, near u^(1/3).
 */
import { classify, compareGradients } from '../gradcheck';
import { allIndices, makeProblem, makeWasmFloat32Problem, numericAt, UNIT_ROUNDOFF, type Precision, type Problem } from './precision';
import type { SweepCurve, SweepResult } from './types';
export type { SweepCurve, SweepResult };

export const SWEEP_HS: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** (-1 - i / 2));



function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)];
}

/** Least-squares slope of log10(y) against log10(x) over points with y > 0. */
function logSlope(xs: number[], ys: number[]): number | null {
  const pts = xs.map((x, i) => [Math.log10(x), Math.log10(ys[i])]).filter(([, y]) => Number.isFinite(y));
  if (pts.length < 2) return null;
  const mx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
  const my = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  let num = 0;
  let den = 0;
  for (const [x, y] of pts) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? null : num / den;
}

const e1 = (x: number): string => x.toExponential(0);

/** Sweeps h for one gradient of one check (a layer, or captioning_rnn / captioning_lstm). */
export function sweep(opts: { check: string; param?: string; seed?: number; hs?: readonly number[]; precisions?: Precision[]; wasm?: boolean }): SweepResult {
  const seed = opts.seed ?? 231;
  const hs = [...(opts.hs ?? SWEEP_HS)];
  const probe = makeProblem(opts.check, seed, 'float64');
  const inputs = Object.keys(probe.gradNames);
  const wanted = opts.param ?? probe.gradNames[inputs.find((k) => probe.gradNames[k].includes('Wh')) ?? inputs[0]];
  const input = inputs.find((k) => probe.gradNames[k] === wanted || k === wanted);
  if (!input) throw new Error(`${opts.check} has no gradient "${wanted}": expected one of ${inputs.map((k) => probe.gradNames[k]).join(', ')}`);
  const curves: SweepCurve[] = [];
  const runs: { precision: Precision; label?: string; make: () => Problem | undefined }[] = (opts.precisions ?? (['float64', 'float32'] as Precision[])).map((precision) => ({
    precision,
    make: () => makeProblem(opts.check, seed, precision),
  }));
  // The models also run on the wasm engine's real float32 arithmetic, where the runtime has it.
  if (opts.wasm !== false && (opts.precisions ?? ['float32']).includes('float32')) {
    runs.push({ precision: 'float32', label: 'float32 (wasm engine)', make: () => makeWasmFloat32Problem(opts.check, seed) });
  }
  for (const run of runs) {
    const precision = run.precision;
    const p = run.make();
    if (!p) continue;
    const analytic = p.analytic()[input];
    const idx = allIndices(p.params[input]);
    const relError: number[] = [];
    const medianError: number[] = [];
    for (const h of hs) {
      const numeric = { shape: analytic.shape, data: numericAt(p, input, idx, h) };
      const c = compareGradients(p.gradNames[input], analytic, numeric);
      relError.push(c.relError);
      medianError.push(median(c.errors));
    }
    let bi = 0;
    relError.forEach((e, i) => {
      if (e < relError[bi]) bi = i;
    });
    // Right of the minimum: the points at the large-h end. Left: the points nearest the minimum,
    // up to where the error saturates at 1 (x ± h rounds back to x, the difference quotient is 0).
    const slopeRight = bi >= 2 ? logSlope(hs.slice(0, Math.min(4, bi)), relError.slice(0, Math.min(4, bi))) : null;
    const leftIdx: number[] = [];
    for (let i = bi + 1; i < hs.length && leftIdx.length < 5 && relError[i] < 0.5; i++) leftIdx.push(i);
    const slopeLeft = leftIdx.length >= 2 ? logSlope(leftIdx.map((i) => hs[i]), leftIdx.map((i) => relError[i])) : null;
    const saturatesAt = hs.find((_h, i) => i > bi && relError[i] >= 0.99);
    const u = UNIT_ROUNDOFF[precision];
    const theory = Math.cbrt(3 * u);
    const best = { h: hs[bi], relError: relError[bi], verdict: classify(relError[bi]) };
    const head = `In ${precision} the error is smallest at h = ${e1(best.h)} (rel. error ${best.relError.toExponential(1)})`;
    const roundoff = `round-off: f(x±h) carry errors of about u·|f| with u = ${u.toExponential(1)}, divided by 2h`;
    const sat = saturatesAt !== undefined ? `; from h = ${e1(saturatesAt)} down, the worst element’s f(x+h) − f(x−h) is all round-off (or x ± h rounds back to x) and the error is 1` : '';
    const why =
      bi === 0
        ? `${head}, the largest step tried: over this range the truncation error never rises above the round-off (the objective is linear, or nearly, in this input at this scale), so only round-off shows (${roundoff}), growing like h^${slopeLeft === null ? '−1' : slopeLeft.toFixed(1)} as h shrinks${sat}.`
        : `${head}: to the right it grows like h^${slopeRight === null ? '2' : slopeRight.toFixed(1)} (truncation error of the centred difference, ∝ h²), ` +
          `to the left like h^${slopeLeft === null ? '−1' : slopeLeft.toFixed(1)} (${roundoff})${sat}; ` +
          `the two balance near h ≈ (3u)^(1/3) ≈ ${e1(theory)}.`;
    p.dispose?.();
    curves.push({ precision, ...(run.label ? { label: run.label } : {}), relError, medianError, best, slopeRight, slopeLeft, why: run.label ? why.replace(`In ${precision}`, `In ${run.label}`) : why });
  }
  return { check: opts.check, param: probe.gradNames[input], seed, hs, curves, defaultH: 1e-5 };
}
