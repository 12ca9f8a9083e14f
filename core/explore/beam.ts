/**
 * "Beam width 1 equals greedy": the training helper's beam search (core/sampling.ts) at width 1
 * against greedy decoding (the model's own sampler), token for token, both cut at <END>.
 */
import type { CaptioningModel } from '../model';
import { beamSearch, cutAtEnd, sampleGreedy, type SamplerVocab } from '../sampling';
import type { Tensor } from '../tensor';

export function beamSearchEqualsGreedy(model: CaptioningModel, features: Tensor, maxLength: number): { status: 'pass' | 'fail' | 'skipped'; detail: string; compared: number; differing: number } {
  const n = features.shape[0];
  if (model.startIdx === undefined || model.endIdx === undefined) {
    return { status: 'skipped', detail: 'the vocabulary has no <START> or <END>, so nothing can be sampled', compared: 0, differing: 0 };
  }
  const vocab: SamplerVocab = { idxToWord: model.idxToWord, nullIdx: model.nullIdx, startIdx: model.startIdx, endIdx: model.endIdx };
  const greedy = cutAtEnd(sampleGreedy(model, features, vocab, maxLength), vocab);
  const beam = cutAtEnd(beamSearch(model, features, vocab, 1, maxLength).tokens, vocab);
  const L = greedy.shape[1];
  const rows: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < L; t++) {
      if (greedy.data[i * L + t] !== beam.data[i * beam.shape[1] + t]) {
        rows.push(i);
        break;
      }
    }
  }
  const sameShape = beam.shape[1] === L;
  const ok = sameShape && rows.length === 0;
  return {
    status: ok ? 'pass' : 'fail',
    detail: ok
      ? `${n} captions of up to ${maxLength} tokens: beam search of width 1 chose greedy's word at every step`
      : sameShape
        ? `${rows.length} of ${n} captions differ (rows ${rows.slice(0, 8).join(', ')}${rows.length > 8 ? ', …' : ''})`
        : `beam returned ${beam.shape[1]} columns, greedy ${L}`,
    compared: n,
    differing: rows.length,
  };
}
