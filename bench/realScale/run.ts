/**
 * Real-scale training benchmark (issue 15), not a test: generates a random dataset of the course's
 * full sizes (82,783 / 40,504 images, 400,135 / 195,954 captions, V = 1004, T = 17; PCA 512-d
 * chunked + gzip, fc7 4096-d contiguous) into a temporary folder, and a small twin with the same V,
 * T and D whose features the loader holds wholly in memory. It then runs `gradlab train
 * --max-train 0` (dist/cli.js, the default model sizes) on both, alternating, and reports training
 * throughput (it/s over iterations after a warm-up), the ratio full / twin, the share of time spent
 * waiting for data, and each run's peak RSS (VmHWM of the process), with the machine load.
 *
 *   npm run build && npm run bench:data -- [--dir DIR] [--keep] [--iterations N] [--warmup N]
 *        [--rounds R] [--only pca|fc7] [--memory-budget MB] [--json]
 *
 * Goal: ratio >= 0.90 for PCA and fc7; peak RSS within the memory budget plus the model (the
 * twin's RSS is the baseline: same model, engine and HDF5 library, tiny data).
 * Generated data goes to the temp folder and is deleted afterwards unless --keep.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { FULL, generateDataset, hasH5py, type ScaleSpec } from './generate';

const TWIN: ScaleSpec = { trainImages: 2000, valImages: 500, trainCaptions: 10000, valCaptions: 2500, V: FULL.V, T: FULL.T };

interface Args {
  dir: string;
  keep: boolean;
  iterations: number;
  warmup: number;
  rounds: number;
  only: ('pca' | 'fc7')[];
  budget?: number;
  json: boolean;
}

function parse(argv: string[]): Args {
  const a: Args = { dir: path.join(tmpdir(), `gradlab-realscale-${process.pid}`), keep: false, iterations: 60, warmup: 10, rounds: 2, only: ['pca', 'fc7'], json: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${k} needs a value`);
      return x;
    };
    if (k === '--dir') a.dir = path.resolve(v());
    else if (k === '--keep') a.keep = true;
    else if (k === '--iterations') a.iterations = Number(v());
    else if (k === '--warmup') a.warmup = Number(v());
    else if (k === '--rounds') a.rounds = Number(v());
    else if (k === '--only') a.only = [v() as 'pca' | 'fc7'];
    else if (k === '--memory-budget') a.budget = Number(v());
    else if (k === '--json') a.json = true;
    else throw new Error(`unknown option ${k}`);
  }
  return a;
}

const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

interface RunResult {
  itPerSec: number;
  peakRssMB: number;
  dataWaitShare?: number;
  features?: string;
  loadMs: number;
  loadAvg: string;
}

/** Runs `gradlab train` on `dir` until warmup + iterations steps, then stops it (SIGINT). */
function trainRun(cli: string, dir: string, fc7: boolean, a: Args): Promise<RunResult> {
  const args = [cli, 'train', '--dataset', dir, '--max-train', '0', '--epochs', '1', '--json', '--sample-every', '0', '--eval-every', '0'];
  if (fc7) args.push('--fc7');
  if (a.budget !== undefined) args.push('--memory-budget', String(a.budget));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const t0 = Date.now();
  let peak = 0;
  const poll = setInterval(() => {
    try {
      const st = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const m = /VmHWM:\s+(\d+) kB/.exec(st);
      if (m) peak = Math.max(peak, Number(m[1]) / 1024);
    } catch {
      // exited
    }
  }, 100);
  return new Promise((resolve, reject) => {
    let buf = '';
    let tStart = 0;
    let tEnd = 0;
    let startedAt = 0;
    let wait: number | undefined;
    let features: string | undefined;
    let err = '';
    let stopped = false;
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let e: { type: string; iteration?: number; features?: string; progress?: { dataWaitShare?: number } };
        try {
          e = JSON.parse(line);
        } catch {
          continue;
        }
        if (e.type === 'started') {
          startedAt = Date.now();
          features = e.features;
        }
        if (e.type !== 'step' || e.iteration === undefined) continue;
        if (e.iteration === a.warmup) tStart = performance.now();
        if (e.iteration === a.warmup + a.iterations) {
          tEnd = performance.now();
          wait = e.progress?.dataWaitShare;
          if (!stopped) {
            stopped = true;
            // Sample VmHWM once more before the process ends.
            try {
              const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
              if (m) peak = Math.max(peak, Number(m[1]) / 1024);
            } catch {
              // gone
            }
            child.kill('SIGINT');
          }
        }
      }
    });
    child.on('exit', () => {
      clearInterval(poll);
      if (tEnd === 0) {
        reject(new Error(`training on ${dir} ended before ${a.warmup + a.iterations} iterations: ${err.trim().split('\n').slice(-3).join(' | ')}`));
        return;
      }
      resolve({ itPerSec: (a.iterations / (tEnd - tStart)) * 1000, peakRssMB: peak, dataWaitShare: wait, features, loadMs: startedAt - t0, loadAvg: load() });
    });
  });
}

function complete(dir: string): boolean {
  const need = ['coco2014_captions.h5', 'coco2014_vocab.json', 'train2014_vgg16_fc7_pca.h5', 'val2014_vgg16_fc7_pca.h5', 'train2014_vgg16_fc7.h5', 'val2014_vgg16_fc7.h5'];
  return need.every((f) => existsSync(path.join(dir, f)));
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<void> {
  const a = parse(process.argv.slice(2));
  const cli = path.resolve(__dirname, '..', '..', 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
  const fullDir = path.join(a.dir, 'full');
  const twinDir = path.join(a.dir, 'twin');
  const log = (s: string): void => {
    if (!a.json) process.stdout.write(s + '\n');
  };
  log(`writer: ${hasH5py() ? 'h5py' : 'h5wasm (python3 has no h5py)'}; load ${load()}`);
  const created = !existsSync(a.dir);
  try {
    if (!complete(fullDir)) {
      const t = Date.now();
      await generateDataset(fullDir, FULL, { log: (l) => log(`  ${l}`) });
      log(`generated the full-size dataset in ${((Date.now() - t) / 1000).toFixed(0)} s (${fullDir})`);
    }
    if (!complete(twinDir)) await generateDataset(twinDir, TWIN, {});
    const size = (f: string): string => `${(statSync(path.join(fullDir, f)).size / 1e6).toFixed(0)} MB`;
    log(`full: train PCA ${size('train2014_vgg16_fc7_pca.h5')} (chunked+gzip), train fc7 ${size('train2014_vgg16_fc7.h5')} (contiguous)`);
    const results: Record<string, { full: RunResult[]; twin: RunResult[] }> = {};
    for (const kind of a.only) {
      const fc7 = kind === 'fc7';
      const r = (results[kind] = { full: [] as RunResult[], twin: [] as RunResult[] });
      for (let round = 0; round < a.rounds; round++) {
        // Alternate which runs first, so a change in the machine's load does not favour one side.
        for (const which of round % 2 === 0 ? (['twin', 'full'] as const) : (['full', 'twin'] as const)) {
          if (which === 'twin') {
            const tw = await trainRun(cli, twinDir, fc7, a);
            r.twin.push(tw);
            log(`${kind} twin  round ${round + 1}: ${tw.itPerSec.toFixed(2)} it/s, peak RSS ${tw.peakRssMB.toFixed(0)} MB, features ${tw.features}, load ${tw.loadAvg}`);
          } else {
            const fu = await trainRun(cli, fullDir, fc7, a);
            r.full.push(fu);
            log(`${kind} full  round ${round + 1}: ${fu.itPerSec.toFixed(2)} it/s, peak RSS ${fu.peakRssMB.toFixed(0)} MB, features ${fu.features}, data wait ${fu.dataWaitShare !== undefined ? (fu.dataWaitShare * 100).toFixed(1) + '%' : '-'}, ready after ${(fu.loadMs / 1000).toFixed(1)} s, load ${fu.loadAvg}`);
          }
        }
      }
    }
    const summary = Object.entries(results).map(([kind, r]) => {
      const f = median(r.full.map((x) => x.itPerSec));
      const t = median(r.twin.map((x) => x.itPerSec));
      const ratios = r.full.map((x, i) => x.itPerSec / r.twin[i].itPerSec);
      return {
        kind,
        fullItPerSec: f,
        twinItPerSec: t,
        ratio: f / t,
        ratiosPerRound: ratios,
        fullPeakRssMB: Math.max(...r.full.map((x) => x.peakRssMB)),
        twinPeakRssMB: Math.max(...r.twin.map((x) => x.peakRssMB)),
        dataWaitShare: r.full.map((x) => x.dataWaitShare ?? 0),
        features: r.full[0]?.features,
      };
    });
    if (a.json) process.stdout.write(JSON.stringify({ load: load(), iterations: a.iterations, warmup: a.warmup, summary }, null, 2) + '\n');
    else {
      log('');
      log('kind  full it/s  twin it/s  ratio (per round)        full peak RSS  twin peak RSS  data wait');
      for (const s of summary) {
        log(`${s.kind.padEnd(5)} ${s.fullItPerSec.toFixed(2).padStart(9)}  ${s.twinItPerSec.toFixed(2).padStart(9)}  ${s.ratio.toFixed(3)} (${s.ratiosPerRound.map((x) => x.toFixed(3)).join(', ')})`.padEnd(58) + `${s.fullPeakRssMB.toFixed(0).padStart(6)} MB  ${s.twinPeakRssMB.toFixed(0).padStart(10)} MB  ${s.dataWaitShare.map((x) => (x * 100).toFixed(1) + '%').join(', ')}`);
      }
      log(`load ${load()}`);
    }
  } finally {
    if (!a.keep && created) rmSync(a.dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/realScale: ${(e as Error).message}\n`);
  process.exit(1);
});
