/**
 * Colour scales for heatmaps as 256-entry lookup tables (RGB bytes), so drawing a cell is one
 * table read. Sequential: viridis (perceptual, colour-blind safe, legible on light and dark).
 * Diverging: the theme's blue → background → red, so zero blends into the page.
 */
import { rgb } from './canvas';
import type { Theme } from './theme';

export type Lut = Uint8ClampedArray; // 256 × 3

function lutFromStops(stops: readonly (readonly [number, number, number])[]): Lut {
  const lut = new Uint8ClampedArray(256 * 3);
  const n = stops.length - 1;
  for (let i = 0; i < 256; i++) {
    const x = (i / 255) * n;
    const k = Math.min(n - 1, Math.floor(x));
    const f = x - k;
    for (let ch = 0; ch < 3; ch++) lut[i * 3 + ch] = Math.round(stops[k][ch] + (stops[k + 1][ch] - stops[k][ch]) * f);
  }
  return lut;
}

/** matplotlib's viridis sampled at 9 points. */
export const VIRIDIS: Lut = lutFromStops([
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
]);

export function divergingLut(t: Theme): Lut {
  return lutFromStops([rgb(t.blue), rgb(t.bg), rgb(t.red)]);
}

/** How values map to [0, 1] before the table lookup. */
export type Scale =
  | { kind: 'diverging'; max: number }
  | { kind: 'linear'; min: number; max: number }
  /** log10 of the value between minExp and maxExp (errors); zero and below clamp to the bottom. */
  | { kind: 'log'; minExp: number; maxExp: number };

export function unit(scale: Scale, v: number): number {
  let u: number;
  switch (scale.kind) {
    case 'diverging':
      u = scale.max > 0 ? 0.5 + v / (2 * scale.max) : 0.5;
      break;
    case 'linear':
      u = scale.max > scale.min ? (v - scale.min) / (scale.max - scale.min) : 0.5;
      break;
    case 'log':
      u = v > 0 ? (Math.log10(v) - scale.minExp) / (scale.maxExp - scale.minExp) : 0;
      break;
  }
  return u < 0 ? 0 : u > 1 ? 1 : u;
}

/** How much a value matters when several share a pixel: the most salient one is drawn. */
export function salience(scale: Scale, v: number): number {
  if (Number.isNaN(v)) return Infinity;
  return scale.kind === 'diverging' ? Math.abs(v) : v;
}
