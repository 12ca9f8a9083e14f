/**
 * Every message between the extension host and Gradient Lab's webviews, typed once.
 *
 * Five views, each a separate webview: the gradient-check report, hidden states, gradients per
 * timestep, the captions gallery (editor panels) and the training panel (sidebar webview view).
 * Each view posts `ready` when its script has started; the host answers with the complete state
 * of that view (a `set…` message, or `empty` when there is nothing yet), so a view that was hidden,
 * reloaded or reopened rebuilds itself from the host alone.
 *
 * Payloads are plain JSON. VS Code serialises messages as JSON, so NaN and ±Infinity arrive as
 * `null`: the parsers below turn `null` back into NaN wherever a number is expected (a NaN error is
 * data a gradient check can legitimately produce).
 *
 * Both sides validate what they receive with `parseToWebview` / `parseFromWebview`, which return
 * the typed message or throw a `ProtocolError` naming the path of the first bad field.
 */
import type { CheckReport, LayerCheck, ParamCheck, Thresholds, Verdict } from '../core/gradcheck';

export type { CheckReport, LayerCheck, ParamCheck, Thresholds, Verdict };

/** The views; the HTML shell names one in `<body data-view="…">`. */
export type ViewKind = 'report' | 'hidden' | 'gradflow' | 'captions' | 'training';
export const VIEW_KINDS: readonly ViewKind[] = ['report', 'hidden', 'gradflow', 'captions', 'training'];
export const VIEW_TITLES: Record<ViewKind, string> = {
  report: 'Gradient Check Report',
  hidden: 'Hidden States',
  gradflow: 'Gradients per Timestep',
  captions: 'Captions',
  training: 'Training',
};
export function isViewKind(v: unknown): v is ViewKind {
  return typeof v === 'string' && (VIEW_KINDS as readonly string[]).includes(v);
}

export type Split = 'train' | 'val';
export type CellType = 'rnn' | 'lstm';

// ───────────────────────────── payloads ─────────────────────────────

/** What the report view shows: one check run. */
export interface ReportPayload {
  report: CheckReport;
  /** Thresholds the verdicts were classified with (shown in the legend). */
  thresholds: Thresholds;
  /** Heading, e.g. "All layers, seed 231". */
  title?: string;
  /** Parameter selected initially (e.g. the failing one a user clicked in the tree). */
  select?: ParamRef;
}

/** One parameter of one layer in a report. */
export interface ParamRef {
  layer: string;
  param: string;
}

/** Which caption a trace was taken on. */
export interface CaptionRef {
  split: Split;
  /** Caption row in the split; a sampled caption is the model's for that row's image. */
  index: number;
  /** Number of rows the index can range over, for the picker. */
  count: number;
  /** True when the words were sampled by the model from the image rather than read from the data. */
  sampled: boolean;
  /** The host can trace a caption sampled by the model (the view then offers that choice). */
  samplable?: boolean;
  /** Sampled: the image row the model captioned (the image of caption row `index`). */
  imageIndex?: number;
}

/**
 * Hidden states of one caption: T timesteps × H hidden units, plain arrays.
 * `words[t]` is the input word at step t (captions_in), so `words.length === h.length`.
 */
export interface HiddenStatesPayload {
  cell: CellType;
  words: string[];
  /** h_t, T×H. */
  h: number[][];
  /** LSTM cell state c_t, T×H. */
  c?: number[][];
  /** LSTM gate activations after their nonlinearity, each T×H. */
  gates?: { i: number[][]; f: number[][]; o: number[][]; g: number[][] };
  caption?: CaptionRef;
  /** Which model was traced, e.g. "trained, 400 iterations (run-….npz)" or "untrained (seed 231)". */
  model?: string;
}

/** Per-timestep gradient norms of one cell type on one caption, each of length T. */
export interface GradFlowSeries {
  /** ‖∂L/∂h_t‖ (total gradient reaching h_t, from the loss at t and from step t+1). */
  dh: number[];
  /** ‖∂L/∂x_t‖ (gradient reaching the word vector at t). */
  dx: number[];
  /** ‖step t's contribution to dWh‖. */
  dWh: number[];
  /** ‖step t's contribution to dWx‖. */
  dWx: number[];
}

/** Gradients per timestep for rnn and lstm on the same caption. */
export interface GradFlowPayload {
  words: string[];
  perCell: { rnn?: GradFlowSeries; lstm?: GradFlowSeries };
  caption?: CaptionRef;
  /** Which model each cell's trace comes from (see HiddenStatesPayload.model). */
  models?: { rnn?: string; lstm?: string };
}

/** One caption a model produced for an image. */
export interface CaptionSample {
  method: 'greedy' | 'beam' | 'temperature';
  text: string;
  /** Beam width for `beam`. */
  beamWidth?: number;
  /** Softmax temperature for `temperature`. */
  temperature?: number;
}

/** One image of the gallery. */
export interface GalleryItem {
  split: Split;
  /** Row of the split's features / URL list. */
  imageIndex: number;
  /**
   * Image address the webview may load: a webview resource URI (local file of the dataset) or a
   * remote https URL (CS231n layout; `http:` is upgraded to `https:` by the view). Empty: none.
   */
  src: string;
  /** File name or URL as the dataset names it (shown in the placeholder when the image fails). */
  label: string;
  groundTruth: string[];
  samples: CaptionSample[];
}

export interface CaptionsPayload {
  items: GalleryItem[];
  /** Which model produced the samples, e.g. "lstm H=128, iteration 400". */
  model?: string;
}

export type UpdateRule = 'sgd' | 'sgd_momentum' | 'rmsprop' | 'adam';
export const UPDATE_RULES: readonly UpdateRule[] = ['sgd', 'sgd_momentum', 'rmsprop', 'adam'];

/** The training form. */
export interface TrainConfig {
  cellType: CellType;
  hiddenDim: number;
  wordvecDim: number;
  updateRule: UpdateRule;
  learningRate: number;
  batchSize: number;
  numEpochs: number;
  /** Number of training captions used (CS231n max_train). */
  trainSubset: number;
  seed: number;
  /** float32 arithmetic (the notebooks' dtype; default) or float64 (false). */
  float32?: boolean;
  /** The 4096-d fc7 features instead of the 512-d PCA ones (CS231n pca_features=False). */
  fc7?: boolean;
}

export type TrainStatus = 'idle' | 'running' | 'stopping' | 'stopped' | 'done' | 'failed';
export const TRAIN_STATUSES: readonly TrainStatus[] = ['idle', 'running', 'stopping', 'stopped', 'done', 'failed'];

/** Raw training loss, columnar: `loss[k]` was measured at `iteration[k]`. */
export interface LossSeries {
  iteration: number[];
  loss: number[];
}

/** End-of-epoch measurement. */
export interface EpochPoint {
  epoch: number;
  iteration: number;
  trainLoss?: number;
  valLoss?: number;
}

export interface TrainProgress {
  iteration: number;
  totalIterations: number;
  epoch: number;
  totalEpochs: number;
  itPerSec: number;
  /** Seconds left, when known. */
  etaSeconds?: number;
  /** Where the train features stream from disk: share (0..1) of the time spent waiting for them. */
  dataWaitShare?: number;
}

/** A caption sampled during training. */
export interface SampledCaption {
  split: Split;
  text: string;
  groundTruth?: string;
}

/** Everything the training panel shows. */
export interface TrainingState {
  config: TrainConfig;
  status: TrainStatus;
  /** Why the run failed or stopped, or what dataset is open. */
  message?: string;
  loss: LossSeries;
  epochs: EpochPoint[];
  progress?: TrainProgress;
  captions: SampledCaption[];
}

// ───────────────────────────── messages: host → webview ─────────────────────────────

/** Nothing to show yet; the text says why and what to do. Any view. */
export interface EmptyMessage { type: 'empty'; message: string }

/** Replace the whole report view. */
export interface SetReportMessage { type: 'setReport'; payload: ReportPayload }
/** Select a parameter of the report shown (a tree item was clicked). */
export interface SelectParamMessage { type: 'selectParam'; ref: ParamRef }
/** Replace the hidden-states view. */
export interface SetHiddenMessage { type: 'setHidden'; payload: HiddenStatesPayload }
/** Replace the gradients-per-timestep view. */
export interface SetGradFlowMessage { type: 'setGradFlow'; payload: GradFlowPayload }
/** Replace the captions gallery. */
export interface SetCaptionsMessage { type: 'setCaptions'; payload: CaptionsPayload }
/** Replace the whole training panel (on ready, and after reset). */
export interface SetTrainingMessage { type: 'setTraining'; state: TrainingState }
/** Append raw loss points to the curve (iterations increase). */
export interface AppendLossMessage { type: 'appendLoss'; points: LossSeries }
/** Append an end-of-epoch point. */
/** Epoch points since the last message (batched like the loss: a fast run ends hundreds of epochs a second). */
export interface AppendEpochMessage { type: 'appendEpoch'; points: EpochPoint[] }
/** Update iteration, epoch, speed and ETA. */
export interface ProgressMessage { type: 'progress'; progress: TrainProgress }
/** The run's status changed. */
export interface StatusMessage { type: 'status'; status: TrainStatus; message?: string }
/** Latest captions sampled during training. */
export interface SampledCaptionsMessage { type: 'sampledCaptions'; captions: SampledCaption[] }

export type ToReport = EmptyMessage | SetReportMessage | SelectParamMessage;
export type ToHidden = EmptyMessage | SetHiddenMessage;
export type ToGradFlow = EmptyMessage | SetGradFlowMessage;
export type ToCaptions = EmptyMessage | SetCaptionsMessage;
export type ToTraining =
  | EmptyMessage
  | SetTrainingMessage
  | AppendLossMessage
  | AppendEpochMessage
  | ProgressMessage
  | StatusMessage
  | SampledCaptionsMessage;

export interface ToWebviewByView {
  report: ToReport;
  hidden: ToHidden;
  gradflow: ToGradFlow;
  captions: ToCaptions;
  training: ToTraining;
}
export type ToWebview = ToWebviewByView[ViewKind];

// ───────────────────────────── messages: webview → host ─────────────────────────────

/** The view's script runs; send its complete state. Every view. */
export interface ReadyMessage { type: 'ready'; view: ViewKind }
/** A script error inside the view, for the host's log. Every view. */
export interface ViewErrorMessage { type: 'viewError'; message: string }
/**
 * Save something the view made: the report as JSON (`data` is the text) or a chart as PNG
 * (`data` is a `data:image/png;base64,…` URL). The host asks where, then writes it.
 */
export interface ExportMessage { type: 'export'; format: 'json' | 'png'; fileName: string; data: string }
/** The user selected a parameter in the report (the host may reveal it in the tree). */
export interface ParamSelectedMessage { type: 'paramSelected'; ref: ParamRef }
/** Open an exploration (issue 10) for a parameter of the report; `name: 'pick'` asks the user which (the report's Explore… button). */
export interface ExploreMessage { type: 'explore'; name: string; ref?: ParamRef }
/** Trace another caption (hidden states and gradients per timestep). */
export interface ChooseCaptionMessage { type: 'chooseCaption'; split: Split; index: number; sampled: boolean }
/** Sample captions for other images of the gallery. */
export interface ResampleMessage { type: 'resample'; split: Split; count: number }
/** The form changed (the host keeps the draft, so it survives the view being hidden). */
export interface EditConfigMessage { type: 'editConfig'; config: TrainConfig }
/** Start a run with this configuration. */
export interface StartTrainingMessage { type: 'startTraining'; config: TrainConfig }
/** Stop the run (it ends after the current iteration). */
export interface StopTrainingMessage { type: 'stopTraining' }
/** Forget the run and its curve; back to the form's defaults. */
export interface ResetTrainingMessage { type: 'resetTraining' }

type Common = ReadyMessage | ViewErrorMessage;
export type FromReport = Common | ExportMessage | ParamSelectedMessage | ExploreMessage;
export type FromHidden = Common | ExportMessage | ChooseCaptionMessage;
export type FromGradFlow = Common | ExportMessage | ChooseCaptionMessage;
export type FromCaptions = Common | ResampleMessage;
export type FromTraining = Common | ExportMessage | EditConfigMessage | StartTrainingMessage | StopTrainingMessage | ResetTrainingMessage;

export interface FromWebviewByView {
  report: FromReport;
  hidden: FromHidden;
  gradflow: FromGradFlow;
  captions: FromCaptions;
  training: FromTraining;
}
export type FromWebview = FromWebviewByView[ViewKind];

// ───────────────────────────── runtime validation ─────────────────────────────

/** A received message that does not match the protocol; the message names the bad field. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

/** Checks an unknown value at a path and returns it typed (normalised: null → NaN for numbers). */
type Parser<T> = (v: unknown, at: string) => T;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function fail(at: string, what: string, v: unknown): never {
  throw new ProtocolError(`${at}: expected ${what}, got ${describe(v)}`);
}

/** Any number; null (JSON's NaN/±Infinity) becomes NaN. */
const num: Parser<number> = (v, at) => (typeof v === 'number' ? v : v === null ? NaN : fail(at, 'a number', v));
const int: Parser<number> = (v, at) => (typeof v === 'number' && Number.isInteger(v) ? v : fail(at, 'an integer', v));
const nonNegInt: Parser<number> = (v, at) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : fail(at, 'an integer ≥ 0', v));
const posInt: Parser<number> = (v, at) => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : fail(at, 'an integer > 0', v));
const posNum: Parser<number> = (v, at) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fail(at, 'a finite number > 0', v));
const str: Parser<string> = (v, at) => (typeof v === 'string' ? v : fail(at, 'a string', v));
const bool: Parser<boolean> = (v, at) => (typeof v === 'boolean' ? v : fail(at, 'true or false', v));

function oneOf<T extends string>(values: readonly T[]): Parser<T> {
  return (v, at) => (typeof v === 'string' && (values as readonly string[]).includes(v) ? (v as T) : fail(at, values.map((x) => `"${x}"`).join(' | '), v));
}

function opt<T>(p: Parser<T>): Parser<T | undefined> {
  return (v, at) => (v === undefined ? undefined : p(v, at));
}

function arr<T>(p: Parser<T>): Parser<T[]> {
  return (v, at) => {
    if (!Array.isArray(v)) fail(at, 'an array', v);
    const out = new Array<T>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = p(v[i], `${at}[${i}]`);
    return out;
  };
}

/** Numbers only, fast path for long series. */
const nums: Parser<number[]> = (v, at) => {
  if (!Array.isArray(v)) fail(at, 'an array of numbers', v);
  const out = new Array<number>(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    out[i] = typeof x === 'number' ? x : x === null ? NaN : fail(`${at}[${i}]`, 'a number', x);
  }
  return out;
};

/** A T×H matrix with rows of equal length. */
const matrix: Parser<number[][]> = (v, at) => {
  const rows = arr(nums)(v, at);
  for (let r = 1; r < rows.length; r++) {
    if (rows[r].length !== rows[0].length) throw new ProtocolError(`${at}[${r}]: row has ${rows[r].length} values, row 0 has ${rows[0].length}`);
  }
  return rows;
};

type Shape = Record<string, Parser<unknown>>;
type Out<S extends Shape> = { [K in keyof S]: ReturnType<S[K]> };

/** An object with these keys (others are dropped); keys whose value is undefined are left out. */
function obj<S extends Shape>(shape: S): Parser<Out<S>> {
  return (v, at) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(at, 'an object', v);
    const src = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(shape)) {
      const x = shape[k](src[k], `${at}.${k}`);
      if (x !== undefined) out[k] = x;
    }
    return out as Out<S>;
  };
}

function record<T>(p: Parser<T>): Parser<Record<string, T>> {
  return (v, at) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(at, 'an object', v);
    const out: Record<string, T> = {};
    // defineProperty, not out[k] = ...: a "__proto__" key must stay a key, not replace the prototype.
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) Object.defineProperty(out, k, { value: p(x, `${at}.${k}`), enumerable: true, writable: true, configurable: true });
    return out;
  };
}

/** A union discriminated by `type`; each parser sees the whole message. */
function byType<T extends { type: string }>(parsers: { [K in T['type']]: Parser<Extract<T, { type: K }>> }): Parser<T> {
  return (v, at) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(at, 'a message object', v);
    const type = (v as { type?: unknown }).type;
    const table = parsers as Record<string, Parser<T>>;
    if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(table, type)) {
      fail(`${at}.type`, Object.keys(table).map((x) => `"${x}"`).join(' | '), type);
    }
    return table[type](v, at);
  };
}

function msg<K extends string, S extends Shape>(type: K, shape: S): Parser<{ type: K } & Out<S>> {
  const body = obj(shape);
  return (v, at) => ({ type, ...body(v, at) });
}

const verdict = oneOf<Verdict>(['good', 'ok', 'warn', 'wrong']);
const split = oneOf<Split>(['train', 'val']);
const cellType = oneOf<CellType>(['rnn', 'lstm']);

const paramCheck: Parser<ParamCheck> = (v, at) => {
  const p = obj({
    name: str,
    shape: arr(nonNegInt),
    relError: num,
    maxAbsError: num,
    verdict,
    worst: obj({ index: arr(nonNegInt), flatIndex: nonNegInt, analytic: num, numeric: num, relError: num }),
    errors: nums,
    timeAxis: opt(nonNegInt),
    perTimestep: opt(nums),
    perTimestepKind: opt(oneOf<'axis' | 'loss-step'>(['axis', 'loss-step'])),
    checked: nonNegInt,
  })(v, at);
  const size = p.shape.reduce((a, d) => a * d, 1);
  if (p.errors.length !== size) throw new ProtocolError(`${at}.errors: ${p.errors.length} values for shape (${p.shape.join(', ')})`);
  if (p.timeAxis !== undefined && p.timeAxis >= p.shape.length) throw new ProtocolError(`${at}.timeAxis: ${p.timeAxis} is not an axis of shape (${p.shape.join(', ')})`);
  if (p.perTimestep !== undefined && p.timeAxis !== undefined && p.perTimestep.length !== p.shape[p.timeAxis]) {
    throw new ProtocolError(`${at}.perTimestep: ${p.perTimestep.length} values for ${p.shape[p.timeAxis]} timesteps`);
  }
  return p;
};

const layerCheck: Parser<LayerCheck> = obj({ layer: str, sizes: record(int), params: arr(paramCheck), verdict, ms: num, todo: opt(str) });

const checkReport: Parser<CheckReport> = obj({
  seed: int,
  h: num,
  dtype: oneOf<'float64' | 'float32'>(['float64', 'float32']),
  layers: arr(layerCheck),
  verdict,
});

const thresholds: Parser<Thresholds> = obj({ good: num, ok: num, warn: num });
const paramRef: Parser<ParamRef> = obj({ layer: str, param: str });
const captionRef: Parser<CaptionRef> = obj({ split, index: nonNegInt, count: nonNegInt, sampled: bool, samplable: opt(bool), imageIndex: opt(nonNegInt) });

const reportPayload: Parser<ReportPayload> = obj({ report: checkReport, thresholds, title: opt(str), select: opt(paramRef) });

const hiddenPayload: Parser<HiddenStatesPayload> = (v, at) => {
  const p = obj({
    cell: cellType,
    words: arr(str),
    h: matrix,
    c: opt(matrix),
    gates: opt(obj({ i: matrix, f: matrix, o: matrix, g: matrix })),
    caption: opt(captionRef),
    model: opt(str),
  })(v, at);
  const T = p.h.length;
  const H = T > 0 ? p.h[0].length : 0;
  if (p.words.length !== T) throw new ProtocolError(`${at}.words: ${p.words.length} words for ${T} timesteps of h`);
  const same = (m: number[][], name: string): void => {
    if (m.length !== T || (T > 0 && m[0].length !== H)) throw new ProtocolError(`${at}.${name}: ${m.length}×${m[0]?.length ?? 0}, h is ${T}×${H}`);
  };
  if (p.c) same(p.c, 'c');
  if (p.gates) for (const g of ['i', 'f', 'o', 'g'] as const) same(p.gates[g], `gates.${g}`);
  return p;
};

const gradFlowSeries: Parser<GradFlowSeries> = obj({ dh: nums, dx: nums, dWh: nums, dWx: nums });

const gradFlowPayload: Parser<GradFlowPayload> = (v, at) => {
  const p = obj({ words: arr(str), perCell: obj({ rnn: opt(gradFlowSeries), lstm: opt(gradFlowSeries) }), caption: opt(captionRef), models: opt(obj({ rnn: opt(str), lstm: opt(str) })) })(v, at);
  for (const cell of ['rnn', 'lstm'] as const) {
    const s = p.perCell[cell];
    if (!s) continue;
    for (const k of ['dh', 'dx', 'dWh', 'dWx'] as const) {
      if (s[k].length !== p.words.length) throw new ProtocolError(`${at}.perCell.${cell}.${k}: ${s[k].length} values for ${p.words.length} timesteps`);
    }
  }
  return p;
};

const captionSample: Parser<CaptionSample> = obj({
  method: oneOf<CaptionSample['method']>(['greedy', 'beam', 'temperature']),
  text: str,
  beamWidth: opt(posInt),
  temperature: opt(posNum),
});

const galleryItem: Parser<GalleryItem> = obj({ split, imageIndex: nonNegInt, src: str, label: str, groundTruth: arr(str), samples: arr(captionSample) });
const captionsPayload: Parser<CaptionsPayload> = obj({ items: arr(galleryItem), model: opt(str) });

const trainConfig: Parser<TrainConfig> = obj({
  cellType,
  hiddenDim: posInt,
  wordvecDim: posInt,
  updateRule: oneOf(UPDATE_RULES),
  learningRate: posNum,
  batchSize: posInt,
  numEpochs: posInt,
  trainSubset: posInt,
  seed: int,
  float32: opt(bool),
  fc7: opt(bool),
});

const lossSeries: Parser<LossSeries> = (v, at) => {
  const p = obj({ iteration: nums, loss: nums })(v, at);
  if (p.iteration.length !== p.loss.length) throw new ProtocolError(`${at}: ${p.iteration.length} iterations for ${p.loss.length} losses`);
  return p;
};
const epochPoint: Parser<EpochPoint> = obj({ epoch: nonNegInt, iteration: nonNegInt, trainLoss: opt(num), valLoss: opt(num) });
const trainProgress: Parser<TrainProgress> = obj({
  iteration: nonNegInt,
  totalIterations: nonNegInt,
  epoch: nonNegInt,
  totalEpochs: nonNegInt,
  itPerSec: num,
  etaSeconds: opt(num),
  dataWaitShare: opt(num),
});
const sampledCaption: Parser<SampledCaption> = obj({ split, text: str, groundTruth: opt(str) });
const trainStatus = oneOf(TRAIN_STATUSES);
const trainingState: Parser<TrainingState> = obj({
  config: trainConfig,
  status: trainStatus,
  message: opt(str),
  loss: lossSeries,
  epochs: arr(epochPoint),
  progress: opt(trainProgress),
  captions: arr(sampledCaption),
});

const empty = msg('empty', { message: str });

const toParsers: { [V in ViewKind]: Parser<ToWebviewByView[V]> } = {
  report: byType<ToReport>({
    empty,
    setReport: msg('setReport', { payload: reportPayload }),
    selectParam: msg('selectParam', { ref: paramRef }),
  }),
  hidden: byType<ToHidden>({ empty, setHidden: msg('setHidden', { payload: hiddenPayload }) }),
  gradflow: byType<ToGradFlow>({ empty, setGradFlow: msg('setGradFlow', { payload: gradFlowPayload }) }),
  captions: byType<ToCaptions>({ empty, setCaptions: msg('setCaptions', { payload: captionsPayload }) }),
  training: byType<ToTraining>({
    empty,
    setTraining: msg('setTraining', { state: trainingState }),
    appendLoss: msg('appendLoss', { points: lossSeries }),
    appendEpoch: msg('appendEpoch', { points: arr(epochPoint) }),
    progress: msg('progress', { progress: trainProgress }),
    status: msg('status', { status: trainStatus, message: opt(str) }),
    sampledCaptions: msg('sampledCaptions', { captions: arr(sampledCaption) }),
  }),
};

const ready = msg('ready', { view: oneOf(VIEW_KINDS) });
const viewError = msg('viewError', { message: str });
const exportMsg: Parser<ExportMessage> = (v, at) => {
  const m = msg('export', { format: oneOf<'json' | 'png'>(['json', 'png']), fileName: str, data: str })(v, at);
  if (!/^[^/\\:*?"<>|\0]{1,200}$/.test(m.fileName)) throw new ProtocolError(`${at}.fileName: not a plain file name: ${describe(m.fileName)}`);
  if (m.format === 'png' && !m.data.startsWith('data:image/png;base64,')) throw new ProtocolError(`${at}.data: a PNG export must be a data:image/png;base64 URL`);
  return m;
};
const chooseCaption = msg('chooseCaption', { split, index: nonNegInt, sampled: bool });

const fromParsers: { [V in ViewKind]: Parser<FromWebviewByView[V]> } = {
  report: byType<FromReport>({
    ready,
    viewError,
    export: exportMsg,
    paramSelected: msg('paramSelected', { ref: paramRef }),
    explore: msg('explore', { name: str, ref: opt(paramRef) }),
  }),
  hidden: byType<FromHidden>({ ready, viewError, export: exportMsg, chooseCaption }),
  gradflow: byType<FromGradFlow>({ ready, viewError, export: exportMsg, chooseCaption }),
  captions: byType<FromCaptions>({ ready, viewError, resample: msg('resample', { split, count: posInt }) }),
  training: byType<FromTraining>({
    ready,
    viewError,
    export: exportMsg,
    editConfig: msg('editConfig', { config: trainConfig }),
    startTraining: msg('startTraining', { config: trainConfig }),
    stopTraining: msg('stopTraining', {}),
    resetTraining: msg('resetTraining', {}),
  }),
};

/** Validates a message the extension sent to a view (used by the webview on receipt). */
export function parseToWebview<V extends ViewKind>(view: V, raw: unknown): ToWebviewByView[V] {
  return toParsers[view](raw, `message to ${view}`);
}

/** Validates a message a view sent to the extension (used by the host on receipt). */
export function parseFromWebview<V extends ViewKind>(view: V, raw: unknown): FromWebviewByView[V] {
  return fromParsers[view](raw, `message from ${view}`);
}

/** Validates a training configuration alone (settings, persisted drafts). */
export function parseTrainConfig(raw: unknown, at = 'config'): TrainConfig {
  return trainConfig(raw, at);
}

// ───────────────────────────── exploration view (issue 10) ─────────────────────────────
// Additive: the exploration panel is its own webview (bundle dist/explore.js) and not one of the
// five ViewKinds, so nothing above changes. Its results are the plain-JSON ExploreResult of
// core/explore; the parsers check the message envelope, the result's kind and the arrays the
// views index into (lengths that must agree), not every number inside a check report.

import type { ExploreName, ExploreRequest, ExploreResult } from '../core/explore/types';

export type { ExploreName, ExploreRequest, ExploreResult };

export const EXPLORE_VIEW_NAMES: readonly ExploreName[] = ['sweep', 'precision', 'bugs', 'sanity', 'flow', 'sparse'];

/** What the exploration panel shows: one exploration's result and the request that made it. */
export interface ExplorePayload {
  request: ExploreRequest;
  result: ExploreResult;
  /** Heading, e.g. "Step-size sweep: rnn dWh". */
  title: string;
  /** Milliseconds the exploration took. */
  ms: number;
  /** Choices for re-running from the view: checks with their gradient names, and bug ids with titles. */
  choices?: { checks: { check: string; params: string[] }[]; bugs: { id: string; title: string }[] };
}

/** Replace the exploration panel. */
export interface SetExploreMessage { type: 'setExplore'; payload: ExplorePayload }
/** An exploration is running (the panel shows it and keeps the last result until the new one arrives). */
export interface ExploreBusyMessage { type: 'exploreBusy'; message: string; fraction?: number }
export type ToExplore = EmptyMessage | SetExploreMessage | ExploreBusyMessage;

/** The exploration panel's script runs; send its state. */
export interface ExploreReadyMessage { type: 'ready'; view: 'explore' }
/** Run an exploration (another layer or parameter of the sweep, another bug, …). */
export interface RunExploreMessage { type: 'runExplore'; request: ExploreRequest }
export type FromExplore = ExploreReadyMessage | ViewErrorMessage | ExportMessage | RunExploreMessage;

const exploreName = oneOf<ExploreName>(EXPLORE_VIEW_NAMES);
const cellList = arr(cellType);
const exploreSizes = obj({ N: posInt, T: posInt, D: posInt, W: posInt, H: posInt, V: posInt });
const exploreRequest: Parser<ExploreRequest> = obj({
  name: exploreName,
  seed: opt(int),
  check: opt(str),
  param: opt(str),
  h: opt(posNum),
  bug: opt(str),
  cells: opt(cellList),
  overfitIterations: opt(nonNegInt),
  sizes: opt(exploreSizes),
  perParam: opt(posInt),
  directions: opt(posInt),
});

function sameLength(at: string, n: number, a: { length: number }, what: string): void {
  if (a.length !== n) throw new ProtocolError(`${at}: ${a.length} ${what} for ${n}`);
}

const exploreResult: Parser<ExploreResult> = (v, at) => {
  const kind = obj({ kind: oneOf(['sweep', 'precision', 'bugs', 'sanity', 'flow', 'sparse'] as const) })(v, at).kind;
  const o = v as Record<string, unknown>;
  switch (kind) {
    case 'sweep': {
      const s = obj({
        check: str,
        param: str,
        seed: int,
        hs: nums,
        defaultH: num,
        curves: arr(obj({ precision: oneOf<'float64' | 'float32'>(['float64', 'float32']), label: opt(str), relError: nums, medianError: nums, best: obj({ h: num, relError: num, verdict }), slopeRight: (x, a) => (x === null ? null : num(x, a)), slopeLeft: (x, a) => (x === null ? null : num(x, a)), why: str })),
      })(o.sweep, `${at}.sweep`);
      s.curves.forEach((c, i) => {
        sameLength(`${at}.sweep.curves[${i}].relError`, s.hs.length, c.relError, 'errors');
        sameLength(`${at}.sweep.curves[${i}].medianError`, s.hs.length, c.medianError, 'errors');
      });
      return { kind, sweep: s };
    }
    case 'precision': {
      const row = obj({ check: str, param: str, rel64: num, verdict64: verdict, rel32: num, verdict32: verdict, changed: bool, rel32AtH32: num, verdict32AtH32: verdict, floor32: num, why: str });
      return { kind, table: obj({ seed: int, h: num, suggestedH32: num, rows: arr(row), summary: str })(o.table, `${at}.table`) };
    }
    case 'bugs': {
      const expectation = obj({ check: str, wrong: arr(str), right: arr(str), timesteps: opt(obj({ param: str, kind: oneOf<'axis' | 'loss-step'>(['axis', 'loss-step']), wrong: arr(nonNegInt), right: arr(nonNegInt) })) });
      const sanityLine = obj({ id: str, title: str, status: oneOf<'pass' | 'fail' | 'skipped'>(['pass', 'fail', 'skipped']), detail: str, values: record(num), ms: num });
      const run = obj({
        id: str,
        title: str,
        description: str,
        recognise: str,
        code: obj({ wrong: str, right: str }),
        caughtBy: oneOf<'gradient-check' | 'sanity'>(['gradient-check', 'sanity']),
        buggy: checkReport,
        reference: checkReport,
        expect: arr(expectation),
        problems: arr(str),
        sanity: arr(sanityLine),
      });
      return { kind, runs: arr(run)(o.runs, `${at}.runs`) } as ExploreResult;
    }
    case 'sanity': {
      const line = obj({ id: str, title: str, status: oneOf<'pass' | 'fail' | 'skipped'>(['pass', 'fail', 'skipped']), detail: str, values: record(num), ms: num });
      const rep = obj({ dataset: str, cell: cellType, lines: arr(line), passed: bool });
      return { kind, dataset: str(o.dataset, `${at}.dataset`), reports: arr(rep)(o.reports, `${at}.reports`), passed: bool(o.passed, `${at}.passed`) } as ExploreResult;
    }
    case 'flow': {
      const series = obj({ dh: nums, dx: nums, meanAbsH: nums });
      const grid = obj({ Ts: arr(posInt), rhos: nums, hidden: posInt, forgetBias: num, runs: arr(arr(obj({ T: posInt, rho: num, rnn: series, lstm: series }))) })(o.grid, `${at}.grid`);
      sameLength(`${at}.grid.runs`, grid.Ts.length, grid.runs, 'rows');
      grid.runs.forEach((row, i) => {
        sameLength(`${at}.grid.runs[${i}]`, grid.rhos.length, row, 'runs');
        row.forEach((r, j) => {
          for (const c of ['rnn', 'lstm'] as const) sameLength(`${at}.grid.runs[${i}][${j}].${c}.dh`, grid.Ts[i], r[c].dh, 'norms');
        });
      });
      const four = obj({ dh: nums, dx: nums, dWh: nums, dWx: nums });
      const caption = opt(obj({ words: arr(str), mask: arr(bool), rnn: four, lstm: four, dataset: str, split, index: nonNegInt }))(o.caption, `${at}.caption`);
      if (caption) for (const c of ['rnn', 'lstm'] as const) for (const k of ['dh', 'dx', 'dWh', 'dWx'] as const) sameLength(`${at}.caption.${c}.${k}`, caption.words.length, caption[c][k], 'values');
      return caption ? { kind, grid, caption } : { kind, grid };
    }
    case 'sparse': {
      const directional = obj({
        check: str,
        parameterCount: nonNegInt,
        directions: posInt,
        h: num,
        samples: arr(obj({ analytic: num, numeric: num, relError: num })),
        forwardPasses: nonNegInt,
        estimatedRelError: num,
        worstRelError: num,
        denseForwardPasses: nonNegInt,
        explanation: str,
      });
      return { kind, sizes: record(int)(o.sizes, `${at}.sizes`), cells: arr(obj({ cell: cellType, sparse: layerCheck, directional }))(o.cells, `${at}.cells`) } as ExploreResult;
    }
  }
};

const explorePayload: Parser<ExplorePayload> = obj({
  request: exploreRequest,
  result: exploreResult,
  title: str,
  ms: num,
  choices: opt(obj({ checks: arr(obj({ check: str, params: arr(str) })), bugs: arr(obj({ id: str, title: str })) })),
});

const toExplore = byType<ToExplore>({
  empty,
  setExplore: msg('setExplore', { payload: explorePayload }),
  exploreBusy: msg('exploreBusy', { message: str, fraction: opt(num) }),
});
const fromExplore = byType<FromExplore>({
  ready: msg('ready', { view: oneOf<'explore'>(['explore']) }),
  viewError,
  export: exportMsg,
  runExplore: msg('runExplore', { request: exploreRequest }),
});

/** Validates a message the extension sent to the exploration panel. */
export function parseToExplore(raw: unknown): ToExplore {
  return toExplore(raw, 'message to explore');
}

/** Validates a message the exploration panel sent to the extension. */
export function parseFromExplore(raw: unknown): FromExplore {
  return fromExplore(raw, 'message from explore');
}
