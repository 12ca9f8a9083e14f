/**
 * The CLI's side of the embedded default dataset: its first use generates it into the cache
 * (runtime/defaultDataset.ts) with progress on stderr, and Ctrl-C stops the generation cleanly
 * (nothing half-written is left under the final name).
 */
import { ensureDefaultDataset, GenerationCancelled, setGenerationHooks } from '../runtime/defaultDataset';
import type { GenerateProgress } from '../core/data/shapes/generate';

/** Installs stderr progress and Ctrl-C cancel for every generation this process starts. */
export function installDefaultDatasetProgress(): void {
  const abort = new AbortController();
  let lastTenth = -1;
  let started = 0;
  let onSigint: (() => void) | null = null;
  const tty = process.stderr.isTTY === true;
  setGenerationHooks({
    signal: abort.signal,
    onProgress(p: GenerateProgress) {
      if (started === 0) {
        started = Date.now();
        process.stderr.write('gradlab: first use: generating the embedded default dataset into the cache (a few seconds, once)\n');
        onSigint = (): void => abort.abort();
        process.once('SIGINT', onSigint);
      }
      const pct = Math.round(100 * p.fraction);
      if (p.stage === 'done') {
        if (onSigint) process.removeListener('SIGINT', onSigint);
        process.stderr.write(`${tty ? '\r\x1b[K' : ''}gradlab: embedded default dataset ready (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
        started = 0;
        lastTenth = -1;
      } else if (tty) process.stderr.write(`\r\x1b[K  ${pct}% ${p.stage}`);
      else if (Math.floor(pct / 10) > lastTenth) {
        lastTenth = Math.floor(pct / 10);
        process.stderr.write(`  ${pct}% ${p.stage}\n`);
      }
    },
  });
}

/** Generates the default now (when the dataset spec is `default` and it is not cached yet), before a worker needs it. */
export async function prepareDataset(spec: string): Promise<void> {
  if (spec !== 'default') return;
  try {
    await ensureDefaultDataset();
  } catch (e) {
    if (e instanceof GenerationCancelled) {
      process.stderr.write('\ngradlab: cancelled; nothing was written\n');
      process.exit(130);
    }
    throw e;
  }
}
