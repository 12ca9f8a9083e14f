/**
 * Checks a user's Python function end to end: build the cases, run them in the user's Python
 * through the driver, compare with the engine, and summarise as a diagnostic would say it.
 * Shared by the extension (CodeLens, commands) and `gradlab check-python`.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { worstVerdict, type LayerCheck, type Thresholds, type Verdict } from '../../gradcheck';
import { casesFor, type CheckCase } from './cases';
import { caseLines, compareCase, type CaseResult, type PyParamCheck } from './compare';
import { findFunctions, type FoundFunction } from './finder';
import { driverCase } from './job';
import { defaultDriverPath, PythonProblem, runDriver, type DriverAnswer, type DriverCaseResult, type PyError } from './runner';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'error';

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
}

export interface PyCheckOptions {
  /** Interpreters to try in order (setting, Python extension's choice, python3). */
  python: readonly string[];
  /** Working directory of the subprocess: the workspace folder. */
  cwd: string;
  /** Per function; default 10 s. */
  timeoutMs?: number;
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
        { python: opts.python, driver: opts.driver ?? defaultDriverPath(), cwd: opts.cwd, timeoutMs: opts.timeoutMs ?? 10000, signal: opts.signal, groups, prewarm: opts.prewarm },
      );
    } catch (e) {
      if (!(e instanceof PythonProblem)) throw e;
      // No Python, no numpy, an endless loop at import time: every function gets the same answer.
      for (const f of todo) emit(f, problemResult(f, absFile, { kind: e.kind, message: e.message, hint: e.hint }, performance.now() - t0));
      break;
    }
    if (!answer.ok) {
      const err = answer.error!;
      const last = err.frames[err.frames.length - 1];
      const where = last ? ` (${path.basename(last.file)} line ${last.line})` : '';
      for (const f of todo) {
        const ms = performance.now() - t0;
        emit(f, {
          ...meta(f, absFile, answer), status: 'error', summary: `importing ${path.basename(absFile)} raised ${err.type}: ${err.message}${where}`, details: [],
          error: err, cases: [], layer: layerOf(f, absFile, [], ms), ms,
        });
      }
      break;
    }
    const byId = new Map(answer.results.map((r) => [r.id, r]));
    const next: FoundFunction[] = [];
    let prevDone = 0;
    for (const f of todo) {
      const cases = casesOf.get(f)!;
      const finished = cases.every((c) => byId.has(`${f.qualified}::${c.id}`));
      if (finished) {
        const processMs = (answer.groupDoneMs[f.qualified] ?? prevDone) - prevDone;
        prevDone = answer.groupDoneMs[f.qualified] ?? prevDone;
        const results = cases.map((c) => byId.get(`${f.qualified}::${c.id}`)!);
        emit(f, assemble(f, absFile, cases, results, answer, processMs, opts.thresholds));
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

function metaPy(a: DriverAnswer & { interpreter?: string }): Pick<FunctionResult, 'interpreter' | 'python' | 'numpy'> {
  return { interpreter: a.interpreter, python: a.python, numpy: a.numpy };
}

function meta(f: FoundFunction, file: string, a: DriverAnswer & { interpreter?: string }) {
  return { function: f.qualified, kind: f.spec.kind, file, line: f.line, character: f.character, endCharacter: f.endCharacter, ...metaPy(a) };
}

/** One function's result from its cases' driver results: compare, pick the worst case, say it. */
function assemble(f: FoundFunction, absFile: string, cases: CheckCase[], driverResults: DriverCaseResult[], answer: DriverAnswer & { interpreter?: string }, processMs: number, thresholds?: Thresholds): FunctionResult {
  const tCmp = performance.now();
  const results = cases.map((c, i) => compareCase(f.spec, c, { ...driverResults[i], id: c.id }, thresholds));
  const compareMs = performance.now() - tCmp;
  const timing = { processMs, userCodeMs: driverResults.reduce((s, r) => s + r.ms, 0), compareMs };
  // The worst case speaks for the function; ties go to the first (the notebook's inputs).
  let worst: CaseResult | undefined;
  let worstLines: ReturnType<typeof caseLines> | undefined;
  for (const cr of results) {
    const lines = caseLines(f.spec, cr, f.qualified);
    if (!worstLines || STATUS_ORDER.indexOf(lines.status) > STATUS_ORDER.indexOf(worstLines.status)) {
      worst = cr;
      worstLines = lines;
    }
  }
  const ms = processMs + compareMs;
  const lines = worstLines!;
  const caseNote = results.length > 1 && lines.status !== 'pass' ? ` [${worst!.label}]` : '';
  const summary = lines.status === 'pass' ? passSummary(f, results) : lines.summary + caseNote;
  const stdout = results.map((r) => r.stdout).filter(Boolean).join('');
  const details = lines.details.filter((d) => d !== lines.summary);
  if (stdout && lines.status !== 'pass') details.push(`printed: ${stdout.trim().split('\n').slice(0, 3).join(' | ')}`);
  return {
    ...meta(f, absFile, answer), status: lines.status, summary, details, error: worst?.error, cases: results,
    layer: layerOf(f, absFile, results, ms), ms, timing,
  };
}

function passSummary(f: FoundFunction, results: CaseResult[]): string {
  const eng = Math.max(0, ...results.flatMap((r) => r.checks.map((p) => p.relError)));
  const num = results.flatMap((r) => r.numeric.map((p) => p.relError));
  const what = f.spec.kind === 'backward' || f.spec.kind === 'model_loss' ? 'gradients' : 'outputs';
  const n = results.length;
  let s = `${f.qualified}: ${what} match the engine on ${n} case${n === 1 ? '' : 's'} (worst relative error ${eng.toExponential(1)})`;
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
