// Step-size sweep, float32 emulation, gradient flow and sparse/directional checks: shapes of curves
// and properties, not exact numbers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runChecks } from '../../core/checks';
import { REFERENCE_LAYERS } from '../../core/layers/index';
import { Rng } from '../../core/random';
import { sweep } from '../../core/explore/sweep';
import { checkProblem, comparePrecisions, float32Layers, makeProblem } from '../../core/explore/precision';
import { gradientFlow, randomOrthogonal } from '../../core/explore/flow';
import { directionalCheck, modelProblem, sparseCheck } from '../../core/explore/sparse';
import { findBug } from '../../core/explore/bugs';

describe('step-size sweep', () => {
  // Layers whose objective is nonlinear in the swept input: truncation error exists on the right.
  const NONLINEAR: [string, string][] = [
    ['rnn_step', 'dWh'],
    ['rnn', 'dWh'],
    ['lstm_step', 'dWx'],
    ['lstm', 'dWh'],
    ['temporal_softmax_loss', 'dx'],
    ['captioning_rnn', 'Wh'],
  ];
  for (const [check, param] of NONLINEAR) {
    it(`${check} ${param}: float64 minimum between 1e-7 and 1e-4, truncation on the right, round-off on the left`, () => {
      const r = sweep({ check, param, precisions: ['float64'] });
      const c = r.curves[0];
      const min = c.best.relError;
      assert.ok(c.best.h >= 1e-7 * 0.99 && c.best.h <= 1e-4 * 1.01, `best h ${c.best.h}`);
      assert.ok(c.relError[0] > 100 * min, `error at h = 1e-1 (${c.relError[0]}) is not well above the minimum ${min}`);
      assert.ok(c.relError[c.relError.length - 1] > 100 * min, `error at h = 1e-12 (${c.relError.at(-1)}) is not well above the minimum ${min}`);
      assert.ok(c.slopeRight !== null && c.slopeRight > 1.5 && c.slopeRight < 2.5, `truncation slope ${c.slopeRight} (∝ h²)`);
      assert.ok(c.slopeLeft !== null && c.slopeLeft < -0.3, `round-off slope ${c.slopeLeft} (∝ 1/h)`);
      assert.match(c.why, /smallest at h = /);
    });
  }

  it('a gradient linear in its input has no truncation error: best at the largest h, rising to the left', () => {
    const c = sweep({ check: 'affine', param: 'dw', precisions: ['float64'] }).curves[0];
    assert.equal(c.best.h, 1e-1);
    assert.ok(c.relError.at(-1)! > 1e4 * c.relError[0]);
    assert.match(c.why, /linear, or nearly/);
  });

  it('the models also sweep on the wasm engine in real float32 arithmetic, worse than float64 like the emulation', () => {
    const r = sweep({ check: 'captioning_rnn', param: 'Wh' });
    const wasm = r.curves.find((c) => c.label === 'float32 (wasm engine)');
    assert.ok(wasm, `curves: ${r.curves.map((c) => c.label ?? c.precision).join(', ')}`);
    assert.equal(wasm.precision, 'float32');
    assert.ok(wasm.best.relError > 100 * r.curves[0].best.relError);
    assert.ok(wasm.best.h >= 1e-4, `wasm float32 best h ${wasm.best.h}`);
    assert.equal(sweep({ check: 'rnn', precisions: ['float64', 'float32'] }).curves.length, 2, 'layers have no wasm curve');
  });

  it('float32: the best h is much larger and the best error much worse than in float64', () => {
    const r = sweep({ check: 'rnn', param: 'dWh' });
    const [c64, c32] = r.curves;
    assert.equal(c32.precision, 'float32');
    assert.ok(c32.best.h >= 1e-4, `float32 best h ${c32.best.h}`);
    assert.ok(c32.best.relError > 100 * c64.best.relError);
    assert.equal(c32.relError.at(-1), 1, 'at h = 1e-12 x ± h rounds back to x in float32: numerical gradient 0');
  });

  it('rejects an unknown gradient with the names it has', () => {
    assert.throws(() => sweep({ check: 'rnn', param: 'dQ' }), /rnn has no gradient "dQ": expected one of dx, dh0, dWx, dWh, db/);
  });
});

describe('float32 against float64', () => {
  it('the float32 layer table returns float32-representable values and agrees with float64 to float32 precision', () => {
    const rng = new Rng(1);
    const x = { shape: [2, 5, 3], data: rng.normals(30) };
    const h0 = { shape: [2, 4], data: rng.normals(8) };
    const Wx = { shape: [3, 16], data: rng.normals(48, 0.5) };
    const Wh = { shape: [4, 16], data: rng.normals(64, 0.5) };
    const b = { shape: [16], data: rng.normals(16) };
    const a = REFERENCE_LAYERS.lstmForward(x, h0, Wx, Wh, b).h.data;
    const f = float32Layers().lstmForward(x, h0, Wx, Wh, b).h.data;
    for (let i = 0; i < f.length; i++) {
      assert.equal(f[i], Math.fround(f[i]));
      assert.ok(Math.abs(f[i] - a[i]) < 1e-6, `${i}: ${f[i]} vs ${a[i]}`);
    }
  });

  it('the float64 problem reproduces the engine check exactly', () => {
    const engine = runChecks({ layer: 'rnn' }).layers[0];
    const mine = checkProblem(makeProblem('rnn', 231, 'float64'), 1e-5);
    assert.deepEqual(mine.params.map((p) => p.relError), engine.params.map((p) => p.relError));
    const model = runChecks({ layer: 'captioning_lstm' }).layers[0];
    assert.deepEqual(checkProblem(makeProblem('captioning_lstm', 231, 'float64'), 1e-6).params.map((p) => p.relError), model.params.map((p) => p.relError));
  });

  it('the side-by-side table: verdicts fall in float32 at h = 1e-5, improve at the float32 step, and say why', () => {
    const t = comparePrecisions({ checks: ['rnn_step', 'temporal_softmax_loss'] });
    assert.equal(t.rows.length, 6);
    for (const r of t.rows) {
      assert.ok(r.verdict64 === 'good' || r.verdict64 === 'ok', `${r.check}.${r.param} float64 ${r.verdict64}`);
      assert.ok(r.rel32 > 100 * r.rel64, `${r.check}.${r.param}: float32 ${r.rel32} vs float64 ${r.rel64}`);
      assert.ok(r.rel32AtH32 < r.rel32, `${r.check}.${r.param}: the float32 step should help`);
      if (r.changed) assert.match(r.why, /float32 keeps ~7 digits/);
    }
    assert.ok(t.rows.some((r) => r.changed));
    assert.match(t.summary, /thresholds .* assume float64/);
  });
});

describe('gradient flow through time', () => {
  it('randomOrthogonal gives QᵀQ = I', () => {
    const n = 7;
    const q = randomOrthogonal(n, new Rng(4));
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += q[k * n + i] * q[k * n + j];
        assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-12);
      }
  });

  it('the RNN gradient vanishes for a small spectral radius and explodes for a large one', () => {
    const T = 50;
    const small = gradientFlow({ T, rho: 0.5 });
    const large = gradientFlow({ T, rho: 3 });
    assert.ok(Math.abs(small.rnn.dh[T - 1] - 1) < 1e-12, 'the loss gradient at the last step is a unit vector');
    assert.ok(small.rnn.dh[0] < 1e-10, `ρ = 0.5: ‖∂L/∂h_0‖ = ${small.rnn.dh[0]}`);
    assert.ok(large.rnn.dh[0] > 1e2, `ρ = 3: ‖∂L/∂h_0‖ = ${large.rnn.dh[0]}`);
    // Monotone in ρ at the start of the sequence.
    const rhos = [0.5, 1, 1.5, 2, 3].map((rho) => gradientFlow({ T, rho }).rnn.dh[0]);
    for (let i = 1; i < rhos.length; i++) assert.ok(rhos[i] > rhos[i - 1], `ρ order ${rhos}`);
  });

  it('the LSTM keeps more gradient than the RNN where the RNN vanishes, and does not explode where it does', () => {
    const T = 100;
    for (const rho of [0.5, 1]) {
      const r = gradientFlow({ T, rho });
      assert.ok(r.lstm.dh[0] > 1e3 * r.rnn.dh[0], `ρ = ${rho}: lstm ${r.lstm.dh[0]} vs rnn ${r.rnn.dh[0]}`);
    }
    const big = gradientFlow({ T, rho: 3 });
    assert.ok(big.lstm.dh[0] < 1, `ρ = 3: lstm ${big.lstm.dh[0]}`);
  });

  it('T up to 200 and a clear error outside', () => {
    assert.equal(gradientFlow({ T: 200, rho: 1 }).rnn.dh.length, 200);
    assert.throws(() => gradientFlow({ T: 0, rho: 1 }), /T must be an integer/);
  });
});

describe('sparse and directional checks', () => {
  const sizes = { N: 4, T: 6, D: 12, W: 8, H: 10, V: 15 };

  it('samples k entries of every parameter (biases included) and passes on the reference', () => {
    const c = sparseCheck(modelProblem('lstm', sizes), { perParam: 5, h: 1e-6 });
    assert.equal(c.params.length, 8);
    for (const p of c.params) {
      const size = p.shape.reduce((a, b) => a * b, 1);
      assert.equal(p.checked, Math.min(5, size), p.name);
      assert.equal(p.errors.filter((e) => e > 0).length <= 5, true);
      assert.ok(p.verdict === 'good' || p.verdict === 'ok', `${p.name} ${p.relError}`);
    }
    assert.ok(c.params.some((p) => p.name === 'b_proj') && c.params.some((p) => p.name === 'b'));
  });

  it('the sparse check finds a bug in the parameter it is in', () => {
    const c = sparseCheck(modelProblem('rnn', sizes, 231, findBug('dwh-not-accumulated').layers), { perParam: 5, h: 1e-6 });
    for (const p of c.params) assert.equal(p.verdict === 'wrong', p.name === 'Wh', `${p.name} ${p.verdict}`);
  });

  it('a directional check costs 2 forward passes per direction whatever the size, and estimates ‖e‖/‖g‖', () => {
    const small = directionalCheck(modelProblem('rnn', sizes), { directions: 6, h: 1e-6 });
    const big = directionalCheck(modelProblem('rnn', { ...sizes, H: 40, W: 30 }), { directions: 6, h: 1e-6 });
    assert.ok(big.parameterCount > 3 * small.parameterCount);
    assert.equal(small.forwardPasses, 12);
    assert.equal(big.forwardPasses, 12);
    assert.ok(small.estimatedRelError < 1e-5, `reference ${small.estimatedRelError}`);
    const buggy = directionalCheck(modelProblem('rnn', sizes, 231, findBug('tanh-derivative-dropped').layers), { directions: 6, h: 1e-6 });
    assert.ok(buggy.estimatedRelError > 0.1, `tanh bug ${buggy.estimatedRelError}`);
    assert.match(buggy.explanation, /not where/);
  });
});
