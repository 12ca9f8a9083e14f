/**
 * Pictures of shapes scenes, drawn from the scene record when shown (the embedded default dataset
 * ships no image files): an 8-bit RGB PNG as a data: URL the captions gallery can show.
 */
import { deflateSync } from 'node:zlib';
import { crc32 } from '../core/checkpoint/npz';
import { COLORS, SHAPES, styleOf, type Scene } from '../core/data/shapes/scene';
import { renderScene } from '../core/data/shapes/render';
import { Rng } from '../core/random';

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * An 8-bit RGB PNG. Each row gets the filter (None, Sub, Up, Average, Paeth) with the smallest
 * sum of absolute filtered bytes, the usual heuristic; the choice is deterministic.
 */
export function encodePng(rgb: Uint8Array, width: number, height: number): Buffer {
  const stride = width * 3;
  const raw = new Uint8Array(height * (stride + 1));
  const cand = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = rgb.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? rgb.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    let best = -1;
    let bestCost = Infinity;
    for (let f = 0; f < 5; f++) {
      let cost = 0;
      for (let i = 0; i < stride; i++) {
        const a = i >= 3 ? row[i - 3] : 0;
        const b = prev[i];
        const c = i >= 3 ? prev[i - 3] : 0;
        let pred = 0;
        if (f === 1) pred = a;
        else if (f === 2) pred = b;
        else if (f === 3) pred = (a + b) >> 1;
        else if (f === 4) {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        }
        const v = (row[i] - pred) & 0xff;
        cost += v < 128 ? v : 256 - v;
      }
      if (cost < bestCost) {
        bestCost = cost;
        best = f;
      }
    }
    const o = y * (stride + 1);
    raw[o] = best;
    for (let i = 0; i < stride; i++) {
      const a = i >= 3 ? row[i - 3] : 0;
      const b = prev[i];
      const c = i >= 3 ? prev[i - 3] : 0;
      let pred = 0;
      if (best === 1) pred = a;
      else if (best === 2) pred = b;
      else if (best === 3) pred = (a + b) >> 1;
      else if (best === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      cand[i] = (row[i] - pred) & 0xff;
    }
    raw.set(cand, o + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** Pixels per side of a gallery picture (the scene is drawn at this size, not scaled up). */
export const PICTURE_SIZE = 128;

const isNum = (v: unknown, lo: number, hi: number): v is number => typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi;
const isRgb = (v: unknown): v is [number, number, number] => Array.isArray(v) && v.length === 3 && v.every((c) => isNum(c, 0, 255));

/**
 * The scene record (from a scenes.json, so from outside) checked field by field, or why it
 * cannot be drawn: one or two objects of a known colour and shape inside the canvas.
 */
export function checkScene(v: unknown): Scene | string {
  if (typeof v !== 'object' || v === null) return 'not an object';
  const rec = v as Record<string, unknown>;
  const objs = rec.objects;
  if (!Array.isArray(objs) || objs.length < 1 || objs.length > 2) return 'objects: expected one or two';
  const objects: Scene['objects'] = [];
  for (const [k, o] of objs.entries()) {
    if (typeof o !== 'object' || o === null) return `objects[${k}]: not an object`;
    const r = o as Record<string, unknown>;
    const color = r.color;
    const shape = r.shape;
    if (typeof color !== 'string' || !(COLORS as readonly string[]).includes(color)) return `objects[${k}].color: unknown colour`;
    if (typeof shape !== 'string' || !(SHAPES as readonly string[]).includes(shape)) return `objects[${k}].shape: unknown shape`;
    if (!isNum(r.x, 0, 1) || !isNum(r.y, 0, 1) || !isNum(r.r, 0, 0.5)) return `objects[${k}]: x, y, r must be fractions of the canvas`;
    if (r.rgb !== undefined && !isRgb(r.rgb)) return `objects[${k}].rgb: expected three values 0..255`;
    objects.push({
      color: color as Scene['objects'][number]['color'],
      shape: shape as Scene['objects'][number]['shape'],
      size: r.size === 'small' ? 'small' : 'large',
      x: r.x,
      y: r.y,
      r: r.r,
      ...(r.rgb !== undefined ? { rgb: [...(r.rgb as [number, number, number])] as [number, number, number] } : {}),
    });
  }
  if (rec.background !== undefined && !isRgb(rec.background)) return 'background: expected three values 0..255';
  if (rec.texture !== undefined && !(Number.isInteger(rec.texture) && isNum(rec.texture, 0, 0xffffffff))) return 'texture: expected an unsigned 32-bit seed';
  const relation = rec.relation === 'vertical' || rec.relation === 'horizontal' ? rec.relation : null;
  return {
    relation,
    objects,
    ...(rec.background !== undefined ? { background: [...(rec.background as [number, number, number])] as [number, number, number] } : {}),
    ...(rec.texture !== undefined ? { texture: rec.texture as number } : {}),
  };
}

/** Grain of a scene's texture: ±GRAIN per pixel (the same for the three channels). */
const GRAIN = 4;

/** The scene's picture as (size, size, 3) RGB: the renderer's shapes, plus its texture's faint grain. */
export function drawScene(scene: Scene, size = PICTURE_SIZE): Uint8Array {
  const px = renderScene(scene, styleOf(scene), size);
  if (scene.texture === undefined) return px;
  const rng = new Rng(scene.texture ^ 0x5eed);
  for (let p = 0; p < size * size; p++) {
    const g = rng.int(2 * GRAIN + 1) - GRAIN;
    for (let c = 0; c < 3; c++) px[p * 3 + c] = Math.min(255, Math.max(0, px[p * 3 + c] + g));
  }
  return px;
}

/** The scene drawn as a PNG data: URL (PICTURE_SIZE pixels square). */
export function scenePngDataUrl(scene: Scene, size = PICTURE_SIZE): string {
  return `data:image/png;base64,${encodePng(drawScene(scene, size), size, size).toString('base64')}`;
}
