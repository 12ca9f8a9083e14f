/**
 * Batch checks for teachers and TAs: many submissions (each a folder with a `cs231n/` tree, or
 * one `.py` file), each checked in its own Python processes with its own folder as the working
 * directory, several at a time. A bad submission (a missing file, a file that does not import, an
 * endless loop) is a row with its reason; nothing in one submission stops the others.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { checkFunctions, functionsIn, type FunctionResult, type PyCheckOptions } from './check';
import { importTimeoutFor, TIMEOUT_STAGE } from './runner';
import { LAYER_FUNCTIONS, MODEL_METHODS } from './specs';

/** The files of a `cs231n/` tree that hold checkable functions, in the order they are checked. */
export const SUBMISSION_FILES = [
  { role: 'layers', rel: path.join('cs231n', 'rnn_layers.py') },
  { role: 'model', rel: path.join('cs231n', 'classifiers', 'rnn.py') },
] as const;

export type FileRole = (typeof SUBMISSION_FILES)[number]['role'] | 'file';

export interface Submission {
  /** For people: the argument as given, or `folder/child` when a folder of submissions was given. */
  name: string;
  /** Absolute path of the submission's folder or `.py` file. */
  path: string;
  kind: 'folder' | 'file';
  /** Set when the submission cannot be checked at all (no cs231n/ folder, not Python, unreadable). */
  problem?: string;
}

/** One cell of the table: how one function of one submission came out. */
export type CellStatus = 'pass' | 'warn' | 'fail' | 'error' | 'todo' | 'timeout' | 'missing' | 'absent' | 'not-run';

export interface BatchCell {
  function: string;
  status: CellStatus;
  /** One line: the check's summary, or why it did not run. */
  summary: string;
  /** `cs231n/rnn_layers.py:52`, relative to the submission. */
  where?: string;
  result?: FunctionResult;
}

export interface BatchFile {
  /** Relative to the submission's folder. */
  rel: string;
  role: FileRole;
  present: boolean;
  /** Functions found in it. */
  functions: number;
  /** Set when the whole file failed the same way (it does not import, it loops at import time). */
  problem?: string;
}

export interface BatchRow {
  submission: Submission;
  files: BatchFile[];
  /** By qualified function name. */
  cells: Map<string, BatchCell>;
  /** The row's first reason, for the table's last column (empty when everything passed). */
  note: string;
  /** Whole-submission verdict: every function found passes, some do not, or nothing could be checked. */
  status: 'pass' | 'fail' | 'error' | 'not-run';
  ms: number;
}

export interface BatchOptions extends Omit<PyCheckOptions, 'prewarm' | 'cwd'> {
  /** Submissions checked at the same time; default: the machine's cores (at most 8). */
  jobs?: number;
  /** Only these functions (plain or qualified names). */
  only?: string;
  onRow?: (row: BatchRow, index: number) => void;
}

const SKIP = new Set(['__pycache__', '__MACOSX', 'node_modules']);

const isSubmissionFolder = (dir: string): boolean => {
  try {
    return statSync(path.join(dir, 'cs231n')).isDirectory();
  } catch {
    return false;
  }
};

/**
 * The submissions named by the command line's arguments: a `.py` file, a folder holding
 * `cs231n/`, or a folder of such folders and files (one level, sorted by name). What cannot be a
 * submission is still one, with its problem, so that it appears in the table.
 */
export function findSubmissions(args: readonly string[], cwd = process.cwd()): Submission[] {
  const out: Submission[] = [];
  for (const a of args) {
    const abs = path.resolve(cwd, a);
    let st;
    try {
      st = statSync(abs);
    } catch {
      out.push({ name: a, path: abs, kind: 'file', problem: 'no such file or folder' });
      continue;
    }
    if (st.isFile()) {
      out.push({ name: a, path: abs, kind: 'file', problem: a.endsWith('.py') ? undefined : 'not a .py file or a folder' });
      continue;
    }
    if (!st.isDirectory()) {
      out.push({ name: a, path: abs, kind: 'file', problem: 'not a file or a folder' });
      continue;
    }
    if (isSubmissionFolder(abs)) {
      out.push({ name: a.replace(/[\\/]+$/, '') || a, path: abs, kind: 'folder' });
      continue;
    }
    let entries;
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch (e) {
      out.push({ name: a, path: abs, kind: 'folder', problem: `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})` });
      continue;
    }
    const children = entries
      .filter((e) => !e.name.startsWith('.') && !SKIP.has(e.name) && (e.isDirectory() || (e.isFile() && e.name.endsWith('.py'))))
      .sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    if (children.length === 0) {
      out.push({ name: a, path: abs, kind: 'folder', problem: 'no cs231n/ folder, no submission folders and no .py files in it' });
      continue;
    }
    const base = a.replace(/[\\/]+$/, '');
    for (const c of children) {
      const p = path.join(abs, c.name);
      const name = `${base}/${c.name}`;
      if (c.isFile()) out.push({ name, path: p, kind: 'file' });
      else out.push({ name, path: p, kind: 'folder', problem: isSubmissionFolder(p) ? undefined : 'no cs231n/ folder in it' });
    }
  }
  return out;
}

/** The columns every folder submission is expected to have, in CS231n's order. */
export function expectedFunctions(only?: string): string[] {
  const all = [
    ...LAYER_FUNCTIONS.filter((f) => f.op?.op !== 'affine').map((f) => f.name),
    ...MODEL_METHODS.map((m) => `CaptioningRNN.${m.name}`),
  ];
  return only ? all.filter((n) => n === only || n.endsWith(`.${only}`)) : all;
}

const isModel = (fn: string): boolean => fn.includes('.');

function cellOf(r: FunctionResult, dir: string): BatchCell {
  const status: CellStatus = r.problem?.kind === 'timeout' ? 'timeout' : r.problem?.kind === 'cancelled' ? 'not-run' : r.status;
  return { function: r.function, status, summary: r.summary, where: `${path.relative(dir, r.file) || path.basename(r.file)}:${r.line + 1}`, result: r };
}

const numpyTimedOut = (results: readonly FunctionResult[]): boolean =>
  results.length > 0 && results.every((r) => r.problem?.kind === 'timeout' && TIMEOUT_STAGE.numpy.test(r.problem.message));

/** One line for a file whose every function failed the same way: it did not import, or it looped. */
function fileProblem(rel: string, results: readonly FunctionResult[]): string | undefined {
  if (results.length === 0 || !results.every((r) => r.summary === results[0].summary)) return undefined;
  const first = results[0];
  const fe = first.fileError;
  if (fe?.python2) return `${rel}: ${fe.message}`;
  if (first.error?.phase === 'import') return `${rel} does not import: ${first.error.type}: ${first.error.message}${fe ? ` (line ${fe.line + 1})` : ''}`;
  if (first.problem?.kind === 'timeout' && (TIMEOUT_STAGE.module.test(first.problem.message) || TIMEOUT_STAGE.numpy.test(first.problem.message))) return `${rel}: ${first.problem.message}`;
  return undefined;
}

/** A cell's line for the note column: the problem without its hint (the legend and --json have it). */
const noteOf = (c: BatchCell): string => {
  const text = c.result?.problem ? c.result.problem.message : c.summary;
  return text.startsWith(c.function) ? text : `${c.function}: ${text}`;
};

/** Environment problems (no Python, no numpy): no submission could run; the caller stops. */
export function environmentProblem(row: BatchRow): FunctionResult['problem'] | undefined {
  for (const c of row.cells.values()) {
    const p = c.result?.problem;
    if (p && (p.kind === 'not-found' || p.kind === 'no-numpy')) return p;
  }
  return undefined;
}

/**
 * Checks one submission: each of its files in one Python process (in the submission's folder, as
 * its notebook runs), one after the other. Functions the submission's files do not define are
 * `absent`; those of a missing file are `missing`.
 */
export async function checkSubmission(sub: Submission, opts: BatchOptions): Promise<BatchRow> {
  const t0 = performance.now();
  const cells = new Map<string, BatchCell>();
  const files: BatchFile[] = [];
  const row = (): BatchRow => finishRow(sub, files, cells, opts.only, performance.now() - t0);
  if (sub.problem) return row();
  const dir = sub.kind === 'folder' ? sub.path : path.dirname(sub.path);
  const targets: { rel: string; role: FileRole; abs: string }[] =
    sub.kind === 'file' ? [{ rel: path.basename(sub.path), role: 'file', abs: sub.path }] : SUBMISSION_FILES.map((f) => ({ rel: f.rel, role: f.role, abs: path.join(sub.path, f.rel) }));
  for (const t of targets) {
    if (opts.signal?.aborted) break;
    if (!existsSync(t.abs)) {
      files.push({ rel: t.rel, role: t.role, present: false, functions: 0, problem: `${t.rel} is missing` });
      continue;
    }
    let found;
    try {
      found = functionsIn(t.abs, opts.only);
    } catch (e) {
      files.push({ rel: t.rel, role: t.role, present: true, functions: 0, problem: `${t.rel} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})` });
      continue;
    }
    const file: BatchFile = { rel: t.rel, role: t.role, present: true, functions: found.length };
    files.push(file);
    if (found.length === 0) continue;
    let results: FunctionResult[];
    try {
      results = await checkFunctions(t.abs, found, { ...opts, cwd: dir, prewarm: false });
      // Starting Python and importing numpy has its own limit, which a machine busy with other
      // submissions can still exceed: that gets one more try with three times the limit (it is not
      // the student's code; a false alarm is the worst verdict). The module's own import has its own
      // limit, already generous: a loop there is the student's, and is not retried.
      if (!opts.signal?.aborted && numpyTimedOut(results)) {
        const first = opts.importTimeoutMs ?? importTimeoutFor(opts.timeoutMs ?? 10000);
        results = await checkFunctions(t.abs, found, { ...opts, cwd: dir, prewarm: false, importTimeoutMs: 3 * first });
      }
    } catch (e) {
      // Not the student's doing (the driver is gone, the disk is full): said on the row, the batch goes on.
      file.problem = `${t.rel} could not be checked: ${e instanceof Error ? e.message : String(e)}`;
      continue;
    }
    // Ctrl-C in a terminal reaches Python too: whatever a stopped process says is "not run".
    if (opts.signal?.aborted) results = results.map((r) => (r.problem ? { ...r, problem: { ...r.problem, kind: 'cancelled' } } : r));
    file.problem = opts.signal?.aborted ? undefined : fileProblem(t.rel, results);
    for (const r of results) cells.set(r.function, cellOf(r, dir));
  }
  return row();
}

function finishRow(sub: Submission, files: BatchFile[], cells: Map<string, BatchCell>, only: string | undefined, ms: number): BatchRow {
  if (sub.kind === 'folder' && !sub.problem) {
    // Every expected function has a cell: missing file, or not defined in a file that is there.
    for (const fn of expectedFunctions(only)) {
      if (cells.has(fn)) continue;
      const f = files.find((x) => x.role === (isModel(fn) ? 'model' : 'layers'));
      if (!f) cells.set(fn, { function: fn, status: 'not-run', summary: 'not run (stopped)' });
      else if (!f.present) cells.set(fn, { function: fn, status: 'missing', summary: `${f.rel} is missing` });
      else if (f.problem) cells.set(fn, { function: fn, status: 'error', summary: f.problem });
      else cells.set(fn, { function: fn, status: 'absent', summary: `not defined in ${f.rel}` });
    }
  }
  const all = [...cells.values()];
  const ran = all.filter((c) => c.status !== 'absent' && c.status !== 'missing' && c.status !== 'not-run');
  const notes: string[] = [];
  if (sub.problem) notes.push(sub.problem);
  for (const f of files) if (f.problem) notes.push(f.problem);
  // A file that did not import already says so: its functions add nothing.
  const fileOf = (c: BatchCell): BatchFile | undefined => files.find((f) => c.result && c.where?.startsWith(`${f.rel}:`));
  const bad = all.filter((c) => ran.includes(c) && c.status !== 'pass' && !fileOf(c)?.problem);
  if (bad.length > 0) notes.push(noteOf(bad[0]) + (bad.length > 1 ? ` (and ${bad.length - 1} more)` : ''));
  if (!sub.problem && ran.length === 0 && notes.length === 0) notes.push(all.some((c) => c.status === 'not-run') ? 'not run (stopped)' : 'no CS231n layer functions or model loss/sample found');
  const stopped = all.some((c) => c.status === 'not-run');
  const status: BatchRow['status'] = sub.problem || ran.length === 0 ? (stopped ? 'not-run' : 'error') : ran.every((c) => c.status === 'pass') && !all.some((c) => c.status === 'missing') ? 'pass' : ran.some((c) => c.status === 'pass') ? 'fail' : 'error';
  return { submission: sub, files, cells, note: notes.join('; '), status: stopped && status === 'pass' ? 'not-run' : status, ms };
}

/** A row for a submission that was never started (Ctrl-C came first). */
export function notRunRow(sub: Submission, only?: string): BatchRow {
  const cells = new Map<string, BatchCell>();
  for (const fn of sub.kind === 'folder' && !sub.problem ? expectedFunctions(only) : []) cells.set(fn, { function: fn, status: 'not-run', summary: 'not run (stopped)' });
  return { submission: sub, files: [], cells, note: sub.problem ?? 'not run (stopped)', status: sub.problem ? 'error' : 'not-run', ms: 0 };
}

/** How many submissions run at once by default: one per core, at most 8. */
export function defaultJobs(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

/**
 * Checks every submission, `jobs` at a time; rows come back in the submissions' order, and each
 * is reported through `onRow` as soon as it is done. After an abort, the submissions not started
 * are rows that say so; the running ones end with what finished.
 */
export async function checkBatch(subs: readonly Submission[], opts: BatchOptions): Promise<BatchRow[]> {
  const rows: (BatchRow | undefined)[] = subs.map(() => undefined);
  const jobs = Math.max(1, Math.floor(opts.jobs ?? defaultJobs()));
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < subs.length && !opts.signal?.aborted) {
      const i = next++;
      const row = await checkSubmission(subs[i], opts);
      rows[i] = row;
      opts.onRow?.(row, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, subs.length) }, lane));
  return rows.map((r, i) => r ?? notRunRow(subs[i], opts.only));
}

/** The table's columns: the expected functions first (those that any row has), then any other found. */
export function batchColumns(rows: readonly BatchRow[], only?: string): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of r.cells.keys()) seen.add(k);
  const order = [...LAYER_FUNCTIONS.map((f) => f.name), ...MODEL_METHODS.map((m) => `CaptioningRNN.${m.name}`)];
  const rank = (fn: string): number => {
    const i = order.indexOf(fn);
    if (i >= 0) return i;
    const m = order.indexOf(`CaptioningRNN.${fn.split('.').pop()}`);
    return m >= 0 ? m + 0.5 : order.length;
  };
  const cols = [...seen].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return only ? cols.filter((c) => c === only || c.endsWith(`.${only}`) || c === `CaptioningRNN.${only}`) : cols;
}
