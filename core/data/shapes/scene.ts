/**
 * Scenes and captions of the embedded "shapes" dataset (shared DATASET-FORMAT.md §3.1–3.2):
 * one or two coloured shapes on a near-white canvas, captioned by a small grammar.
 * Coordinates are fractions of the canvas; objects[0] is A (top or left), objects[1] is B.
 */
import type { Rng } from '../../random';

export const COLORS = ['red', 'green', 'blue', 'yellow', 'purple', 'orange'] as const;
export const SHAPES = ['circle', 'square', 'diamond', 'triangle'] as const;
export type ColorName = (typeof COLORS)[number];
export type ShapeName = (typeof SHAPES)[number];
export type SizeName = 'small' | 'large';

export const COLOR_RGB: Readonly<Record<ColorName, readonly [number, number, number]>> = {
  red: [220, 40, 40],
  green: [40, 165, 60],
  blue: [40, 80, 225],
  yellow: [235, 200, 30],
  purple: [140, 60, 185],
  orange: [245, 130, 25],
};

/** Rare synonyms that end up as <UNK> (seen fewer than 20 times in train captions). */
export const RARE_SYNONYMS: Readonly<Record<string, string>> = {
  red: 'crimson',
  blue: 'azure',
  small: 'tiny',
  large: 'huge',
  circle: 'disc',
};

export interface SceneObject {
  color: ColorName;
  shape: ShapeName;
  size: SizeName;
  x: number;
  y: number;
  r: number;
  /** Jittered RGB it is drawn in (generated scenes carry it; without it, the colour's base RGB). */
  rgb?: [number, number, number];
}

export interface Scene {
  relation: 'vertical' | 'horizontal' | null;
  objects: SceneObject[];
  /** Background RGB (generated scenes carry it; without it, white). */
  background?: [number, number, number];
  /** Seed of the scene's texture: a faint grain on the background of its picture and a part of its features. */
  texture?: number;
}

/** What the renderer needs beyond the scene facts (generated scene records carry it too). */
export interface SceneStyle {
  background: [number, number, number];
  /** Jittered RGB per object. */
  rgb: [number, number, number][];
}

/** The style a scene record carries, or white and the base colours for a record without one. */
export function styleOf(scene: Scene): SceneStyle {
  return {
    background: scene.background ?? [255, 255, 255],
    rgb: scene.objects.map((o) => o.rgb ?? ([...COLOR_RGB[o.color]] as [number, number, number])),
  };
}

/** The scene record with its style in it (what scenes.json holds), so it can be drawn again exactly. */
export function withStyle(scene: Scene, style: SceneStyle): Scene {
  return { relation: scene.relation, objects: scene.objects.map((o, k) => ({ ...o, rgb: style.rgb[k] })), background: style.background };
}

const uniformIn = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng.uniform();
/** Integer uniform in [lo, hi], both ends included. */
const intIn = (rng: Rng, lo: number, hi: number): number => lo + rng.int(hi - lo + 1);
const round3 = (v: number): number => Math.round(v * 1000) / 1000;

function drawRadius(rng: Rng, size: SizeName): number {
  return size === 'small' ? uniformIn(rng, 0.1, 0.13) : uniformIn(rng, 0.17, 0.21);
}

/**
 * A random scene: 25% one object (×1.4, centred ±0.12), else two objects distinct in
 * (colour, shape) stacked vertically or side by side. Coordinates are rounded to 3 decimals
 * so scenes.json holds exactly what was rendered.
 */
export function randomScene(rng: Rng): { scene: Scene; style: SceneStyle } {
  const background: [number, number, number] = [255 - intIn(rng, 0, 21), 255 - intIn(rng, 0, 21), 255 - intIn(rng, 0, 21)];
  const pickObject = (): Pick<SceneObject, 'color' | 'shape' | 'size'> => ({
    color: COLORS[rng.int(COLORS.length)],
    shape: SHAPES[rng.int(SHAPES.length)],
    size: rng.uniform() < 0.5 ? 'small' : 'large',
  });
  const objects: SceneObject[] = [];
  let relation: Scene['relation'] = null;
  if (rng.uniform() < 0.25) {
    const o = pickObject();
    const r = drawRadius(rng, o.size) * 1.4;
    objects.push({ ...o, x: round3(0.5 + uniformIn(rng, -0.12, 0.12)), y: round3(0.5 + uniformIn(rng, -0.12, 0.12)), r: round3(r) });
  } else {
    const a = pickObject();
    let b = pickObject();
    while (b.color === a.color && b.shape === a.shape) b = pickObject();
    relation = rng.uniform() < 0.5 ? 'vertical' : 'horizontal';
    for (const [o, along] of [[a, 0.27], [b, 0.73]] as const) {
      const main = along + uniformIn(rng, -0.03, 0.03);
      const across = 0.5 + uniformIn(rng, -0.15, 0.15);
      const r = drawRadius(rng, o.size);
      const [x, y] = relation === 'vertical' ? [across, main] : [main, across];
      objects.push({ ...o, x: round3(x), y: round3(y), r: round3(r) });
    }
  }
  const rgb = objects.map((o) => COLOR_RGB[o.color].map((c) => Math.min(255, Math.max(0, c + intIn(rng, -18, 18)))) as [number, number, number]);
  return { scene: { relation, objects }, style: { background, rgb } };
}

const article = (firstWord: string): string => ('aeiou'.includes(firstWord[0]) ? 'an' : 'a');

/** Words of a noun phrase `[size] colour shape`. */
function np(o: SceneObject, withSize: boolean): string[] {
  return withSize ? [o.size, o.color, o.shape] : [o.color, o.shape];
}
/** `ART NP`. */
function artNp(o: SceneObject, withSize: boolean): string[] {
  const words = np(o, withSize);
  return [article(words[0]), ...words];
}

type Template = (a: boolean, b: boolean) => string[];

/** The caption templates of a scene; each takes "A has a size word", "B has a size word". */
function templates(scene: Scene): Template[] {
  const [A, B] = scene.objects;
  if (scene.relation === null) {
    return [
      (s) => artNp(A, s),
      () => artNp(A, true),
      (s) => ['there', 'is', ...artNp(A, s)],
      (s) => [...artNp(A, s), 'on', 'a', 'white', 'background'],
      (s) => ['one', ...np(A, s)],
      () => ['a', A.shape, 'that', 'is', A.color],
      (s) => ['a', 'single', ...np(A, s)],
    ];
  }
  const rel: Template[] =
    scene.relation === 'vertical'
      ? [
          (sa, sb) => [...artNp(A, sa), 'above', ...artNp(B, sb)],
          (sa, sb) => [...artNp(B, sb), 'below', ...artNp(A, sa)],
          (sa, sb) => [...artNp(A, sa), 'on', 'top', 'of', ...artNp(B, sb)],
          (sa, sb) => [...artNp(B, sb), 'under', ...artNp(A, sa)],
        ]
      : [
          (sa, sb) => [...artNp(A, sa), 'to', 'the', 'left', 'of', ...artNp(B, sb)],
          (sa, sb) => [...artNp(B, sb), 'to', 'the', 'right', 'of', ...artNp(A, sa)],
          (sa, sb) => [...artNp(A, sa), 'next', 'to', ...artNp(B, sb)],
          (sa, sb) => [...artNp(B, sb), 'next', 'to', ...artNp(A, sa)],
        ];
  return [
    ...rel,
    (sa, sb) => [...artNp(A, sa), 'and', ...artNp(B, sb)],
    (sa, sb) => [...artNp(B, sb), 'and', ...artNp(A, sa)],
    () => ['two', 'shapes', A.color, 'and', B.color],
  ];
}

/**
 * `count` captions (word lists) of a scene: distinct templates drawn without replacement,
 * each size word present with p = 0.35, and with p = `rareP` a word with a rare synonym
 * replaced by it.
 */
export function sceneCaptions(scene: Scene, rng: Rng, count = 5, rareP = 0.004): string[][] {
  const pool = templates(scene);
  const out: string[][] = [];
  for (let k = 0; k < count && pool.length > 0; k++) {
    const t = pool.splice(rng.int(pool.length), 1)[0];
    const words = t(rng.uniform() < 0.35, rng.uniform() < 0.35);
    out.push(words.map((w) => (w in RARE_SYNONYMS && rng.uniform() < rareP ? RARE_SYNONYMS[w] : w)));
  }
  return out;
}

/** Every caption the grammar can produce for the scene (no rare synonyms), space-joined. */
export function correctCaptions(scene: Scene): Set<string> {
  const out = new Set<string>();
  for (const t of templates(scene)) {
    for (const sa of [false, true]) for (const sb of [false, true]) out.add(t(sa, sb).join(' '));
  }
  return out;
}

/** Whether generated words (no <START>/<END>/<NULL>) describe the scene correctly. */
export function isCorrectCaption(scene: Scene, words: readonly string[]): boolean {
  return correctCaptions(scene).has(words.join(' '));
}
