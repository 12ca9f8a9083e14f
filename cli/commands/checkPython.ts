/**
 * `gradlab check-python FILE.py`: runs a user's numpy layer functions against the engine, as the
 * editor's "Check" CodeLens does, for terminals and autograders. Exit 0 all pass, 1 any check
 * fails (or raises), 2 nothing could run (bad arguments, no Python, no numpy).
 */
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { checkFile, functionsIn, type FunctionResult } from '../../runtime/pycheck/index';
import { intFlag, numFlag, parseArgs, strFlag, UsageError } from '../args';
import { runBatch } from './checkPythonBatch';

export const usage =
  'gradlab check-python FILE.py [--function NAME] [--json] [--python PATH] [--timeout SECONDS] [--import-timeout SECONDS] [--seed N] [--cwd DIR]\n' +
  '       gradlab check-python DIR... [--json | --csv] [--jobs N] [--function NAME] [--python PATH] [--timeout SECONDS] [--import-timeout SECONDS] [--seed N]  (batch: one row per submission)';

const MARK: Record<FunctionResult['status'], string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', error: 'ERROR', todo: 'TODO' };

export async function run(argv: string[]): Promise<number> {
  const p = parseArgs(argv, ['function', 'python', 'timeout', 'import-timeout', 'seed', 'cwd', 'jobs'], ['json', 'csv']);
  if (isBatch(p.positional, p.flags)) return batch(p);
  if (p.positional.length !== 1) throw new UsageError(`expected one Python file, got ${p.positional.length}: ${usage}`);
  const file = path.resolve(p.positional[0]);
  if (!existsSync(file)) throw new UsageError(`${p.positional[0]}: no such file`);
  if (statSync(file).isDirectory()) throw new UsageError(`${p.positional[0]}: is a folder, not a Python file`);
  const only = strFlag(p, 'function');
  const timeout = numFlag(p, 'timeout', 10);
  if (!(timeout > 0)) throw new UsageError(`--timeout ${timeout}: expected a positive number of seconds`);
  const importTimeoutMs = importTimeoutFlag(p);
  const seed = intFlag(p, 'seed', 0, 0);
  const cwd = path.resolve(strFlag(p, 'cwd') ?? process.cwd());
  // An interpreter named by the user is the only one tried; otherwise python3, then python.
  const chosen = strFlag(p, 'python') ?? process.env.GRADLAB_PYTHON;
  const python = chosen ? [chosen] : ['python3', 'python'];
  const found = functionsIn(file, only);
  if (found.length === 0) {
    throw new UsageError(only ? `${p.positional[0]}: no checkable function named ${only}` : `${p.positional[0]}: no CS231n layer functions or model loss/sample found`);
  }
  const json = p.flags.has('json');
  const t0 = Date.now();
  const rel = (f: string): string => path.relative(process.cwd(), f) || f;
  let toldEnv = false;
  let toldFile = false;
  const results = await checkFile(file, { python, cwd, timeoutMs: timeout * 1000, importTimeoutMs, seed }, only, (r) => {
    if (json) return;
    // A file that does not import is one error on its line, not the same line per function.
    if (r.fileError) {
      if (!toldFile) process.stdout.write(formatFileError(r, rel) + '\n');
      toldFile = true;
      return;
    }
    // No Python or no numpy: every function would print the same line.
    const env = r.problem?.kind === 'not-found' || r.problem?.kind === 'no-numpy';
    if (env && toldEnv) return;
    toldEnv ||= env;
    process.stdout.write(formatResult(r, rel) + '\n');
  });
  const problem = results.find((r) => r.problem && (r.problem.kind === 'not-found' || r.problem.kind === 'no-numpy'))?.problem;
  const failed = results.filter((r) => r.status !== 'pass');
  if (json) {
    const r0 = results.find((r) => r.python);
    process.stdout.write(JSON.stringify({ file, python: r0?.python, numpy: r0?.numpy, interpreter: r0?.interpreter, ms: Date.now() - t0, results }) + '\n');
  } else if (results.length > 0 && results.every((r) => r.fileError)) {
    process.stdout.write(`nothing checked: ${path.basename(file)} does not import (${results.length} function(s) not run)\n`);
  } else if (problem) {
    // Not "0 passed, 3 failed": none of the user's functions ran.
    process.stdout.write(`nothing checked: ${problem.message} (${results.length} function(s) not run)\n`);
  } else {
    const r0 = results.find((r) => r.python);
    const env = r0 ? `, ${r0.interpreter} = Python ${r0.python}, numpy ${r0.numpy}` : '';
    const todo = failed.filter((r) => r.status === 'todo').length;
    const todoText = todo ? `, ${todo} not implemented yet` : '';
    process.stdout.write(`${results.length - failed.length} passed, ${failed.length - todo} failed${todoText} (${((Date.now() - t0) / 1000).toFixed(1)} s${env})\n`);
  }
  if (problem) {
    if (json) process.stderr.write(`gradlab: ${problem.message}: ${problem.hint}\n`);
    return 2;
  }
  return failed.length === 0 ? 0 : 1;
}

/** `ERROR  (cs231n/rnn_layers.py:52)  rnn_layers.py is Python 2 code; …` plus the user's frames. */
export function formatFileError(r: FunctionResult, rel: (f: string) => string = (f) => f): string {
  const fe = r.fileError!;
  const lines = [`${MARK.error.padEnd(5)} (${rel(fe.file)}:${fe.line + 1})  ${fe.message}`];
  if (r.error && r.error.frames.length > 0) {
    lines.push('      traceback (most recent call last):');
    for (const f of r.error.frames) lines.push(`        ${rel(f.file)}:${f.line} in ${f.function}: ${f.text}`);
  }
  return lines.join('\n');
}

/** Batch mode: several arguments, a folder, or a batch-only option (--csv, --jobs). */
function isBatch(positional: readonly string[], flags: ReadonlyMap<string, unknown>): boolean {
  if (positional.length > 1 || flags.has('csv') || flags.has('jobs')) return true;
  if (positional.length !== 1) return false;
  try {
    return statSync(positional[0]).isDirectory();
  } catch {
    return false;
  }
}

/** --import-timeout SECONDS: the limit for starting Python with numpy, and for importing the file (each); default 3 × --timeout, at least 30 s. */
function importTimeoutFlag(p: ReturnType<typeof parseArgs>): number | undefined {
  if (!p.flags.has('import-timeout')) return undefined;
  const s = numFlag(p, 'import-timeout', 30);
  if (!(s > 0)) throw new UsageError(`--import-timeout ${s}: expected a positive number of seconds`);
  return s * 1000;
}

function batch(p: ReturnType<typeof parseArgs>): Promise<number> {
  if (p.positional.length === 0) throw new UsageError(`expected submission folders or .py files: ${usage}`);
  if (p.flags.has('json') && p.flags.has('csv')) throw new UsageError('--json and --csv: choose one');
  if (p.flags.has('cwd')) throw new UsageError('--cwd: in batch mode each submission runs in its own folder');
  const timeout = numFlag(p, 'timeout', 10);
  if (!(timeout > 0)) throw new UsageError(`--timeout ${timeout}: expected a positive number of seconds`);
  const importTimeoutMs = importTimeoutFlag(p);
  const jobs = p.flags.has('jobs') ? intFlag(p, 'jobs', 1, 1) : undefined;
  const chosen = strFlag(p, 'python') ?? process.env.GRADLAB_PYTHON;
  return runBatch(p.positional, {
    python: chosen ? [chosen] : ['python3', 'python'],
    timeoutSeconds: timeout, importTimeoutMs, seed: intFlag(p, 'seed', 0, 0), only: strFlag(p, 'function'), jobs,
    format: p.flags.has('json') ? 'json' : p.flags.has('csv') ? 'csv' : 'table',
  });
}

/** `FAIL  rnn_backward  (bugs/x.py:7)  dWh: relative error …` plus indented details and traceback frames. */
export function formatResult(r: FunctionResult, rel: (f: string) => string = (f) => f): string {
  const lines = [`${MARK[r.status].padEnd(5)} ${r.function}  (${rel(r.file)}:${r.line + 1})  ${r.summary}`];
  for (const d of r.details) lines.push(`      ${d}`);
  for (const h of r.hints ?? []) lines.push(`      hint: ${h}`);
  if (r.error && r.error.frames.length > 0) {
    lines.push('      traceback (most recent call last):');
    for (const f of r.error.frames) lines.push(`        ${rel(f.file)}:${f.line} in ${f.function}: ${f.text}`);
  }
  return lines.join('\n');
}
