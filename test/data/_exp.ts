import { Rng } from '../../core/random';
import { randomScene } from '../../core/data/shapes/scene';
import { renderScene } from '../../core/data/shapes/render';
import { imageFeatures, randomConv, RAW_DIM } from '../../core/data/shapes/features';
import { fitPca } from '../../core/data/shapes/pca';
const N = 1600;
const rng = new Rng(231);
const conv = randomConv(new Rng(233));
const raw = new Float64Array(N * RAW_DIM);
const row = new Float64Array(RAW_DIM);
let t = Date.now();
for (let i = 0; i < N; i++) { const { scene, style } = randomScene(rng); imageFeatures(renderScene(scene, style), conv, row); raw.set(row, i * RAW_DIM); }
console.log('raw', Date.now() - t);
const ref = (() => { t = Date.now(); const f = fitPca(raw, N, RAW_DIM, 512, new Rng(234), 8); console.log('it8', f.explained, Date.now() - t); return f; })();
for (const it of [2, 3, 4]) {
  t = Date.now();
  const f = fitPca(raw, N, RAW_DIM, 512, new Rng(234), it);
  // agreement: |cos| between component m of both, for m = 0, 100, 300, 500
  const cos = [0, 100, 300, 500].map((m) => { let s = 0; for (let j = 0; j < RAW_DIM; j++) s += f.components[m * RAW_DIM + j] * ref.components[m * RAW_DIM + j]; return Math.abs(s).toFixed(4); });
  console.log('it', it, f.explained, Date.now() - t, cos.join(' '), f.variances[0], ref.variances[0], f.variances[511], ref.variances[511]);
}
