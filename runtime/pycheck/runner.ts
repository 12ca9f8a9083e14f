/**
 * Runs python/driver.py in a subprocess: arguments as data (no shell), the workspace folder as
 * working directory, one JSON job on stdin, one JSON answer on stdout, killed after a time limit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** Why no answer came back; `message` is the one line a user sees, `hint` what to do. */
export class PythonProblem extends Error {
  constructor(
    readonly kind: 'not-found' | 'no-numpy' | 'timeout' | 'crashed' | 'bad-answer' | 'cancelled',
    message: string,
    readonly hint = '',
  ) {
    super(message);
    this.name = 'PythonProblem';
  }
}

export interface PyFrame {
  file: string;
  line: number;
  function: string;
  text: string;
}

/** An exception (or a wrong return) in the user's code, as the driver reports it. */
export interface PyError {
  /** Where it happened: import, lookup, construct, forward, backward, returns, numeric, call. */
  phase: string;
  type: string;
  message: string;
  frames: PyFrame[];
  traceback: string;
  /** A SyntaxError in a file with Python 2 lines: each such line, what it is and what to write. */
  python2?: { line: number; what: string; fix: string; text: string }[];
}

/** Something the driver noticed that works but is fragile; never a failure. */
export interface DriverHint {
  kind: string;
  message: string;
}

/** A hint found in the checked file's source, with the function (or Class.method) holding it. */
export interface SourceHint extends DriverHint {
  line: number;
  function: string;
}

export interface DriverCaseResult {
  id: string;
  ok: boolean;
  ms: number;
  error?: PyError;
  outputs?: Record<string, unknown>;
  forward_outputs?: Record<string, unknown>;
  numeric?: Record<string, unknown>;
  masked?: Record<string, unknown>[];
  stdout?: string;
  hints?: DriverHint[];
}

export interface DriverAnswer {
  ok: boolean;
  python?: string;
  numpy?: string;
  executable?: string;
  /** The Python process that answered. */
  pid?: number;
  error?: PyError;
  stdout?: string;
  /** Fragile code found in the checked file's source (`is` with a string literal). */
  hints?: SourceHint[];
  /** Every case that finished, in order (all of them unless `stopped`). */
  results: DriverCaseResult[];
  /** Set when the process was stopped before the end: which group (function) was running, and why. */
  stopped?: { group: string; problem: PythonProblem };
  /** Wall time from the start of the process to the last result of each group, in milliseconds. */
  groupDoneMs: Record<string, number>;
  /** Wall time from the start of the process (or the hand-over of a waiting one) to the end of the module's import. */
  importMs?: number;
}

export interface RunOptions {
  /** Interpreters to try in order; the first that exists is used. */
  python: readonly string[];
  /** Absolute path of driver.py. */
  driver: string;
  /** Working directory: the workspace folder. */
  cwd: string;
  /** Time limit per group (one function's cases); it starts once the user's module is imported. */
  timeoutMs: number;
  /**
   * Time limit for starting Python and importing numpy, and again (a second, separate limit) for
   * importing the user's module. Default: importTimeoutFor(timeoutMs), generous: a machine busy
   * with other work makes Python's start slow, and that must never read as the user's loop.
   */
  importTimeoutMs?: number;
  signal?: AbortSignal;
  /** The job's case ids in order, each with its group (the function it checks). */
  groups: readonly { id: string; group: string }[];
  /**
   * After a run, start the next driver process (same interpreter, driver and folder) so that it
   * imports numpy while nobody waits; the next run hands it its job. For long-lived hosts only
   * (the editor's worker); call disposeWarm() when done.
   */
  prewarm?: boolean;
}

interface Warm {
  child: ChildProcess;
  dead: boolean;
}

/** At most one waiting driver per (interpreter, driver, folder). */
const warmPool = new Map<string, Warm>();

const warmKey = (py: string, opts: RunOptions): string => `${py}\0${opts.driver}\0${opts.cwd}`;

function spawnDriver(py: string, opts: RunOptions): ChildProcess {
  return spawn(py, [opts.driver], {
    cwd: opts.cwd,
    shell: false,
    windowsHide: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8', PYTHONUNBUFFERED: '1' },
  });
}

function startWarm(py: string, opts: RunOptions): void {
  const key = warmKey(py, opts);
  if (warmPool.has(key)) return;
  const w: Warm = { child: spawnDriver(py, opts), dead: false };
  const gone = (): void => {
    w.dead = true;
    if (warmPool.get(key) === w) warmPool.delete(key);
  };
  w.child.on('error', gone);
  w.child.on('exit', gone);
  w.child.stdin?.on('error', () => undefined);
  warmPool.set(key, w);
}

/** A waiting driver if there is a live one, else a new process. */
function takeDriver(py: string, opts: RunOptions): ChildProcess {
  const key = warmKey(py, opts);
  const w = warmPool.get(key);
  warmPool.delete(key);
  if (w && !w.dead && w.child.exitCode === null && w.child.signalCode === null) {
    w.child.removeAllListeners('exit');
    w.child.removeAllListeners('error');
    return w.child;
  }
  if (w) w.child.kill('SIGKILL');
  return spawnDriver(py, opts);
}

/** Starts a driver that waits for its job (numpy imported), e.g. when a Python file with layer functions opens. */
export function warmUp(py: string, driver: string, cwd: string): void {
  startWarm(py, { python: [py], driver, cwd, timeoutMs: 0, groups: [] });
}

/** Process ids of the drivers waiting for a job (for tests and logs). */
export function warmPids(): number[] {
  return [...warmPool.values()].filter((w) => !w.dead).map((w) => w.child.pid ?? -1);
}

/** Kills every waiting driver (the editor's worker calls this before it stops). */
export function disposeWarm(): void {
  for (const w of warmPool.values()) w.child.kill('SIGKILL');
  warmPool.clear();
}

/** The driver shipped next to this code: python/driver.py in the package root (dist/.. when bundled). */
export function defaultDriverPath(start: string = __dirname): string {
  let dir = start;
  for (let i = 0; i < 6; i++) {
    const p = path.join(dir, 'python', 'driver.py');
    if (existsSync(p)) return p;
    dir = path.dirname(dir);
  }
  throw new Error(`python/driver.py not found above ${start}`);
}

/** The default import limit: three times the function limit, at least 30 s. */
export function importTimeoutFor(timeoutMs: number): number {
  return Math.max(30000, 3 * timeoutMs);
}

/** A time-out's message starts with one of these: which stage of the run it stopped. */
export const TIMEOUT_STAGE = {
  numpy: /^starting Python and importing numpy took longer than\b/,
  module: /^importing \S+ did not finish in\b/,
} as const;

const NUMPY_HINT = (py: string): string =>
  `install numpy for that interpreter: \`${py} -m pip install numpy\` (Debian/Ubuntu: \`sudo apt install python3-numpy\`), or choose another interpreter (setting gradientLab.python.interpreter; gradlab check-python --python PATH)`;

/** Runs one job with the first interpreter that exists. */
export async function runDriver(job: unknown, opts: RunOptions): Promise<DriverAnswer & { interpreter: string }> {
  const tried: string[] = [];
  for (const py of opts.python) {
    if (!py) continue;
    tried.push(py);
    try {
      const ans = await runOnce(py, job, opts);
      if (!ans.ok && ans.error?.phase === 'numpy') {
        throw new PythonProblem('no-numpy', `numpy is not installed for ${ans.executable ?? py} (Python ${ans.python ?? '?'})`, NUMPY_HINT(ans.executable ?? py));
      }
      return { ...ans, interpreter: py };
    } catch (e) {
      if (e instanceof NotFound) continue;
      throw e;
    }
  }
  throw new PythonProblem(
    'not-found',
    `Python was not found (tried ${tried.join(', ') || 'nothing'})`,
    'install Python 3 with numpy (Debian/Ubuntu: `sudo apt install python3 python3-numpy`), or name it (setting gradientLab.python.interpreter; gradlab check-python --python PATH)',
  );
}

class NotFound extends Error {}

function runOnce(py: string, job: unknown, opts: RunOptions): Promise<DriverAnswer> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new PythonProblem('cancelled', 'cancelled'));
    const t0 = performance.now();
    const child = takeDriver(py, opts);
    const stdout = child.stdout!;
    const stderr = child.stderr!;
    const stdin = child.stdin!;
    const groups = opts.groups;
    const index = new Map(groups.map((g, i) => [g.id, i]));
    const answer: DriverAnswer = { ok: false, results: [], groupDoneMs: {} };
    let header = false;
    let ended = false;
    let pending = '';
    let err = '';
    let settled = false;
    let killedFor: PythonProblem | null = null;
    let timer: NodeJS.Timeout | undefined;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    /** The group whose cases are running: the first without a result. */
    const running = (): string => groups[answer.results.length]?.group ?? groups[groups.length - 1]?.group ?? 'the check';
    const kill = (why: PythonProblem): void => {
      if (killedFor) return;
      killedFor = why;
      child.kill('SIGKILL');
    };
    const secs = opts.timeoutMs / 1000;
    const importMs = opts.importTimeoutMs ?? importTimeoutFor(opts.timeoutMs);
    const importSecs = importMs / 1000;
    const moduleName = path.basename(String((job as { module?: unknown } | null)?.module ?? 'the file'));
    const IMPORT_HINT = 'the limit is the setting gradientLab.python.importTimeoutSeconds (gradlab check-python --import-timeout)';
    /** Stages before the first function: Python and numpy, then the user's module; each has its own limit. */
    let numpyReady = false;
    const arm = (): void => {
      clearTimeout(timer);
      const stage = header ? 'function' : numpyReady ? 'module' : 'numpy';
      timer = setTimeout(() => {
        if (stage === 'function') {
          kill(new PythonProblem('timeout', `${running()} did not finish within ${secs} s and was stopped (an infinite loop?)`, 'the limit is the setting gradientLab.python.timeoutSeconds (gradlab check-python --timeout)'));
        } else if (stage === 'module') {
          kill(new PythonProblem('timeout', `importing ${moduleName} did not finish in ${importSecs} s and was stopped: the code at the top level of the file (and of the files it imports) runs on import; an endless loop there?`, IMPORT_HINT));
        } else {
          kill(new PythonProblem('timeout', `starting Python and importing numpy took longer than ${importSecs} s and was stopped; your code was not run yet (is the machine very busy?)`, IMPORT_HINT));
        }
      }, stage === 'function' ? opts.timeoutMs : importMs);
    };
    arm();
    const onAbort = (): void => kill(new PythonProblem('cancelled', 'cancelled'));
    opts.signal?.addEventListener('abort', onAbort);
    const line = (text: string): void => {
      if (!text.trim()) return;
      let obj: Record<string, unknown>;
      try {
        obj = JSON.parse(text) as Record<string, unknown>;
      } catch {
        err += `\n(unreadable answer line: ${text.slice(0, 200)})`;
        return;
      }
      if (!header && obj.stage === 'numpy') {
        // numpy is imported: the user's module gets its own limit from here.
        numpyReady = true;
        arm();
        return;
      }
      if (!header) {
        header = true;
        Object.assign(answer, obj);
        answer.importMs = performance.now() - t0;
        if (answer.ok) arm(); // the first function's time starts after the import
        return;
      }
      if (obj.end) {
        ended = true;
        return;
      }
      const r = obj.result as DriverCaseResult | undefined;
      if (!r) return;
      answer.results.push(r);
      const i = index.get(r.id) ?? answer.results.length - 1;
      const g = groups[i]?.group;
      if (g !== undefined) answer.groupDoneMs[g] = performance.now() - t0;
      // A new function starts: it gets its own time limit.
      if (g !== undefined && groups[i + 1] && groups[i + 1].group !== g) arm();
    };
    stdout.on('data', (b: Buffer) => {
      pending += b.toString('utf8');
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        line(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    });
    stderr.on('data', (b: Buffer) => {
      if (err.length < 65536) err += b.toString('utf8');
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      finish(() => (e.code === 'ENOENT' || e.code === 'EACCES' ? reject(new NotFound(py)) : reject(new PythonProblem('crashed', `could not start ${py}: ${e.message}`))));
    });
    stdin.on('error', () => undefined); // a child that dies early closes stdin; the exit says why
    child.on('close', (code, sig) => {
      // The next check finds numpy already imported (not after a missing numpy: it may get installed).
      if (opts.prewarm && header && (answer.ok || answer.error?.phase !== 'numpy') && !opts.signal?.aborted) startWarm(py, opts);
      finish(() => {
        if (pending) line(pending);
        if (killedFor) {
          if (!header || !answer.ok || killedFor.kind === 'cancelled') return reject(killedFor);
          answer.stopped = { group: running(), problem: killedFor };
          return resolve(answer);
        }
        if (header && (!answer.ok || ended)) return resolve(answer);
        const tail = err.trim().split('\n').slice(-3).join(' | ');
        const how = `${sig ?? `exit code ${code}`}${tail ? `: ${tail}` : ''}`;
        if (header) {
          // Python died inside one function (os._exit, a crash in C code): keep what finished before it.
          answer.stopped = { group: running(), problem: new PythonProblem('crashed', `${running()} stopped Python (${how})`) };
          return resolve(answer);
        }
        reject(new PythonProblem('bad-answer', `${py} exited without an answer (${how})`, 'is it Python 3.8 or later?'));
      });
    });
    stdin.end(JSON.stringify(job));
  });
}
