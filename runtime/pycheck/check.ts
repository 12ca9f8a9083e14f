/**
 * Checks a user's Python function end to end: build the cases, run them in the user's Python
 * through the driver, compare with the engine, and summarise as a diagnostic would say it.
 * Shared by the extension (CodeLens, commands) and `gradlab check-python`.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { worstVerdict, type LayerCheck, type Thresholds, type Verdict } from '../../core/gradcheck';
import { casesFor, type CheckCase } from './cases';
import { caseLines, compareCase, lowPrecisionHint, type CaseResult, type PyParamCheck } from './compare';
import { listNames } from './format';
import { findFunctions, type FoundFunction } from './finder';
import { driverCase } from './job';
import { fromExFloat } from './exchange';
import { functionLines, starterStub } from './starter';
import { StubFinder, type StubCall } from './stubCalls';
import { defaultDriverPath, PythonProblem, runDriver, type DriverAnswer, type DriverCaseResult, type PyError } from './runner';

/** 'todo': the function is still the assignment's stub (its `pass`, or NotImplementedError): information, not a failure. */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'error' | 'todo';

/** A model method's result for one cell type ('rnn' right while 'lstm' still raises NotImplementedError). */
export interface CellResult {
  cell: string;
  /** 'not-implemented': the branch raises NotImplementedError (or returns None): unfinished, not wrong. */
  status: CheckStatus | 'not-implemented';
  summary: string;
  details: string[];
}

/** A file that does not import: one error for the whole file, on its line. */
export interface FileError {
  /** The checked file. */
  file: string;
  /** 0-based line of the checked file the error belongs on (the failing line, or the import that led to it). */
  line: number;
  /** The one line a student reads. */
  message: string;
  /** The file (or one it imports) is Python 2 code. */
  python2?: boolean;
}

export interface FunctionResult {
  /** `rnn_backward` or `CaptioningRNN.loss`. */
  function: string;
  kind: string;
  file: string;
  /** 0-based position of the function's name. */
  line: number;
  character: number;
  endCharacter: number;
  status: CheckStatus;
  /** One line, the diagnostic's first line. */
  summary: string;
  /** Further lines: every wrong tensor, notes, the forward's own errors. */
  details: string[];
  /** Set when the user's code raised: frames link to editor lines. */
  error?: PyError;
  /** Set when Python itself was the problem (not found, numpy missing, time limit). */
  problem?: { kind: PythonProblem['kind']; message: string; hint: string };
  cases: CaseResult[];
  /** The engine's report shape, for the report webview and the checks tree. */
  layer: LayerCheck;
  interpreter?: string;
  /** Where the time went: the subprocess's wall time, the user's code inside it, and the engine comparison here. */
  timing?: { processMs: number; userCodeMs: number; compareMs: number };
  python?: string;
  numpy?: string;
  ms: number;
  /** Code that works (the verdict stands) but is fragile, or unfinished branches: one sentence each. */
  hints?: string[];
  /** Model methods: one result per cell type, in the order rnn, lstm. */
  cells?: CellResult[];
  /** Set (the same on every function) when the file does not import: report it once, on `fileError.line`. */
  fileError?: FileError;
}

export interface PyCheckOptions {
  /** Interpreters to try in order (setting, Python extension's choice, python3). */
  python: readonly string[];
  /** Working directory of the subprocess: the workspace folder. */
  cwd: string;
  /** Per function, from the end of the module's import; default 10 s. */
  timeoutMs?: number;
  /** Starting Python and importing numpy, and then importing the module: each this long at most (default runner.importTimeoutFor(timeoutMs)). */
  importTimeoutMs?: number;
  driver?: string;
  seed?: number;
  signal?: AbortSignal;
  /** Keep the next Python process started and waiting (long-lived hosts; see runner.disposeWarm). */
  prewarm?: boolean;
  /** Verdict thresholds; CS231n's (1e-7, 1e-4, 1e-2) by default. */
  thresholds?: Thresholds;
}

const STATUS_ORDER: CheckStatus[] = ['pass', 'warn', 'fail', 'error'];

function layerOf(f: FoundFunction, file: string, cases: CaseResult[], ms: number): LayerCheck {
  const worst = [...cases].sort((a, b) => rank(b) - rank(a))[0];
  const params: PyParamCheck[] = worst ? [...worst.checks, ...worst.numeric.map((p) => ({ ...p, name: `${p.name} (numerical)` })), ...worst.forward.map((p) => ({ ...p, name: `${p.name} (your forward)` }))] : [];
  const verdicts: Verdict[] = cases.map((c) => (c.verdict === 'error' ? 'wrong' : c.verdict));
  return {
    layer: `${f.qualified} (${path.basename(file)})`,
    sizes: worst?.sizes ?? {},
    params,
    verdict: worstVerdict(verdicts),
    ms,
  };
}

function rank(c: CaseResult): number {
  return c.verdict === 'error' ? 4 : ['good', 'ok', 'warn', 'wrong'].indexOf(c.verdict);
}

function problemResult(f: FoundFunction, file: string, p: { kind: PythonProblem['kind']; message: string; hint: string }, ms: number): FunctionResult {
  return {
    function: f.qualified, kind: f.spec.kind, file, line: f.line, character: f.character, endCharacter: f.endCharacter,
    status: 'error', summary: p.hint ? `${p.message}: ${p.hint}` : p.message, details: [], problem: p, cases: [],
    layer: layerOf(f, file, [], ms), ms,
  };
}

/** Checks one function found in `file` (the saved file is what Python imports). */
export async function checkFunction(file: string, f: FoundFunction, opts: PyCheckOptions): Promise<FunctionResult> {
  return (await checkFunctions(file, [f], opts))[0];
}

/**
 * Checks several functions of one file in one Python process (one import of numpy and of the
 * file). Each function has its own time limit; when one never returns (or kills Python), the
 * functions after it run again in a fresh process, so one endless loop stops only itself.
 */
export async function checkFunctions(file: string, fs: readonly FoundFunction[], opts: PyCheckOptions, onResult?: (r: FunctionResult) => void): Promise<FunctionResult[]> {
  const absFile = path.resolve(file);
  const done = new Map<FoundFunction, FunctionResult>();
  const emit = (f: FoundFunction, r: FunctionResult): void => {
    done.set(f, r);
    onResult?.(r);
  };
  let todo: FoundFunction[] = [];
  for (const f of fs) {
    if (f.problem) emit(f, { ...problemResult(f, absFile, { kind: 'bad-answer', message: f.problem, hint: '' }, 0), status: 'fail', problem: undefined });
    else todo.push(f);
  }
  const casesOf = new Map(todo.map((f) => [f, casesFor(f.spec, opts.seed ?? 0)]));
  // The file Python imports, read once for this run (unreadable: Python says why), and the
  // starter's unfilled `pass` of each function; the stubs its results may wait for are looked up
  // through the same finder, in this file and the modules it imports.
  const stubs = new StubFinder(opts.cwd);
  const src = stubs.source(absFile) ?? '';
  const stubOf = new Map(todo.map((f) => [f, src ? starterStub(src, f.defLine) : undefined]));
  while (todo.length > 0 && !opts.signal?.aborted) {
    const groups: { id: string; group: string }[] = [];
    const jobCases: Record<string, unknown>[] = [];
    for (const f of todo) {
      for (const c of casesOf.get(f)!) {
        const id = `${f.qualified}::${c.id}`;
        groups.push({ id, group: f.qualified });
        jobCases.push(driverCase({ spec: f.spec, className: f.className }, c, id));
      }
    }
    const t0 = performance.now();
    let answer;
    try {
      answer = await runDriver(
        { module: absFile, root: opts.cwd, h: 1e-5, cases: jobCases },
        { python: opts.python, driver: opts.driver ?? defaultDriverPath(), cwd: opts.cwd, timeoutMs: opts.timeoutMs ?? 10000, importTimeoutMs: opts.importTimeoutMs, signal: opts.signal, groups, prewarm: opts.prewarm },
      );
    } catch (e) {
      if (!(e instanceof PythonProblem)) throw e;
      // No Python, no numpy, an endless loop at import time: every function gets the same answer.
      for (const f of todo) emit(f, problemResult(f, absFile, { kind: e.kind, message: e.message, hint: e.hint }, performance.now() - t0));
      break;
    }
    if (!answer.ok) {
      const err = answer.error!;
      const fileError = importError(err, absFile, opts.cwd);
      for (const f of todo) {
        const ms = performance.now() - t0;
        emit(f, {
          ...meta(f, absFile, answer), status: 'error', summary: fileError.message, details: [],
          error: err, cases: [], layer: layerOf(f, absFile, [], ms), ms, fileError,
        });
      }
      break;
    }
    const byId = new Map(answer.results.map((r) => [r.id, r]));
    const next: FoundFunction[] = [];
    // The import is not the first function's time.
    let prevDone = answer.importMs ?? 0;
    for (const f of todo) {
      const cases = casesOf.get(f)!;
      const finished = cases.every((c) => byId.has(`${f.qualified}::${c.id}`));
      if (finished) {
        const processMs = (answer.groupDoneMs[f.qualified] ?? prevDone) - prevDone;
        prevDone = answer.groupDoneMs[f.qualified] ?? prevDone;
        const results = cases.map((c) => byId.get(`${f.qualified}::${c.id}`)!);
        const r = notYet(f, cases, results, assemble(f, absFile, cases, results, answer, processMs, opts.thresholds, src ? functionLines(src, f.defLine) : undefined, stubs), stubOf.get(f), absFile);
        emit(f, waitsForStub(f, r, stubs, absFile));
      } else if (answer.stopped && answer.stopped.group === f.qualified) {
        const p = answer.stopped.problem;
        emit(f, { ...problemResult(f, absFile, { kind: p.kind, message: p.message, hint: p.hint }, performance.now() - t0 - prevDone), ...metaPy(answer) });
      } else {
        next.push(f);
      }
    }
    if (next.length === todo.length) break; // no progress: should not happen, but never loop forever
    todo = next;
  }
  return fs.filter((f) => done.has(f)).map((f) => done.get(f)!);
}

/** The one error of a file that does not import: Python 2 code said as such, else the exception on its line. */
export function importError(err: PyError, absFile: string, cwd: string = path.dirname(absFile)): FileError {
  const base = path.basename(absFile);
  const last = err.frames[err.frames.length - 1];
  const own = [...err.frames].reverse().find((fr) => path.resolve(fr.file) === absFile);
  const line = Math.max(0, (own?.line ?? 1) - 1);
  const errFile = last ? path.resolve(last.file) : absFile;
  const shown = errFile === absFile ? base : path.relative(cwd, errFile) || path.basename(errFile);
  const marks = err.python2 ?? [];
  // Python 2 only when the line Python 3 stopped at is one of them (another syntax error is just that).
  const stoppedAt = last?.line;
  if (err.type === 'SyntaxError' && marks.some((m) => m.line === stoppedAt && ['print', 'except', 'raise', 'exec', '<>'].includes(m.what))) {
    const groups = new Map<string, { label: string; advice: string; lines: number[] }>();
    for (const m of marks) {
      const [label, advice] = m.fix.split(/:\s*(.*)/s);
      let g = groups.get(m.what);
      if (!g) groups.set(m.what, (g = { label, advice: advice ?? '', lines: [] }));
      g.lines.push(m.line);
    }
    const list = (ls: number[]): string => (ls.length > 6 ? `${ls.slice(0, 6).join(', ')}, …` : ls.join(', '));
    const parts = [...groups.values()].map((g) => `${g.label} (line${g.lines.length > 1 ? 's' : ''} ${list(g.lines)}): ${g.advice}`);
    const via = errFile === absFile ? '' : ` (imported by ${base} at line ${line + 1})`;
    return { file: absFile, line, python2: true, message: `${shown} is Python 2 code${via}; the notebooks run Python 3: ${parts.join('; ')}` };
  }
  const where = last ? ` (${path.basename(last.file)} line ${last.line})` : '';
  return { file: absFile, line, message: `importing ${base} raised ${err.type}: ${err.message}${where}` };
}

function metaPy(a: DriverAnswer & { interpreter?: string }): Pick<FunctionResult, 'interpreter' | 'python' | 'numpy'> {
  return { interpreter: a.interpreter, python: a.python, numpy: a.numpy };
}

function meta(f: FoundFunction, file: string, a: DriverAnswer & { interpreter?: string }) {
  return { function: f.qualified, kind: f.spec.kind, file, line: f.line, character: f.character, endCharacter: f.endCharacter, ...metaPy(a) };
}

/** One function's result from its cases' driver results: compare, pick the worst case, say it. */
function assemble(f: FoundFunction, absFile: string, cases: CheckCase[], driverResults: DriverCaseResult[], answer: DriverAnswer & { interpreter?: string }, processMs: number, thresholds: Thresholds | undefined, src: { line: number; text: string }[] | undefined, stubs: StubFinder): FunctionResult {
  const tCmp = performance.now();
  const results = cases.map((c, i) => compareCase(f.spec, c, { ...driverResults[i], id: c.id }, thresholds, f.qualified, src));
  const compareMs = performance.now() - tCmp;
  const timing = { processMs, userCodeMs: driverResults.reduce((s, r) => s + r.ms, 0), compareMs };
  const worstOf = (rs: readonly CaseResult[]): { worst: CaseResult; lines: ReturnType<typeof caseLines> } => {
    // The worst case speaks; ties go to the first (the notebook's inputs).
    let worst = rs[0];
    let lines = caseLines(f.spec, rs[0], f.qualified);
    for (const cr of rs.slice(1)) {
      const l = caseLines(f.spec, cr, f.qualified);
      if (STATUS_ORDER.indexOf(l.status) > STATUS_ORDER.indexOf(lines.status)) {
        worst = cr;
        lines = l;
      }
    }
    return { worst, lines };
  };
  const hints: string[] = [];
  const hint = (h: string): void => {
    if (!hints.includes(h)) hints.push(h);
  };
  // Source hints of one kind in one function become one sentence: "lines 39 and 47 compare …".
  const mine = (answer.hints ?? []).filter((h) => {
    const helperOfClass = f.className !== undefined && h.function.startsWith(`${f.className}.`) && !['loss', 'sample'].includes(h.function.slice(f.className.length + 1));
    return h.function === f.qualified || helperOfClass;
  });
  for (const kind of new Set(mine.map((h) => h.kind))) {
    const hs = mine.filter((h) => h.kind === kind);
    const lines = hs.map((h) => h.line);
    const text = hs[0].message.replace('%s', lines.length > 1 ? '' : 's');
    hint(`line${lines.length > 1 ? 's' : ''} ${listNames(lines.map(String))} ${text}`);
  }
  for (const r of results) for (const h of r.hints ?? []) hint(h);
  const low = lowPrecisionHint(results, f.qualified, f.spec.op?.forward);
  if (low) hint(low);
  // Model methods: each cell type on its own, so an unfinished lstm branch does not hide a right rnn one.
  let cells: CellResult[] | undefined;
  let judged = results;
  const cellNote: string[] = [];
  if (f.spec.kind === 'model_loss' || f.spec.kind === 'model_sample') {
    cells = [];
    const byCell = new Map<string, CaseResult[]>();
    cases.forEach((c, i) => {
      const cell = c.model?.cell ?? 'rnn';
      if (!byCell.has(cell)) byCell.set(cell, []);
      byCell.get(cell)!.push(results[i]);
    });
    const implemented: CaseResult[] = [];
    for (const [cell, rs] of byCell) {
      const todo = rs.find((r) => r.notImplemented);
      // A branch that raised on a line calling an unfinished layer (lstm_forward still the stub).
      // Or gave NaN through one (the stub's None stored into an array): the branch's own calls, the
      // other cell type's layers left out (lstm_forward is not the rnn branch's).
      const other = cell === 'lstm' ? /rnn/ : /lstm/;
      const failed = (): boolean => worstOf(rs).lines.status !== 'pass';
      const waiting = todo ? undefined : (waitingCall(stubs, rs, absFile) ?? (failed() ? stubs.inBody(absFile, f.defLine, (n) => !other.test(n) || n.includes(cell)) : undefined));
      if (waiting) {
        const summary = `cell_type='${cell}': not checked yet: ${waitingText(waiting, absFile)}`;
        cells.push({ cell, status: 'not-implemented', summary, details: [] });
        cellNote.push(summary);
        continue;
      }
      if (todo) {
        const e = todo.error!;
        const fr = e.frames[e.frames.length - 1];
        const at = fr ? ` at line ${fr.line}${path.resolve(fr.file) === absFile ? '' : ` of ${path.basename(fr.file)}`}` : '';
        const what = e.type === 'NotImplementedError' ? `raises NotImplementedError${at}` : `${e.message.replace(/ \(not implemented yet\?\)$/, '')}`;
        const summary = `cell_type='${cell}' is not implemented yet (${what}): it is checked once you write it`;
        cells.push({ cell, status: 'not-implemented', summary, details: [] });
        cellNote.push(summary);
        continue;
      }
      implemented.push(...rs);
      const { lines } = worstOf(rs);
      cells.push({ cell, status: lines.status, summary: lines.status === 'pass' ? `cell_type='${cell}': right` : `cell_type='${cell}': ${lines.summary}`, details: lines.details });
    }
    if (implemented.length > 0 && implemented.length < results.length) {
      judged = implemented;
    }
  }
  const { worst, lines } = worstOf(judged);
  const ms = processMs + compareMs;
  const caseNote = judged.length > 1 && lines.status !== 'pass' ? ` [${worst.label}]` : '';
  let summary = lines.status === 'pass' ? passSummary(f, judged) : lines.summary + caseNote;
  const details = lines.details.filter((d) => d !== lines.summary);
  if (judged !== results) {
    if (lines.status === 'pass') summary += `; ${cellNote.join('; ')}`;
    else details.push(...cellNote);
  } else if (cells && cells.every((c) => c.status === 'not-implemented')) {
    summary = `${f.qualified}: not implemented yet (${cells.map((c) => c.summary.replace(/^cell_type='(\w+)' is not implemented yet \((.*)\): it is checked once you write it$/, "$1: $2")).join('; ')})`;
  } else if (cells && lines.status !== 'pass') {
    for (const c of cells) if (c.status === 'pass') details.push(c.summary);
  }
  const stdout = judged.map((r) => r.stdout).filter(Boolean).join('');
  if (stdout && lines.status !== 'pass') details.push(`printed: ${stdout.trim().split('\n').slice(0, 3).join(' | ')}`);
  return {
    ...meta(f, absFile, answer), status: lines.status, summary, details, error: worst.error, cases: results,
    layer: layerOf(f, absFile, results, ms), ms, timing,
    ...(hints.length > 0 ? { hints } : {}), ...(cells ? { cells } : {}),
  };
}

/** A case whose result is what the untouched starter gives: None, NotImplementedError, empty grads, all-<NULL> captions. */
function untouched(c: CheckCase, cr: CaseResult, r: DriverCaseResult | undefined, stub: boolean, name: string): boolean {
  if (cr.notImplemented) return true;
  const e = cr.error;
  // The starter's `return h, cache` with `cache` never assigned (only `pass` above it).
  const last = e?.frames[e.frames.length - 1];
  if (stub && e && (e.type === 'NameError' || e.type === 'UnboundLocalError') && last?.function === name && /^return\b/.test(last.text)) return true;
  if (e?.type === 'ReturnError' && /^grads has no '\w+' \(has nothing\)$/.test(e.message)) return true; // loss, grads = 0.0, {}
  if (!e && c.model?.maxLength !== undefined && r?.outputs?.captions !== undefined) {
    const nul = c.model.wordToIdx['<NULL>'];
    try {
      const caps = fromExFloat(r.outputs.captions, 'captions');
      return caps.data.length > 0 && caps.data.every((w) => w === nul); // captions = self._null * np.ones(...)
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * A function that is still the assignment's stub says "not implemented yet" (information), not an
 * error: every case gives what the untouched starter gives, and the source still has the starter's
 * `pass` (or the function raises NotImplementedError). A backward whose forward is the stub waits for it.
 */
function notYet(f: FoundFunction, cases: readonly CheckCase[], driverResults: readonly DriverCaseResult[], r: FunctionResult, stubLine: number | undefined, absFile: string): FunctionResult {
  if (r.status !== 'fail' && r.status !== 'error') return r;
  const results = r.cases;
  if (results.length === 0 || !results.every((cr, i) => untouched(cases[i], cr, driverResults[i], stubLine !== undefined, f.name))) return r;
  const later = ' it is checked once you write it';
  const todo = (summary: string): FunctionResult => asTodo(r, summary);
  const errs = results.map((cr) => cr.error).filter((e): e is PyError => e !== undefined);
  const fwd = f.spec.op?.forward;
  if (fwd && errs.length === results.length && errs.every((e) => e.phase === 'forward')) {
    return todo(`${f.qualified}: not checked yet: it needs your ${fwd} (for the cache), which is not implemented yet;${later}`);
  }
  if (stubLine !== undefined) {
    return todo(`${f.qualified}: not implemented yet (the starter's \`pass\` is still at line ${stubLine + 1}):${later}`);
  }
  if (errs.length === results.length && errs.every((e) => e.type === 'NotImplementedError')) {
    const fr = errs[0].frames[errs[0].frames.length - 1];
    const at = fr ? ` at line ${fr.line}${path.resolve(fr.file) === absFile ? '' : ` of ${path.basename(fr.file)}`}` : '';
    return todo(`${f.qualified}: not implemented yet (raises NotImplementedError${at}):${later}`);
  }
  if (r.cells && r.cells.every((c) => c.status === 'not-implemented')) return todo(r.summary);
  return r;
}

/** `r` as not implemented yet: the tree and the report show `summary`, not errors, and leave it out of the verdict. */
function asTodo(r: FunctionResult, summary: string): FunctionResult {
  return { ...r, status: 'todo', error: undefined, summary, details: [], layer: { ...r.layer, params: [], todo: summary } };
}

/**
 * A function that fails or raises while it calls a stub (or needs a forward that does, for its
 * cache) is "not checked yet", information like the stub itself: its result says nothing about
 * its own code until the stub is written.
 */
function waitsForStub(f: FoundFunction, r: FunctionResult, stubs: StubFinder, absFile: string): FunctionResult {
  if ((r.status !== 'fail' && r.status !== 'error') || f.className || stubs.source(absFile) === null) return r;
  // Raised on a line that calls an unfinished layer of another file (imported from it).
  const w = waitingCall(stubs, r.cases, absFile);
  if (w && !stubs.defs(absFile).has(w.chain[0])) return asTodo(r, `${f.qualified}: not checked yet: ${waitingText(w, absFile)}`);
  const own = stubs.reach(absFile, f.name);
  if (own) return asTodo(r, `${f.qualified}: not checked yet: it calls your ${stubText(own.chain, own.passLine)}`);
  const fwd = f.spec.op?.forward;
  const viaForward = fwd && fwd !== f.name ? stubs.reach(absFile, fwd, true) : undefined;
  if (viaForward) return asTodo(r, `${f.qualified}: not checked yet: it needs your ${stubText(viaForward.chain, viaForward.passLine, '', ' (for the cache)')}`);
  return r;
}

/** The first raising case whose traceback line called an unfinished layer function, and which. */
function waitingCall(stubs: StubFinder, rs: readonly CaseResult[], absFile: string): StubCall | undefined {
  for (const r of rs) {
    if (!r.error || r.error.frames.length === 0) continue;
    const w = stubs.inTraceback(r.error.frames, [absFile]);
    if (w) return w;
  }
  return undefined;
}

/** "line 46 calls your lstm_forward, which is not implemented yet (the starter's `pass` is still at line 168 of rnn_layers.py); …" */
function waitingText(w: StubCall, absFile: string): string {
  const where = path.resolve(w.file) === absFile ? '' : ` of ${path.basename(w.file)}`;
  const stubIn = path.resolve(w.stubFile) === absFile ? '' : ` of ${path.basename(w.stubFile)}`;
  return `line ${w.line}${where} calls your ${stubText(w.chain, w.passLine, stubIn)}`;
}

/** "lstm_forward, which calls your lstm_step_forward, which is not implemented yet (the starter's `pass` is still at line 168); it is checked once you write it" */
function stubText(chain: readonly string[], passLine: number, stubIn = '', why = ''): string {
  const [first, ...rest] = chain;
  const via = rest.map((g) => `, which calls your ${g}`).join('');
  return `${first}${why}${via}, which is not implemented yet (the starter's \`pass\` is still at line ${passLine + 1}${stubIn}); it is checked once you write it`;
}

function passSummary(f: FoundFunction, results: CaseResult[]): string {
  const eng = Math.max(0, ...results.flatMap((r) => r.checks.map((p) => p.relError)));
  const num = results.flatMap((r) => r.numeric.map((p) => p.relError));
  const what = f.spec.kind === 'backward' || f.spec.kind === 'model_loss' ? 'gradients' : 'outputs';
  const n = results.length;
  const cellsChecked = [...new Set(results.map((r) => /cell_type='(\w+)'/.exec(r.label)?.[1]).filter(Boolean))];
  const on = cellsChecked.length > 0 ? ` (cell_type ${cellsChecked.map((c) => `'${c}'`).join(' and ')})` : '';
  let s = `${f.qualified}: ${what} match the engine on ${n} case${n === 1 ? '' : 's'}${on} (worst relative error ${eng.toExponential(1)})`;
  if (num.length > 0) s += ` and the numerical gradient of your ${f.spec.kind === 'backward' ? f.spec.op!.forward : 'loss'} (${Math.max(...num).toExponential(1)})`;
  return s;
}

/** Every checkable function in a file, optionally only those named `only` (plain or qualified). */
export function functionsIn(file: string, only?: string): FoundFunction[] {
  const src = readFileSync(file, 'utf8');
  const all = findFunctions(src);
  return only ? all.filter((f) => f.name === only || f.qualified === only) : all;
}

/** Checks every function of a file (or those named `only`), reporting each as it finishes. */
export async function checkFile(file: string, opts: PyCheckOptions, only?: string, onResult?: (r: FunctionResult) => void): Promise<FunctionResult[]> {
  return checkFunctions(file, functionsIn(file, only), opts, onResult);
}
