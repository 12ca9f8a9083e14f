/**
 * The model that captions images from a checkpoint (`gradlab sample`, the extension's sampled
 * captions view): the wasm engine in float64 when this runtime has WebAssembly SIMD, else the
 * pure-TS reference model. Float64 greedy sampling on the engine picks the reference model's words
 * (test/wasm/sampleJob.test.ts); beam search and temperature sampling run the reference step
 * functions on the same parameters (core/sampling.ts). The reference alone took about 20 s for
 * 1,000 greedy captions of the default dataset; the engine takes well under a second.
 */
import type { CellType, ModelParams } from '../core/model';
import { CaptioningModel } from '../core/model';
import type { SamplingModel } from '../core/sampling';
import { FastCaptioningModel } from '../core/fast/model';
import { detectWasmSupport } from '../core/wasm/engine';
import { createNodeEngine } from './fastEngine';

export interface CheckpointSampler {
  readonly model: SamplingModel;
  /** "wasm f64, 2 threads" or "reference (pure TS float64)". */
  readonly engine: string;
  /** Frees the engine's memory and stops its helper threads. */
  close(): void;
}

export async function checkpointSampler(cfg: {
  wordToIdx: Readonly<Record<string, number>>;
  inputDim: number;
  wordvecDim: number;
  hiddenDim: number;
  cellType: CellType;
  params: ModelParams;
  /** Engine threads (0 or undefined: every core). */
  threads?: number;
}): Promise<CheckpointSampler> {
  const base = { wordToIdx: cfg.wordToIdx, inputDim: cfg.inputDim, wordvecDim: cfg.wordvecDim, hiddenDim: cfg.hiddenDim, cellType: cfg.cellType };
  if (detectWasmSupport().simd) {
    const engine = await createNodeEngine({ threads: cfg.threads, global: false });
    try {
      const model = new FastCaptioningModel({ ...base, dtype: 'f64', engine, params: cfg.params });
      const n = engine.threads;
      return {
        model,
        engine: `wasm f64, ${n} thread${n > 1 ? 's' : ''}`,
        close: () => {
          model.dispose();
          engine.detachHelper();
        },
      };
    } catch (e) {
      engine.detachHelper();
      throw e;
    }
  }
  const model = new CaptioningModel(base);
  model.setParams(cfg.params);
  return { model, engine: 'reference (pure TS float64)', close: () => undefined };
}
