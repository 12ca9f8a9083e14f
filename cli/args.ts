/** A small flag parser shared by the subcommands: `--name value`, `--flag`, positionals. */

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface Parsed {
  flags: Map<string, string | true>;
  positional: string[];
}

/** `valued` lists the flags that take a value; anything else starting with -- is a boolean flag. */
export function parseArgs(argv: readonly string[], valued: readonly string[], booleans: readonly string[]): Parsed {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (valued.includes(name)) {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      // `--layer --json`: the next flag is not the value the user forgot.
      if (v === undefined || (eq < 0 && v.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
      flags.set(name, v);
    } else if (booleans.includes(name)) {
      if (eq > 0) throw new UsageError(`--${name} takes no value (got "${a}")`);
      flags.set(name, true);
    } else {
      const known = [...valued, ...booleans].map((f) => '--' + f);
      throw new UsageError(`unknown option --${name} (${known.length ? `known: ${known.join(', ')}` : 'this command takes no options'})`);
    }
  }
  return { flags, positional };
}

/** Rejects positional arguments a command does not take (they would be silently ignored). */
export function noPositionals(p: Parsed): void {
  if (p.positional.length) throw new UsageError(`unexpected argument "${p.positional[0]}"`);
}

export function intFlag(p: Parsed, name: string, dflt: number, min = -Infinity): number {
  const v = p.flags.get(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v === true || !Number.isInteger(n) || n < min) throw new UsageError(`--${name} ${String(v)}: expected an integer${min > -Infinity ? ` ≥ ${min}` : ''}`);
  return n;
}

export function numFlag(p: Parsed, name: string, dflt: number): number {
  const v = p.flags.get(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v === true || !Number.isFinite(n)) throw new UsageError(`--${name} ${String(v)}: expected a number`);
  return n;
}

export function choiceFlag<T extends string>(p: Parsed, name: string, choices: readonly T[], dflt: T): T {
  const v = p.flags.get(name);
  if (v === undefined) return dflt;
  if (v === true || !choices.includes(v as T)) throw new UsageError(`--${name} ${String(v)}: expected one of ${choices.join(', ')}`);
  return v as T;
}

export function strFlag(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  return v === true ? undefined : v;
}
