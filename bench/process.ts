/**
 * The whole-process training workload of `npm run bench`: `gradlab train` as a user runs it (the
 * bundled CLI, a fresh process, the embedded default dataset) against bench/train_reference.py doing
 * the same iterations in numpy, run alternately (A/B interleaved) so both see the same machine load.
 * Wall time from spawn to exit, CPU time of the whole process (from /usr/bin/time when present), and
 * the time to the first iteration's end (gradlab: its first `step` event on stdout; numpy: what the
 * script reports, plus python's own start measured as a bare `python3 -c pass`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { openDatasetAt } from '../runtime/fsAccess';
import { gather, subsetSplit } from '../core/solver';

export interface ProcessTiming {
  wallMs: number;
  cpuMs?: number;
  firstMs?: number;
  /** gradlab: spawn to its `started` event (start-up done: dataset open, engine, model). */
  startedMs?: number;
  load: number;
}
export interface ProcessResult {
  name: string;
  command: string;
  numpyCommand: string;
  gradlab: ProcessTiming[];
  numpy: ProcessTiming[];
  /**
   * When NODE_EXTRA_CA_CERTS is set (node then reads that certificate file at every start, before
   * any of gradlab's code): the same gradlab runs without it, as on a machine that does not set it.
   */
  gradlabNoExtraCerts?: ProcessTiming[];
}

/** Median ms from node's process start to the first line of a script, in `env` (5 runs). */
export function nodeStartMs(env: NodeJS.ProcessEnv): number | undefined {
  const xs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(performance.now()))'], { encoding: 'utf8', env });
    if (r.status === 0) xs.push(Number(r.stdout));
  }
  return medianOf(xs);
}

/** process.env without NODE_EXTRA_CA_CERTS, or undefined when it is not set. */
export function envWithoutExtraCerts(): NodeJS.ProcessEnv | undefined {
  if (!process.env.NODE_EXTRA_CA_CERTS) return undefined;
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

const TIME = '/usr/bin/time';

/** Writes the training subset and 50 val captions of the default dataset for train_reference.py. */
export async function writeTrainInputs(dir: string): Promise<void> {
  const ds = await openDatasetAt('default');
  try {
    const train = subsetSplit(ds.splits.train, 50, 231);
    const all = Array.from({ length: train.captions.shape[0] }, (_, i) => i);
    const t = gather(train, all);
    const nv = Math.min(50, ds.splits.val.captions.shape[0]);
    const v = gather(ds.splits.val, Array.from({ length: nv }, (_, i) => i));
    const f32 = (a: ArrayLike<number>) => new Uint8Array(Float32Array.from(a).buffer);
    writeFileSync(join(dir, 'train.features'), f32(t.features.data));
    writeFileSync(join(dir, 'train.captions'), new Uint8Array(t.captions.data.buffer, t.captions.data.byteOffset, t.captions.data.byteLength));
    writeFileSync(join(dir, 'val.features'), f32(v.features.data));
    writeFileSync(join(dir, 'val.captions'), new Uint8Array(v.captions.data.buffer, v.captions.data.byteOffset, v.captions.data.byteLength));
    writeFileSync(join(dir, 'train.json'), JSON.stringify({ n: t.captions.shape[0], nVal: nv, D: ds.D, T1: t.captions.shape[1], V: ds.V }));
  } finally {
    ds.close();
  }
}

/** Runs a command to its end; wall from spawn to exit, CPU (user+sys) when /usr/bin/time is there. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv, firstOf: (line: string) => boolean, startedOf: (line: string) => boolean = () => false): Promise<ProcessTiming & { stdout: string }> {
  const useTime = existsSync(TIME);
  const load = loadavg()[0];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let first: number | undefined;
    let started: number | undefined;
    let out = '', buf = '';
    const p = useTime
      ? spawn(TIME, ['-f', 'GLTIME %U %S', cmd, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d;
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (first === undefined && firstOf(line)) first = performance.now() - t0;
        if (started === undefined && startedOf(line)) started = performance.now() - t0;
      }
    });
    p.stderr.on('data', (d: Buffer) => (err += d));
    p.on('error', reject);
    p.on('close', (code) => {
      const wallMs = performance.now() - t0;
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}: ${err.trim().split('\n').slice(-2).join(' ')}`));
      const m = /GLTIME ([\d.]+) ([\d.]+)/.exec(err);
      resolve({ wallMs, cpuMs: m ? (Number(m[1]) + Number(m[2])) * 1000 : undefined, firstMs: first, startedMs: started, load, stdout: out });
    });
  });
}

/** The environment numpy is measured in: its default threads, OpenBLAS choosing its own kernel. */
export function numpyEnv(threads?: number): NodeJS.ProcessEnv {
  const env = { ...process.env };
  // Set on some machines for old OpenBLAS builds; they slow a current numpy (see the bench README).
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  for (const k of ['OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS']) {
    if (threads === undefined) delete env[k];
    else env[k] = String(threads);
  }
  return env;
}

/** Which BLAS kernel and threads numpy runs with in `env` (threadpoolctl, when installed). */
export function numpyBlasInfo(env: NodeJS.ProcessEnv): string {
  const r = spawnSync('python3', ['-c', 'import numpy, json\ntry:\n import threadpoolctl\n i=[{k:d.get(k) for k in ("internal_api","version","num_threads","architecture")} for d in threadpoolctl.threadpool_info()]\nexcept ImportError:\n i="threadpoolctl not installed"\nprint(json.dumps(i))'], { encoding: 'utf8', env });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

/**
 * `gradlab train --batch 50 --epochs 20` (20 iterations of the overfit sizes) vs the numpy script,
 * `repeats` times each, alternating. Needs the bundled CLI (npm run build).
 */
export async function runProcessWorkload(root: string, dataDir: string, dtype: 'f32' | 'f64', repeats: number, threads?: number): Promise<ProcessResult> {
  const cli = join(root, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error('the whole-process workload needs the bundled CLI: run npm run build first');
  const gArgs = [cli, 'train', '--batch', '50', '--epochs', '20', '--dtype', dtype, '--json', ...(threads ? ['--threads', String(threads)] : [])];
  const nArgs = [join(__dirname, 'train_reference.py'), '--data', dataDir, '--iterations', '20', '--dtype', dtype];
  const res: ProcessResult = {
    name: `process-train-rnn-${dtype}`,
    command: `gradlab train --batch 50 --epochs 20 --dtype ${dtype}${threads ? ` --threads ${threads}` : ''}`,
    numpyCommand: `python3 bench/train_reference.py --iterations 20 --dtype ${dtype}`,
    gradlab: [],
    numpy: [],
  };
  const env = numpyEnv();
  const noCerts = envWithoutExtraCerts();
  if (noCerts) res.gradlabNoExtraCerts = [];
  const runGradlab = async (e: NodeJS.ProcessEnv): Promise<ProcessTiming> => {
    const g = await timed(process.execPath, gArgs, e, (l) => l.startsWith('{"type":"step"'), (l) => l.startsWith('{"type":"started"'));
    return { wallMs: g.wallMs, cpuMs: g.cpuMs, firstMs: g.firstMs, startedMs: g.startedMs, load: g.load };
  };
  for (let r = 0; r < repeats; r++) {
    res.gradlab.push(await runGradlab(process.env));
    if (noCerts) res.gradlabNoExtraCerts?.push(await runGradlab(noCerts));
    const n = await timed('python3', nArgs, env, () => false);
    const j = JSON.parse(n.stdout.trim().split('\n').pop() ?? '{}') as { first_iteration_s?: number };
    // The script's clock starts with the interpreter's first line: add python's own start.
    res.numpy.push({ wallMs: n.wallMs, cpuMs: n.cpuMs, firstMs: j.first_iteration_s !== undefined ? j.first_iteration_s * 1000 : undefined, load: n.load });
  }
  return res;
}

export function medianOf(xs: (number | undefined)[]): number | undefined {
  const s = xs.filter((x): x is number => x !== undefined).sort((a, b) => a - b);
  if (!s.length) return undefined;
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}
