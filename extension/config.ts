import * as vscode from 'vscode';
import type { Thresholds } from '../core/gradcheck';

export type CellType = 'rnn' | 'lstm';
export type UpdateRule = 'sgd' | 'sgd_momentum' | 'rmsprop' | 'adam';
export const UPDATE_RULES: readonly UpdateRule[] = ['sgd', 'sgd_momentum', 'rmsprop', 'adam'];

/** The training settings a run starts from (the panel may override each one). */
export interface TrainingDefaults {
  cellType: CellType;
  hiddenDim: number;
  wordvecDim: number;
  updateRule: UpdateRule;
  learningRate: number;
  lrDecay: number;
  batchSize: number;
  epochs: number;
  maxTrain: number;
  seed: number;
  float32: boolean;
  /** Train on the 4096-d fc7 features (gradientLab.training.fc7). */
  fc7: boolean;
  threads: number;
  /** Feature data held in memory during training, MB (gradientLab.dataset.memoryBudgetMB). */
  memoryBudgetMB: number;
}

export interface CheckDefaults {
  seed: number;
  h: number;
  thresholds: Thresholds;
  cellType: CellType;
}

const SECTION = 'gradientLab';

function cfg(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(SECTION);
}

function num(key: string, fallback: number, ok: (v: number) => boolean = Number.isFinite): number {
  const v = cfg().get<number>(key);
  return typeof v === 'number' && ok(v) ? v : fallback;
}

function positive(v: number): boolean {
  return Number.isFinite(v) && v > 0;
}

function cell(key: string): CellType {
  return cfg().get<string>(key) === 'lstm' ? 'lstm' : 'rnn';
}

/** Typed getters over the settings; out-of-range values fall back to the defaults. */
export const config = {
  check(): CheckDefaults {
    return {
      seed: Math.trunc(num('check.seed', 231)),
      h: num('check.stepSize', 1e-5, positive),
      thresholds: {
        good: num('check.thresholds.good', 1e-7, positive),
        ok: num('check.thresholds.ok', 1e-4, positive),
        warn: num('check.thresholds.warn', 1e-2, positive),
      },
      cellType: cell('model.cellType'),
    };
  },

  training(): TrainingDefaults {
    const rule = cfg().get<string>('training.updateRule');
    return {
      cellType: cell('model.cellType'),
      hiddenDim: Math.trunc(num('model.hiddenDim', 512, positive)),
      wordvecDim: Math.trunc(num('model.wordvecDim', 256, positive)),
      updateRule: UPDATE_RULES.includes(rule as UpdateRule) ? (rule as UpdateRule) : 'adam',
      learningRate: num('training.learningRate', 5e-3, positive),
      lrDecay: num('training.lrDecay', 1, (v) => v > 0 && v <= 1),
      batchSize: Math.trunc(num('training.batchSize', 25, positive)),
      epochs: Math.trunc(num('training.epochs', 50, positive)),
      maxTrain: Math.trunc(num('training.maxTrain', 50, (v) => v >= 0)),
      seed: Math.trunc(num('training.seed', 231)),
      // float32 unless turned off: the notebooks' CaptioningRNN trains with dtype=np.float32.
      float32: cfg().get<boolean>('training.float32') !== false,
      fc7: cfg().get<boolean>('training.fc7') === true,
      threads: Math.trunc(num('threads', 0, (v) => v >= 0 && v <= 64)),
      memoryBudgetMB: num('dataset.memoryBudgetMB', 1024, (v) => Number.isFinite(v) && v >= 0),
    };
  },

  /** Folder of the dataset to open by default; undefined means the embedded default. */
  datasetPath(): string | undefined {
    const p = cfg().get<string>('dataset.path')?.trim();
    return p ? p : undefined;
  },

  affects(e: vscode.ConfigurationChangeEvent, key?: string): boolean {
    return e.affectsConfiguration(key ? `${SECTION}.${key}` : SECTION);
  },
};
