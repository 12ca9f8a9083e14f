/** `gradlab eval CASE.json|-`: one operation in the exchange format, result as JSON on stdout. */
import { readFileSync } from 'node:fs';
import { evaluate, EvalError } from '../../core/eval';
import { parseArgs, UsageError } from '../args';

export const usage = 'gradlab eval CASE.json   (or - to read the case from standard input)';

export async function run(argv: string[]): Promise<number> {
  const p = parseArgs(argv, [], []);
  if (p.positional.length !== 1) throw new UsageError(`expected one case file, got ${p.positional.length}: ${usage}`);
  const file = p.positional[0];
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a case file' : `cannot read (${code ?? (e as Error).message})`;
    throw new UsageError(`${file === '-' ? 'standard input' : file}: ${why}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new EvalError(`${file}: malformed JSON (${(e as Error).message})`);
  }
  process.stdout.write(JSON.stringify(evaluate(parsed)) + '\n');
  return 0;
}
