/**
 * The "fc7 stand-in" of the shapes dataset (shared DATASET-FORMAT.md §3.3): 2×2 average pool to
 * 32×32×3, a fixed random 5×5 convolution (64 filters, same padding), ReLU, 4×4 max pool
 * -> 8×8×64 = 4096 values per image (flattened HWC).
 */
import type { Rng } from '../../random';
import { CANVAS } from './render';

export const CONV_FILTERS = 64;
const K = 5;
const IN = CANVAS / 2; // 32
const POOL = 4;
const OUT = IN / POOL; // 8
export const RAW_DIM = OUT * OUT * CONV_FILTERS; // 4096

export interface ConvLayer {
  /** (75, 64): row (dy·5+dx)·3+channel, column = filter. */
  w: Float64Array;
  b: Float64Array;
}

/** Filters ~ N(0, 1/75), biases ~ U(-0.3, 0.3). */
export function randomConv(rng: Rng): ConvLayer {
  const fanIn = K * K * 3;
  const w = rng.normals(fanIn * CONV_FILTERS, Math.sqrt(1 / fanIn));
  const b = new Float64Array(CONV_FILTERS);
  for (let f = 0; f < CONV_FILTERS; f++) b[f] = -0.3 + 0.6 * rng.uniform();
  return { w, b };
}

/** 4096 raw features of a (64, 64, 3) uint8 image, written to `out`. */
export function imageFeatures(img: Uint8Array, conv: ConvLayer, out: Float64Array): void {
  const x = new Float64Array(IN * IN * 3);
  for (let y = 0; y < IN; y++) {
    for (let xx = 0; xx < IN; xx++) {
      for (let c = 0; c < 3; c++) {
        const p = (yy: number, xq: number): number => img[(yy * CANVAS + xq) * 3 + c];
        const s = p(2 * y, 2 * xx) + p(2 * y, 2 * xx + 1) + p(2 * y + 1, 2 * xx) + p(2 * y + 1, 2 * xx + 1);
        x[(y * IN + xx) * 3 + c] = s / 4 / 255 - 0.5;
      }
    }
  }
  out.fill(0); // ReLU output is >= 0, so 0 is the max pool's identity
  const acc = new Float64Array(CONV_FILTERS);
  const { w, b } = conv;
  for (let y = 0; y < IN; y++) {
    for (let xx = 0; xx < IN; xx++) {
      acc.set(b);
      for (let dy = 0; dy < K; dy++) {
        const sy = y + dy - 2;
        if (sy < 0 || sy >= IN) continue;
        for (let dx = 0; dx < K; dx++) {
          const sx = xx + dx - 2;
          if (sx < 0 || sx >= IN) continue;
          for (let c = 0; c < 3; c++) {
            const v = x[(sy * IN + sx) * 3 + c];
            const row = ((dy * K + dx) * 3 + c) * CONV_FILTERS;
            for (let f = 0; f < CONV_FILTERS; f++) acc[f] += v * w[row + f];
          }
        }
      }
      const o = (Math.floor(y / POOL) * OUT + Math.floor(xx / POOL)) * CONV_FILTERS;
      for (let f = 0; f < CONV_FILTERS; f++) if (acc[f] > out[o + f]) out[o + f] = acc[f];
    }
  }
}
