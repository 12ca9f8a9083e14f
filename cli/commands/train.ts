/**
 * `gradlab train`: trains a captioning model (on this thread: runtime/trainHere.ts). A progress bar on a terminal,
 * JSON lines (one event each) when stdout is piped or with --json. Ctrl-C stops after the current
 * iteration (and saves with --save); a second Ctrl-C exits at once.
 * Exit status: 0 finished, 1 diverged, 2 bad input or a failed run, 130 stopped by Ctrl-C.
 */
import { isUpdateRule, UPDATE_RULES } from '../../core/optim';
import { trainHere } from '../../runtime/trainHere';
import type { TrainJob, TrainWorkerEvent } from '../../runtime/trainProtocol';
import { choiceFlag, intFlag, numFlag, parseArgs, strFlag, UsageError } from '../args';
import { checkSavePath } from './demo';
import { prepareDataset } from '../defaultData';
import { loadCheckpoint } from '../../runtime/checkpointFile';
import { DEFAULT_MEMORY_BUDGET_MB } from '../../core/data/features';
import { MAX_THREADS } from '../../runtime/fastEngine';

export const usage = `gradlab train [--dataset PATH|default] [--cell rnn|lstm] [--hidden H] [--wordvec W] [--update RULE]
       [--lr X] [--lr-decay D] [--batch N] [--epochs E] [--max-train N] [--seed S] [--save FILE] [--json]
       [--clip C] [--clip-mode norm|value] [--eval-every E] [--sample-every I] [--dtype f32|f64] [--threads N]
       [--engine auto|reference] [--resume FILE] [--fc7] [--memory-budget MB]
  Defaults are CS231n's overfit check: default dataset, rnn, H=512, W=256, adam, lr 5e-3, lr decay 0.95,
  batch 25, 50 epochs, 50 training captions (--max-train 0 = all), seed 231, float32 (--dtype f64 for float64).
  --fc7 trains on the 4096-d *_vgg16_fc7.h5 features instead of the 512-d PCA pair (pca_features=False).
  --memory-budget MB (default ${DEFAULT_MEMORY_BUDGET_MB}): feature files that fit are held in memory; larger ones
  stream from disk through a chunk cache, with the next minibatches read ahead in a reader thread.
  update rules: ${UPDATE_RULES.join(', ')}
  Output: a progress bar on a terminal; JSON lines (one event each) when piped or with --json.
  --threads N: kernel threads (default 0 = every core of the machine).
  --resume FILE continues a saved run (its model, optimizer state and epochs); --epochs is the new total.
  Ctrl-C stops after the current iteration (saving with --save); a second Ctrl-C quits at once.
  exit status 0 finished, 1 diverged, 2 bad input or a failed run, 130 stopped by Ctrl-C`;

const VALUED = ['dataset', 'cell', 'hidden', 'wordvec', 'update', 'lr', 'lr-decay', 'batch', 'epochs', 'max-train', 'seed', 'save', 'clip', 'clip-mode', 'eval-every', 'sample-every', 'dtype', 'threads', 'engine', 'resume', 'memory-budget'];

export function jobFromArgs(argv: string[]): { job: TrainJob; json: boolean } {
  const p = parseArgs(argv, VALUED, ['json', 'fc7']);
  if (p.positional.length) throw new UsageError(`unexpected argument "${p.positional[0]}"`);
  const update = strFlag(p, 'update') ?? 'adam';
  if (!isUpdateRule(update)) throw new UsageError(`--update ${update}: unknown update rule (expected one of ${UPDATE_RULES.join(', ')})`);
  const lr = numFlag(p, 'lr', 5e-3);
  if (!(lr > 0)) throw new UsageError(`--lr ${lr}: the learning rate must be > 0`);
  const lrDecay = numFlag(p, 'lr-decay', 0.95);
  if (!(lrDecay > 0 && lrDecay <= 1)) throw new UsageError(`--lr-decay ${lrDecay}: expected a number in (0, 1]`);
  const clip = p.flags.has('clip') ? numFlag(p, 'clip', 0) : undefined;
  if (clip !== undefined && !(clip > 0)) throw new UsageError(`--clip ${clip}: the clipping threshold must be > 0`);
  const save = strFlag(p, 'save');
  const job: TrainJob = {
    dataset: strFlag(p, 'dataset') ?? 'default',
    cellType: choiceFlag(p, 'cell', ['rnn', 'lstm'] as const, 'rnn'),
    hiddenDim: intFlag(p, 'hidden', 512, 1),
    wordvecDim: intFlag(p, 'wordvec', 256, 1),
    updateRule: update,
    learningRate: lr,
    lrDecay,
    batchSize: intFlag(p, 'batch', 25, 1),
    numEpochs: intFlag(p, 'epochs', 50, 1),
    maxTrain: intFlag(p, 'max-train', 50, 0),
    seed: intFlag(p, 'seed', 231),
    gradClip: clip,
    clipMode: choiceFlag(p, 'clip-mode', ['norm', 'value'] as const, 'norm'),
    evalEvery: p.flags.has('eval-every') ? intFlag(p, 'eval-every', 1, 0) : undefined,
    sampleEvery: p.flags.has('sample-every') ? intFlag(p, 'sample-every', 0, 0) : undefined,
    dtype: choiceFlag(p, 'dtype', ['f32', 'f64'] as const, 'f32'),
    threads: intFlag(p, 'threads', 0, 0),
    engine: choiceFlag(p, 'engine', ['auto', 'reference'] as const, 'auto'),
    save,
    resume: strFlag(p, 'resume'),
    fc7: p.flags.has('fc7') || undefined,
    memoryBudgetMB: p.flags.has('memory-budget') ? numFlag(p, 'memory-budget', DEFAULT_MEMORY_BUDGET_MB) : undefined,
  };
  if (job.memoryBudgetMB !== undefined && !(job.memoryBudgetMB >= 0)) throw new UsageError(`--memory-budget ${job.memoryBudgetMB}: expected a number of MB >= 0`);
  if ((job.threads ?? 0) > MAX_THREADS) throw new UsageError(`--threads ${job.threads}: at most ${MAX_THREADS} (0 = every core)`);
  // Checked now, not after the whole run: a name that is not .npz, a folder that does not exist.
  if (save !== undefined) checkSavePath(save);
  const maxTrain = job.maxTrain ?? 0;
  if (maxTrain > 0 && job.batchSize > maxTrain) {
    throw new UsageError(`--batch ${job.batchSize} is larger than the ${maxTrain} training captions of --max-train ${maxTrain} (--max-train 0 uses the whole train split)`);
  }
  if (job.resume !== undefined) checkResumeSizes(job, job.resume, p.flags);
  const json = p.flags.has('json') || !process.stdout.isTTY;
  return { job, json };
}

/**
 * --resume continues the checkpoint's model as it is: a --cell, --hidden or --wordvec that
 * disagrees with it would be silently ignored, so it is an error naming both.
 */
function checkResumeSizes(job: TrainJob, file: string, flags: Map<string, string | true>): void {
  const ck = loadCheckpoint(file);
  const c = ck.config;
  // A run already past --epochs would "finish" at once without training.
  const done = ck.solver?.epoch;
  if (done !== undefined && job.numEpochs <= done) throw new UsageError(`--epochs ${job.numEpochs}: the checkpoint ${file} has already trained ${done} epochs; to go on, ask for more (e.g. --epochs ${done + job.numEpochs})`);
  const given: [string, string | number, string | number][] = [
    ['cell', job.cellType, c.cellType],
    ['hidden', job.hiddenDim, c.hiddenDim],
    ['wordvec', job.wordvecDim, c.wordvecDim],
  ];
  for (const [flag, asked, saved] of given) {
    if (flags.has(flag) && asked !== saved) throw new UsageError(`--${flag} ${asked}: the checkpoint ${file} has ${flag} ${saved}, and --resume continues it as it is (drop --${flag})`);
  }
}

function clock(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '--:--';
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

/** The one-line progress bar of a terminal. */
export function progressLine(e: Extract<TrainWorkerEvent, { type: 'step' }>, width = 24): string {
  const p = e.progress;
  const f = p.totalIterations > 0 ? p.iteration / p.totalIterations : 0;
  const full = Math.round(f * width);
  const bar = '█'.repeat(full) + '░'.repeat(width - full);
  return `${bar} ${String(Math.round(f * 100)).padStart(3)}%  it ${p.iteration}/${p.totalIterations}  epoch ${p.epoch}/${p.totalEpochs}  loss ${e.loss.toFixed(4)}  lr ${e.learningRate.toExponential(2)}  ${p.itPerSec.toFixed(2)} it/s  ETA ${clock(p.etaSeconds)}${p.dataWaitShare !== undefined ? `  data wait ${Math.round(p.dataWaitShare * 100)}%` : ''}`;
}

export async function run(argv: string[]): Promise<number> {
  const { job, json } = jobFromArgs(argv);
  const out = process.stdout;
  const err = process.stderr;
  const tty = !json && err.isTTY === true;
  let barShown = false;
  const clearBar = (): void => {
    if (barShown) err.write('\r\x1b[2K');
    barShown = false;
  };
  const onEvent = (e: TrainWorkerEvent): void => {
    if (json) {
      // JSON lines: every event except the bulky history, which `done` carries once.
      out.write(JSON.stringify(e) + '\n');
      return;
    }
    switch (e.type) {
      case 'started':
        clearBar();
        out.write(`training ${e.model} on ${e.dataset} (${e.numTrain} captions, ${e.iterationsPerEpoch} iterations/epoch, ${e.totalIterations} iterations) with ${e.engine}${e.features ? `; features ${e.features}` : ''}${e.resumedAt !== undefined ? `, resumed at iteration ${e.resumedAt}` : ''}\n`);
        break;
      case 'loading':
        if (tty) {
          err.write(`\r\x1b[2Kloading ${e.file} into memory: ${Math.round(e.fraction * 100)}% (${e.doneRows}/${e.totalRows} rows)`);
          barShown = true;
        } else if (e.fraction >= 1) {
          out.write(`loaded ${e.totalRows} feature rows into memory\n`);
        }
        break;
      case 'step':
        if (tty) {
          err.write('\r\x1b[2K' + progressLine(e));
          barShown = true;
        } else if (e.iteration === 1 || e.iteration % 10 === 0 || e.iteration === e.progress.totalIterations) {
          const wait = e.progress.dataWaitShare !== undefined ? `, data wait ${Math.round(e.progress.dataWaitShare * 100)}%` : '';
          out.write(`(Iteration ${e.iteration} / ${e.progress.totalIterations}) loss: ${e.loss.toFixed(6)}  (${e.progress.itPerSec.toFixed(2)} it/s, ETA ${clock(e.progress.etaSeconds)}${wait})\n`);
        }
        break;
      case 'epoch':
        if (e.point.trainLoss !== undefined || e.point.valLoss !== undefined) {
          clearBar();
          out.write(`epoch ${e.point.epoch}: train loss ${e.point.trainLoss?.toFixed(4) ?? '-'}, val loss ${e.point.valLoss?.toFixed(4) ?? '-'}, lr ${e.point.learningRate.toExponential(2)}\n`);
        }
        break;
      case 'samples':
        clearBar();
        for (const c of e.captions) out.write(`  [${c.split}] ${c.text}  (truth: ${c.groundTruth})\n`);
        break;
      case 'checkpoint':
        clearBar();
        out.write(`saved ${e.file} (iteration ${e.iteration})\n`);
        break;
      case 'done':
      case 'error':
        clearBar();
        break;
    }
  };
  let closed = false;
  // A reader that went away (`gradlab train | head`): stop writing and stop the run.
  out.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    closed = true;
    runHandle.cancel();
  });
  if (typeof job.dataset === 'string') await prepareDataset(job.dataset);
  // On this thread (the command line has nothing else to keep responsive): no worker to start.
  const runHandle = trainHere(job, (e) => closed || onEvent(e));
  const onSigint = (): void => {
    clearBar();
    err.write('stopping after this iteration (Ctrl-C again to quit now)\n');
    runHandle.cancel();
    // A second Ctrl-C gets the default action, which ends the process at once even in the middle
    // of an iteration (this thread is busy there and could not run a handler).
    process.off('SIGINT', onSigint);
  };
  process.on('SIGINT', onSigint);
  try {
    const s = await runHandle.done;
    if (closed) return 0;
    if (!json) {
      const lh = s.lossHistory;
      out.write(`${s.message}; ${lh.length} losses recorded, ${(s.wallMs / 1000).toFixed(1)} s${s.clippedFraction > 0 ? `, clipped fraction ${s.clippedFraction.toFixed(3)}` : ''}\n`);
    }
    if (s.status === 'diverged') {
      err.write(`gradlab train: ${s.message}\n`);
      return 1;
    }
    return s.status === 'cancelled' ? 130 : 0;
  } catch (e) {
    clearBar();
    err.write(`gradlab train: ${(e as Error).message}\n`);
    return 2;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
