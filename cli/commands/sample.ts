/**
 * `gradlab sample --checkpoint FILE`: captions images of a split with a saved model and prints,
 * per line, the image reference, the ground truth and the sample (tab-separated), or JSON lines.
 */
import { checkpointSampler } from '../../runtime/samplingModel';
import { loadCheckpoint } from '../../runtime/checkpointFile';
import { openDatasetAt } from '../../runtime/fsAccess';
import { sampleSplit, type SampleMethod } from '../../core/sampling';
import { intFlag, numFlag, parseArgs, strFlag, choiceFlag, UsageError } from '../args';

export const usage = `gradlab sample --checkpoint FILE [--dataset PATH|default] [--split train|val] [--n K] [--beam B]
       [--temperature T] [--seed S] [--max-length L] [--fc7] [--json]
  --fc7: the 4096-d *_vgg16_fc7.h5 features (for a model trained with train --fc7); else the PCA pair.
  Greedy unless --beam (beam search of width B) or --temperature (sampling from softmax(scores / T)).
  The dataset defaults to the one the checkpoint was trained on; its vocabulary and feature size must match.`;

export async function run(argv: string[]): Promise<number> {
  const p = parseArgs(argv, ['checkpoint', 'dataset', 'split', 'n', 'beam', 'temperature', 'seed', 'max-length'], ['json', 'fc7']);
  if (p.positional.length) throw new UsageError(`unexpected argument "${p.positional[0]}"`);
  const file = strFlag(p, 'checkpoint');
  if (!file) throw new UsageError(`--checkpoint FILE is required: ${usage.split('\n')[0]}`);
  const split = choiceFlag(p, 'split', ['train', 'val'] as const, 'val');
  const n = intFlag(p, 'n', 5, 1);
  const seed = intFlag(p, 'seed', 0);
  const maxLength = intFlag(p, 'max-length', 30, 1);
  if (p.flags.has('beam') && p.flags.has('temperature')) throw new UsageError('--beam and --temperature cannot be combined: choose one decoding method');
  let method: SampleMethod = { kind: 'greedy' };
  if (p.flags.has('beam')) method = { kind: 'beam', width: intFlag(p, 'beam', 1, 1) };
  if (p.flags.has('temperature')) {
    const t = numFlag(p, 'temperature', 1);
    if (!(t > 0)) throw new UsageError(`--temperature ${t}: must be > 0`);
    method = { kind: 'temperature', temperature: t, seed };
  }
  // Read the checkpoint first: a corrupt file is reported before any dataset is opened.
  const first = loadCheckpoint(file);
  const dsSpec = strFlag(p, 'dataset') ?? first.config.dataset ?? 'default';
  const fc7 = p.flags.has('fc7');
  if (!fc7 && first.config.inputDim === 4096) throw new UsageError(`${file}: the model takes 4096-d features; add --fc7 to read the dataset's *_vgg16_fc7.h5 files`);
  const ds = await openDatasetAt(dsSpec, { pcaFeatures: !fc7, scanFeatures: !fc7 });
  try {
    const ckpt = loadCheckpoint(file, { idxToWord: ds.idxToWord, D: ds.D, name: ds.name });
    const c = ckpt.config;
    const sampler = await checkpointSampler({ wordToIdx: ds.wordToIdx, inputDim: c.inputDim, wordvecDim: c.wordvecDim, hiddenDim: c.hiddenDim, cellType: c.cellType, params: ckpt.params });
    const s = ds.splits[split];
    let recs;
    try {
      recs = sampleSplit(sampler.model, s, split, ds, { count: n, seed, method, maxLength });
    } finally {
      sampler.close();
    }
    for (const r of recs) {
      if (p.flags.has('json')) process.stdout.write(JSON.stringify(r) + '\n');
      else process.stdout.write(`${r.imageRef ?? `#${r.imageIndex}`}\t${r.groundTruth}\t${r.sample}\n`);
    }
  } finally {
    ds.close();
  }
  return 0;
}
