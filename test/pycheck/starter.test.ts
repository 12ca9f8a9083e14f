/**
 * The assignment's unfilled stubs read "not implemented yet" (information), never an error:
 * students work through the functions in order. Starter-style stubs (the 2019+ `*****START OF
 * YOUR CODE` block with only `pass`, the older `# TODO:` block, a body that is only the comment
 * block and `pass`, the model's `loss, grads = 0.0, {}` and all-<NULL> captions) are put into a
 * correct corpus submission; the implemented functions still pass, and a block with code and a
 * `pass` left beside it is judged as code. Needs python3 with numpy.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkFile, type FunctionResult, type PyCheckOptions } from '../../runtime/pycheck/index';
import { reachedStub, starterStub } from '../../runtime/pycheck/starter';
import { reportVerdict, worstVerdict } from '../../core/gradcheck';

const SRC = path.resolve(__dirname, '../fixtures/pycorpus/s01_loops_2019');

/** The 2019+ starter's block: markers with only `pass` between them. */
const block = (indent: string, todo: string): string =>
  [
    '##############################################################################',
    `# TODO: ${todo}`,
    '##############################################################################',
    '# *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****',
    '',
    'pass',
    '',
    '# *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****',
    '##############################################################################',
    '#                               END OF YOUR CODE                             #',
    '##############################################################################',
  ].map((l) => (l ? indent + l : l)).join('\n');

/** The 2017 starter's block: the TODO comment, `pass`, the END comment. */
const oldBlock = (indent: string, todo: string): string =>
  [
    '##############################################################################',
    `# TODO: ${todo} #`,
    '##############################################################################',
    'pass',
    '##############################################################################',
    '#                               END OF YOUR CODE                             #',
    '##############################################################################',
  ].map((l) => indent + l).join('\n');

/** Replaces the body of `def name(` (after its signature, up to the next line indented as deep or less). */
function replaceBody(src: string, name: string, body: string): string {
  const lines = src.split('\n');
  const d = lines.findIndex((l) => new RegExp(`^\\s*def ${name}\\(`).test(l));
  assert.ok(d >= 0, `def ${name} found`);
  const ind = lines[d].length - lines[d].trimStart().length;
  let s = d;
  while (!/:\s*(#.*)?$/.test(lines[s])) s++;
  let e = s + 1;
  while (e < lines.length && (!lines[e].trim() || lines[e].length - lines[e].trimStart().length > ind)) e++;
  while (e > s + 1 && !lines[e - 1].trim()) e--;
  return [...lines.slice(0, s + 1), body, ...lines.slice(e)].join('\n');
}

describe('starter stubs: "not implemented yet", as information', () => {
  let root: string;
  let layers: FunctionResult[];
  let model: FunctionResult[];
  const by = (rs: FunctionResult[], fn: string): FunctionResult => {
    const r = rs.find((x) => x.function === fn);
    assert.ok(r, `${fn} checked: ${rs.map((x) => x.function).join(', ')}`);
    return r;
  };
  const opts = (): PyCheckOptions => ({ python: ['python3'], cwd: root, timeoutMs: 30000 });

  before(async () => {
    const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
    assert.equal(probe.status, 0, `python3 with numpy is needed: ${probe.stderr}`);
    root = mkdtempSync(path.join(tmpdir(), 'gradlab-starter-'));
    cpSync(SRC, root, { recursive: true });
    const lp = path.join(root, 'cs231n', 'rnn_layers.py');
    let l = readFileSync(lp, 'utf8');
    const i4 = '    ';
    l = replaceBody(l, 'rnn_step_forward', `${i4}next_h, cache = None, None\n${block(i4, 'Implement a single forward step for the vanilla RNN.')}\n${i4}return next_h, cache`);
    l = replaceBody(l, 'lstm_step_backward', `${i4}dx, dh, dc, dWx, dWh, db = None, None, None, None, None, None\n${oldBlock(i4, 'Implement the backward pass for a single timestep of an LSTM.')}\n\n${i4}return dx, dh, dc, dWx, dWh, db`);
    // lstm_forward: only the docstring, the comment block and `pass` (returns None).
    l = replaceBody(l, 'lstm_forward', `${i4}"""Forward pass for an LSTM over an entire sequence of data."""\n${block(i4, 'Implement the forward pass for an LSTM over an entire timeseries.')}`);
    // word_embedding_forward: a bare `pass`, the shortest stub.
    l = replaceBody(l, 'word_embedding_forward', `${i4}out, cache = None, None\n${i4}pass\n${i4}return out, cache`);
    // temporal_affine_forward: code written, `pass` left beside it in the block: judged as code (it is right).
    const taf = /def temporal_affine_forward\(x, w, b\):\n([\s\S]*?)\n\n\n/.exec(l);
    assert.ok(taf);
    l = l.replace(taf[0], `def temporal_affine_forward(x, w, b):\n${i4}# *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****\n${taf[1]}\n${i4}pass\n${i4}# *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****\n\n\n`.replace(/\n(\s+return [^\n]*)\n(\s+pass)\n/, '\n$2\n$1\n'));
    writeFileSync(lp, l);
    const mp = path.join(root, 'cs231n', 'classifiers', 'rnn.py');
    let m = readFileSync(mp, 'utf8');
    const i8 = '        ';
    m = replaceBody(m, 'loss', `${i8}captions_in = captions[:, :-1]\n${i8}captions_out = captions[:, 1:]\n${i8}mask = (captions_out != self._null)\n${i8}W_proj, b_proj = self.params['W_proj'], self.params['b_proj']\n${i8}loss, grads = 0.0, {}\n${block(i8, 'Implement the forward and backward passes for the CaptioningRNN.')}\n${i8}return loss, grads`);
    m = replaceBody(m, 'sample', `${i8}N = features.shape[0]\n${i8}captions = self._null * np.ones((N, max_length), dtype=np.int32)\n${i8}W_proj, b_proj = self.params['W_proj'], self.params['b_proj']\n${block(i8, 'Implement test-time sampling for the model.')}\n${i8}return captions`);
    if (!/^import numpy as np/m.test(m)) m = `import numpy as np\n${m}`;
    writeFileSync(mp, m);
    layers = await checkFile(lp, opts());
    model = await checkFile(mp, opts());
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('the 2019 block with only `pass` (next_h, cache = None, None): not implemented yet, on its line', () => {
    const src = readFileSync(path.join(root, 'cs231n', 'rnn_layers.py'), 'utf8').split('\n');
    const r = by(layers, 'rnn_step_forward');
    assert.equal(r.status, 'todo', r.summary);
    const passLine = src.findIndex((l, i) => l.trim() === 'pass' && i > src.findIndex((x) => x.startsWith('def rnn_step_forward')));
    assert.equal(r.summary, `rnn_step_forward: not implemented yet (the starter's \`pass\` is still at line ${passLine + 1}): it is checked once you write it`);
    assert.equal(r.line, src.findIndex((l) => l.startsWith('def rnn_step_forward')));
  });

  it('a finished function that calls a stub, or whose forward does, waits for it (it read "relative error nan")', () => {
    const src = readFileSync(path.join(root, 'cs231n', 'rnn_layers.py'), 'utf8').split('\n');
    const passLine = src.findIndex((l, i) => l.trim() === 'pass' && i > src.findIndex((x) => x.startsWith('def rnn_step_forward'))) + 1;
    const fwd = by(layers, 'rnn_forward');
    assert.equal(fwd.status, 'todo', fwd.summary);
    assert.equal(fwd.summary, `rnn_forward: not checked yet: it calls your rnn_step_forward, which is not implemented yet (the starter's \`pass\` is still at line ${passLine}); it is checked once you write it`);
    const bwd = by(layers, 'rnn_backward');
    assert.equal(bwd.status, 'todo', bwd.summary);
    assert.equal(bwd.summary, `rnn_backward: not checked yet: it needs your rnn_forward (for the cache), which calls your rnn_step_forward, which is not implemented yet (the starter's \`pass\` is still at line ${passLine}); it is checked once you write it`);
  });

  it('a backward whose forward is the stub waits for it (information too)', () => {
    const r = by(layers, 'rnn_step_backward');
    assert.equal(r.status, 'todo', r.summary);
    assert.equal(r.summary, 'rnn_step_backward: not checked yet: it needs your rnn_step_forward (for the cache), which is not implemented yet; it is checked once you write it');
  });

  it('the 2017 `# TODO:` block, a body of only the comment block and `pass`, a bare `pass`', () => {
    for (const fn of ['lstm_step_backward', 'lstm_forward', 'word_embedding_forward']) {
      const r = by(layers, fn);
      assert.equal(r.status, 'todo', `${fn}: ${r.summary}`);
      assert.match(r.summary, new RegExp(`^${fn}: not implemented yet \\(the starter's \`pass\` is still at line \\d+\\): it is checked once you write it$`));
    }
  });

  it("a stub's layer in the report is a sentence, not a failure: no params, and the file's verdict leaves it out", () => {
    for (const r of layers.filter((x) => x.status === 'todo')) {
      assert.equal(r.layer.todo, r.summary, r.function);
      assert.deepEqual(r.layer.params, [], r.function);
    }
    const checked = layers.filter((x) => x.status !== 'todo');
    assert.ok(checked.length > 0 && checked.every((x) => x.status === 'pass'), checked.map((x) => `${x.function} ${x.status}`).join(', '));
    assert.equal(reportVerdict(layers.map((x) => x.layer)), worstVerdict(checked.map((x) => x.layer.verdict)));
    assert.notEqual(reportVerdict(layers.map((x) => x.layer)), 'wrong');
  });

  it('implemented functions still pass; a block with code and a `pass` left in it is judged as code', () => {
    for (const fn of ['lstm_step_forward', 'temporal_affine_forward', 'temporal_affine_backward', 'temporal_softmax_loss']) {
      assert.equal(by(layers, fn).status, 'pass', `${fn}: ${by(layers, fn).summary}`);
    }
  });

  it("the model's starter loss (loss, grads = 0.0, {}) and sample (all <NULL> captions)", () => {
    for (const fn of ['CaptioningRNN.loss', 'CaptioningRNN.sample']) {
      const r = by(model, fn);
      assert.equal(r.status, 'todo', `${fn}: ${r.summary}`);
      assert.match(r.summary, new RegExp(`^${fn.replace('.', '\\.')}: not implemented yet \\(the starter's \`pass\` is still at line \\d+\\)`));
    }
  });

  it('a wrong result in a function that still has the starter block is not hidden', async () => {
    const src = "import numpy as np\n\ndef rnn_step_forward(x, prev_h, Wx, Wh, b):\n    next_h, cache = None, None\n    # *****START OF YOUR CODE*****\n    pass\n    # *****END OF YOUR CODE*****\n    next_h = np.tanh(x.dot(Wx))\n    return next_h, cache\n";
    assert.equal(starterStub(src, 2), 5, 'the block is still the starter');
    const p = path.join(root, 'outside.py');
    writeFileSync(p, src);
    const [r] = await checkFile(p, opts());
    assert.equal(r.status, 'fail', `code written after the block is checked: ${r.summary}`);
    assert.equal(starterStub("def f(x):\n    '''doc'''\n    pass\n", 0), 2);
    assert.equal(starterStub('def f(x):\n    y = x + 1\n    pass\n    return y\n', 0), undefined);
  });
});

describe('reachedStub: which stub a finished function waits for', () => {
  const src = [
    'def rnn_step_forward(x, prev_h, Wx, Wh, b):',
    '    next_h, cache = None, None',
    '    pass',
    '    return next_h, cache',
    '',
    'def rnn_forward(x, h0, Wx, Wh, b):',
    '    # rnn_step_forward(...) in a comment is not a call',
    '    h = step(x)',
    '    return h, None',
    '',
    'def step(x):',
    '    return rnn_step_forward(x, None, None, None, None)',
    '',
    'def word_embedding_forward(x, W):',
    '    out = W[x]  # calls nothing of this file',
    '    return out, (x, W)',
    '',
    'def rnn_backward(dh, cache):',
    '    return rnn_backward(dh, cache)',
    '',
  ].join('\n');
  const defs = new Map([['rnn_step_forward', 0], ['rnn_forward', 5], ['step', 10], ['word_embedding_forward', 13], ['rnn_backward', 17]]);

  it('follows calls through helpers, names the chain and the stub\'s `pass` line', () => {
    assert.deepEqual(reachedStub(src, defs, 'rnn_forward'), { chain: ['step', 'rnn_step_forward'], passLine: 2 });
    assert.deepEqual(reachedStub(src, defs, 'rnn_forward', true), { chain: ['rnn_forward', 'step', 'rnn_step_forward'], passLine: 2 });
    assert.deepEqual(reachedStub(src, defs, 'rnn_step_forward', true), { chain: ['rnn_step_forward'], passLine: 2 });
  });

  it('a comment is not a call, a function calling nothing waits for nothing, recursion ends', () => {
    const commentOnly = src.replace('    h = step(x)\n', '    h = x\n');
    assert.equal(reachedStub(commentOnly, defs, 'rnn_forward'), undefined);
    assert.equal(reachedStub(src, defs, 'word_embedding_forward'), undefined);
    assert.equal(reachedStub(src, defs, 'rnn_backward'), undefined);
    // A written rnn_step_forward: nothing to wait for.
    const written = src.replace('    pass\n', '    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)\n');
    assert.equal(reachedStub(written, defs, 'rnn_forward'), undefined);
  });
});
