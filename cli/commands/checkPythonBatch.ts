/**
 * `gradlab check-python DIR...`: the batch mode for teachers and TAs. Every submission (a folder
 * with a `cs231n/` tree, or a `.py` file; a folder of those stands for each of them) is checked in
 * its own Python processes, several at a time, and the result is one table, submission by
 * function (`--json`, `--csv` for spreadsheets). Exit 0 every submission passes, 1 some do not,
 * 2 nothing could run (no Python, no numpy, bad arguments), 130 stopped by Ctrl-C.
 */
import {
  batchColumns, checkBatch, defaultJobs, environmentProblem, findSubmissions,
  type BatchCell, type BatchRow, type CellStatus, type Submission,
} from '../../runtime/pycheck/batch';
import { LAYER_FUNCTIONS } from '../../runtime/pycheck/specs';
import { UsageError } from '../args';

export interface BatchCliOptions {
  python: string[];
  timeoutSeconds: number;
  /** Starting Python with numpy, and importing a file: each this long at most (default: the runner's). */
  importTimeoutMs?: number;
  seed: number;
  only?: string;
  jobs?: number;
  format: 'table' | 'json' | 'csv';
}

const MARK: Record<CellStatus, string> = { pass: 'ok', warn: 'warn', fail: 'FAIL', error: 'ERR', todo: 'todo', timeout: 'TIME', missing: 'miss', absent: '-', 'not-run': '?' };

export const LEGEND = (secs: number): string =>
  `ok passes · warn suspect · FAIL wrong result · ERR raised or does not import · todo not implemented yet (the starter's pass) · TIME stopped after ${secs} s · miss file missing · - not defined · ? not run`;

/** Table header for a column: the layer and fwd/bwd, the model's class and method. */
export function columnHead(fn: string): { group: string; sub: string } {
  const dot = fn.indexOf('.');
  if (dot > 0) return { group: fn.slice(0, dot), sub: fn.slice(dot + 1) };
  const spec = LAYER_FUNCTIONS.find((f) => f.name === fn);
  if (spec?.op) return { group: spec.op.op, sub: spec.kind === 'forward' ? 'fwd' : 'bwd' };
  if (fn === 'temporal_softmax_loss') return { group: 'softmax', sub: 'loss' };
  return { group: fn, sub: '' };
}

const passed = (r: BatchRow): string => `${[...r.cells.values()].filter((c) => c.status === 'pass').length}/${r.cells.size}`;

/** The text table: two header lines (layer, then fwd/bwd), one line per submission, the note last. */
export function formatBatchTable(rows: readonly BatchRow[], columns: readonly string[]): string {
  const heads = columns.map(columnHead);
  const widths = heads.map((h) => Math.max(4, h.sub.length));
  // Groups of adjacent columns share their first header line; a long layer name widens its last column.
  const groups: { name: string; from: number; to: number }[] = [];
  heads.forEach((h, i) => {
    const g = groups[groups.length - 1];
    if (g && g.name === h.group) g.to = i;
    else groups.push({ name: h.group, from: i, to: i });
  });
  const GAP = 2;
  for (const g of groups) {
    const span = widths.slice(g.from, g.to + 1).reduce((s, w) => s + w, 0) + GAP * (g.to - g.from);
    if (g.name.length > span) widths[g.to] += g.name.length - span;
  }
  const nameW = Math.max('submission'.length, ...rows.map((r) => r.submission.name.length));
  const passW = Math.max('passed'.length, ...rows.map((r) => passed(r).length));
  const pad = (s: string, w: number): string => s + ' '.repeat(Math.max(0, w - s.length));
  const sep = ' '.repeat(GAP);
  let top = pad('', nameW);
  for (const g of groups) {
    const span = widths.slice(g.from, g.to + 1).reduce((s, w) => s + w, 0) + GAP * (g.to - g.from);
    top += sep + pad(g.name, span);
  }
  const second = [pad('submission', nameW), ...heads.map((h, i) => pad(h.sub, widths[i])), pad('passed', passW), 'note'].join(sep);
  const lines = [top.trimEnd(), second, [ '-'.repeat(nameW), ...widths.map((w) => '-'.repeat(w)), '-'.repeat(passW), '----'].join(sep)];
  for (const r of rows) {
    const cells = columns.map((fn, i) => pad(MARK[r.cells.get(fn)?.status ?? 'absent'], widths[i]));
    lines.push([pad(r.submission.name, nameW), ...cells, pad(passed(r), passW), r.note].join(sep).trimEnd());
  }
  return lines.join('\n');
}

/** RFC 4180: quoted when it holds a comma, a quote or a line break. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function formatBatchCsv(rows: readonly BatchRow[], columns: readonly string[]): string {
  const head = ['submission', 'path', 'status', ...columns, 'passed', 'functions', 'note'];
  const lines = [head.map(csvField).join(',')];
  for (const r of rows) {
    const cs = [...r.cells.values()];
    const rec = [
      r.submission.name, r.submission.path, r.status,
      ...columns.map((fn) => r.cells.get(fn)?.status ?? 'absent'),
      String(cs.filter((c) => c.status === 'pass').length), String(cs.length), r.note,
    ];
    lines.push(rec.map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

/** A cell for JSON: the verdict and the words, not the tensors. */
function cellJson(c: BatchCell): Record<string, unknown> {
  const r = c.result;
  return {
    status: c.status, summary: c.summary, where: c.where,
    details: r?.details.length ? r.details : undefined,
    error: r?.error ? { phase: r.error.phase, type: r.error.type, message: r.error.message, frames: r.error.frames } : undefined,
    problem: r?.problem, ms: r ? Math.round(r.ms) : undefined,
  };
}

export function batchJson(rows: readonly BatchRow[], columns: readonly string[], extra: Record<string, unknown>): Record<string, unknown> {
  return {
    ...extra,
    columns,
    submissions: rows.map((r) => ({
      name: r.submission.name, path: r.submission.path, status: r.status, note: r.note, ms: Math.round(r.ms),
      files: r.files, results: Object.fromEntries([...r.cells].map(([k, c]) => [k, cellJson(c)])),
    })),
  };
}

export async function runBatch(args: readonly string[], o: BatchCliOptions): Promise<number> {
  const subs: Submission[] = findSubmissions(args);
  if (subs.length === 0) throw new UsageError('no submissions given');
  // Nothing that could be a submission at all: bad input, said in one line (exit 2).
  if (subs.every((s) => s.problem)) throw new UsageError(subs.map((s) => `${s.name}: ${s.problem}`).join('; '));
  const jobs = o.jobs ?? defaultJobs();
  const ac = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    if (++interrupts > 1) process.exit(130);
    process.stderr.write('stopping: Python processes ended, printing what finished (Ctrl-C again to quit now)\n');
    ac.abort();
  };
  process.on('SIGINT', onSigint);
  const t0 = Date.now();
  const progress = process.stderr.isTTY && o.format === 'table';
  let done = 0;
  let rows: BatchRow[];
  try {
    rows = await checkBatch(subs, {
      python: o.python, timeoutMs: o.timeoutSeconds * 1000, importTimeoutMs: o.importTimeoutMs, seed: o.seed, only: o.only, jobs, signal: ac.signal,
      onRow: (row) => {
        done++;
        // No Python or no numpy: every submission would say the same; stop now.
        if (environmentProblem(row)) ac.abort();
        if (progress) process.stderr.write(`\r${done}/${subs.length} checked${done === subs.length ? '\n' : ''}`);
      },
    });
  } finally {
    process.off('SIGINT', onSigint);
  }
  const envRow = rows.find((r) => environmentProblem(r));
  const env = envRow && environmentProblem(envRow);
  if (env) {
    process.stderr.write(`gradlab: nothing checked: ${env.message}: ${env.hint}\n`);
    return 2;
  }
  const stopped = interrupts > 0;
  const columns = batchColumns(rows, o.only);
  const ms = Date.now() - t0;
  const meta = firstMeta(rows);
  if (o.format === 'json') {
    process.stdout.write(JSON.stringify(batchJson(rows, columns, { ...meta, jobs, timeoutSeconds: o.timeoutSeconds, ms, stopped })) + '\n');
  } else if (o.format === 'csv') {
    process.stdout.write(formatBatchCsv(rows, columns));
  } else {
    const count = (s: BatchRow['status']): number => rows.filter((r) => r.status === s).length;
    const envText = meta.interpreter ? `, ${meta.interpreter} = Python ${meta.python}, numpy ${meta.numpy}` : '';
    const parts = [`${count('pass')} pass`, `${count('fail')} with failures`, `${count('error')} could not be checked`];
    if (count('not-run')) parts.push(`${count('not-run')} not run (stopped)`);
    process.stdout.write(`${formatBatchTable(rows, columns)}\n\n${LEGEND(o.timeoutSeconds)}\n`);
    process.stdout.write(`${rows.length} submission${rows.length === 1 ? '' : 's'}: ${parts.join(', ')} (${(ms / 1000).toFixed(1)} s, ${jobs} at a time${envText})\n`);
  }
  if (stopped) return 130;
  return rows.every((r) => r.status === 'pass') ? 0 : 1;
}

function firstMeta(rows: readonly BatchRow[]): { interpreter?: string; python?: string; numpy?: string } {
  for (const r of rows) {
    for (const c of r.cells.values()) {
      if (c.result?.python) return { interpreter: c.result.interpreter, python: c.result.python, numpy: c.result.numpy };
    }
  }
  return {};
}
