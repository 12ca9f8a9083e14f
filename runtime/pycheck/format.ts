/** How check results read: numbers like numpy prints them, index lists, timestep runs. */
import { classify, DEFAULT_THRESHOLDS, type Thresholds, type Verdict } from '../../core/gradcheck';
import { fmtShape } from '../../core/tensor';

/** 3.1e-02, as Python's '%.1e' prints it. */
export function fmtE(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const s = x.toExponential(1);
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** A value for people: 4 significant digits. */
export function fmtV(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? String(Number(x.toPrecision(4))) : x.toExponential(3);
}

export const fmtIndex = (idx: readonly number[]): string => `[${idx.join(', ')}]`;
export { fmtShape };

/** A verdict that counts as right. */
export const isRight = (v: Verdict): boolean => v === 'good' || v === 'ok';

/**
 * "timesteps 0-2 wrong, 3-9 right": runs of right and wrong steps in time order.
 * A step is wrong when its error classifies as warn or wrong (CS231n thresholds).
 */
export function timestepRuns(perTimestep: readonly number[], t: Thresholds = DEFAULT_THRESHOLDS): string {
  if (perTimestep.length === 0) return '';
  const wrong = perTimestep.map((e) => !isRight(classify(e, t)));
  const runs: { from: number; to: number; wrong: boolean }[] = [];
  for (let t = 0; t < wrong.length; t++) {
    const last = runs[runs.length - 1];
    if (last && last.wrong === wrong[t]) last.to = t;
    else runs.push({ from: t, to: t, wrong: wrong[t] });
  }
  const word = runs.length === 1 ? (runs[0].from === runs[0].to ? 'timestep' : 'all timesteps') : 'timesteps';
  if (runs.length === 1) return runs[0].from === runs[0].to ? `${word} ${runs[0].from} ${runs[0].wrong ? 'wrong' : 'right'}` : `${word} ${runs[0].wrong ? 'wrong' : 'right'}`;
  const parts = runs.map((r) => `${r.from === r.to ? r.from : `${r.from}-${r.to}`} ${r.wrong ? 'wrong' : 'right'}`);
  return `${word} ${parts.join(', ')}`;
}

/** "dx, dprev_h and dWh". */
export function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
