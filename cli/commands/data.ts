/**
 * `gradlab data info [PATH|default] [--json] [--captions N] [--fc7]`: opens a dataset in the
 * CS231n layout (or the embedded default), validates it and prints splits, counts, T, D, V,
 * the first captions decoded and the validation result. Exit 2 with one line for a bad dataset.
 */
import { captionText, DatasetError, type Dataset } from '../../core/data';
import { openDatasetAt } from '../../runtime/fsAccess';
import { h5lib } from '../../runtime/h5';
import { intFlag, parseArgs, UsageError } from '../args';

export const usage = `gradlab data info [PATH|default] [--json] [--captions N] [--fc7]
  PATH      a coco_captioning folder (default: the embedded shapes dataset)
  --fc7     use the 4096-d *_vgg16_fc7.h5 features instead of the PCA pair
  --captions N  how many captions per split to print (default 3)`;

export interface DataInfo {
  ok: true;
  name: string;
  source: string;
  dir: string;
  pcaFeatures: boolean;
  T: number;
  D: number;
  V: number;
  specials: { null: number; start: number; end: number; unk: number | null };
  splits: Record<'train' | 'val', { captions: number; images: number; featureFile: string; preloaded: boolean; urls: boolean; firstCaptions: { row: number; image: number; text: string }[] }>;
  scenes: boolean;
  warnings: string[];
  layouts: string[];
  openMs: number;
}

export function describeDataset(ds: Dataset, nCaptions: number): DataInfo {
  const split = (name: 'train' | 'val'): DataInfo['splits']['train'] => {
    const s = ds.splits[name];
    const n = Math.min(nCaptions, s.numCaptions);
    const firstCaptions = Array.from({ length: n }, (_, r) => ({
      row: r,
      image: s.imageIdxs[r],
      text: captionText(s.captions.data.subarray(r * ds.T, (r + 1) * ds.T), ds)[0],
    }));
    return { captions: s.numCaptions, images: s.numImages, featureFile: s.featureFile, preloaded: ds.stats.featuresPreloaded[name], urls: s.urls !== null, firstCaptions };
  };
  return {
    ok: true,
    name: ds.name,
    source: ds.source,
    dir: ds.dir,
    pcaFeatures: ds.pcaFeatures,
    T: ds.T,
    D: ds.D,
    V: ds.V,
    specials: { null: ds.nullIdx, start: ds.startIdx, end: ds.endIdx, unk: ds.unkIdx },
    splits: { train: split('train'), val: split('val') },
    scenes: ds.scenes !== null,
    warnings: [...ds.warnings],
    layouts: [...ds.stats.layouts],
    openMs: ds.stats.openMs,
  };
}

function formatInfo(info: DataInfo & { h5InitMs: number }): string {
  const lines = [
    `dataset   ${info.name} (${info.dir})`,
    `features  ${info.pcaFeatures ? 'PCA' : 'fc7 (4096-d files)'}: T = ${info.T} (caption length incl. <START>/<END>), D = ${info.D}, V = ${info.V}`,
  ];
  for (const name of ['train', 'val'] as const) {
    const s = info.splits[name];
    lines.push(
      `${name.padEnd(9)} ${s.captions} captions, ${s.images} images (${s.featureFile}, ${s.preloaded ? 'held in memory' : 'read by hyperslab'}${s.urls ? '' : ', no image list'})`,
    );
    for (const c of s.firstCaptions) lines.push(`  [${c.row}] image ${c.image}: ${c.text}`);
  }
  if (info.scenes) lines.push('scenes    scenes.json (ground truth for checking generated captions)');
  lines.push(`valid     yes${info.warnings.length ? `, ${info.warnings.length} warning(s)` : ''} (opened in ${info.openMs} ms; HDF5 library loaded in ${info.h5InitMs} ms)`);
  for (const w of info.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
}
const processIo: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

export function run(argv: string[]): Promise<number> {
  return runWith(argv, processIo);
}

/** `run` with its output sent to `io` (tests). */
export async function runWith(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  const synopsis = usage.split('\n')[0];
  if (sub !== 'info') throw new UsageError(sub === undefined ? `data: missing subcommand (usage: ${synopsis})` : `data: unknown subcommand "${sub}" (usage: ${synopsis})`);
  const p = parseArgs(rest, ['captions'], ['json', 'fc7']);
  if (p.positional.length > 1) throw new UsageError(`data info: one dataset at a time, got ${p.positional.length} (usage: ${synopsis})`);
  const nCaptions = intFlag(p, 'captions', 3, 0);
  const json = p.flags.has('json');
  const spec = p.positional[0] ?? 'default';
  let ds: Dataset;
  const t0 = Date.now();
  await h5lib(); // loading the HDF5 wasm is timed apart from opening the dataset
  const h5InitMs = Date.now() - t0;
  try {
    ds = await openDatasetAt(spec, { pcaFeatures: !p.flags.has('fc7') });
  } catch (e) {
    const msg = e instanceof DatasetError ? e.message : `unexpected failure: ${(e as Error)?.message ?? String(e)}`;
    if (json) io.out(JSON.stringify({ ok: false, source: spec, error: msg }) + '\n');
    io.err(`gradlab data: invalid dataset: ${msg}\n`);
    return 2;
  }
  try {
    const info = { ...describeDataset(ds, nCaptions), h5InitMs };
    io.out((json ? JSON.stringify(info, null, 2) : formatInfo(info)) + '\n');
  } finally {
    ds.close();
  }
  return 0;
}
