import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { startTraining, type TrainingRun } from '../runtime/trainHost';
import { jobFromPanel, type TrainJob, type TrainWorkerEvent } from '../runtime/trainProtocol';
import type { DatasetSource } from '../protocol/jobs';
import type { EpochPoint, SampledCaption, ToTraining, TrainConfig, TrainProgress, TrainStatus, TrainingState } from '../protocol/webview';
import { config as settings } from './config';
import type { Log } from './log';

/** What a training worker reports, whatever its wire format (see `readTrainEvent`). */
export type TrainEvent =
  | { kind: 'step'; iteration: number; loss: number; progress: TrainProgress }
  | { kind: 'epoch'; point: EpochPoint }
  | { kind: 'samples'; captions: SampledCaption[] }
  | { kind: 'checkpoint'; file: string; iteration: number; requested: boolean }
  | { kind: 'saveFailed'; file: string; message: string }
  | { kind: 'started'; message: string }
  | { kind: 'loading'; message: string }
  | { kind: 'done'; stopped: boolean; diverged: boolean; message?: string; checkpoint?: string; iterations: number; finalLoss?: number }
  | { kind: 'error'; message: string };

/** A finished (or stopped) run's model, as the worker saved it. */
export interface RunModel {
  file: string;
  config: TrainConfig;
  iterations: number;
  finalLoss?: number;
}

export interface TrainingListener {
  /** A message for the training view (already applied to the state). */
  post(msg: ToTraining): void;
  /** The run's status changed (status bar, context keys). */
  statusChanged(status: TrainStatus, message: string | undefined, progress: TrainProgress | undefined): void;
  /** The run ended with a saved model (done, stopped, or diverged with its last good parameters). */
  modelSaved(model: RunModel): void;
}

/** Starts the worker of a run (runtime/trainHost.ts by default, on dist/trainWorker.js). */
export type TrainWorkerFactory = (job: TrainJob, onEvent: (e: TrainWorkerEvent) => void) => TrainingRun;

export function defaultConfig(): TrainConfig {
  const t = settings.training();
  return {
    cellType: t.cellType,
    hiddenDim: t.hiddenDim,
    wordvecDim: t.wordvecDim,
    updateRule: t.updateRule,
    learningRate: t.learningRate,
    batchSize: t.batchSize,
    numEpochs: t.epochs,
    trainSubset: t.maxTrain > 0 ? t.maxTrain : 50,
    seed: t.seed,
    float32: t.float32,
    fc7: t.fc7,
  };
}

function emptyState(config: TrainConfig): TrainingState {
  return { config, status: 'idle', loss: { iteration: [], loss: [] }, epochs: [], captions: [] };
}

/**
 * Owns one training run at a time and its complete history, independent of any view: the panel
 * can be closed and reopened mid-run, and `dispose` (VS Code closing) stops the worker.
 */
export class TrainingController implements vscode.Disposable {
  private state: TrainingState = emptyState(defaultConfig());
  private run?: TrainingRun;
  private pendingLoss: { iteration: number[]; loss: number[] } = { iteration: [], loss: [] };
  private pendingEpochs: EpochPoint[] = [];
  private flushTimer?: NodeJS.Timeout;
  private finished?: Promise<void>;
  private resolveFinished?: () => void;

  private runConfig?: TrainConfig;

  constructor(
    private readonly distDir: string,
    /** Folder where runs save their model (the extension's global storage). */
    private readonly saveDir: string,
    private readonly log: Log,
    private readonly listener: TrainingListener,
    private readonly factory: TrainWorkerFactory = defaultFactory(distDir),
  ) {}

  get snapshot(): TrainingState {
    return this.state;
  }

  get running(): boolean {
    return this.run !== undefined;
  }

  /** The whole panel state, for `ready`. */
  stateMessage(): ToTraining {
    this.flush();
    return { type: 'setTraining', state: this.state };
  }

  editConfig(config: TrainConfig): void {
    this.state.config = config;
  }

  /** Whether a worker bundle exists at all (a build without the training engine cannot train). */
  available(): boolean {
    return fs.existsSync(path.join(this.distDir, 'trainWorker.js'));
  }

  /** Starts a run; resolves when the worker is started (not when the run ends). */
  start(config: TrainConfig, dataset: DatasetSource): void {
    if (this.run) throw new Error('a training run is already going: stop it first');
    if (!this.available()) throw new Error(`training is not available: ${path.join(this.distDir, 'trainWorker.js')} is missing from this build`);
    this.state = { ...emptyState(config), status: 'running', message: `starting (${config.cellType}, H=${config.hiddenDim}, W=${config.wordvecDim})` };
    this.listener.post({ type: 'setTraining', state: this.state });
    this.finished = new Promise((r) => (this.resolveFinished = r));
    fs.mkdirSync(this.saveDir, { recursive: true });
    const save = path.join(this.saveDir, `run-${new Date().toISOString().replace(/[:.]/g, '-')}.npz`);
    this.runConfig = config;
    const t = settings.training();
    const { float32, fc7, ...form } = config;
    const job = jobFromPanel(form, dataset, { lrDecay: t.lrDecay, dtype: (float32 ?? t.float32) ? 'f32' : 'f64', fc7: (fc7 ?? t.fc7) || undefined, memoryBudgetMB: t.memoryBudgetMB, threads: t.threads, save, sampleCount: 3 });
    // The host reports a crash or an exit without `done` as an `error` event, so events are all there is to follow.
    const run: TrainingRun = this.factory(job, (raw) => {
      if (this.run !== run) return; // a disposed run's last words
      const ev = readTrainEvent(raw);
      if (ev) this.apply(ev);
    });
    this.run = run;
    this.log.info(`training started: ${JSON.stringify(config)}`);
    this.setStatus('running', this.state.message);
  }

  /** Asks the run to stop after its current iteration; the host terminates the worker if it does not within 5 s. */
  stop(): Promise<void> {
    const run = this.run;
    if (!run) return Promise.resolve();
    this.setStatus('stopping', 'stopping after this iteration');
    run.cancel();
    return this.finished ?? Promise.resolve();
  }

  /** The running run's settings (undefined when no run is going). */
  get runningConfig(): TrainConfig | undefined {
    return this.run ? this.runConfig : undefined;
  }

  /**
   * Writes the running model to `file` after the iteration in progress (the worker writes it
   * atomically); resolves with that iteration. Rejects when the file cannot be written or the run
   * ends first.
   */
  saveSnapshot(file: string): Promise<number> {
    if (!this.run) return Promise.reject(new Error('no training run is going'));
    return this.run.snapshot(file);
  }

  reset(): void {
    if (this.run) throw new Error('stop the training run before resetting it');
    this.state = emptyState(this.state.config);
    this.listener.post({ type: 'setTraining', state: this.state });
    this.setStatus('idle', undefined);
  }

  private apply(ev: TrainEvent): void {
    switch (ev.kind) {
      case 'step':
        this.pendingLoss.iteration.push(ev.iteration);
        this.pendingLoss.loss.push(ev.loss);
        this.state.progress = ev.progress;
        // Batch the curve's points: at hundreds of iterations per second one message each would flood the view.
        this.flushTimer ??= setTimeout(() => this.flush(), 100);
        break;
      case 'epoch':
        // Batched with the loss points: one message per flush, however many epochs ended in it.
        this.pendingEpochs.push(ev.point);
        this.flushTimer ??= setTimeout(() => this.flush(), 100);
        break;
      case 'samples':
        this.state.captions = ev.captions;
        this.listener.post({ type: 'sampledCaptions', captions: ev.captions });
        break;
      case 'checkpoint':
        this.log.info(`checkpoint written: ${ev.file} (iteration ${ev.iteration})`);
        break;
      case 'saveFailed':
        this.log.warn(`could not save ${ev.file}: ${ev.message}`);
        break;
      case 'loading':
        this.state.message = ev.message;
        this.listener.post({ type: 'status', status: this.state.status, message: ev.message });
        break;
      case 'started':
        this.log.info(`training: ${ev.message}`);
        this.state.message = ev.message;
        this.listener.post({ type: 'status', status: this.state.status, message: ev.message });
        break;
      case 'done':
        if (ev.checkpoint && this.runConfig) this.listener.modelSaved({ file: ev.checkpoint, config: this.runConfig, iterations: ev.iterations, finalLoss: ev.finalLoss });
        this.end(ev.diverged ? 'failed' : ev.stopped ? 'stopped' : 'done', ev.message);
        break;
      case 'error':
        if (this.state.status === 'stopping') {
          // Asked to stop and did not in time: the host terminated the worker. Still a stop.
          this.log.warn(`training: ${ev.message}`);
          this.end('stopped', ev.message);
        } else {
          this.log.error(`training failed: ${ev.message}`);
          this.end('failed', ev.message);
        }
        break;
      default: {
        const never: never = ev;
        this.log.warn(`unknown training event ${JSON.stringify(never)}`);
      }
    }
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const p = this.pendingLoss;
    const epochs = this.pendingEpochs;
    if (p.iteration.length === 0 && epochs.length === 0) return;
    this.pendingLoss = { iteration: [], loss: [] };
    this.pendingEpochs = [];
    if (p.iteration.length > 0) {
      this.state.loss.iteration.push(...p.iteration);
      this.state.loss.loss.push(...p.loss);
      this.listener.post({ type: 'appendLoss', points: p });
    }
    if (epochs.length > 0) {
      this.state.epochs.push(...epochs);
      this.listener.post({ type: 'appendEpoch', points: epochs });
    }
    if (p.iteration.length > 0 && this.state.progress) {
      this.listener.post({ type: 'progress', progress: this.state.progress });
      this.listener.statusChanged(this.state.status, this.state.message, this.state.progress);
    }
  }

  private end(status: TrainStatus, message: string | undefined): void {
    const run = this.run;
    if (!run) return;
    this.run = undefined;
    this.flush();
    this.log.info(`training ${status}${message ? `: ${message}` : ''}`);
    this.setStatus(status, message);
    this.resolveFinished?.();
  }

  private setStatus(status: TrainStatus, message: string | undefined): void {
    this.state.status = status;
    this.state.message = message;
    this.listener.post({ type: 'status', status, message });
    this.listener.statusChanged(status, message, this.state.progress);
  }

  dispose(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    const run = this.run;
    this.run = undefined;
    run?.terminate();
  }
}

function defaultFactory(distDir: string): TrainWorkerFactory {
  return (job, onEvent) => startTraining(job, { workerFile: path.join(distDir, 'trainWorker.js'), cancelGraceMs: 5000, onEvent });
}

/** Reads one message of dist/trainWorker.js (runtime/trainProtocol.ts). Unknown messages are ignored. */
export function readTrainEvent(raw: unknown): TrainEvent | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as TrainWorkerEvent;
  switch (m.type) {
    case 'started':
      return { kind: 'started', message: `${m.model} on ${m.dataset}: ${m.numTrain} captions, ${m.totalIterations} iterations (${m.engine}${m.features ? `; features ${m.features}` : ''})` };
    case 'loading':
      return { kind: 'loading', message: `loading ${m.file} into memory: ${Math.round(m.fraction * 100)}%` };
    case 'step':
      return { kind: 'step', iteration: m.iteration, loss: m.loss, progress: { ...m.progress } };
    case 'epoch':
      return { kind: 'epoch', point: { epoch: m.point.epoch, iteration: m.point.iteration, trainLoss: m.point.trainLoss, valLoss: m.point.valLoss } };
    case 'samples':
      return { kind: 'samples', captions: m.captions.map((c): SampledCaption => ({ split: c.split, text: c.text, groundTruth: c.groundTruth })) };
    case 'checkpoint':
      return { kind: 'checkpoint', file: m.file, iteration: m.iteration, requested: m.requested === true };
    case 'saveFailed':
      return { kind: 'saveFailed', file: m.file, message: m.message };
    case 'done':
      return {
        kind: 'done',
        stopped: m.stopped,
        diverged: m.status === 'diverged',
        message: m.message,
        checkpoint: m.checkpoint,
        iterations: m.iteration,
        finalLoss: m.lossHistory.at(-1),
      };
    case 'error':
      return { kind: 'error', message: m.message };
    default:
      return undefined;
  }
}
