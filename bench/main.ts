/**
 * `npm run bench`: the engine and the numpy reference (bench/reference.py) on the same workloads, in
 * one run, side by side: medians, ratios engine/numpy, GFLOP/s, and the whole-process workload
 * (`gradlab train` against bench/train_reference.py, bench/process.ts).
 *
 *   npm run bench -- [--workload NAME[,NAME…]] [--repeats N] [--json] [--no-numpy] [--no-rss] [--no-process]
 *                    [--process-repeats N] [--build auto|plain|relaxed]
 *
 * The first ratio is what a user waits for: wall clock, the engine at its default threads (every
 * core) against numpy at its default threads (every core, OpenBLAS choosing its own kernel). The
 * second is busy CPU (the engine's busiest thread against numpy on one thread), which a shared,
 * loaded machine inflates less; the 1-minute load average is printed beside every figure.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createNodeEngine } from '../runtime/fastEngine';
import { WORKLOADS, runEngineWorkload, workloadInputs, type EngineResult } from './workloads';
import { machineThreads } from '../runtime/fastEngine';
import { envWithoutExtraCerts, medianOf, nodeStartMs, numpyBlasInfo, numpyEnv, runProcessWorkload, writeTrainInputs, type ProcessResult } from './process';

interface PyTiming { wall_ms: number; cpu_ms: number; samples: number; gflops?: number; worst_rel_error?: number | null; loss?: number; captions?: number[] }
interface PyRun { numpy: string; blas_threads: string | null; results: Record<string, PyTiming> }

function parseArgs(argv: string[]): { workloads: string[]; repeats: number; json: boolean; numpy: boolean; rss: boolean; build: 'auto' | 'plain' | 'relaxed'; process: boolean; processRepeats: number } {
  let workloads = WORKLOADS.map((w) => w.name);
  let rss = true;
  let proc = true;
  let processRepeats = 3;
  let build: 'auto' | 'plain' | 'relaxed' = 'auto';
  let repeats = 7;
  let json = false;
  let numpy = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--workload' || a === '--workloads') {
      const v = argv[++i];
      if (!v) throw new Error(`${a} needs a value (one of: ${WORKLOADS.map((w) => w.name).join(', ')})`);
      workloads = v.split(',');
      for (const w of workloads) {
        if (w === 'process') continue;
      if (!WORKLOADS.some((x) => x.name === w || x.name.startsWith(w + '-'))) throw new Error(`unknown workload "${w}" (known: ${WORKLOADS.map((x) => x.name).join(', ')})`);
      }
      proc = workloads.includes('process');
      workloads = WORKLOADS.map((x) => x.name).filter((n) => workloads.some((w) => n === w || n.startsWith(w + '-')));
    } else if (a === '--repeats') {
      repeats = Number(argv[++i]);
      if (!Number.isInteger(repeats) || repeats < 1) throw new Error('--repeats needs a positive integer');
    } else if (a === '--json') json = true;
    else if (a === '--no-numpy') numpy = false;
    else if (a === '--no-rss') rss = false;
    else if (a === '--no-process') proc = false;
    else if (a === '--process-repeats') {
      processRepeats = Number(argv[++i]);
      if (!Number.isInteger(processRepeats) || processRepeats < 1) throw new Error('--process-repeats needs a positive integer');
    }
    else if (a === '--build') {
      const v = argv[++i];
      if (v !== 'auto' && v !== 'plain' && v !== 'relaxed') throw new Error('--build needs auto, plain (SIMD128 without FMA) or relaxed');
      build = v;
    }
    else throw new Error(`unknown option "${a}"`);
  }
  return { workloads, repeats, json, numpy, rss, build, process: proc, processRepeats };
}

function numpyAvailable(): string | undefined {
  const r = spawnSync('python3', ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Writes every workload's parameters and data as raw little-endian arrays (+ manifest.json) for reference.py. */
function writeInputs(dir: string): void {
  const manifest: Record<string, Record<string, unknown>> = {};
  for (const w of workloadInputs()) {
    const m: Record<string, unknown> = { params: Object.keys(w.params) };
    for (const [name, t] of Object.entries(w.params)) {
      writeFileSync(join(dir, `${w.key}.${name}`), new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
      m[name] = t.shape;
    }
    writeFileSync(join(dir, `${w.key}.features`), new Uint8Array(w.features.data.buffer, w.features.data.byteOffset, w.features.data.byteLength));
    writeFileSync(join(dir, `${w.key}.captions`), new Uint8Array(w.captions.data.buffer, w.captions.data.byteOffset, w.captions.data.byteLength));
    m.features = w.features.shape;
    m.captions = w.captions.shape;
    manifest[w.key] = m;
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
}

/** threads undefined: numpy's default (every core). OPENBLAS_CORETYPE / _L2_SIZE are unset (bench/process.ts). */
function runNumpy(workloads: string[], threads: number | undefined, repeats: number, dataDir: string): PyRun {
  const env = numpyEnv(threads);
  const script = join(__dirname, 'reference.py');
  const r = spawnSync('python3', [script, '--workloads', workloads.join(','), '--repeats', String(repeats), '--gradcheck-repeats', '1', '--data', dataDir],
    { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bench/reference.py (${threads ?? 'default'} BLAS threads) failed: ${(r.stderr || '').trim().split('\n').pop()}`);
  return JSON.parse(r.stdout) as PyRun;
}

interface RssRun { cell: string; dtype: string; iterations: number; maxRssMB: number; wasmMemoryMB: number; lastLoss: number }

/**
 * Peak RSS of a short training run (loss + Adam) at the overfit sizes, each in a fresh process. Runs
 * the bundled form when `npm run build` has produced dist/gemmWorker.js (what the extension runs),
 * else through tsx (which itself adds ~35 MB).
 */
async function measureRss(): Promise<{ how: string; runs: RssRun[] }> {
  const root = join(__dirname, '..');
  let cmd: string[];
  let how: string;
  if (existsSync(join(root, 'dist', 'gemmWorker.js'))) {
    const esbuild = await import('esbuild');
    await esbuild.build({ entryPoints: [join(__dirname, 'rss.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20',
      outfile: join(root, 'dist', 'bench-rss.js'), logLevel: 'warning', loader: { '.wasm': 'binary' } });
    cmd = [join(root, 'dist', 'bench-rss.js')];
    how = 'bundled (dist/bench-rss.js)';
  } else {
    cmd = ['--import', 'tsx', join(__dirname, 'rss.ts')];
    how = 'through tsx (run npm run build first for the bundled figure)';
  }
  const runs: RssRun[] = [];
  for (const cell of ['rnn', 'lstm']) {
    for (const dt of ['f64', 'f32']) {
      const r = spawnSync(process.execPath, [...cmd, cell, dt, '10'], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`bench/rss.ts ${cell} ${dt} failed: ${(r.stderr || '').trim()}`);
      runs.push(JSON.parse(r.stdout) as RssRun);
    }
  }
  return { how, runs };
}

/** How the engine's results compare with numpy's on the same inputs. */
function agreement(r: EngineResult, n?: PyTiming): string | undefined {
  if (!n) return undefined;
  if (r.loss !== undefined && n.loss !== undefined) {
    return `loss engine ${r.loss.toFixed(9)} numpy ${n.loss.toFixed(9)} (rel diff ${(Math.abs(r.loss - n.loss) / Math.abs(n.loss)).toExponential(1)})`;
  }
  if (r.captions && n.captions && r.captions.length === n.captions.length) {
    let same = 0;
    for (let i = 0; i < r.captions.length; i++) if (r.captions[i] === n.captions[i]) same++;
    return `sampled words equal to numpy's: ${same}/${r.captions.length}`;
  }
  if (r.worstRelError !== undefined && n.worst_rel_error != null) {
    return `worst rel_error engine ${r.worstRelError.toExponential(2)}, numpy ${n.worst_rel_error.toExponential(2)}`;
  }
  return undefined;
}

const f = (x: number | undefined, d = 1) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const load0 = loadavg();
  const all = machineThreads();
  const engine = await createNodeEngine({ threads: Math.max(2, all), build: opts.build });
  const counts = [...new Set([1, 2, all])].sort((a, b) => a - b);
  const engineRes: EngineResult[] = [];
  const engineLoad: number[] = [];
  for (const w of opts.workloads) {
    process.stderr.write(`engine: ${w}…\n`);
    engineLoad.push(loadavg()[0]);
    engineRes.push(runEngineWorkload(engine, w, opts.repeats, counts));
  }
  engine.detachHelper();
  const np = opts.numpy ? numpyAvailable() : undefined;
  let np1: PyRun | undefined, np2: PyRun | undefined;
  const procRes: ProcessResult[] = [];
  const blas = np ? numpyBlasInfo(numpyEnv()) : undefined;
  if (opts.numpy && !np) {
    process.stderr.write('python3 with numpy was not found: printing the engine figures alone.\n');
  } else if (np) {
    // Both sides compute on the same parameters and data.
    const dataDir = mkdtempSync(join(tmpdir(), 'gradlab-bench-'));
    try {
      writeInputs(dataDir);
      // `--workload process` alone: no engine workloads to compare.
      if (opts.workloads.length) {
        process.stderr.write('numpy, 1 BLAS thread…\n');
        np1 = runNumpy(opts.workloads, 1, opts.repeats, dataDir);
      }
      // Every workload at numpy's default threads too (the gradient check's products are tiny, but
      // the wall ratio is against what a user runs).
      const two = opts.workloads;
      if (two.length) {
        process.stderr.write('numpy, default BLAS threads…\n');
        np2 = runNumpy(two, undefined, opts.repeats, dataDir);
      }
      if (opts.process) {
        await writeTrainInputs(dataDir);
        for (const dt of ['f32', 'f64'] as const) {
          process.stderr.write(`whole process: gradlab train vs numpy, ${dt}…\n`);
          procRes.push(await runProcessWorkload(join(__dirname, '..'), dataDir, dt, opts.processRepeats));
        }
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  let rssRes: { how: string; runs: RssRun[] } | undefined;
  if (opts.rss) {
    process.stderr.write('peak RSS of training runs…\n');
    rssRes = await measureRss();
  }
  const load1 = loadavg();
  const rows = engineRes.map((r, i) => {
    const info = WORKLOADS.find((w) => w.name === r.name)!;
    const e1 = r.threads['1'];
    const eAll = r.threads[String(all)] ?? r.threads['2'] ?? e1;
    const n1 = np1?.results[r.name];
    // numpy at its default threads.
    const nd = np2?.results[r.name];
    return {
      workload: r.name,
      target: info.target,
      load: engineLoad[i],
      engine: r.threads,
      numpy1T: n1,
      numpyDefault: nd,
      ratioWall: nd ? eAll.wallMs / nd.wall_ms : undefined,
      ratioCpu: n1 ? Math.min(eAll.cpuMs, e1.cpuMs) / n1.cpu_ms : undefined,
      gflops: r.gflops,
      numpyGflops1T: n1?.gflops,
      numpyGflopsDefault: nd?.gflops,
      note: r.note,
      agreement: agreement(r, n1),
    };
  });
  const report = {
    engine: { build: engine.relaxed ? 'relaxed-simd (FMA)' : 'plain simd128', node: process.version, threads: counts, defaultThreads: all },
    numpy: np ?? null,
    numpyBlas: blas ?? null,
    loadavgBefore: load0,
    loadavgAfter: load1,
    repeats: opts.repeats,
    rows,
    process: procRes,
    peakRss: rssRes ?? null,
  };
  if (opts.json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return 0;
  }
  const out: string[] = [];
  out.push(`Gradient Lab bench — engine ${report.engine.build}, Node ${process.version}, default threads ${all} (every core); numpy ${np ?? (opts.numpy ? 'absent (python3 with numpy not found)' : 'not run (--no-numpy)')}`);
  if (blas) out.push(`numpy BLAS (OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset, default threads): ${blas}`);
  out.push(`load average before ${load0.map((x) => x.toFixed(2)).join(' ')}, after ${load1.map((x) => x.toFixed(2)).join(' ')} (${all} cores)`);
  out.push(`times: median ms, wall / busy-CPU of the busiest thread. ratio wall = engine at ${all} threads / numpy at its default threads (wall);`);
  out.push('ratio cpu = engine busy CPU (best thread count) / numpy 1 thread CPU; load = 1-minute load average when the engine ran the workload');
  out.push('');
  const tcols = counts.map((c) => `engine ${c}T`);
  const head = ['workload', 'ratio wall', 'ratio cpu', 'load', ...tcols, 'numpy 1T', 'numpy dflt', 'target'];
  const table: string[][] = [head];
  for (const r of rows) {
    const t = (x?: { wallMs: number; cpuMs: number }) => (x ? `${f(x.wallMs)} / ${f(x.cpuMs)}` : '–');
    const p = (x?: PyTiming) => (x ? `${f(x.wall_ms)} / ${f(x.cpu_ms)}` : '–');
    const isGc = r.workload.startsWith('gradcheck');
    const ratio = (x?: number) => (x === undefined ? '–' : isGc ? `${f(1 / x)}x faster` : f(x, 2));
    table.push([r.workload, ratio(r.ratioWall), ratio(r.ratioCpu), f(r.load, 2), ...counts.map((c) => t(r.engine[String(c)])), p(r.numpy1T), p(r.numpyDefault), r.target]);
  }
  const widths = head.map((_, i) => Math.max(...table.map((row) => row[i].length)));
  for (const row of table) out.push(row.map((c, i) => c.padEnd(widths[i])).join('  '));
  out.push('');
  for (const r of rows) {
    if (r.gflops) {
      const g = r.gflops;
      out.push(`${r.workload}: engine GFLOP/s ${counts.map((c) => `${c}T ${f(g[String(c)])} (cpu ${f(g[`${c}-cpu`])})`).join(', ')}; ` +
        `numpy 1T ${f(r.numpyGflops1T)}, default ${f(r.numpyGflopsDefault)}; engine ${all}T / 1T ${f(g[String(all)] / g['1'], 2)} wall`);
    }
    if (!r.gflops && (r.agreement || r.note)) out.push(`${r.workload}: ${r.agreement ?? r.note}`);
  }
  if (procRes.length) {
    out.push('');
    out.push('whole process, wall from spawn to exit (A/B alternating; median of the runs; cpu = user+sys of the process; started = start-up done; first = end of the first iteration; all from spawn):');
    for (const pr of procRes) {
      const g = (k: 'wallMs' | 'cpuMs' | 'firstMs' | 'startedMs', xs: { wallMs: number; cpuMs?: number; firstMs?: number; startedMs?: number }[]) => medianOf(xs.map((x) => x[k]));
      const gw = g('wallMs', pr.gradlab), nw = g('wallMs', pr.numpy);
      out.push(`  ${pr.name}: ratio wall ${gw && nw ? f(gw / nw, 2) : '–'}; gradlab ${f(gw, 0)} ms (cpu ${f(g('cpuMs', pr.gradlab), 0)}, started ${f(g('startedMs', pr.gradlab), 0)}, first ${f(g('firstMs', pr.gradlab), 0)}), ` +
        `numpy ${f(nw, 0)} ms (cpu ${f(g('cpuMs', pr.numpy), 0)}, first ${f(g('firstMs', pr.numpy), 0)} after python's start); ` +
        `load ${pr.gradlab.map((x) => f(x.load, 2)).join(' ')}`);
      out.push(`    ${pr.command}  vs  ${pr.numpyCommand}; runs gradlab ${pr.gradlab.map((x) => f(x.wallMs, 0)).join(' ')}, numpy ${pr.numpy.map((x) => f(x.wallMs, 0)).join(' ')}`);
      const nc = pr.gradlabNoExtraCerts;
      if (nc?.length) {
        const cw = g('wallMs', nc);
        out.push(`    without NODE_EXTRA_CA_CERTS: ratio wall ${cw && nw ? f(cw / nw, 2) : '–'}; gradlab ${f(cw, 0)} ms (started ${f(g('startedMs', nc), 0)}, first ${f(g('firstMs', nc), 0)}); runs ${nc.map((x) => f(x.wallMs, 0)).join(' ')}`);
      }
    }
    const withCerts = nodeStartMs(process.env);
    const noCerts = envWithoutExtraCerts();
    out.push(`  node's own start (process start to a script's first line): ${f(withCerts, 0)} ms` +
      (noCerts ? `; NODE_EXTRA_CA_CERTS is set on this machine and node reads that certificate file at every start: ${f(nodeStartMs(noCerts), 0)} ms without it` : ''));
  }
  if (rssRes) {
    out.push('');
    out.push(`peak RSS of a 10-iteration training run (loss + gradients + Adam) at the overfit sizes, ${rssRes.how}; target < 300 MB:`);
    for (const r of rssRes.runs) out.push(`  ${r.cell} ${r.dtype}: ${f(r.maxRssMB, 0)} MB (wasm memory ${f(r.wasmMemoryMB, 0)} MB), loss after 10 steps ${f(r.lastLoss, 3)}`);
  }
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
