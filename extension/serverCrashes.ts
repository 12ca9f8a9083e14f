/**
 * The language server's crash bookkeeping and the messages about it: pure (no vscode), so the
 * unit tests can check the window and the exact texts. lspClient.ts acts on them.
 */

/** The server is left stopped when it crashed this many times within CRASH_WINDOW_MS. */
export const MAX_CRASHES = 5;
export const CRASH_WINDOW_MS = 3 * 60 * 1000;
export const RESTART_TITLE = 'Gradient Lab: Restart Language Server';

/** How one server process ended (from the child process's 'exit' event). */
export interface ServerExit {
  pid: number | undefined;
  code: number | null;
  signal: string | null;
}

/** `process 123 exited with code 1`, `process 123 was killed by SIGKILL`. */
export function describeExit(e: ServerExit | undefined): string {
  if (!e) return 'its connection closed (exit status unknown)';
  const who = e.pid === undefined ? 'its process' : `process ${e.pid}`;
  if (e.signal) return `${who} was killed by ${e.signal}`;
  return `${who} exited with code ${e.code ?? 'unknown'}`;
}

/** Crash times within a sliding window of `windowMs`. */
export class CrashWindow {
  private times: number[] = [];

  constructor(readonly max = MAX_CRASHES, readonly windowMs = CRASH_WINDOW_MS) {}

  /** Records a crash at `now` (ms); true while the server should be restarted after it. */
  record(now: number): boolean {
    this.times = this.times.filter((t) => now - t < this.windowMs);
    this.times.push(now);
    return this.times.length < this.max;
  }

  /** Crashes within the window as of the last record. */
  get count(): number {
    return this.times.length;
  }

  /** A manual restart starts the count over. */
  reset(): void {
    this.times = [];
  }
}

function minutes(ms: number): string {
  const m = ms / 60_000;
  return `${m} minute${m === 1 ? '' : 's'}`;
}

/** The log line when the server is restarted after a crash. */
export function restartLine(exit: ServerExit | undefined, w: CrashWindow): string {
  return `Gradient Lab language server stopped: ${describeExit(exit)}. Restarting it (crash ${w.count} of ${w.max} allowed in ${minutes(w.windowMs)}).`;
}

/** The log line when it is left stopped. */
export function gaveUpLine(exit: ServerExit | undefined, w: CrashWindow): string {
  return `Gradient Lab language server stopped: ${describeExit(exit)}. It stopped ${w.max} times in ${minutes(w.windowMs)}, so it was not restarted; shape hovers and warnings are off until "${RESTART_TITLE}" or a window reload.`;
}

/** The error notification when it is left stopped (its buttons: restart, open the log). */
export function gaveUpNotification(exit: ServerExit | undefined, w: CrashWindow): string {
  return `The Gradient Lab language server crashed ${w.max} times in ${minutes(w.windowMs)} (last: ${describeExit(exit)}) and was not restarted. Shape hovers and warnings are off.`;
}
