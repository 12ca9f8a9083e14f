/**
 * Peak memory of a training run at the overfit sizes (N=50, T=16, D=512, W=256, H=512, V=1004):
 * `node --import tsx bench/rss.ts CELL DTYPE [ITERATIONS]` runs the fast model's loss + gradients and
 * an Adam update on every parameter (the optimiser state a trainer keeps) and prints the process's
 * peak resident set size as JSON. bench/main.ts runs it in a fresh process per configuration.
 */
import { createNodeEngine } from '../runtime/fastEngine';
import { FastCaptioningModel } from '../core/fast/model';
import { PARAM_NAMES, type CellType } from '../core/model';
import type { DType } from '../core/wasm/engine';
import { BIG, makeData } from './workloads';

async function main(): Promise<void> {
  const cell = (process.argv[2] ?? 'lstm') as CellType;
  const dtype = (process.argv[3] ?? 'f64') as DType;
  const iters = Number(process.argv[4] ?? 10);
  const engine = await createNodeEngine({ threads: 2 });
  const wordToIdx: Record<string, number> = { '<NULL>': 0, '<START>': 1, '<END>': 2 };
  for (let i = 3; i < BIG.V; i++) wordToIdx[`w${i}`] = i;
  // reuseGrads: the gradients are consumed at once by the update, so no per-step copies.
  const model = new FastCaptioningModel({ wordToIdx, inputDim: BIG.D, wordvecDim: BIG.W, hiddenDim: BIG.H, cellType: cell, dtype, engine, seed: 0, reuseGrads: true });
  const { features, captions } = makeData(BIG, 1);
  const m = PARAM_NAMES.map((n) => new Float64Array(model.params[n].data.length));
  const v = PARAM_NAMES.map((n) => new Float64Array(model.params[n].data.length));
  const lr = 5e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  const losses: number[] = [];
  for (let it = 1; it <= iters; it++) {
    const { loss, grads } = model.loss(features, captions);
    losses.push(loss);
    PARAM_NAMES.forEach((name, k) => {
      const w = model.params[name].data, g = grads[name].data, mk = m[k], vk = v[k];
      for (let i = 0; i < w.length; i++) {
        mk[i] = b1 * mk[i] + (1 - b1) * g[i];
        vk[i] = b2 * vk[i] + (1 - b2) * g[i] * g[i];
        w[i] -= (lr * (mk[i] / (1 - b1 ** it))) / (Math.sqrt(vk[i] / (1 - b2 ** it)) + eps);
      }
    });
  }
  engine.detachHelper();
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ cell, dtype, iterations: iters, firstLoss: losses[0], lastLoss: losses[losses.length - 1], maxRssMB, wasmMemoryMB: engine.memory.buffer.byteLength / 1048576 }) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`rss: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
