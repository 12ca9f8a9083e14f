/** Rasterises a scene (shared DATASET-FORMAT.md §3.1): 4×4 supersampled coverage, no pixel noise. */
import type { Scene, SceneObject, SceneStyle } from './scene';

export const CANVAS = 64;
const SS = 4;

/** Whether the canvas point (u, v) (fractions) lies inside the object. */
export function insideShape(o: SceneObject, u: number, v: number): boolean {
  const dx = u - o.x;
  const dy = v - o.y;
  const r = o.r;
  switch (o.shape) {
    case 'circle':
      return dx * dx + dy * dy <= r * r;
    case 'square':
      return Math.abs(dx) <= 0.86 * r && Math.abs(dy) <= 0.86 * r;
    case 'diamond':
      return Math.abs(dx) + Math.abs(dy) <= 1.2 * r;
    case 'triangle': {
      const top = o.y - 1.05 * r;
      const bottom = o.y + 0.75 * r;
      if (v < top || v > bottom) return false;
      const t = (v - top) / (bottom - top);
      return Math.abs(dx) <= 1.05 * r * t;
    }
  }
}

/** (size, size, 3) uint8 RGB, row-major HWC (64×64 unless asked). */
export function renderScene(scene: Scene, style: SceneStyle, size = CANVAS): Uint8Array {
  const n = size * size;
  const img = new Float64Array(n * 3);
  for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) img[p * 3 + c] = style.background[c];
  scene.objects.forEach((o, k) => {
    const col = style.rgb[k];
    const reach = 1.3 * o.r;
    const x0 = Math.max(0, Math.floor((o.x - reach) * size));
    const x1 = Math.min(size - 1, Math.ceil((o.x + reach) * size));
    const y0 = Math.max(0, Math.floor((o.y - reach) * size));
    const y1 = Math.min(size - 1, Math.ceil((o.y + reach) * size));
    for (let py = y0; py <= y1; py++) {
      for (let px = x0; px <= x1; px++) {
        let hits = 0;
        for (let sy = 0; sy < SS; sy++) {
          const v = (py + (sy + 0.5) / SS) / size;
          for (let sx = 0; sx < SS; sx++) if (insideShape(o, (px + (sx + 0.5) / SS) / size, v)) hits++;
        }
        if (hits === 0) continue;
        const cov = hits / (SS * SS);
        const p = (py * size + px) * 3;
        for (let c = 0; c < 3; c++) img[p + c] = img[p + c] * (1 - cov) + col[c] * cov;
      }
    }
  });
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(255, Math.max(0, Math.round(img[i])));
  return out;
}
