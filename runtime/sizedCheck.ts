/**
 * The captioning model's gradient check at a real dataset's sizes (D, V, T from the data, W and H
 * from the settings). Every parameter is far too large for a full numerical gradient (W_vocab alone
 * is H × V ≈ 500 000 elements at CS231n sizes), so each is checked on random entries (a sparse
 * check, as CS231n's grad_check_sparse does); the rest of its error tensor stays 0 and `checked`
 * says how many were compared.
 *
 * The loss at these sizes is large (T · ln V ≈ 110 at first), so float64 round-off in
 * f(x+h) − f(x−h) is about 1e-14, i.e. 5e-10 in the centred difference: an entry whose gradient is
 * below ~1e-5 gets a relative error above 1e-4 from round-off alone. Most entries are therefore
 * drawn among those whose analytic gradient is at least 1e-3 of the parameter's largest, and two
 * are drawn uniformly from all entries, so a gradient that is zero where it should not be still shows.
 */
import { compareGradients, worstVerdict, type LayerCheck, type ParamCheck, type Thresholds } from '../core/gradcheck';
import { CaptioningModel, PARAM_NAMES, type CellType } from '../core/model';
import { Rng } from '../core/random';
import { intTensor, type Tensor } from '../core/tensor';

/** Entries compared per parameter. */
export const SPARSE_ENTRIES = 10;

/** SPARSE_ENTRIES − 2 entries with a non-negligible analytic gradient (when there are any), 2 uniform. */
function pickEntries(g: Float64Array, rng: Rng): number[] {
  let max = 0;
  for (const v of g) max = Math.max(max, Math.abs(v));
  const big: number[] = [];
  for (let i = 0; i < g.length; i++) if (Math.abs(g[i]) >= 1e-3 * max && max > 0) big.push(i);
  const out: number[] = [];
  for (let k = 0; k < SPARSE_ENTRIES - 2 && big.length > 0; k++) out.push(big[rng.int(big.length)]);
  while (out.length < SPARSE_ENTRIES) out.push(rng.int(g.length));
  return out;
}

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
    const only = n <= SPARSE_ENTRIES ? Array.from({ length: n }, (_, i) => i) : pickEntries(grads[name].data, rng);
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
