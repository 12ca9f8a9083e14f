/**
 * `gradlab explore NAME`: the gradient-check explorations of issue 10 as text or JSON.
 * Exit status: 0 done; 1 the sanity suite failed or a catalogue entry did not show what it
 * promises; 2 bad input.
 */
import { BUG_IDS, EXPLORE_NAMES, isExploreName, runExplore, type ExploreData, type ExploreName, type ExploreRequest, type ExploreResult } from '../../core/explore/index';
import { stepRuns, type CheckReport, type Verdict } from '../../core/gradcheck';
import { openDatasetAt } from '../../runtime/fsAccess';
import { intFlag, numFlag, parseArgs, strFlag, UsageError } from '../args';

export const usage =
  `gradlab explore ${EXPLORE_NAMES.join('|')} [--json] [--seed N]\n` +
  '  sweep:     [--check LAYER|captioning_rnn|captioning_lstm] [--param dWh]\n' +
  '  precision: [--h STEP]\n' +
  `  bugs:      [--bug ${BUG_IDS.join('|')}]\n` +
  '  sanity:    [--data FOLDER|default] [--fc7] [--cell rnn|lstm] [--overfit-iterations N]\n' +
  '  flow:      [--data FOLDER|default] [--fc7]   (synthetic task always; a caption of the dataset when it opens)\n' +
  '             --fc7: the dataset\'s 4096-d *_vgg16_fc7.h5 features instead of the PCA pair\n' +
  '  sparse:    [--cell rnn|lstm] [--per-param K] [--directions M] [--sizes N,T,D,W,H,V]\n' +
  '  --seed N (default 231) applies to every one; an option of another exploration is an error.\n' +
  '  exit status 0 done, 1 the sanity suite failed or a catalogue entry did not show what it promises, 2 bad input';

/** The options each exploration reads, besides --seed and --json (the usage text's lines). */
const OPTIONS: Record<ExploreName, readonly string[]> = {
  sweep: ['check', 'param'],
  precision: ['h'],
  bugs: ['bug'],
  sanity: ['data', 'fc7', 'cell', 'overfit-iterations'],
  flow: ['data', 'fc7'],
  sparse: ['cell', 'per-param', 'directions', 'sizes'],
};

function openData(spec: string, fc7 = false): Promise<ExploreData> {
  return openDatasetAt(spec, { pcaFeatures: !fc7 });
}

export async function run(argv: string[]): Promise<number> {
  return runWith(argv, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
}

/** `run` with its output streams given (tests capture them without touching process.stdout). */
export async function runWith(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const p = parseArgs(argv, ['seed', 'check', 'param', 'h', 'bug', 'data', 'cell', 'overfit-iterations', 'per-param', 'directions', 'sizes'], ['json', 'fc7']);
  const [name, ...extra] = p.positional;
  if (name === undefined) throw new UsageError(`explore needs a NAME: one of ${EXPLORE_NAMES.join(', ')}`);
  if (!isExploreName(name)) throw new UsageError(`explore ${name}: expected one of ${EXPLORE_NAMES.join(', ')}`);
  if (extra.length > 0) throw new UsageError(`explore ${name}: unexpected argument "${extra[0]}"`);
  // A flag of another exploration would be silently ignored: say so instead.
  const own = OPTIONS[name];
  const foreign = [...p.flags.keys()].find((f) => f !== 'json' && f !== 'seed' && !own.includes(f));
  if (foreign !== undefined) {
    throw new UsageError(`--${foreign} does not apply to explore ${name} (its options: ${[...own, 'seed', 'json'].map((f) => '--' + f).join(', ')})`);
  }
  const req: ExploreRequest = { name, seed: intFlag(p, 'seed', 231, 0) };
  const check = strFlag(p, 'check');
  if (check) req.check = check;
  const param = strFlag(p, 'param');
  if (param) req.param = param;
  if (p.flags.has('h')) {
    req.h = numFlag(p, 'h', 1e-5);
    if (!(req.h > 0)) throw new UsageError(`--h ${req.h}: expected a positive step`);
  }
  const bug = strFlag(p, 'bug');
  if (bug) {
    if (!(BUG_IDS as string[]).includes(bug)) throw new UsageError(`--bug ${bug}: expected one of ${BUG_IDS.join(', ')}`);
    req.bug = bug;
  }
  const cell = strFlag(p, 'cell');
  if (cell !== undefined) {
    if (cell !== 'rnn' && cell !== 'lstm') throw new UsageError(`--cell ${cell}: expected rnn or lstm`);
    req.cells = [cell];
  }
  if (p.flags.has('overfit-iterations')) req.overfitIterations = intFlag(p, 'overfit-iterations', 100, 0);
  if (p.flags.has('per-param')) req.perParam = intFlag(p, 'per-param', 10, 1);
  if (p.flags.has('directions')) req.directions = intFlag(p, 'directions', 8, 1);
  const sizes = strFlag(p, 'sizes');
  if (sizes !== undefined) {
    const v = sizes.split(',').map(Number);
    if (v.length !== 6 || !v.every((x) => Number.isInteger(x) && x > 0)) throw new UsageError(`--sizes ${sizes}: expected six positive integers N,T,D,W,H,V`);
    if (v[5] < 4) throw new UsageError(`--sizes ${sizes}: V must be at least 4 (<NULL>, <START>, <END> and one word)`);
    req.sizes = { N: v[0], T: v[1], D: v[2], W: v[3], H: v[4], V: v[5] };
  }
  const json = p.flags.has('json');
  const log = (m: string) => {
    if (!json) err(`  ${m}\n`);
  };
  let data: ExploreData | undefined;
  const dataSpec = strFlag(p, 'data');
  if (name === 'sanity') data = await openData(dataSpec ?? 'default', p.flags.has('fc7'));
  if (name === 'flow') {
    try {
      data = await openData(dataSpec ?? 'default', p.flags.has('fc7'));
    } catch (e) {
      if (dataSpec !== undefined) throw e;
      log(`no caption flow: ${(e as Error).message}`);
    }
  }
  const t0 = Date.now();
  const result = runExplore(req, { data, progress: (m) => log(m) });
  const ms = Date.now() - t0;
  if (json) out(JSON.stringify(result) + '\n');
  else out(formatResult(result) + `\n(${ms} ms)\n`);
  return exitCode(result);
}

export function exitCode(r: ExploreResult): number {
  if (r.kind === 'sanity') return r.passed ? 0 : 1;
  if (r.kind === 'bugs') return r.runs.every((b) => b.problems.length === 0) ? 0 : 1;
  return 0;
}

/** The report view's and `gradlab check`'s word for each verdict (the data says 'warn'). */
const WORD: Record<Verdict, string> = { good: 'good', ok: 'ok', warn: 'suspect', wrong: 'wrong' };

const e1 = (x: number): string => (Number.isFinite(x) ? x.toExponential(1) : String(x));

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd();
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
}

/** "3-9" style runs of the steps whose error is above 1e-2. */
const badSteps = (errs: readonly number[]): string => stepRuns(errs, 1e-2);

function failing(r: CheckReport): string {
  const bad = r.layers.flatMap((l) =>
    l.params
      .filter((p) => p.verdict === 'wrong' || p.verdict === 'warn')
      .map((p) => {
        if (!p.perTimestep || p.perTimestep.length === 0) return `${l.layer}.${p.name}`;
        const steps = badSteps(p.perTimestep);
        const all = steps === `0-${p.perTimestep.length - 1}`;
        const word = `${p.perTimestepKind === 'loss-step' ? 'loss ' : ''}step${/^\d+$/.test(steps) ? '' : 's'}`;
        return all || steps === '' ? `${l.layer}.${p.name}` : `${l.layer}.${p.name} (${word} ${steps})`;
      }),
  );
  return bad.length === 0 ? 'everything passes' : bad.join(', ');
}

/** Why a correct model can read ok or suspect here (the webview's sparse table says the same). */
export const SPARSE_NOTE =
  'A high relative error whose absolute error is as small as the other rows\' comes from a small gradient at that entry (|g| at worst), not from a bug: the round-off of f(x ± h) is the same for every entry.';

export function formatResult(r: ExploreResult): string {
  switch (r.kind) {
    case 'sweep': {
      const s = r.sweep;
      const head = ['h', ...s.curves.map((c) => c.label ?? c.precision)];
      const rows = s.hs.map((h, i) => [e1(h), ...s.curves.map((c) => e1(c.relError[i]) + (c.best.h === h ? ' ←best' : ''))]);
      return [`Step-size sweep of ${s.check} ${s.param} (seed ${s.seed}; relative error of the worst element)`, table(head, rows), '', ...s.curves.map((c) => c.why)].join('\n');
    }
    case 'precision': {
      const t = r.table;
      const rows = t.rows.map((x) => [x.check, x.param, e1(x.rel64), WORD[x.verdict64], e1(x.rel32), WORD[x.verdict32] + (x.changed ? ' *' : ''), e1(x.rel32AtH32), WORD[x.verdict32AtH32]]);
      return [table(['check', 'param', 'float64', 'verdict', `float32 h=${e1(t.h)}`, 'verdict', `float32 h=${e1(t.suggestedH32)}`, 'verdict'], rows), '', '* verdict changed from float64', t.summary].join('\n');
    }
    case 'bugs':
      return r.runs
        .map((b) =>
          [
            `■ ${b.title} [${b.id}]`,
            `  ${b.description}`,
            `  wrong: ${b.code.wrong}    right: ${b.code.right}`,
            `  with the bug: ${failing(b.buggy)}`,
            `  reference:    ${failing(b.reference)}`,
            ...b.sanity.filter((l) => l.status === 'fail').map((l) => `  sanity: FAIL ${l.title}: ${l.detail}`),
            `  how to recognise it: ${b.recognise}`,
            b.problems.length === 0 ? '  catalogue: shows what it promises' : `  catalogue MISMATCH: ${b.problems.join('; ')}`,
          ].join('\n'),
        )
        .join('\n\n');
    case 'sanity':
      return [
        `Sanity suite on ${r.dataset}`,
        ...r.reports.flatMap((rep) => rep.lines.map((l) => `${rep.cell.padEnd(4)} ${l.status.toUpperCase().padEnd(7)} ${l.title}: ${l.detail}`)),
        r.passed ? 'Sanity suite passes' : 'Sanity suite FAILS',
      ].join('\n');
    case 'flow': {
      const g = r.grid;
      const iT = g.Ts.length - 1;
      const rows = g.rhos.map((rho, j) => {
        const run = g.runs[iT][j];
        return [rho.toFixed(2), e1(run.rnn.dh[0]), e1(run.lstm.dh[0])];
      });
      const out = [`Gradient flow: ‖∂L/∂h_0‖ with the loss at step T−1 = ${g.Ts[iT] - 1} only (‖∂L/∂h_T−1‖ = 1), H = ${g.hidden}, LSTM forget bias ${g.forgetBias}`, table(['ρ(Wh)', 'rnn', 'lstm'], rows)];
      if (r.caption) {
        const c = r.caption;
        out.push('', `A caption of ${c.dataset} (${c.split} caption ${c.index}): ‖∂L/∂h_t‖ per step`, table(['t', 'word', 'rnn', 'lstm'], c.words.map((w, t) => [String(t), w, e1(c.rnn.dh[t]), e1(c.lstm.dh[t])])));
      }
      return out.join('\n');
    }
    case 'sparse':
      return r.cells
        .map((c) =>
          [
            `captioning_${c.cell} at ${Object.entries(r.sizes).map(([k, v]) => `${k}=${v}`).join(' ')}`,
            table(['param', 'checked', 'rel error', 'max abs error', '|g| at worst', 'verdict'], c.sparse.params.map((p) => [p.name, `${p.checked}/${p.shape.reduce((a, b) => a * b, 1)}`, e1(p.relError), e1(p.maxAbsError), e1(Math.abs(p.worst.analytic)), WORD[p.verdict]])),
            SPARSE_NOTE,
            `directional: ${c.directional.directions} directions, worst ${e1(c.directional.worstRelError)}, estimated ‖e‖/‖g‖ ${e1(c.directional.estimatedRelError)}`,
            c.directional.explanation,
          ].join('\n'),
        )
        .join('\n\n');
    default: {
      const never: never = r;
      return JSON.stringify(never);
    }
  }
}
