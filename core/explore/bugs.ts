/**
 * The bug catalogue: the classic mistakes of backpropagation through time and of captioning,
 * each as a named LayerImpl table that differs from the reference in one place. Running the
 * engine's own checks with a table swapped in shows what a user with that bug would see.
 *
 * These tables exist only here. The model and the checks take a `layers` table; training code
 * never imports core/explore (test/explore/isolation.test.ts asserts it), so no mutation can be
 * left switched on in a training run.
 */
import { checkLayer, checkModel, LAYER_SPECS } from '../checks';
import { worstVerdict, type CheckReport, type LayerCheck } from '../gradcheck';
import { REFERENCE_LAYERS, type LayerImpl } from '../layers/index';
import { lstmBackwardWith, lstmStepBackwardWith, rnnBackwardWith, rnnStepBackwardWith } from './bptt';
import { embeddingBackwardAssigned, embeddingForwardShifted, softmaxLossMaskIgnoredInBackward, softmaxLossMeanOverUnmasked } from './mutations';
import type { BugExpectation, BugId, BugRun } from './types';
export type { BugExpectation, BugId, BugRun };


export interface Bug {
  id: BugId;
  title: string;
  /** What the code does wrong, in one or two sentences. */
  description: string;
  /** How to recognise it in a check report. */
  recognise: string;
  /** The wrong line and the right one, as a user would write them in numpy. */
  code: { wrong: string; right: string };
  /** Which checks show it (run with the bug on, and again without for comparison). */
  checks: string[];
  /** What catches it: the gradient check, or (for a consistent forward/backward) a sanity check. */
  caughtBy: 'gradient-check' | 'sanity';
  expect: BugExpectation[];
  layers: LayerImpl;
}

const T = 10; // the rnn and lstm checks' sequence length (core/checks.ts)
const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

const with_ = (patch: Partial<LayerImpl>): LayerImpl => ({ ...REFERENCE_LAYERS, ...patch });

const RNN_ALL = ['dx', 'dh0', 'dWx', 'dWh', 'db'];
const MODEL_ALL = ['W_embed', 'W_proj', 'W_vocab', 'Wh', 'Wx', 'b', 'b_proj', 'b_vocab'];

export const BUGS: readonly Bug[] = [
  {
    id: 'dwh-not-accumulated',
    title: 'dWh not accumulated over time',
    description: 'The sequence backward assigns dWh at every step (dWh = prev_hᵀ·da) instead of adding to it, so only the last step processed (t = 0) survives.',
    recognise: 'Only dWh fails; dx, dh0, dWx and db pass. Per loss step, dWh is right when only step 0 has a loss and wrong for every later step.',
    code: { wrong: 'dWh = prev_h.T.dot(da)', right: 'dWh += prev_h.T.dot(da)' },
    checks: ['rnn', 'captioning_rnn'],
    caughtBy: 'gradient-check',
    expect: [
      { check: 'rnn', wrong: ['dWh'], right: ['dx', 'dh0', 'dWx', 'db'], timesteps: { param: 'dWh', kind: 'loss-step', wrong: range(1, T), right: [0] } },
      { check: 'captioning_rnn', wrong: ['Wh'], right: ['W_embed', 'W_proj', 'W_vocab', 'Wx', 'b', 'b_proj', 'b_vocab'] },
    ],
    layers: with_({ rnnBackward: rnnBackwardWith({ assignWh: true }) }),
  },
  {
    id: 'tanh-derivative-dropped',
    title: 'tanh derivative dropped',
    description: 'The step backward passes dnext_h straight to the pre-activation: da = dnext_h instead of dnext_h · (1 − next_h²).',
    recognise: 'Everything upstream of the tanh fails, already in the single-step check: dx, dprev_h, dWx, dWh and db, at every timestep; the output layer (W_vocab, b_vocab) still passes.',
    code: { wrong: 'da = dnext_h', right: 'da = dnext_h * (1 - next_h**2)' },
    checks: ['rnn_step', 'rnn', 'captioning_rnn'],
    caughtBy: 'gradient-check',
    expect: [
      { check: 'rnn_step', wrong: ['dx', 'dprev_h', 'dWx', 'dWh', 'db'], right: [] },
      { check: 'rnn', wrong: RNN_ALL, right: [], timesteps: { param: 'dx', kind: 'axis', wrong: range(0, T), right: [] } },
      { check: 'captioning_rnn', wrong: ['W_embed', 'W_proj', 'Wh', 'Wx', 'b', 'b_proj'], right: ['W_vocab', 'b_vocab'] },
    ],
    layers: with_({ rnnStepBackward: rnnStepBackwardWith({ dropTanh: true }), rnnBackward: rnnBackwardWith({ dropTanh: true }) }),
  },
  {
    id: 'upstream-dh-not-added',
    title: 'upstream dh not added at each step',
    description: 'The loop starts from dh[:, T−1] and then only carries dprev_h back; the loss gradient dh[:, t] of earlier steps is never added.',
    recognise: 'The single-step check passes. In the sequence check dx is right at the last step and wrong at every earlier one; weights are right only when the last step alone has a loss.',
    code: { wrong: 'dnext = dprev_h  # dh[:, t] forgotten', right: 'dnext = dh[:, t, :] + dprev_h' },
    checks: ['rnn_step', 'rnn', 'captioning_rnn'],
    caughtBy: 'gradient-check',
    expect: [
      { check: 'rnn_step', wrong: [], right: ['dx', 'dprev_h', 'dWx', 'dWh', 'db'] },
      { check: 'rnn', wrong: RNN_ALL, right: [], timesteps: { param: 'dx', kind: 'axis', wrong: range(0, T - 1), right: [T - 1] } },
      { check: 'rnn', wrong: RNN_ALL, right: [], timesteps: { param: 'dWh', kind: 'loss-step', wrong: range(0, T - 1), right: [T - 1] } },
      { check: 'captioning_rnn', wrong: ['W_embed', 'W_proj', 'Wh', 'Wx', 'b', 'b_proj'], right: ['W_vocab', 'b_vocab'] },
    ],
    layers: with_({ rnnBackward: rnnBackwardWith({ noUpstream: true }) }),
  },
  {
    id: 'dprev-h-wrong-step',
    title: 'dprev_h taken from the wrong step',
    description: 'The carried gradient is updated one iteration late, so step t receives dprev_h computed at step t+2 instead of t+1.',
    recognise: 'The single-step check passes. dx is right only at the last step; a weight gradient is right only when step 0 alone has a loss (no carry is involved), and wrong for every later loss step.',
    code: { wrong: 'dnext = dh[:, t] + dprev_h_old; dprev_h_old = dprev_h', right: 'dnext = dh[:, t] + dprev_h' },
    checks: ['rnn_step', 'rnn', 'captioning_rnn'],
    caughtBy: 'gradient-check',
    expect: [
      { check: 'rnn_step', wrong: [], right: ['dx', 'dprev_h', 'dWx', 'dWh', 'db'] },
      { check: 'rnn', wrong: RNN_ALL, right: [], timesteps: { param: 'dx', kind: 'axis', wrong: range(0, T - 1), right: [T - 1] } },
      { check: 'rnn', wrong: RNN_ALL, right: [], timesteps: { param: 'dWh', kind: 'loss-step', wrong: range(1, T), right: [0] } },
      { check: 'captioning_rnn', wrong: ['W_embed', 'W_proj', 'Wh', 'Wx', 'b', 'b_proj'], right: ['W_vocab', 'b_vocab'] },
    ],
    layers: with_({ rnnBackward: rnnBackwardWith({ staleCarry: true }) }),
  },
  {
    id: 'lstm-gate-order',
    title: 'LSTM gates in the wrong order',
    description: 'The forward splits the pre-activation as i, f, o, g; the backward writes the gradients of o and g into each other’s blocks (i, f, g, o).',
    recognise: 'dprev_c passes (it never goes through the gate blocks) while dx, dprev_h, dWx, dWh and db fail; in the heatmaps of dWx, dWh and db the errors fill the last two blocks of H columns and the first two are clean.',
    code: { wrong: 'da = np.hstack((di, df, dg, do))', right: 'da = np.hstack((di, df, do, dg))' },
    checks: ['lstm_step', 'lstm', 'captioning_lstm'],
    caughtBy: 'gradient-check',
    expect: [
      { check: 'lstm_step', wrong: ['dx', 'dprev_h', 'dWx', 'dWh', 'db'], right: ['dprev_c'] },
      { check: 'lstm', wrong: RNN_ALL, right: [] },
      { check: 'captioning_lstm', wrong: ['W_embed', 'W_proj', 'Wh', 'Wx', 'b', 'b_proj'], right: ['W_vocab', 'b_vocab'] },
    ],
    layers: with_({ lstmStepBackward: lstmStepBackwardWith({ swapOG: true }), lstmBackward: lstmBackwardWith({ swapOG: true }) }),
  },
  {
    id: 'forget-gate-no-cell',
    title: 'forget-gate gradient missing the cell state',
    description: 'The gradient of the forget gate’s pre-activation leaves out prev_c: da_f = dc · f(1 − f) instead of dc · prev_c · f(1 − f).',
    recognise: 'dprev_c passes; dx, dprev_h, dWx, dWh and db fail, and in the heatmaps of dWx, dWh and db only the second block of H columns (the forget gate) is wrong.',
    code: { wrong: 'df = dc * f * (1 - f)', right: 'df = dc * prev_c * f * (1 - f)' },
    checks: ['lstm_step', 'lstm', 'captioning_lstm'],
    caughtBy: 'gradient-check',
    expect: [
      { check: 'lstm_step', wrong: ['dx', 'dprev_h', 'dWx', 'dWh', 'db'], right: ['dprev_c'] },
      { check: 'lstm', wrong: ['dx', 'dWx', 'dWh', 'db'], right: [] },
    ],
    layers: with_({ lstmStepBackward: lstmStepBackwardWith({ forgetNoCell: true }), lstmBackward: lstmBackwardWith({ forgetNoCell: true }) }),
  },
  {
    id: 'loss-mean-over-unmasked',
    title: 'loss averaged over unmasked steps instead of N',
    description: 'The forward divides the summed loss by N (the batch size) but the backward divides dx by the number of unmasked positions.',
    recognise: 'dx of the softmax loss is off by the same factor N / Σmask at every unmasked position: a flat heatmap, and the worst element’s analytic/numeric ratio is exactly that factor. When Σmask happens to equal N the factor is 1 and nothing fails: the model check at the notebook’s sizes (seed 231: N = 2, two unmasked targets) is such a case, which is why the loss layer is checked on its own.',
    code: { wrong: 'dx /= mask.sum()', right: 'dx /= N' },
    checks: ['temporal_softmax_loss', 'captioning_rnn'],
    caughtBy: 'gradient-check',
    expect: [
      { check: 'temporal_softmax_loss', wrong: ['dx'], right: [] },
      // Σmask = N = 2 in this check at seed 231: the factor is 1, the bug invisible (see recognise).
      { check: 'captioning_rnn', wrong: [], right: MODEL_ALL },
    ],
    layers: with_({ temporalSoftmaxLoss: softmaxLossMeanOverUnmasked }),
  },
  {
    id: 'embedding-assigned',
    title: 'embedding gradient assigned instead of accumulated',
    description: 'dW[x[n, t]] = dout[n, t] overwrites: a word that occurs more than once in the batch keeps only its last occurrence’s gradient (numpy fancy-index assignment, not np.add.at).',
    recognise: 'Only the embedding fails (dW; W_embed in the model), and only in the rows of words that occur more than once in the batch; the rows of words seen once are exact.',
    code: { wrong: 'dW[x] = dout', right: 'np.add.at(dW, x, dout)' },
    checks: ['word_embedding', 'captioning_rnn'],
    caughtBy: 'gradient-check',
    expect: [
      { check: 'word_embedding', wrong: ['dW'], right: [] },
      { check: 'captioning_rnn', wrong: ['W_embed'], right: ['W_proj', 'W_vocab', 'Wh', 'Wx', 'b', 'b_proj', 'b_vocab'] },
    ],
    layers: with_({ wordEmbeddingBackward: embeddingBackwardAssigned }),
  },
  {
    id: 'captions-off-by-one',
    title: 'captions in/out off by one',
    description: 'captions_in is taken as captions[:, 1:] (the same slice as captions_out), so the word fed at step t is the word step t must predict.',
    recognise: 'Every gradient check passes: forward and backward agree about the wrong model. The causality sanity check fails (the score at step t changes when the word it predicts changes), the training loss collapses towards 0 in a few iterations, and samples repeat one word.',
    code: { wrong: 'captions_in = captions[:, 1:]', right: 'captions_in = captions[:, :-1]' },
    checks: ['captioning_rnn', 'captioning_lstm'],
    caughtBy: 'sanity',
    expect: [
      { check: 'captioning_rnn', wrong: [], right: MODEL_ALL },
      { check: 'captioning_lstm', wrong: [], right: MODEL_ALL },
    ],
    layers: with_({ wordEmbeddingForward: embeddingForwardShifted }),
  },
  {
    id: 'mask-ignored',
    title: 'mask ignored',
    description: 'The forward masks <NULL> targets out of the loss, but the backward forgets the mask: masked positions get softmax − onehot as if they counted.',
    recognise: 'dx of the softmax loss is wrong exactly at the masked positions (the analytic gradient is nonzero where the numerical one is 0) and exact elsewhere; the sanity check "masked positions get zero gradient" fails.',
    code: { wrong: 'dx_flat = probs - onehot', right: 'dx_flat = (probs - onehot) * mask_flat[:, None]' },
    checks: ['temporal_softmax_loss', 'captioning_rnn'],
    caughtBy: 'gradient-check',
    expect: [
      { check: 'temporal_softmax_loss', wrong: ['dx'], right: [] },
      { check: 'captioning_rnn', wrong: ['W_vocab', 'b_vocab'], right: [] },
    ],
    layers: with_({ temporalSoftmaxLoss: softmaxLossMaskIgnoredInBackward }),
  },
];

export const BUG_IDS = BUGS.map((b) => b.id);

export function findBug(id: string): Bug {
  const b = BUGS.find((x) => x.id === id);
  if (!b) throw new Error(`unknown bug "${id}": expected one of ${BUG_IDS.join(', ')}`);
  return b;
}

/** Runs one named check (a layer spec or a captioning model) with a layer table. */
export function runNamedCheck(name: string, seed: number, L: LayerImpl, h = 1e-5): LayerCheck {
  const spec = LAYER_SPECS.find((s) => s.layer === name);
  if (spec) return checkLayer(spec, seed, h, L);
  if (name === 'captioning_rnn') return checkModel('rnn', seed, 1e-6, L);
  if (name === 'captioning_lstm') return checkModel('lstm', seed, 1e-6, L);
  throw new Error(`unknown check "${name}"`);
}

function report(seed: number, h: number, layers: LayerCheck[]): CheckReport {
  return { seed, h, dtype: 'float64', layers, verdict: worstVerdict(layers.map((l) => l.verdict)) };
}

/** Whether one expectation holds in a report; the reasons when it does not. */
export function expectationProblems(e: BugExpectation, rep: CheckReport): string[] {
  const lc = rep.layers.find((l) => l.layer === e.check);
  if (!lc) return [`${e.check}: not in the report`];
  const out: string[] = [];
  const param = (n: string) => lc.params.find((p) => p.name === n);
  for (const n of e.wrong) {
    const p = param(n);
    if (!p) out.push(`${e.check}.${n}: missing`);
    else if (p.verdict !== 'wrong') out.push(`${e.check}.${n}: expected wrong, got ${p.verdict} (${p.relError.toExponential(1)})`);
  }
  for (const n of e.right) {
    const p = param(n);
    if (!p) out.push(`${e.check}.${n}: missing`);
    else if (p.verdict !== 'good' && p.verdict !== 'ok') out.push(`${e.check}.${n}: expected to pass, got ${p.verdict} (${p.relError.toExponential(1)})`);
  }
  if (e.timesteps) {
    const ts = e.timesteps;
    const p = param(ts.param);
    if (!p?.perTimestep) out.push(`${e.check}.${ts.param}: no per-timestep errors`);
    else {
      if (p.perTimestepKind !== ts.kind) out.push(`${e.check}.${ts.param}: per-timestep kind ${p.perTimestepKind}, expected ${ts.kind}`);
      for (const t of ts.wrong) if (!(p.perTimestep[t] > 1e-2)) out.push(`${e.check}.${ts.param}: step ${t} expected wrong, error ${p.perTimestep[t].toExponential(1)}`);
      for (const t of ts.right) if (!(p.perTimestep[t] <= 1e-4)) out.push(`${e.check}.${ts.param}: step ${t} expected right, error ${p.perTimestep[t].toExponential(1)}`);
    }
  }
  return out;
}


/** Runs a bug's checks with the bug on and off. */
export function runBug(id: string, seed = 231, h = 1e-5): BugRun {
  const bug = findBug(id);
  const buggy = report(seed, h, bug.checks.map((c) => runNamedCheck(c, seed, bug.layers, h)));
  const reference = report(seed, h, bug.checks.map((c) => runNamedCheck(c, seed, REFERENCE_LAYERS, h)));
  const problems = bug.expect.flatMap((e) => expectationProblems(e, buggy));
  return { id: bug.id, title: bug.title, description: bug.description, recognise: bug.recognise, code: bug.code, caughtBy: bug.caughtBy, buggy, reference, expect: bug.expect, problems };
}
