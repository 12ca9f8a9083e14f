/**
 * A trained model as an .npz archive numpy reads:
 *   W_proj, b_proj, W_embed, Wx, Wh, b, W_vocab, b_vocab   float64, CS231n names and shapes
 *   idx_to_word                                            unicode (V,)
 *   loss_history                                           float64 (iterations,)
 *   config                                                 unicode scalar: JSON (cell type, sizes, dataset, format version)
 *   solver                                                 unicode scalar: JSON (update rule, schedule, counters, epochs), when saved from a run
 *   optim/<param>/<m|v|velocity|cache>                      float64, the update rule's per-parameter state
 * In Python: `z = np.load(f); z['W_vocab']; json.loads(str(z['config']))`.
 */
import { PARAM_NAMES, paramShapes, type CellType, type ModelParams, type ParamName } from '../model';
import { stateArrayNames, type OptimConfig } from '../optim';
import type { EpochRecord, SolverState } from '../solver';
import { fmtShape } from '../tensor';
import { npyString, readNpz, writeNpz, NpzError, type InflateRaw, type NpyArray } from './npz';

export const CHECKPOINT_FORMAT = 'gradient-lab-checkpoint';
export const CHECKPOINT_VERSION = 1;

export interface CheckpointConfig {
  cellType: CellType;
  /** D */
  inputDim: number;
  /** W */
  wordvecDim: number;
  /** H */
  hiddenDim: number;
  /** V */
  vocabSize: number;
  /** Caption length the model was trained on (T + 1 in the model's terms), when known. */
  captionLength?: number;
  /** Where the training data came from, for messages ("default", a folder). */
  dataset?: string;
  /** ISO time of saving. */
  savedAt?: string;
}

export interface Checkpoint {
  config: CheckpointConfig;
  params: ModelParams;
  idxToWord: string[];
  lossHistory: number[];
  solver?: SolverState;
}

/** A checkpoint that cannot be read; one line naming what is wrong. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

interface SolverJson {
  update_rule: SolverState['updateRule'];
  lr_decay: number;
  batch_size: number;
  num_epochs: number;
  seed: number;
  grad_clip: number | null;
  clip_mode: SolverState['clipMode'];
  iteration: number;
  epoch: number;
  clipped_sum: number;
  epochs: EpochRecord[];
  /** Scalars of each parameter's config (arrays are separate entries). */
  optim: Record<string, Record<string, number | string>>;
}

/** The .npz bytes of a checkpoint. */
export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const arrays: Record<string, NpyArray> = {};
  for (const p of PARAM_NAMES) arrays[p] = { dtype: 'f8', shape: [...c.params[p].shape], data: Float64Array.from(c.params[p].data) };
  arrays.idx_to_word = { dtype: 'U', shape: [c.idxToWord.length], data: [...c.idxToWord] };
  arrays.loss_history = { dtype: 'f8', shape: [c.lossHistory.length], data: Float64Array.from(c.lossHistory) };
  const cfg = c.config;
  arrays.config = npyString(
    JSON.stringify({
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      cell_type: cfg.cellType,
      input_dim: cfg.inputDim,
      wordvec_dim: cfg.wordvecDim,
      hidden_dim: cfg.hiddenDim,
      vocab_size: cfg.vocabSize,
      caption_length: cfg.captionLength ?? null,
      dataset: cfg.dataset ?? null,
      saved_at: cfg.savedAt ?? null,
    }),
  );
  const s = c.solver;
  if (s) {
    const optim: SolverJson['optim'] = {};
    for (const p of PARAM_NAMES) {
      const oc = s.optimConfigs[p] as unknown as Record<string, unknown>;
      const scalars: Record<string, number | string> = {};
      for (const [k, v] of Object.entries(oc)) {
        if (v instanceof Float64Array) arrays[`optim/${p}/${k}`] = { dtype: 'f8', shape: [v.length], data: Float64Array.from(v) };
        else if (typeof v === 'number' || typeof v === 'string') scalars[snake(k)] = v;
      }
      optim[p] = scalars;
    }
    const sj: SolverJson = {
      update_rule: s.updateRule,
      lr_decay: s.lrDecay,
      batch_size: s.batchSize,
      num_epochs: s.numEpochs,
      seed: s.seed,
      grad_clip: s.gradClip,
      clip_mode: s.clipMode,
      iteration: s.iteration,
      epoch: s.epoch,
      clipped_sum: s.clippedSum,
      epochs: s.epochs,
      optim,
    };
    arrays.solver = npyString(JSON.stringify(sj));
  }
  return writeNpz(arrays);
}

const snake = (k: string): string => k.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);
const camel = (k: string): string => k.replace(/_([a-z0-9])/g, (_, m: string) => m.toUpperCase());

/** Parses and checks a checkpoint's bytes: every parameter present with the shape the config implies. */
export function decodeCheckpoint(bytes: Uint8Array, inflateRaw?: InflateRaw): Checkpoint {
  let arrays: Record<string, NpyArray>;
  try {
    arrays = readNpz(bytes, inflateRaw);
  } catch (e) {
    if (e instanceof NpzError) throw new CheckpointError(`not a readable checkpoint: ${e.message}`);
    throw e;
  }
  const json = (name: string, required: boolean): Record<string, unknown> | undefined => {
    const a = arrays[name];
    if (!a) {
      if (required) throw new CheckpointError(`not a Gradient Lab checkpoint: the array "${name}" is missing`);
      return undefined;
    }
    if (a.dtype !== 'U' || a.data.length !== 1) throw new CheckpointError(`"${name}" must be a unicode scalar holding JSON`);
    try {
      const v = JSON.parse(a.data[0]) as unknown;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
      return v as Record<string, unknown>;
    } catch (e) {
      throw new CheckpointError(`"${name}" is not a JSON object (${(e as Error).message})`);
    }
  };
  const cj = json('config', true)!;
  if (cj.format !== CHECKPOINT_FORMAT) throw new CheckpointError(`not a Gradient Lab checkpoint (config.format is ${JSON.stringify(cj.format)})`);
  if (typeof cj.version !== 'number' || cj.version > CHECKPOINT_VERSION) throw new CheckpointError(`checkpoint format version ${String(cj.version)} is newer than this Gradient Lab reads (${CHECKPOINT_VERSION})`);
  const int = (k: string): number => {
    const v = cj[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new CheckpointError(`config.${k} must be a positive integer, got ${JSON.stringify(v)}`);
    return v;
  };
  const cellType = cj.cell_type;
  if (cellType !== 'rnn' && cellType !== 'lstm') throw new CheckpointError(`config.cell_type must be "rnn" or "lstm", got ${JSON.stringify(cellType)}`);
  const config: CheckpointConfig = {
    cellType,
    inputDim: int('input_dim'),
    wordvecDim: int('wordvec_dim'),
    hiddenDim: int('hidden_dim'),
    vocabSize: int('vocab_size'),
    captionLength: typeof cj.caption_length === 'number' ? cj.caption_length : undefined,
    dataset: typeof cj.dataset === 'string' ? cj.dataset : undefined,
    savedAt: typeof cj.saved_at === 'string' ? cj.saved_at : undefined,
  };
  const shapes = paramShapes(config.cellType, config.inputDim, config.wordvecDim, config.hiddenDim, config.vocabSize);
  const params = {} as ModelParams;
  for (const p of PARAM_NAMES) {
    const a = arrays[p];
    if (!a) throw new CheckpointError(`parameter ${p} is missing`);
    if (a.dtype !== 'f8' && a.dtype !== 'f4') throw new CheckpointError(`parameter ${p} has dtype ${a.dtype}, expected float64`);
    if (a.shape.length !== shapes[p].length || a.shape.some((d, i) => d !== shapes[p][i])) {
      throw new CheckpointError(`parameter ${p} has shape ${fmtShape(a.shape)}, but config (${config.cellType}, D=${config.inputDim}, W=${config.wordvecDim}, H=${config.hiddenDim}, V=${config.vocabSize}) implies ${fmtShape(shapes[p])}`);
    }
    const data = Float64Array.from(a.data);
    const bad = data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new CheckpointError(`parameter ${p} holds a non-finite value (${data[bad]}) at flat index ${bad}`);
    params[p] = { shape: a.shape, data };
  }
  const itw = arrays.idx_to_word;
  if (!itw || itw.dtype !== 'U' || itw.shape.length !== 1) throw new CheckpointError('idx_to_word is missing or not a 1-D unicode array');
  if (itw.data.length !== config.vocabSize) throw new CheckpointError(`idx_to_word has ${itw.data.length} words but config.vocab_size is ${config.vocabSize}`);
  const lh = arrays.loss_history;
  const lossHistory = lh && (lh.dtype === 'f8' || lh.dtype === 'f4') ? Array.from(lh.data) : [];
  const sj = json('solver', false) as SolverJson | undefined;
  let solver: SolverState | undefined;
  if (sj) solver = solverFromJson(sj, arrays, lossHistory);
  return { config, params, idxToWord: [...itw.data], lossHistory, solver };
}

function solverFromJson(sj: SolverJson, arrays: Record<string, NpyArray>, lossHistory: number[]): SolverState {
  const rule = sj.update_rule;
  if (!['sgd', 'sgd_momentum', 'rmsprop', 'adam'].includes(rule)) throw new CheckpointError(`solver.update_rule ${JSON.stringify(rule)} is unknown`);
  const optimConfigs = {} as Record<ParamName, OptimConfig>;
  for (const p of PARAM_NAMES) {
    const scalars = sj.optim?.[p];
    if (!scalars) throw new CheckpointError(`solver.optim has no entry for ${p}`);
    const oc: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(scalars)) oc[camel(k)] = v;
    if (oc.rule !== rule) throw new CheckpointError(`solver.optim.${p}.rule is ${JSON.stringify(oc.rule)}, expected ${rule}`);
    for (const k of stateArrayNames(rule)) {
      const a = arrays[`optim/${p}/${k}`];
      if (!a) continue; // state is created on first use
      if (a.dtype !== 'f8') throw new CheckpointError(`optim/${p}/${k} must be float64`);
      oc[k] = Float64Array.from(a.data);
    }
    optimConfigs[p] = oc as unknown as OptimConfig;
  }
  return {
    updateRule: rule,
    lrDecay: sj.lr_decay,
    batchSize: sj.batch_size,
    numEpochs: sj.num_epochs,
    seed: sj.seed,
    gradClip: sj.grad_clip,
    clipMode: sj.clip_mode,
    iteration: sj.iteration,
    epoch: sj.epoch,
    optimConfigs,
    lossHistory: [...lossHistory],
    epochs: Array.isArray(sj.epochs) ? sj.epochs : [],
    clippedSum: sj.clipped_sum ?? 0,
  };
}

/** What the open dataset offers, for compatibility checks. */
export interface DatasetShape {
  idxToWord: readonly string[];
  /** Feature dimension D. */
  D: number;
  name?: string;
}

/**
 * Throws a CheckpointError naming the first mismatch between a checkpoint and a dataset:
 * vocabulary size, a differing word, or the feature dimension.
 */
export function checkCompatible(c: Checkpoint, ds: DatasetShape): void {
  const where = ds.name ? `dataset ${ds.name}` : 'the open dataset';
  if (c.config.inputDim !== ds.D) throw new CheckpointError(`checkpoint expects features of D = ${c.config.inputDim} (W_proj ${fmtShape(c.params.W_proj.shape)}), but ${where} has D = ${ds.D}`);
  if (c.idxToWord.length !== ds.idxToWord.length) throw new CheckpointError(`checkpoint vocabulary has V = ${c.idxToWord.length} words, but ${where} has V = ${ds.idxToWord.length}`);
  const i = c.idxToWord.findIndex((w, k) => w !== ds.idxToWord[k]);
  if (i >= 0) throw new CheckpointError(`checkpoint vocabulary differs from ${where} at index ${i}: "${c.idxToWord[i]}" vs "${ds.idxToWord[i]}"`);
}
