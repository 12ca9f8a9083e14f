/**
 * Features of a shapes scene computed from its description, without rendering a pixel: the
 * stand-in for "VGG-16 fc7 + PCA" of the embedded default dataset (DATASET-FORMAT.md §3.3, as
 * generated since the default moved to a cache). It is a late-conv-layer-like map: an 8×8 grid
 * over the canvas, and in each cell 8 channels:
 *   - coverage: the fraction of the cell the objects cover (4×4 sample points per cell, the same
 *     shape test the renderer uses),
 *     (plus, where nothing is, a faint trace of the background's tint),
 *   - colour (5): coverage of each object times colour units, a ReLU of a fixed random layer on
 *     its jittered RGB (like colour-tuned filters),
 *   - shape (2): coverage of each object times a fixed random unit embedding of its shape.
 * Flattened HWC, this is 512 raw values; for another D a fixed random projection maps them to D.
 * Then the generator centres them on the train mean and scales train to unit mean square.
 *
 * Only +, −, ×, ÷ and comparisons touch scene values, so the output is the same bit for bit on
 * every machine; the random embeddings come from the seeded Rng.
 */
import type { Rng } from '../../random';
import { insideShape } from './render';
import { SHAPES, type Scene, type SceneStyle } from './scene';

export const GRID = 8;
export const CHANNELS = 8;
/** Raw feature length: GRID × GRID × CHANNELS. */
export const SCENE_RAW_DIM = GRID * GRID * CHANNELS;
const SUB = 4;
const SHAPE_DIM = 2;
const COLOR_UNITS = 5;

export interface SceneFeatureParams {
  /** (4 shapes, SHAPE_DIM): a unit-length embedding per shape, SHAPES order. */
  shapeEmbed: Float64Array;
  /** (COLOR_UNITS, 3) weights and (COLOR_UNITS) biases of the colour units. */
  colorW: Float64Array;
  colorB: Float64Array;
  /** (512, D) projection, or null when D = 512 (the raw map is the feature). */
  projection: Float64Array | null;
  D: number;
}

export function sceneFeatureParams(rng: Rng, D: number): SceneFeatureParams {
  const shapeEmbed = rng.normals(SHAPES.length * SHAPE_DIM);
  for (let s = 0; s < SHAPES.length; s++) {
    let n = 0;
    for (let k = 0; k < SHAPE_DIM; k++) n += shapeEmbed[s * SHAPE_DIM + k] ** 2;
    const inv = 1 / Math.sqrt(n);
    for (let k = 0; k < SHAPE_DIM; k++) shapeEmbed[s * SHAPE_DIM + k] *= inv;
  }
  const colorW = rng.normals(COLOR_UNITS * 3, 3);
  const colorB = new Float64Array(COLOR_UNITS);
  for (let u = 0; u < COLOR_UNITS; u++) colorB[u] = -0.5 + rng.uniform();
  const projection = D === SCENE_RAW_DIM ? null : rng.normals(SCENE_RAW_DIM * D, 1 / Math.sqrt(SCENE_RAW_DIM));
  return { shapeEmbed, colorW, colorB, projection, D };
}

/** Writes the D features of one scene into out[offset .. offset + D). `raw` is scratch of SCENE_RAW_DIM. */
export function sceneFeatures(scene: Scene, style: SceneStyle, p: SceneFeatureParams, out: Float32Array | Float64Array, offset: number, raw = new Float64Array(SCENE_RAW_DIM)): void {
  const cell = 1 / GRID;
  // Per cell: coverage of each object (k), summed over its sample points.
  const cov = new Float64Array(GRID * GRID * scene.objects.length);
  scene.objects.forEach((o, k) => {
    const reach = 1.3 * o.r;
    const c0 = Math.max(0, Math.floor((o.x - reach) * GRID));
    const c1 = Math.min(GRID - 1, Math.floor((o.x + reach) * GRID));
    const r0 = Math.max(0, Math.floor((o.y - reach) * GRID));
    const r1 = Math.min(GRID - 1, Math.floor((o.y + reach) * GRID));
    for (let gy = r0; gy <= r1; gy++) {
      for (let gx = c0; gx <= c1; gx++) {
        let hits = 0;
        for (let sy = 0; sy < SUB; sy++) {
          const v = (gy + (sy + 0.5) / SUB) * cell;
          for (let sx = 0; sx < SUB; sx++) if (insideShape(o, (gx + (sx + 0.5) / SUB) * cell, v)) hits++;
        }
        cov[(gy * GRID + gx) * scene.objects.length + k] = hits / (SUB * SUB);
      }
    }
  });
  const nObj = scene.objects.length;
  const bg = style.background;
  // Each object's colour units: ReLU of a fixed random layer on its RGB (like colour-tuned filters).
  const units = new Float64Array(nObj * COLOR_UNITS);
  for (let k = 0; k < nObj; k++) {
    const rgb = style.rgb[k];
    for (let u = 0; u < COLOR_UNITS; u++) {
      let v = p.colorB[u];
      for (let c = 0; c < 3; c++) v += p.colorW[u * 3 + c] * (rgb[c] / 255 - 0.5);
      units[k * COLOR_UNITS + u] = v > 0 ? v : 0;
    }
  }
  // The background's tint: a faint trace where nothing is.
  const tint = ((255 - bg[0]) + (255 - bg[1]) * 2 + (255 - bg[2]) * 3) / 25500;
  for (let c = 0; c < GRID * GRID; c++) {
    const o = c * CHANNELS;
    let total = 0;
    for (let j = 1; j < CHANNELS; j++) raw[o + j] = 0;
    for (let k = 0; k < nObj; k++) {
      const w = cov[c * nObj + k];
      if (w === 0) continue;
      total += w;
      for (let u = 0; u < COLOR_UNITS; u++) raw[o + 1 + u] += w * units[k * COLOR_UNITS + u];
      const s = SHAPES.indexOf(scene.objects[k].shape) * SHAPE_DIM;
      for (let j = 0; j < SHAPE_DIM; j++) raw[o + 1 + COLOR_UNITS + j] += w * p.shapeEmbed[s + j];
    }
    raw[o] = total + (total < 1 ? (1 - total) * tint : 0);
  }
  if (p.projection === null) {
    for (let i = 0; i < SCENE_RAW_DIM; i++) out[offset + i] = raw[i];
    return;
  }
  const { projection, D } = p;
  for (let j = 0; j < D; j++) out[offset + j] = 0;
  for (let i = 0; i < SCENE_RAW_DIM; i++) {
    const v = raw[i];
    if (v === 0) continue;
    const row = i * D;
    for (let j = 0; j < D; j++) out[offset + j] += v * projection[row + j];
  }
}
