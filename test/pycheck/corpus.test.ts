/**
 * The corpus (test/fixtures/pycorpus): submissions written the ways students write CS231n's RNN
 * code (loops and vectorised, caches as tuples, dicts, lists, namedtuples and namespaces, in-place
 * updates, `is` and `==`, float32 casts, `range` from builtins, relative and absolute imports, a
 * half-done one, a Python 2 one). Every correct function passes (no false alarm); every classic bug,
 * put into each style by a text edit of one function, is caught on that function and named.
 * Needs python3 with numpy.
 */
import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkFile, type FunctionResult, type PyCheckOptions } from '../../runtime/pycheck/index';

const SRC = path.resolve(__dirname, '../fixtures/pycorpus');
let ROOT = '';
const opts = (sub: string): PyCheckOptions => ({ python: ['python3'], cwd: path.join(ROOT, sub), timeoutMs: 30000 });
const LAYERS = 'cs231n/rnn_layers.py';
const MODEL = 'cs231n/classifiers/rnn.py';

before(() => {
  // A copy: the bug variants are written next to the originals, inside each submission's package.
  ROOT = mkdtempSync(path.join(tmpdir(), 'gradlab-pycorpus-'));
  cpSync(SRC, ROOT, { recursive: true });
});
after(() => rmSync(ROOT, { recursive: true, force: true }));

/** Replaces `from` by `to` inside the body of `def name` (a method when `name` is `Class.method`); the text must be there. */
export function mutate(src: string, qualified: string, edits: readonly (readonly [string, string])[]): string {
  const name = qualified.split('.').pop()!;
  const lines = src.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^\\s*def ${name}\\(`).test(l));
  assert.ok(start >= 0, `def ${name} in the source`);
  const indent = /^\s*/.exec(lines[start])![0].length;
  let end = start + 1;
  while (end < lines.length && (lines[end].trim() === '' || /^\s*/.exec(lines[end])![0].length > indent)) end++;
  let body = lines.slice(start, end).join('\n');
  for (const [from, to] of edits) {
    assert.ok(body.includes(from), `${qualified}: ${JSON.stringify(from)} is in its body`);
    body = body.replace(from, to);
  }
  return [...lines.slice(0, start), body, ...lines.slice(end)].join('\n');
}

interface Bug {
  sub: string;
  file: typeof LAYERS | typeof MODEL;
  fn: string;
  /** What a student got wrong, for the test's name. */
  what: string;
  edits: [string, string][];
  /** The sentence the student reads must say this. */
  expect: RegExp;
  /** The tensors reported wrong, when that is what names the bug. */
  wrong?: string[];
}

const S1 = 's01_loops_2019';
const S2 = 's02_vectorised_2021';
const S3 = 's03_lists_inplace_2018';
const S4 = 's04_builtins_2017';
const S5 = 's05_float32_2020';
const S6 = 's06_matmul_2024';

const BUGS: Bug[] = [
  // s01: loops over t, tuple caches, absolute imports, ==.
  { sub: S1, file: LAYERS, fn: 'rnn_step_forward', what: 'bias forgotten', edits: [['+ np.dot(prev_h, Wh) + b', '+ np.dot(prev_h, Wh)']], expect: /^next_h: relative error/ },
  { sub: S1, file: LAYERS, fn: 'rnn_step_backward', what: 'tanh applied twice in the derivative', edits: [['(1 - next_h ** 2)', '(1 - np.tanh(next_h) ** 2)']], expect: /^5 of 5 gradients wrong/, wrong: ['dWh', 'dWx', 'db', 'dprev_h', 'dx'] },
  { sub: S1, file: LAYERS, fn: 'rnn_forward', what: 'h0 fed at every step', edits: [['prev_h = next_h', 'prev_h = h0']], expect: /^h: relative error .*timesteps 0 right, 1-\d wrong/ },
  { sub: S1, file: LAYERS, fn: 'rnn_backward', what: 'dWh overwritten, not summed', edits: [['dWh += dWh_t', 'dWh = dWh_t']], expect: /^dWh: relative error .*timesteps 0 right, 1-9 wrong/, wrong: ['dWh'] },
  { sub: S1, file: LAYERS, fn: 'word_embedding_backward', what: 'assignment in the loop', edits: [['dW[x[n, t]] += dout[n, t]', 'dW[x[n, t]] = dout[n, t]']], expect: /words that occur more than once in x; accumulate .*np\.add\.at/, wrong: ['dW'] },
  { sub: S1, file: LAYERS, fn: 'lstm_step_forward', what: 'gates o and g swapped', edits: [['ao = a[:, 2 * H:3 * H]\n    ag = a[:, 3 * H:4 * H]', 'ag = a[:, 2 * H:3 * H]\n    ao = a[:, 3 * H:4 * H]']], expect: /gates are read in the order i, f, g, o .*CS231n's order is i, f, o, g/ },
  { sub: S1, file: LAYERS, fn: 'lstm_step_backward', what: 'dprev_c from the upstream only', edits: [['dprev_c = dc * f', 'dprev_c = dnext_c * f']], expect: /^dprev_c: relative error/, wrong: ['dprev_c'] },
  { sub: S1, file: LAYERS, fn: 'lstm_backward', what: 'cell gradient not carried back', edits: [['dh[:, t, :] + dprev_h, dprev_c, cache[t]', 'dh[:, t, :] + dprev_h, np.zeros((N, H)), cache[t]']], expect: /timesteps/ },
  { sub: S1, file: LAYERS, fn: 'temporal_softmax_loss', what: 'mask not applied to dx', edits: [['dx_flat *= mask_flat[:, None]', 'dx_flat *= 1']], expect: /^dx: relative error/, wrong: ['dx'] },
  { sub: S1, file: MODEL, fn: 'CaptioningRNN.loss', what: 'the targets fed as inputs (captions[:, 1:])', edits: [['captions_in = captions[:, :-1]', 'captions_in = captions[:, 1:]']], expect: /^CaptioningRNN\.loss: captions_in is shifted too: it must be captions\[:, :-1\] \(starting with <START>\), captions_out = captions\[:, 1:\] \(line \d+: captions_in = captions\[:, 1:\]\)/ },
  { sub: S1, file: MODEL, fn: 'CaptioningRNN.sample', what: 'column 0 left <NULL>, words one column late', edits: [['for t in range(max_length):', 'for t in range(1, max_length):']], expect: /every word comes one column late \(column 0 holds <NULL> \(0\)\): write the word generated at step t into captions\[:, t\]/ },
  { sub: S1, file: MODEL, fn: 'CaptioningRNN.sample', what: 'hidden state not carried', edits: [['prev_h = next_h', 'pass']], expect: /the hidden state .*is not carried to the next step/ },
  // s02: vectorised, dict caches, relative imports, `is`.
  { sub: S2, file: LAYERS, fn: 'rnn_step_backward', what: 'dWx from the upstream, not through tanh', edits: [["dWx = cache['x'].T @ dtanh", "dWx = cache['x'].T @ dnext_h"]], expect: /^dWx: relative error/, wrong: ['dWx'] },
  { sub: S2, file: LAYERS, fn: 'rnn_backward', what: 'upstream dh not added to the carried gradient', edits: [['dh[:, t] + dnext', 'dh[:, t]']], expect: /timesteps 0-8 wrong, 9 right/ },
  { sub: S2, file: LAYERS, fn: 'word_embedding_backward', what: 'fancy-index += instead of np.add.at', edits: [["np.add.at(dW, cache['x'], dout)", "dW[cache['x']] += dout"]], expect: /accumulate .*np\.add\.at/, wrong: ['dW'] },
  { sub: S2, file: LAYERS, fn: 'lstm_step_forward', what: 'tanh of the cell forgotten', edits: [['next_h = o * np.tanh(next_c)', 'next_h = o * next_c']], expect: /^next_h: relative error/, wrong: ['next_h'] },
  { sub: S2, file: LAYERS, fn: 'lstm_forward', what: 'the cell starts at h0', edits: [['h_t, c_t = h0, np.zeros_like(h0)', 'h_t, c_t = h0, h0']], expect: /^h: relative error/ },
  { sub: S2, file: LAYERS, fn: 'temporal_affine_backward', what: 'db summed over the batch only', edits: [['db = dout.sum(axis=(0, 1))', 'db = dout.sum(axis=0)']], expect: /db has shape \(3, 5\), expected \(5,\)/ },
  { sub: S2, file: LAYERS, fn: 'temporal_softmax_loss', what: 'divided by the unmasked count', edits: [['loss = -(picked * mask).sum() / N', 'loss = -(picked * mask).sum() / mask.sum()'], ['dx *= mask[:, :, None] / N', 'dx *= mask[:, :, None] / mask.sum()']], expect: /divide the summed loss by N, not by the number of unmasked positions/ },
  { sub: S2, file: MODEL, fn: 'CaptioningRNN.loss', what: 'mask from the inputs', edits: [['mask = captions_out != self._null', 'mask = captions_in != self._null']], expect: /^CaptioningRNN\.loss: the mask is built from captions_in: .* \(line \d+: mask = captions_in != self\._null\)/ },
  { sub: S2, file: MODEL, fn: 'CaptioningRNN.sample', what: '<START> fed at every step', edits: [['x = p["W_embed"][words]', 'x = p["W_embed"][np.full(N, self._start)]']], expect: /every step is fed <START> \(1\) instead of the word generated at the step before/ },
  { sub: S2, file: MODEL, fn: 'CaptioningRNN.sample', what: 'argmax over the batch axis', edits: [['.argmax(axis=1)', '.argmax(axis=0)']], expect: /np\.argmax over axis 0 \(the batch\) .*take np\.argmax\(scores, axis=1\)/ },
  { sub: S2, file: MODEL, fn: 'CaptioningRNN.sample', what: 'LSTM cell not carried', edits: [['h, c, _ = lstm_step_forward(x, h, c,', 'h, _c, _ = lstm_step_forward(x, h, c,']], expect: /the cell state is not carried to the next step/ },
  // s03: list caches, in-place updates.
  { sub: S3, file: LAYERS, fn: 'rnn_step_forward', what: 'tanh forgotten', edits: [['np.tanh(a, out=a)', 'pass']], expect: /^next_h: relative error/ },
  { sub: S3, file: LAYERS, fn: 'rnn_forward', what: 'h0 at every step', edits: [['h0 if t == 0 else h[:, t - 1, :]', 'h0']], expect: /^h: relative error .*timesteps 0 right/ },
  { sub: S3, file: LAYERS, fn: 'word_embedding_forward', what: 'x transposed', edits: [['np.take(W, x, axis=0)', 'np.take(W, x.T, axis=0)']], expect: /out has shape \(\d, \d, \d\), expected/ },
  { sub: S3, file: LAYERS, fn: 'lstm_step_backward', what: 'tanh derivative of the cell dropped', edits: [['dnext_h * o * (1 - tc ** 2)', 'dnext_h * o']], expect: /gradients wrong/ },
  { sub: S3, file: LAYERS, fn: 'lstm_forward', what: 'cell not carried', edits: [['prev, c, step = lstm_step_forward', 'prev, _c, step = lstm_step_forward']], expect: /^h: relative error .*timesteps 0 right/ },
  { sub: S3, file: LAYERS, fn: 'temporal_affine_backward', what: 'dw transposed', edits: [['dw = x.reshape(N * T, D).T.dot(dout.reshape(N * T, M))', 'dw = dout.reshape(N * T, M).T.dot(x.reshape(N * T, D))']], expect: /dw has shape \(5, 4\), expected \(4, 5\)/ },
  { sub: S3, file: MODEL, fn: 'CaptioningRNN.loss', what: 'no gradient into the projection', edits: [["affine_backward(dh0, caches.pop())", "affine_backward(np.zeros_like(dh0), caches.pop())"]], expect: /W_proj/ },
  { sub: S3, file: MODEL, fn: 'CaptioningRNN.sample', what: 'every step from the projection', edits: [["h, _ = rnn_step_forward(emb, h,", "h, _ = rnn_step_forward(emb, affine_forward(features, self.params['W_proj'], self.params['b_proj'])[0],"]], expect: /the hidden state is not carried to the next step/ },
  // s04: builtins.range, loops everywhere.
  { sub: S4, file: LAYERS, fn: 'rnn_step_backward', what: 'tanh derivative dropped', edits: [['dz = dnext_h / np.cosh(z) ** 2', 'dz = dnext_h']], expect: /^5 of 5 gradients wrong/ },
  { sub: S4, file: LAYERS, fn: 'rnn_backward', what: 'dWx overwritten', edits: [['dWx += dWx_t', 'dWx = dWx_t']], expect: /^dWx: relative error .*timesteps 0 right, 1-9 wrong/, wrong: ['dWx'] },
  { sub: S4, file: LAYERS, fn: 'word_embedding_backward', what: 'one occurrence per word kept', edits: [['dW[v] = dout[x == v].sum(axis=0)', 'dW[v] = dout[x == v][0] if (x == v).any() else 0']], expect: /accumulate .*np\.add\.at/ },
  { sub: S4, file: LAYERS, fn: 'lstm_step_backward', what: 'forget gate left out of dprev_c', edits: [['dprev_c = dc * f', 'dprev_c = dc']], expect: /^dprev_c: relative error/, wrong: ['dprev_c'] },
  { sub: S4, file: LAYERS, fn: 'temporal_affine_forward', what: 'bias forgotten', edits: [['out[:, t, :] = x[:, t, :].dot(w) + b', 'out[:, t, :] = x[:, t, :].dot(w)']], expect: /^out: relative error/ },
  { sub: S4, file: LAYERS, fn: 'temporal_softmax_loss', what: 'dx not divided by N', edits: [['return loss / N, dx / N', 'return loss / N, dx']], expect: /^dx: relative error/, wrong: ['dx'] },
  { sub: S4, file: MODEL, fn: 'CaptioningRNN.loss', what: 'projection bias forgotten', edits: [['h0 = features.dot(W_proj) + b_proj', 'h0 = features.dot(W_proj)']], expect: /relative error|gradients wrong/ },
  { sub: S4, file: MODEL, fn: 'CaptioningRNN.sample', what: 'captions[:, t] (still <NULL>) fed instead of the previous word', edits: [['x = W_embed[prev_word]', 'x = W_embed[captions[:, t]]']], expect: /every step is fed the same word, <NULL> \(0\), instead of the word generated at the step before/ },
  { sub: S4, file: MODEL, fn: 'CaptioningRNN.sample', what: 'argmax without axis', edits: [['captions[:, t] = np.argmax(scores, axis=1)', 'captions[:, t] = np.argmax(scores)']], expect: /np\.argmax\(scores\) without axis/ },
  { sub: S4, file: MODEL, fn: 'CaptioningRNN.sample', what: 'zeros instead of the image projection', edits: [['prev_h = features.dot(W_proj) + b_proj', 'prev_h = np.zeros((N, W_proj.shape[1]))']], expect: /the image projection is not used as the first hidden state/ },
  // s05: float32 casts; the bugs must still show through the float32 tolerance.
  { sub: S5, file: LAYERS, fn: 'rnn_step_forward', what: 'tanh forgotten (float32)', edits: [['next_h = np.tanh(a).astype(np.float32)', 'next_h = a.astype(np.float32)']], expect: /^next_h: relative error/ },
  { sub: S5, file: LAYERS, fn: 'rnn_forward', what: 'h0 at every step (float32)', edits: [['prev_h = next_h', 'prev_h = h0']], expect: /^h: relative error .*timesteps 0 right/ },
  { sub: S5, file: LAYERS, fn: 'word_embedding_backward', what: 'assignment (float32)', edits: [['dW[x[n, t]] += dout[n, t]', 'dW[x[n, t]] = dout[n, t]']], expect: /accumulate .*np\.add\.at/ },
  { sub: S5, file: LAYERS, fn: 'lstm_backward', what: 'dWx overwritten (float32)', edits: [['dWx += dWx_t', 'dWx = dWx_t']], expect: /dWx/ },
  { sub: S5, file: MODEL, fn: 'CaptioningRNN.loss', what: 'no projection gradients (float32)', edits: [["_, grads['W_proj'], grads['b_proj'] = affine_backward(dh0, cache_h0)", "grads['W_proj'], grads['b_proj'] = np.zeros_like(W_proj), np.zeros_like(b_proj)"]], expect: /W_proj/ },
  { sub: S5, file: MODEL, fn: 'CaptioningRNN.sample', what: 'column 0 left <NULL> (float32)', edits: [['for t in range(max_length):', 'for t in range(1, max_length):']], expect: /every word comes one column late \(column 0 holds <NULL> \(0\)\)/ },
  // s06: @, einsum, namedtuple and SimpleNamespace caches.
  { sub: S6, file: LAYERS, fn: 'rnn_step_backward', what: 'Wh not transposed (square, so no shape error)', edits: [['dz @ cache.Wh.T', 'dz @ cache.Wh']], expect: /^dprev_h: relative error/, wrong: ['dprev_h'] },
  { sub: S6, file: LAYERS, fn: 'rnn_backward', what: 'upstream dh not added', edits: [['dh[:, t] + dh0', 'dh[:, t]']], expect: /timesteps 0-8 wrong, 9 right/ },
  { sub: S6, file: LAYERS, fn: 'word_embedding_forward', what: 'x transposed', edits: [['out = W[x, :]', 'out = W[x.T, :]']], expect: /out has shape/ },
  { sub: S6, file: LAYERS, fn: 'lstm_step_forward', what: 'np.split order o/g swapped', edits: [['ai, af, ao, ag = np.split(a, 4, axis=1)', 'ai, af, ag, ao = np.split(a, 4, axis=1)']], expect: /gates are read in the order i, f, g, o/ },
  { sub: S6, file: LAYERS, fn: 'lstm_step_backward', what: 'dprev_c from the upstream only', edits: [['dc * k.f, k.x.T @ da', 'dnext_c * k.f, k.x.T @ da']], expect: /^dprev_c: relative error/, wrong: ['dprev_c'] },
  { sub: S6, file: LAYERS, fn: 'lstm_backward', what: 'upstream dh not added', edits: [['dh[:, t, :] + dnh', 'dh[:, t, :]']], expect: /timesteps 0-8 wrong, 9 right/ },
  { sub: S6, file: LAYERS, fn: 'temporal_affine_backward', what: 'dw transposed in einsum', edits: [['"ntd,ntm->dm"', '"ntd,ntm->md"']], expect: /dw has shape \(5, 4\), expected \(4, 5\)/ },
  { sub: S6, file: LAYERS, fn: 'temporal_softmax_loss', what: 'mask not applied to dx', edits: [['dx = (p * mm[:, None] / N)', 'dx = (p / N)']], expect: /^dx: relative error/, wrong: ['dx'] },
  { sub: S6, file: MODEL, fn: 'CaptioningRNN.loss', what: 'targets not shifted', edits: [['captions[:, :-1], captions[:, 1:]', 'captions[:, :-1], captions[:, :-1]']], expect: /^CaptioningRNN\.loss: captions_out is not shifted: it must be captions\[:, 1:\]/ },
  { sub: S6, file: MODEL, fn: 'CaptioningRNN.sample', what: 'argmax over the batch', edits: [['word = scores.argmax(-1)', 'word = scores.argmax(0)']], expect: /np\.argmax over axis 0 \(the batch\)/ },
  { sub: S6, file: MODEL, fn: 'CaptioningRNN.sample', what: 'LSTM cell not carried', edits: [['h, c, _ = lstm_step_forward(x, h, c,', 'h, _, _ = lstm_step_forward(x, h, c,']], expect: /the cell state is not carried to the next step/ },
  { sub: S6, file: MODEL, fn: 'CaptioningRNN.sample', what: 'words written one column late, column 0 left <NULL>', edits: [['captions[:, t] = word', 'if t + 1 < max_length: captions[:, t + 1] = word']], expect: /every word comes one column late \(column 0 holds <NULL> \(0\)\)/ },
];

const CORRECT = [S1, S2, S3, S4, S5, S6];

describe('the corpus: correct code in every style passes (no false alarm)', () => {
  const passed: string[] = [];
  for (const sub of CORRECT) {
    for (const file of [LAYERS, MODEL]) {
      it(`${sub}/${file}: every function passes`, async () => {
        const rs = await checkFile(path.join(ROOT, sub, file), opts(sub));
        assert.ok(rs.length >= 2, `${rs.length} functions found`);
        for (const r of rs) {
          assert.equal(r.status, 'pass', `${sub}: ${r.function}: ${r.summary}`);
          passed.push(`${sub}:${r.function}`);
          if (r.cells) assert.deepEqual(r.cells.map((c) => [c.cell, c.status]), [['rnn', 'pass'], ['lstm', 'pass']]);
        }
      });
    }
  }
  it('the half-done submission: the RNN part passes, the LSTM part is "not implemented", never a failure', async () => {
    const sub = 's07_half_done';
    const rs = await checkFile(path.join(ROOT, sub, LAYERS), opts(sub));
    for (const r of rs) {
      if (r.function.startsWith('lstm_')) {
        // The starter's `pass` and `raise NotImplementedError`: information, never an error.
        assert.equal(r.status, 'todo', r.summary);
        assert.match(r.summary, /^lstm_\w+: (not implemented yet \((the starter's `pass` is still at line \d+|raises NotImplementedError at line \d+)\)|not checked yet: it needs your lstm_\w+ \(for the cache\), which is not implemented yet)/);
      } else {
        assert.equal(r.status, 'pass', `${r.function}: ${r.summary}`);
        passed.push(`${sub}:${r.function}`);
      }
    }
    const model = await checkFile(path.join(ROOT, sub, MODEL), opts(sub));
    for (const r of model) {
      assert.equal(r.status, 'pass', r.summary);
      assert.deepEqual(r.cells?.map((c) => [c.cell, c.status]), [['rnn', 'pass'], ['lstm', 'not-implemented']]);
    }
  });
  it('at least 30 correct variants were checked', () => {
    assert.ok(passed.length >= 30, `${passed.length} correct variants`);
    console.log(`corpus: ${passed.length} correct function variants passed`);
  });
  it('fragile but working code keeps its pass and gets a hint: in-place updates, float32 and `is`', async () => {
    const inplace = await checkFile(path.join(ROOT, S3, LAYERS), opts(S3), 'rnn_step_backward');
    assert.equal(inplace[0].status, 'pass');
    assert.match(inplace[0].hints?.join('\n') ?? '', /rnn_step_backward changes its argument dnext_h in place\. The verdict stands/);
    const f32 = await checkFile(path.join(ROOT, S5, LAYERS), opts(S5), 'rnn_backward');
    assert.equal(f32[0].status, 'pass', f32[0].summary);
    assert.match(f32[0].hints?.join('\n') ?? '', /your rnn_forward returns h as float32: the notebook's checks run in float64/);
    const is = await checkFile(path.join(ROOT, S2, MODEL), opts(S2), 'CaptioningRNN.loss');
    assert.equal(is[0].status, 'pass', is[0].summary);
    assert.match(is[0].hints?.join('\n') ?? '', /^lines 39 and 47 compare a string with `is` \(self\.cell_type is 'rnn'\): .*write self\.cell_type == 'rnn'/m);
  });
});

describe('the corpus: every classic bug is caught on its function and named', { concurrency: 2 }, () => {
  BUGS.forEach((b, i) => {
    it(`${b.sub}: ${b.fn}: ${b.what}`, async () => {
      const orig = readFileSync(path.join(ROOT, b.sub, b.file), 'utf8');
      const target = path.join(ROOT, b.sub, b.file.replace(/\.py$/, `_bug${i}.py`));
      writeFileSync(target, mutate(orig, b.fn, b.edits));
      const rs = await checkFile(target, opts(b.sub), b.fn);
      assert.equal(rs.length, 1);
      const r: FunctionResult = rs[0];
      assert.equal(r.function, b.fn);
      assert.ok(r.status === 'fail' || r.status === 'error', `${b.fn} (${b.what}) is caught: ${r.status}: ${r.summary}`);
      assert.ok(!r.fileError, r.summary);
      assert.match(r.summary, b.expect, `${b.what}: the student reads: ${r.summary}`);
      if (b.wrong) {
        const worst = r.cases.find((c) => c.verdict === 'wrong' || c.verdict === 'warn') ?? r.cases[0];
        const wrong = worst.checks.filter((p) => p.verdict === 'wrong' || p.verdict === 'warn').map((p) => p.name).sort();
        assert.deepEqual(wrong, b.wrong);
      }
    });
  });
  it('the bugs cover every layer function and both model methods, in every style', () => {
    const fns = new Set(BUGS.map((b) => b.fn));
    for (const f of ['rnn_step_forward', 'rnn_step_backward', 'rnn_forward', 'rnn_backward', 'word_embedding_forward', 'word_embedding_backward', 'lstm_step_forward', 'lstm_step_backward', 'lstm_forward', 'lstm_backward', 'temporal_affine_forward', 'temporal_affine_backward', 'temporal_softmax_loss', 'CaptioningRNN.loss', 'CaptioningRNN.sample']) {
      assert.ok(fns.has(f), `a bug in ${f}`);
    }
    for (const sub of CORRECT) assert.ok(BUGS.filter((b) => b.sub === sub).length >= 6, `bugs put into ${sub}`);
  });
});
