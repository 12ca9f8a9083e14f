/**
 * The rule the fuzz suite holds every failure to: one line (or a short block) naming the file or
 * field and what is wrong; no stack trace, no library diagnostics. Plus a small seeded generator,
 * so every run of the suite sees the same inputs (the seed is in each test's name).
 */
import assert from 'node:assert/strict';

/** mulberry32: a tiny seeded PRNG (the suite must be reproducible, not cryptographic). */
export class Rand {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => this.int(256));
  }
}

/** Names every JavaScript object has, and other names that break naive lookups. */
export const PROTO_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', 'isPrototypeOf', '__defineGetter__'];

/** Values of the wrong type for any field. */
export const WRONG_VALUES: unknown[] = [null, true, 0, -1, 1.5, 1e308, -1e308, 'x', '', [], [[]], {}, { shape: 'x' }, [null], ['a'], { __proto__: null }];

/** Asserts the message obeys the rule; `mustName` (a file or field) must appear in it. */
export function assertOneLine(message: string, mustName?: RegExp | string): void {
  const text = message.trimEnd();
  assert.ok(text.length > 0, 'empty error message');
  const lines = text.split('\n');
  assert.ok(lines.length <= 3, `more than a short block (${lines.length} lines):\n${text.slice(0, 2000)}`);
  assert.doesNotMatch(text, /\n\s+at .+[(:]\d+/, `stack trace in:\n${text}`);
  assert.doesNotMatch(text, /HDF5-DIAG|\.c line \d+|major: |minor: /, `HDF5 library diagnostics in:\n${text}`);
  assert.doesNotMatch(text, /\b(TypeError|ReferenceError|RangeError|SyntaxError: Unexpected token .* in JSON at)\b.*is not (a function|iterable)/, `internal error leaked:\n${text}`);
  assert.ok(text.length < 2000, `message of ${text.length} characters`);
  if (mustName !== undefined) {
    if (typeof mustName === 'string') assert.ok(text.includes(mustName), `"${mustName}" not named in: ${text}`);
    else assert.match(text, mustName);
  }
}

/** Runs `fn` with process.stderr writes captured (nothing may reach them). */
export async function capturingStdio<T>(fn: () => Promise<T> | T): Promise<{ value?: T; error?: unknown; written: string }> {
  const err = process.stderr.write.bind(process.stderr);
  let written = '';
  const grab = ((chunk: unknown): boolean => {
    written += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    return true;
  }) as typeof process.stderr.write;
  process.stderr.write = grab;
  try {
    return { value: await fn(), written };
  } catch (error) {
    return { error, written };
  } finally {
    process.stderr.write = err;
  }
}
