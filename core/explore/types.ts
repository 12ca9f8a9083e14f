/**
 * The explorations' result types: plain JSON data, no functions. Kept apart from the code so
 * the protocol (and the browser bundle that type-checks against it) can name them without
 * pulling the engine in.
 */
import type { CheckReport, LayerCheck, Verdict } from '../gradcheck';

export type CellType = 'rnn' | 'lstm';
export type Precision = 'float64' | 'float32';

export type ExploreName = 'sweep' | 'precision' | 'bugs' | 'sanity' | 'flow' | 'sparse';

export type BugId =
  | 'dwh-not-accumulated'
  | 'tanh-derivative-dropped'
  | 'upstream-dh-not-added'
  | 'dprev-h-wrong-step'
  | 'lstm-gate-order'
  | 'forget-gate-no-cell'
  | 'loss-mean-over-unmasked'
  | 'embedding-assigned'
  | 'captions-off-by-one'
  | 'mask-ignored';

/** What the catalogue promises a check will show with the bug on (test/explore asserts every line). */
export interface BugExpectation {
  /** Check name: a layer ("rnn") or a model ("captioning_rnn"). */
  check: string;
  /** Gradients whose verdict is "wrong". */
  wrong: string[];
  /** Gradients that still pass (good or ok): where the bug is not. */
  right: string[];
  /** For time-dependent bugs: which steps of one gradient are wrong and which right. */
  timesteps?: { param: string; kind: 'axis' | 'loss-step'; wrong: number[]; right: number[] };
}

export interface BugRun {
  id: BugId;
  title: string;
  description: string;
  recognise: string;
  code: { wrong: string; right: string };
  caughtBy: 'gradient-check' | 'sanity';
  /** The checks with the bug switched on. */
  buggy: CheckReport;
  /** The same checks with the reference layers. */
  reference: CheckReport;
  expect: BugExpectation[];
  /** Expectations that did not hold (empty when the catalogue's description is right). */
  problems: string[];
}

export interface SweepCurve {
  precision: Precision;
  /** Legend name when it is not just the precision ("float32 (wasm engine)"). */
  label?: string;
  /** Relative error (CS231n rel_error, worst element) at each h of `hs`. */
  relError: number[];
  /** Median element-wise relative error at each h (less sensitive to one tiny gradient element). */
  medianError: number[];
  best: { h: number; relError: number; verdict: Verdict };
  /** Fitted log-log slopes: right of the best h (truncation, ≈ 2) and left of it (round-off, ≈ −1). */
  slopeRight: number | null;
  slopeLeft: number | null;
  /** Why the best h is where it is, in one sentence. */
  why: string;
}

export interface SweepResult {
  check: string;
  param: string;
  seed: number;
  hs: number[];
  curves: SweepCurve[];
  /** The CS231n default step, for the chart's marker. */
  defaultH: number;
}

/** One row of the float32-against-float64 table. */
export interface PrecisionRow {
  check: string;
  param: string;
  rel64: number;
  verdict64: Verdict;
  rel32: number;
  verdict32: Verdict;
  changed: boolean;
  /** float32 again at the step that suits it (`suggestedH32`): what a float32 check can honestly reach. */
  rel32AtH32: number;
  verdict32AtH32: Verdict;
  /**
   * Round-off floor of the centred difference in float32 for this gradient: u32·|f| / (h·|g|)
   * at its worst element — how much error float32 alone brings at this h.
   */
  floor32: number;
  why: string;
}

export interface PrecisionTable {
  seed: number;
  h: number;
  /** h that balances truncation and round-off in float32, ≈ u32^(1/3). */
  suggestedH32: number;
  rows: PrecisionRow[];
  summary: string;
}

export interface SanityLine {
  id: 'initial-loss' | 'masked-zero-gradient' | 'causality' | 'beam-greedy' | 'loss-falls' | 'overfit';
  title: string;
  status: 'pass' | 'fail' | 'skipped';
  /** One line with the numbers behind the status. */
  detail: string;
  values: Record<string, number>;
  ms: number;
}

export interface SanityReport {
  dataset: string;
  cell: CellType;
  lines: SanityLine[];
  passed: boolean;
}

export interface FlowSeries {
  /** ‖∂L/∂h_t‖ for t = 0..T−1 (total: from the loss and from step t+1). */
  dh: number[];
  /** ‖∂L/∂x_t‖. */
  dx: number[];
  /** Mean |h_t| per step (how saturated the tanh is). */
  meanAbsH: number[];
}

export interface FlowResult {
  T: number;
  rho: number;
  rnn: FlowSeries;
  lstm: FlowSeries;
}

export interface FlowGrid {
  Ts: number[];
  rhos: number[];
  /** runs[i][j]: T = Ts[i], ρ = rhos[j]. */
  runs: FlowResult[][];
  hidden: number;
  forgetBias: number;
}

export interface CaptionFlow {
  /** captions_in words of the traced caption. */
  words: string[];
  mask: boolean[];
  rnn: { dh: number[]; dx: number[]; dWh: number[]; dWx: number[] };
  lstm: { dh: number[]; dx: number[]; dWh: number[]; dWx: number[] };
}

export interface DirectionalCheck {
  check: string;
  /** Number of parameters P (all elements of all parameters). */
  parameterCount: number;
  directions: number;
  h: number;
  /** Per direction: analytic g·u, numeric derivative, and their relative error. */
  samples: { analytic: number; numeric: number; relError: number }[];
  /** Forward passes used: 2 per direction, independent of P. */
  forwardPasses: number;
  /** Estimate of ‖g_analytic − g_true‖ / ‖g_true‖ from the directions (see the file comment). */
  estimatedRelError: number;
  /** Relative error of the worst direction. */
  worstRelError: number;
  /** Forward passes a dense check would need (2P). */
  denseForwardPasses: number;
  explanation: string;
}

/** What to run; every field has a default. */
export interface ExploreRequest {
  name: ExploreName;
  seed?: number;
  /** sweep: the check (layer or captioning_rnn/lstm) and gradient name. */
  check?: string;
  param?: string;
  /** precision: the step of the float64 column. */
  h?: number;
  /** bugs: one bug id (default: every bug). */
  bug?: string;
  /** sanity/flow: cell types (default both). */
  cells?: CellType[];
  /** sanity: iterations of the overfitting line (0 skips it). */
  overfitIterations?: number;
  /** sparse: model sizes and cell. */
  sizes?: { N: number; T: number; D: number; W: number; H: number; V: number };
  perParam?: number;
  directions?: number;
}

export interface BugsResult {
  kind: 'bugs';
  runs: (BugRun & { sanity: SanityLine[] })[];
}

export type ExploreResult =
  | { kind: 'sweep'; sweep: SweepResult }
  | { kind: 'precision'; table: PrecisionTable }
  | BugsResult
  | { kind: 'sanity'; dataset: string; reports: SanityReport[]; passed: boolean }
  | { kind: 'flow'; grid: FlowGrid; caption?: CaptionFlow & { dataset: string; split: 'train' | 'val'; index: number } }
  | { kind: 'sparse'; sizes: Record<string, number>; cells: { cell: CellType; sparse: LayerCheck; directional: DirectionalCheck }[] };
