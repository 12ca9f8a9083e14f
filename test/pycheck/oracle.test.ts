/**
 * The checks' oracle is the engine: for every case of every checkable function, what
 * runtime/pycheck/oracle computes equals what `gradlab eval` (core/eval.ts, the exchange format
 * the Python driver also speaks) answers for the same inputs. No Python needed.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { evaluate, type JsonTensor } from '../../core/eval';
import { relError } from '../../core/gradcheck';
import { casesFor } from '../../runtime/pycheck/cases';
import { F, fromExFloat, I, toEx } from '../../runtime/pycheck/exchange';
import { engineLayer, engineLoss, engineModelLoss, engineSample } from '../../runtime/pycheck/oracle';
import { LAYER_FUNCTIONS, MODEL_METHODS } from '../../runtime/pycheck/specs';
import type { Tensor } from '../../core/tensor';

function same(name: string, mine: Tensor, theirs: JsonTensor): void {
  const t = fromExFloat(theirs, name);
  assert.deepEqual([...mine.shape], t.shape, `${name} shape`);
  assert.ok(relError(mine.data, t.data) === 0, `${name}: oracle and evaluate() differ (${relError(mine.data, t.data)})`);
}

describe('pycheck oracle = gradlab eval', () => {
  for (const spec of LAYER_FUNCTIONS) {
    it(`${spec.name}: every case`, () => {
      for (const c of casesFor(spec, 3)) {
        const inputs = Object.fromEntries(c.inputs.map(([k, v]) => [k, toEx(v)]));
        if (spec.kind === 'loss') {
          const out = evaluate({ op: 'temporal_softmax_loss', inputs, dout: null }).outputs;
          const mine = engineLoss(c);
          for (const k of ['loss', 'dx']) same(k, mine[k], out[k]);
          continue;
        }
        const o = spec.op!;
        const dout = c.douts ? Object.fromEntries(c.douts.map(([k, t]) => [k, toEx(F(t))])) : null;
        const eng = engineLayer(o.op, Object.fromEntries(c.inputs));
        if (!dout) {
          // Forward-only cases: evaluate needs an upstream, so give it zeros and compare the outputs.
          const zeros = Object.fromEntries(o.douts.map((d, i) => {
            const shape = eng.outputs[o.outputs[i]].shape;
            return [d, toEx(F({ shape, data: new Float64Array(eng.outputs[o.outputs[i]].data.length) }))];
          }));
          const out = evaluate({ op: o.op, inputs, dout: zeros }).outputs;
          for (const n of o.outputs) same(n, eng.outputs[n], out[n]);
          continue;
        }
        const out = evaluate({ op: o.op, inputs, dout }).outputs;
        for (const n of o.outputs) same(n, eng.outputs[n], out[n]);
        const grads = eng.backward((c.douts ?? []).map(([, t]) => t));
        for (const g of o.grads) same(g, grads[g], out[g]);
      }
    });
  }

  for (const spec of MODEL_METHODS) {
    it(`CaptioningRNN.${spec.name}: every case`, () => {
      for (const c of casesFor(spec, 3)) {
        const m = c.model!;
        const inputs: Record<string, JsonTensor> = { features: toEx(F(m.features)) };
        for (const [k, t] of Object.entries(m.params)) inputs[k] = toEx(F(t));
        const params = { cell_type: m.cell, word_to_idx: m.wordToIdx, max_length: m.maxLength };
        if (spec.kind === 'model_loss') {
          inputs.captions = toEx(I(m.captions!));
          const out = evaluate({ op: 'captioning_rnn_loss', params, inputs, dout: null }).outputs;
          const mine = engineModelLoss(m);
          for (const [k, t] of Object.entries(mine)) same(k, t, out[k]);
        } else {
          const out = evaluate({ op: 'captioning_rnn_sample', params, inputs, dout: null }).outputs;
          const mine = engineSample(m);
          same('captions', { shape: mine.shape, data: Float64Array.from(mine.data) }, out.captions);
        }
      }
    });
  }
});
