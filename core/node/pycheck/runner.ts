/**
 * Runs python/driver.py in a subprocess: arguments as data (no shell), the workspace folder as
 * working directory, one JSON job on stdin, one JSON answer on stdout, killed after a time limit.
 */
import { spawn } from 'node:child_process';
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
}

export interface DriverAnswer {
  ok: boolean;
  python?: string;
  numpy?: string;
  executable?: string;
  error?: PyError;
  stdout?: string;
  results?: DriverCaseResult[];
}

export interface RunOptions {
  /** Interpreters to try in order; the first that exists is used. */
  python: readonly string[];
  /** Absolute path of driver.py. */
  driver: string;
  /** Working directory: the workspace folder. */
  cwd: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** What the time limit applies to, for the message ("rnn_step_forward"). */
  what?: string;
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
    const child = spawn(py, [opts.driver], {
      cwd: opts.cwd,
      shell: false,
      windowsHide: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8', PYTHONUNBUFFERED: '1' },
    });
    const out: Buffer[] = [];
    let err = '';
    let settled = false;
    let killedFor: PythonProblem | null = null;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const kill = (why: PythonProblem): void => {
      killedFor = why;
      child.kill('SIGKILL');
    };
    const secs = opts.timeoutMs / 1000;
    const timer = setTimeout(
      () => kill(new PythonProblem('timeout', `${opts.what ?? 'the check'} did not finish within ${secs} s and was stopped (an infinite loop?)`, 'the limit is the setting gradientLab.python.timeoutSeconds')),
      opts.timeoutMs,
    );
    const onAbort = (): void => kill(new PythonProblem('cancelled', 'cancelled'));
    opts.signal?.addEventListener('abort', onAbort);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      if (err.length < 65536) err += b.toString('utf8');
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      finish(() => (e.code === 'ENOENT' || e.code === 'EACCES' ? reject(new NotFound(py)) : reject(new PythonProblem('crashed', `could not start ${py}: ${e.message}`))));
    });
    child.stdin.on('error', () => undefined); // a child that dies early closes stdin; the exit says why
    child.on('close', (code, sig) => {
      finish(() => {
        if (killedFor) return reject(killedFor);
        const text = Buffer.concat(out).toString('utf8');
        try {
          resolve(JSON.parse(text) as DriverAnswer);
        } catch {
          const tail = err.trim().split('\n').slice(-3).join(' | ');
          reject(new PythonProblem('bad-answer', `${py} exited (${sig ?? `code ${code}`}) without an answer${tail ? `: ${tail}` : ''}`, 'is it Python 3.8 or later?'));
        }
      });
    });
    child.stdin.end(JSON.stringify(job));
  });
}
