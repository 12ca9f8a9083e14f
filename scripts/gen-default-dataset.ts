/**
 * Generates the embedded default dataset (coloured shapes, CS231n layout). Gradient Lab does this
 * itself on first use, into the user's cache (runtime/defaultDataset.ts); this script does it
 * by hand and prints where, how long it took and the digest of the files:
 *   npm run gen:data                      (into the cache, as the CLI and the extension would)
 *   node --import tsx scripts/gen-default-dataset.ts OUT_DIR [--seed N] [--png N]
 * OUT_DIR gets a fresh copy (written beside it, then renamed into place). --png N also writes the
 * pictures of the first N train scenes as PNG files into OUT_DIR/pictures (to look at; the
 * extension draws them from scenes.json itself).
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { generateShapesDataset, type GenerateOptions } from '../core/data/shapes/generate';
import { DEFAULT_OPTIONS, ensureDefaultDataset, folderDigest, writeGenerated } from '../runtime/defaultDataset';
import { drawScene, encodePng, PICTURE_SIZE } from '../runtime/scenePng';

/** Generates with `opts` and writes into `dir` (created). */
export async function generateInto(dir: string, opts: GenerateOptions = {}, log: (m: string) => void = () => {}): Promise<ReturnType<typeof generateShapesDataset>> {
  const gen = generateShapesDataset({ ...DEFAULT_OPTIONS, ...opts }, log);
  const t = Date.now();
  await writeGenerated(gen, dir);
  log(`write files: ${Date.now() - t} ms`);
  return gen;
}

async function main(argv: string[]): Promise<void> {
  const flag = (name: string): string | undefined => {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const seed = flag('--seed') !== undefined ? Number(flag('--seed')) : DEFAULT_OPTIONS.seed;
  const pngs = Number(flag('--png') ?? 0);
  const positional = argv.filter((a, i) => !a.startsWith('--') && !(i > 0 && argv[i - 1].startsWith('--')));
  const t0 = Date.now();
  if (positional.length === 0 && seed === DEFAULT_OPTIONS.seed && pngs === 0) {
    let last = -1;
    const dir = await ensureDefaultDataset({
      onProgress: (p) => {
        const pct = Math.floor(100 * p.fraction);
        if (pct >= last + 10 || p.stage === 'done') console.log(`${pct}% ${p.stage}`);
        if (pct >= last + 10) last = pct;
      },
    });
    console.log(`${dir} (${((Date.now() - t0) / 1000).toFixed(1)} s), sha256 ${await folderDigest(dir)}`);
    return;
  }
  const out = path.resolve(positional[0] ?? '.');
  const tmp = `${out}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const gen = await generateInto(tmp, { seed }, (m) => console.log(m));
  if (pngs > 0) {
    mkdirSync(path.join(tmp, 'pictures'), { recursive: true });
    gen.splits.train.scenes.slice(0, pngs).forEach((s, i) => writeFileSync(path.join(tmp, 'pictures', `train-${String(i).padStart(5, '0')}.png`), encodePng(drawScene(s, PICTURE_SIZE), PICTURE_SIZE, PICTURE_SIZE)));
  }
  if (existsSync(out)) rmSync(out, { recursive: true, force: true });
  renameSync(tmp, out);
  console.log(
    `wrote ${out}: ${gen.splits.train.scenes.length} train / ${gen.splits.val.scenes.length} val images, ` +
      `${gen.splits.train.imageIdxs.length} / ${gen.splits.val.imageIdxs.length} captions, V = ${gen.idxToWord.length}, ` +
      `D = ${gen.D}, ${((Date.now() - t0) / 1000).toFixed(1)} s, sha256 ${await folderDigest(out)}`,
  );
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(`gen-default-dataset: ${(e as Error).message}`);
    process.exit(1);
  });
}
