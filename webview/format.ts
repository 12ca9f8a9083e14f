/** Number formatting shared by the views. */

/** 3 significant digits in scientific notation: 3.40e-10; NaN and infinities spelled out. */
export function sci(x: number, digits = 2): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  return x.toExponential(digits);
}

/** Compact: plain decimals for moderate magnitudes, scientific otherwise. */
export function num(x: number, digits = 4): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  const a = Math.abs(x);
  if (Number.isInteger(x) && a < 1e9) return String(x); // iterations, counts
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return x.toExponential(digits - 1);
  return String(Number(x.toPrecision(digits)));
}

export function shape(s: readonly number[]): string {
  return `(${s.join(', ')}${s.length === 1 ? ',' : ''})`;
}

export function duration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/** Powers of ten on a chart axis: 1e-3, 1, 10, 1e3. */
export function decade(exp: number): string {
  if (exp === 0) return '1';
  if (exp === 1) return '10';
  return `1e${exp}`;
}
