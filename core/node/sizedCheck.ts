/**
 * The captioning model's gradient check at a real dataset's sizes (D, V, T from the data, W and H
 * from the settings). Every parameter is far too large for a full numerical gradient (W_vocab alone
 * is H × V ≈ 500 000 elements at CS231n sizes), so each is checked on random entries (a sparse
 * check, as CS231n's grad_check_sparse does); the rest of its error tensor stays 0 and `checked`
 * says how many were compared.
 */
import { compareGradients, worstVerdict, type LayerCheck, type ParamCheck, type Thresholds } from '../gradcheck';
import { CaptioningModel, PARAM_NAMES, type CellType } from '../model';
import { Rng } from '../random';
import { intTensor, type Tensor } from '../tensor';

/** Entries compared per parameter. */
export const SPARSE_ENTRIES = 10;

export function checkModelAtSizes(
  cell: CellType,
  sizes: Record<string, number>,
  seed: number,
  h: number,
  thresholds: Thresholds | undefined,
  onParam?: (name: string, index: number, total: number) => void,
): LayerCheck {
  const t0 = Date.now();
  const need = (k: string): number => {
    const v = sizes[k];
    if (!Number.isInteger(v) || v <= 0) throw new Error(`model check at dataset sizes: ${k} must be a positive integer, got ${String(v)}`);
    return v;
  };
  const [N, T, D, W, H, V] = ['N', 'T', 'D', 'W', 'H', 'V'].map(need);
  if (V < 4) throw new Error(`model check at dataset sizes: V = ${V}, need at least the 3 special tokens and one word`);
  const wordToIdx: Record<string, number> = { '<NULL>': 0, '<START>': 1, '<END>': 2 };
  for (let i = 3; i < V; i++) wordToIdx[`w${i}`] = i;
  const rng = new Rng(seed);
  const captions = intTensor([N, T + 1], Array.from({ length: N * (T + 1) }, () => rng.int(V)));
  const features: Tensor = { shape: [N, D], data: rng.normals(N * D) };
  const model = new CaptioningModel({ wordToIdx, inputDim: D, wordvecDim: W, hiddenDim: H, cellType: cell, seed: seed + 1 });
  const { grads } = model.loss(features, captions);
  const names = [...PARAM_NAMES].sort();
  const params: ParamCheck[] = [];
  names.forEach((name, k) => {
    const x = model.params[name];
    const n = x.data.length;
    const only = n <= SPARSE_ENTRIES ? Array.from({ length: n }, (_, i) => i) : Array.from({ length: SPARSE_ENTRIES }, () => rng.int(n));
    const numeric: Tensor = { shape: [...x.shape], data: new Float64Array(n) };
    for (const i of only) {
      const old = x.data[i];
      x.data[i] = old + h;
      const fp = model.loss(features, captions).loss;
      x.data[i] = old - h;
      const fm = model.loss(features, captions).loss;
      x.data[i] = old;
      numeric.data[i] = (fp - fm) / (2 * h);
    }
    params.push(compareGradients(name, grads[name], numeric, { thresholds, only }));
    onParam?.(name, k, names.length);
  });
  return {
    layer: `captioning_${cell}`,
    sizes: { N, T, D, W, H, V },
    params,
    verdict: worstVerdict(params.map((p) => p.verdict)),
    ms: Date.now() - t0,
  };
}
