/**
 * CaptioningRNN.loss: the classic mistakes are named in a sentence with what to change, as
 * sample()'s are: the engine's loss is run with each mistake and the one whose loss and gradients
 * equal the student's exactly is named. A bug that is none of them keeps the tensor description;
 * correct code names nothing. The first part needs no Python; the second puts each mistake into a
 * correct corpus submission (needs python3 with numpy).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { relError } from '../../core/gradcheck';
import { casesFor } from '../../runtime/pycheck/cases';
import { checkFile, type PyCheckOptions } from '../../runtime/pycheck/index';
import { explainLoss, lossVariant } from '../../runtime/pycheck/lossMistakes';
import { engineModelLoss } from '../../runtime/pycheck/oracle';
import { MODEL_METHODS } from '../../runtime/pycheck/specs';

const lossSpec = MODEL_METHODS.find((m) => m.name === 'loss')!;
const modelCases = casesFor(lossSpec, 0).map((c) => c.model!);

describe('loss() mistakes in the engine (no Python)', () => {
  it("the CS231n variant is the engine's loss, on every case", () => {
    for (const m of modelCases) {
      const ref = engineModelLoss(m);
      const v = lossVariant(m, {})!;
      for (const k of Object.keys(ref)) assert.ok(relError(v[k].data, ref[k].data) < 1e-12, `${m.cell} ${k}`);
    }
  });
  it('the right results and an unrelated change name nothing; each mistake names itself', () => {
    for (const m of modelCases) {
      const ref = engineModelLoss(m);
      assert.equal(explainLoss(m, ref), undefined, 'right results: no story');
      const doubled = Object.fromEntries(Object.entries(ref).map(([k, t]) => [k, { shape: t.shape, data: t.data.map((x) => x * 2.5) }]));
      assert.equal(explainLoss(m, doubled), undefined, 'x 2.5 is no known mistake');
      const zeroEmbed = lossVariant(m, { noEmbedGrad: true })!;
      assert.match(explainLoss(m, zeroEmbed) ?? '', /^grads\['W_embed'\] is zero: backpropagate dx/);
      const nt = lossVariant(m, { divide: 'NT' })!;
      assert.match(explainLoss(m, nt) ?? '', /^the loss is averaged over N\*T/);
    }
  });
});

const SRC = path.resolve(__dirname, '../fixtures/pycorpus/s01_loops_2019');
const MODEL = path.join('cs231n', 'classifiers', 'rnn.py');

/** Each mistake as a text edit of s01's loss(), and the sentence the student must read. */
const MISTAKES: { what: string; edits: [string, string][]; expect: RegExp }[] = [
  { what: 'mask not applied', edits: [['temporal_softmax_loss(scores, captions_out, mask)', 'temporal_softmax_loss(scores, captions_out, np.ones_like(mask))']], expect: /^CaptioningRNN\.loss: the mask is not applied: pass mask = \(captions_out != self\._null\) to temporal_softmax_loss.* \(line \d+: loss, dscores = temporal_softmax_loss/ },
  { what: 'mask from captions_in', edits: [['mask = (captions_out != self._null)', 'mask = (captions_in != self._null)']], expect: /^CaptioningRNN\.loss: the mask is built from captions_in: .*mask = \(captions_out != self\._null\) \(line \d+: mask = \(captions_in != self\._null\)\)/ },
  { what: 'captions not split', edits: [['captions_in = captions[:, :-1]', 'captions_in = captions'], ['captions_out = captions[:, 1:]', 'captions_out = captions']], expect: /^CaptioningRNN\.loss: captions are not split: the input is captions\[:, :-1\]/ },
  { what: 'captions_out not shifted', edits: [['captions_out = captions[:, 1:]', 'captions_out = captions[:, :-1]']], expect: /^CaptioningRNN\.loss: captions_out is not shifted: it must be captions\[:, 1:\] .*\(line \d+: captions_out = captions\[:, :-1\]\)/ },
  { what: 'captions swapped', edits: [['captions_in = captions[:, :-1]', 'captions_in = captions[:, 1:]'], ['captions_out = captions[:, 1:]', 'captions_out = captions[:, :-1]']], expect: /^CaptioningRNN\.loss: captions_in and captions_out are swapped/ },
  { what: 'averaged over N*T', edits: [['loss, dscores = temporal_softmax_loss(scores, captions_out, mask)', 'loss, dscores = temporal_softmax_loss(scores, captions_out, mask)\n        T = captions_out.shape[1]\n        loss, dscores = loss / T, dscores / T']], expect: /^CaptioningRNN\.loss: the loss is averaged over N\*T: CS231n sums over the timesteps and divides by N only/ },
  { what: 'summed without /N', edits: [['loss, dscores = temporal_softmax_loss(scores, captions_out, mask)', 'loss, dscores = temporal_softmax_loss(scores, captions_out, mask)\n        N = features.shape[0]\n        loss, dscores = loss * N, dscores * N']], expect: /^CaptioningRNN\.loss: the loss is summed but not divided by N/ },
  { what: 'h0 zeros', edits: [['h0, cache_h0 = affine_forward(features, W_proj, b_proj)', 'h0, cache_h0 = affine_forward(features, W_proj, b_proj)\n        h0 = np.zeros_like(h0)']], expect: /^CaptioningRNN\.loss: the first hidden state is not the image projection \(h0 is zeros, .*\(line \d+: h0 = np\.zeros_like\(h0\)\)/ },
  { what: 'W_proj gradient missing', edits: [["_, grads['W_proj'], grads['b_proj'] = affine_backward(dh0, cache_h0)", "grads['W_proj'], grads['b_proj'] = np.zeros_like(W_proj), np.zeros_like(b_proj)"]], expect: /^CaptioningRNN\.loss: grads\['W_proj'\] and grads\['b_proj'\] are zero: backpropagate dh0/ },
  { what: 'embedding gradient forgotten', edits: [["grads['W_embed'] = word_embedding_backward(dx, cache_embed)", "grads['W_embed'] = np.zeros_like(W_embed)"]], expect: /^CaptioningRNN\.loss: grads\['W_embed'\] is zero: backpropagate dx \(from (rnn|lstm)_backward\) through word_embedding_backward\(dx, cache\) \(line \d+: grads\['W_embed'\] = np\.zeros_like/ },
  { what: "rnn step for cell_type='lstm'", edits: [['h, cache_rnn = lstm_forward(x, h0, Wx, Wh, b)', 'h, cache_rnn = rnn_forward(x, h0, Wx, Wh, b)'], ['= lstm_backward(dh, cache_rnn)', '= rnn_backward(dh, cache_rnn)']], expect: /cell_type='lstm' runs the vanilla RNN \(rnn_forward gets the LSTM's Wx with 4H columns\): call lstm_forward and lstm_backward when self\.cell_type == 'lstm'/ },
  { what: 'another bug (loss doubled): no mistake named', edits: [['loss, dscores = temporal_softmax_loss(scores, captions_out, mask)', 'loss, dscores = temporal_softmax_loss(scores, captions_out, mask)\n        loss = loss * 2']], expect: /^loss: relative error 3\.3e-01, yours [\d.]+, expected [\d.]+ \[notebook loss/ },
];

describe('loss() mistakes in students\' code, named on the loss', { concurrency: 2 }, () => {
  let root: string;
  let orig: string;
  const opts = (): PyCheckOptions => ({ python: ['python3'], cwd: root, timeoutMs: 60000 });
  before(() => {
    const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
    assert.equal(probe.status, 0, `python3 with numpy is needed: ${probe.stderr}`);
    root = mkdtempSync(path.join(tmpdir(), 'gradlab-lossmistakes-'));
    cpSync(SRC, root, { recursive: true });
    orig = readFileSync(path.join(root, MODEL), 'utf8');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  MISTAKES.forEach((b, i) => {
    it(b.what, async () => {
      let text = orig;
      for (const [from, to] of b.edits) {
        assert.ok(text.includes(from), `${b.what}: edit applies: ${from}`);
        text = text.replace(from, to);
      }
      const file = path.join(root, 'cs231n', 'classifiers', `rnn_m${i}.py`);
      writeFileSync(file, text);
      const [r] = await checkFile(file, opts(), 'CaptioningRNN.loss');
      assert.ok(r.status === 'fail' || r.status === 'error', `${b.what} is caught: ${r.status}: ${r.summary}`);
      const said = [r.summary, ...r.details].join('\n');
      assert.match(said, b.expect, `${b.what}: the student reads: ${said}`);
      assert.equal(r.line, text.split('\n').findIndex((l) => /^\s*def loss\(/.test(l)), "on loss's def line");
    });
  });
});
