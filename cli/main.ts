/**
 * `gradlab`: the command line over the Gradient Lab engine, for terminals and CI.
 * Exit status: 0 ok, 1 a check failed, 2 bad input (one line on stderr, never a stack trace).
 */
import { UsageError } from './args';
import { installDefaultDatasetProgress } from './defaultData';
import * as check from './commands/check';
import * as demo from './commands/demo';
import * as evalCmd from './commands/eval';
import * as checkPython from './commands/checkPython';
import * as bench from './commands/bench';
import * as data from './commands/data';
import * as explore from './commands/explore';
import * as trainCmd from './commands/train';
import * as sampleCmd from './commands/sample';

interface Command {
  summary: string;
  mod: { run(argv: string[]): Promise<number>; usage?: string };
}

/** One line per subcommand; each lives in cli/commands/<name>.ts. */
const COMMANDS: Record<string, Command> = {
  demo: { summary: 'the main job: check every layer, overfit the default dataset, sample captions', mod: demo },
  check: { summary: 'gradient-check every layer and the captioning model', mod: check },
  eval: { summary: 'evaluate one operation in the JSON exchange format', mod: evalCmd },
  'check-python': { summary: "check a student's numpy layer functions (FILE.py), or many submissions (DIR...) as one table", mod: checkPython },
  explore: { summary: 'explorations: step-size sweep, float32 vs float64, bug catalogue, sanity suite, gradient flow, sparse checks', mod: explore },
  data: { summary: 'inspect and validate a dataset (gradlab data info [PATH|default])', mod: data },
  train: { summary: 'train a captioning model (CS231n solver); --save FILE.npz', mod: trainCmd },
  sample: { summary: 'caption images with a saved checkpoint (greedy, --beam B, --temperature T)', mod: sampleCmd },
  bench: { summary: 'time the engine on the benchmark workloads (npm run bench compares with numpy)', mod: bench },
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return ['usage: gradlab <command> [options]', '', ...Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`), '', 'gradlab <command> --help for its options'].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help() + '\n');
    return name === undefined ? 2 : 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`gradlab: unknown command "${name}"\n${help()}\n`);
    return 2;
  }
  const mod = cmd.mod;
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`usage: ${mod.usage ?? `gradlab ${name}`}\n`);
    return 0;
  }
  installDefaultDatasetProgress();
  return mod.run(rest);
}

// A reader that went away (`gradlab demo | head`) is not an error: stop quietly, as `cat` does,
// unless the command listens itself (`gradlab train` stops its run and saves first).
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  if (process.stdout.listenerCount('error') === 1) process.exit(process.exitCode ?? 0);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const err = e as Error;
    // Bad input is reported in one line; a real bug keeps its stack for the report.
    const expected = err instanceof UsageError || ['EvalError', 'ShapeError', 'DatasetError', 'CheckpointError', 'Error'].includes(err.name);
    process.stderr.write(`gradlab: ${expected ? err.message : err.stack ?? String(err)}\n`);
    process.exitCode = 2;
  },
);
