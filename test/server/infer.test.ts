// Shape inference and hover text on CS231n-style fixtures: exact hovers, exact warnings.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMPTY_SHAPE_CONTEXT, type ShapeContextParams } from '../../protocol/lsp';
import { pythonHover } from '../../server/hover';
import { analyzePython, type PyAnalysis } from '../../server/python/infer';

const FIXTURES = join(__dirname, '..', 'fixtures', 'python');
const read = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

/** The offset of the `occurrence`-th match of `needle` after `after` (if given), plus `delta`. */
function at(text: string, needle: string, opts: { after?: string; occurrence?: number; delta?: number } = {}): number {
  let from = opts.after ? text.indexOf(opts.after) : 0;
  assert.ok(from >= 0, `anchor ${opts.after} not in text`);
  let i = -1;
  for (let k = 0; k <= (opts.occurrence ?? 0); k++) {
    i = text.indexOf(needle, from);
    assert.ok(i >= 0, `${needle} not found`);
    from = i + 1;
  }
  return i + (opts.delta ?? 0);
}

function hover(an: PyAnalysis, offset: number, ctx: ShapeContextParams = EMPTY_SHAPE_CONTEXT): string | null {
  const h = pythonHover(an, offset, ctx);
  return h ? h.lines.join('\n') : null;
}

const line = (text: string, offset: number): number => text.slice(0, offset).split('\n').length;

const COCO: ShapeContextParams = {
  sizes: { N: 25, T: 16, D: 512, H: 512, W: 256, V: 1004 },
  cellType: 'lstm',
  datasetKeys: [
    { key: 'train_captions', dtype: 'int32', shape: [400135, 17], file: 'coco2014_captions.h5' },
    { key: 'train_features', dtype: 'float32', shape: [82783, 512] },
  ],
};

describe('rnn_layers.py (the seed\'s layers, correct)', () => {
  const text = read('rnn_layers.py');
  const an = analyzePython(text, { cellType: null, datasetKeys: [] });

  it('has no warnings and no internal errors', () => {
    assert.deepEqual(an.diagnostics, []);
    assert.deepEqual(an.errors, []);
  });

  it('hovers a layer definition with its docstring shapes', () => {
    assert.equal(hover(an, at(text, 'def rnn_step_forward', { delta: 5 })),
      'rnn_step_forward(x: (N, D), prev_h: (N, H), Wx: (D, H), Wh: (H, H), b: (H,)) → next_h: (N, H), cache');
    assert.equal(hover(an, at(text, 'def lstm_step_forward', { delta: 5 })),
      'lstm_step_forward(x: (N, D), prev_h: (N, H), prev_c: (N, H), Wx: (D, 4H), Wh: (H, 4H), b: (4H,)) → next_h: (N, H), next_c: (N, H), cache');
  });

  it('hovers a layer call the same way', () => {
    const call = at(text, 'rnn_step_forward(x[:,i,:]');
    assert.equal(hover(an, call + 3), 'rnn_step_forward(x: (N, D), prev_h: (N, H), Wx: (D, H), Wh: (H, H), b: (H,)) → next_h: (N, H), cache');
  });

  it('infers locals through np.dot, .T, np.sum(axis), np.ones((N, H)) and x.shape unpacking', () => {
    assert.equal(hover(an, at(text, 'temp1 = np.dot')), 'temp1: (N, H)');
    assert.equal(hover(an, at(text, 'tempx = np.dot')), 'tempx: (D, N)');
    assert.equal(hover(an, at(text, 'dx = tempx.T')), 'dx: (N, D)');
    assert.equal(hover(an, at(text, 'tempb = np.sum')), 'tempb: (H,)');
    assert.equal(hover(an, at(text, 'temp = np.ones')), 'temp: (N, H)');
    assert.equal(hover(an, at(text, 'N,H = h.shape', { delta: 2 })), 'H: int = H');
    assert.equal(hover(an, at(text, 'next_h = np.tanh')), 'next_h: (N, H)');
  });

  it('hovers numpy expressions with the shape they give', () => {
    assert.equal(hover(an, at(text, 'np.dot(x,Wx)', { delta: 4 })), 'np.dot(x,Wx): (N, H)');
    assert.equal(hover(an, at(text, 'delta.T', { delta: 6 })), 'delta.T: (H, N)');
    assert.equal(hover(an, at(text, 'N,H = h.shape', { delta: 11 })), 'h.shape: tuple of 2: (N, H)');
    assert.equal(hover(an, at(text, 'x.reshape(N * T, V)', { delta: 3 })), 'x.reshape(N * T, V): (N*T, V)');
  });

  it('carries the forward\'s cache tuple into the backward', () => {
    assert.equal(hover(an, at(text, 'x,h,Wx,Wh,cacheD = cache', { delta: 2 })), 'h: (N, H)');
    assert.equal(hover(an, at(text, 'cache = (x,prev_h,Wx,Wh,temp1 + temp2 + b)')),
      'cache: tuple of 5: ((N, D), (N, H), (D, H), (H, H), (N, H))');
  });

  it('slices x[:, t, :], reshapes N * T and indexes W[x, :]', () => {
    assert.equal(hover(an, at(text, 'x_flat = x.reshape')), 'x_flat: (N*T, V)');
    assert.equal(hover(an, at(text, 'out = W[x,:]')), 'out: (N, T, D)');
    assert.equal(hover(an, at(text, 'x[:,i,:]')), 'x: (N, T, D)');
    assert.equal(hover(an, at(text, 'dx_flat *= mask_flat[:, None]')), 'dx_flat: (N*T, V)');
    assert.equal(hover(an, at(text, 'out = x.reshape(N * T, D).dot(w).reshape(N, T, M) + b')), 'out: (N, T, M)');
  });

  it('infers the LSTM gates, hstack and the 4H blocks', () => {
    assert.equal(hover(an, at(text, 'a = np.dot(x, Wx) + np.dot(prev_h, Wh) + b')), 'a: (N, 4H)');
    assert.equal(hover(an, at(text, 'g = np.tanh(a[:, 3 * H:4 * H])')), 'g: (N, H)');
    assert.equal(hover(an, at(text, 'da = np.hstack')), 'da: (N, 4H)');
    assert.equal(hover(an, at(text, 'dWx = x.T.dot(da)')), 'dWx: (D, 4H)');
    assert.equal(hover(an, at(text, 'dWx = np.zeros((D, 4 * H))')), 'dWx: (D, 4H)');
  });

  it('shows the numbers when the extension has pushed them (D of the RNN layers is the model\'s W)', () => {
    assert.equal(hover(an, at(text, 'def rnn_step_forward', { delta: 5 }), COCO), [
      'rnn_step_forward(x: (N, D), prev_h: (N, H), Wx: (D, H), Wh: (H, H), b: (H,)) → next_h: (N, H), cache',
      'x: (N, D) = (25, 256)',
      'prev_h: (N, H) = (25, 512)',
      'Wx: (D, H) = (256, 512)',
      'Wh: (H, H) = (512, 512)',
      'b: (H,) = (512,)',
      'next_h: (N, H) = (25, 512)',
    ].join('\n'));
    assert.equal(hover(an, at(text, 'temp1 = np.dot'), COCO), 'temp1: (N, H) = (25, 512)');
    // temporal_affine_forward is both the projection and the vocabulary layer: D and M stay letters.
    assert.equal(hover(an, at(text, 'out = x.reshape(N * T, D)'), COCO), 'out: (N, T, M) = (25, 16, M)');
  });
});

describe('captioning_rnn.py (the seed\'s model)', () => {
  const text = read('captioning_rnn.py');

  for (const cellType of [null, 'rnn', 'lstm'] as const) {
    it(`has no warnings with cell type ${cellType ?? 'unknown'} (the other cell's branch is not taken)`, () => {
      const an = analyzePython(text, { cellType, datasetKeys: [] });
      assert.deepEqual(an.diagnostics.map((d) => d.message), []);
      assert.deepEqual(an.errors, []);
    });
  }

  it('follows the model through the layers', () => {
    const an = analyzePython(text, { cellType: 'lstm', datasetKeys: [] });
    assert.equal(hover(an, at(text, 'captions_in = captions')), 'captions_in: (N, T - 1)');
    assert.equal(hover(an, at(text, 'word_out,cache_word')), 'word_out: (N, T - 1, W)');
    assert.equal(hover(an, at(text, 'hidden,cache_hidden = lstm_forward')), 'hidden: (N, T - 1, H)');
    assert.equal(hover(an, at(text, 'out_vo,cache_vo = temporal_affine_forward(hidden')), 'out_vo: (N, T - 1, V)');
    assert.equal(hover(an, at(text, 'h0 = out.reshape(N,H)')), 'h0: (N, H)');
    assert.equal(hover(an, at(text, 'Wx, Wh, b = self.params', { delta: 0 })), 'Wx: (W, 4H)');
  });

  it('shows numbers in the model\'s methods, except T (there the stored caption length)', () => {
    const an = analyzePython(text, { cellType: 'lstm', datasetKeys: [] });
    assert.equal(hover(an, at(text, 'captions_in = captions'), COCO), 'captions_in: (N, T - 1) = (25, T - 1)');
    assert.equal(hover(an, at(text, 'h0 = out.reshape(N,H)'), COCO), 'h0: (N, H) = (25, 512)');
    assert.equal(hover(an, at(text, 'word_out,cache_word'), COCO), 'word_out: (N, T - 1, W) = (25, T - 1, 256)');
  });

  it('hovers parameter names with their shapes for the cell type', () => {
    const key = at(text, "self.params['Wx']", { after: 'def loss', delta: 13 });
    const an = analyzePython(text, { cellType: null, datasetKeys: [] });
    assert.equal(hover(an, key), 'Wx: (W, H) (rnn)\nWx: (W, 4H) (lstm)');
    assert.equal(hover(an, key, COCO), 'Wx: (W, 4H) = (256, 2048) (lstm)');
    assert.equal(hover(an, at(text, "self.params['W_vocab']", { after: 'def loss', delta: 14 })), 'W_vocab: (H, V)');
    const list = "for k in ['W_vocab', 'b']:\n    pass\n";
    const la = analyzePython(list, EMPTY_SHAPE_CONTEXT);
    assert.equal(hover(la, at(list, 'W_vocab')), 'W_vocab: (H, V)');
    assert.equal(hover(la, at(list, "'b'", { delta: 1 })), null);
    // Without a cell type, what both cells agree on is still known.
    assert.equal(hover(an, at(text, 'Wx, Wh, b = self.params', { after: 'def loss' })), 'Wx: (W, ?)');
  });
});

describe('shape_bugs.py (typical bugs)', () => {
  const text = read('shape_bugs.py');
  const an = analyzePython(text, { cellType: null, datasetKeys: [] });

  it('warns exactly where a mismatch is proven, naming both shapes and the letters', () => {
    assert.deepEqual(an.diagnostics.map((d) => `${line(text, d.from)}: ${d.message}`), [
      '19: np.dot: prev_h (N, H) · Wx (D, H): inner dimensions H ≠ D',
      '19: np.dot: x (N, D) · Wh (H, H): inner dimensions D ≠ H',
      '55: np.dot: x (N, D) · dout (N, M): inner dimensions D ≠ N',
      '58: affine_backward returns db (N,) where the docstring says db: (M,): N ≠ M',
      '80: rnn_step_forward: argument Wx gets Wh (H, H), expected (D, H): H ≠ D',
      '80: rnn_step_forward: argument Wh gets Wx (D, H), expected (H, H): D ≠ H',
      '82: cannot store (N, D) into h[:, t, :] (N, H): D ≠ H',
      '100: cannot reshape x (N, T, D) into (N*T, M): N*T*D ≠ N*T*M elements',
      '126: cannot broadcast i (N, H) * g (N, 4H): H ≠ 4H',
    ]);
  });

  it('puts the warning on the offending expression', () => {
    const d = an.diagnostics[0];
    assert.equal(text.slice(d.from, d.to), 'np.dot(prev_h, Wx)');
    const arg = an.diagnostics.find((x) => x.message.startsWith('rnn_step_forward: argument Wx'));
    assert.equal(arg && text.slice(arg.from, arg.to), 'Wh');
  });

  it('never warns on what cannot be proven', () => {
    const from = text.indexOf('def unknown_shapes_are_not_warned');
    assert.deepEqual(an.diagnostics.filter((d) => d.from > from), []);
  });
});

describe('edits in progress and other hovers', () => {
  it('still hovers a file with a syntax error, and does not throw', () => {
    const text = [
      'import numpy as np',
      'def rnn_step_forward(x, prev_h, Wx, Wh, b):',
      '    """',
      '    - x: Input data, of shape (N, D)',
      '    - Wx: Weights, of shape (D, H)',
      '    """',
      '    a = np.dot(x, Wx)',
      '    b = np.dot(a, ',
      'def broken(:',
      '    y = x.T',
    ].join('\n');
    const an = analyzePython(text, { cellType: null, datasetKeys: [] });
    assert.equal(hover(an, at(text, 'a = np.dot')), 'a: (N, H)');
    assert.equal(hover(an, at(text, 'np.dot(a,', { delta: 7 })), 'a: (N, H)');
    assert.deepEqual(an.errors, []);
  });

  it('survives arbitrary truncations of a real file', () => {
    const text = read('rnn_layers.py');
    for (let cut = 0; cut < text.length; cut += 97) {
      const an = analyzePython(text.slice(0, cut), { cellType: 'lstm', datasetKeys: [] });
      assert.deepEqual(an.errors, [], `cut at ${cut}`);
    }
  });

  it('hovers a key of the open dataset with its dtype and shape, and infers from it', () => {
    const text = "captions = data['train_captions']\nfirst = captions[:, 0]\n";
    const an = analyzePython(text, COCO);
    assert.equal(hover(an, at(text, 'train_captions'), COCO), 'train_captions: int32 (400135, 17)');
    assert.equal(hover(an, at(text, 'first')), 'first: (400135,)');
    assert.equal(hover(analyzePython(text, EMPTY_SHAPE_CONTEXT), at(text, 'train_captions')), null);
  });

  it('fills a parameter the docstring gives no shape from the engine\'s table for that layer', () => {
    const text = [
      'def rnn_step_backward(dnext_h, cache):',
      '    """',
      '    Inputs:',
      '    - dnext_h: Gradient of loss with respect to next hidden state',
      '    - cache: Cache object from the forward pass',
      '',
      '    Returns a tuple of:',
      '    - db: Gradients of bias vector, of shape (H,)',
      '    """',
      '    db = np.sum(dnext_h, axis=1)',
      '    return db',
    ].join('\n');
    const an = analyzePython(text, EMPTY_SHAPE_CONTEXT);
    assert.equal(hover(an, at(text, 'dnext_h, cache')), 'dnext_h: (N, H)');
    assert.deepEqual(an.diagnostics.map((d) => d.message), ['rnn_step_backward returns db (N,) where the docstring says db: (H,): N ≠ H']);
  });

  it('treats names bound by comprehensions and lambdas as their own, not the function\'s', () => {
    const text = [
      'def f(x, W):',
      '    """',
      '    - x: of shape (N, T, D)',
      '    - W: of shape (H, H)',
      '    """',
      '    ys = [np.dot(x, W) for x in range(3)]',
      '    g = lambda x: np.dot(x, W)',
      '    z = np.dot(x[:, 0, :], W)',
      '    return ys',
    ].join('\n');
    const an = analyzePython(text, EMPTY_SHAPE_CONTEXT);
    assert.deepEqual(an.diagnostics.map((d) => `${line(text, d.from)}: ${d.message}`), ['8: np.dot: x[:, 0, :] (N, D) · W (H, H): inner dimensions D ≠ H']);
    assert.equal(hover(an, at(text, 'np.dot(x, W) for', { delta: 7 })), null);
  });

  it('reads a notebook-style gradient check with numbers (N, D, H = 3, 10, 4)', () => {
    const text = [
      'import numpy as np',
      'N, D, H = 3, 10, 4',
      'x = np.linspace(-0.4, 0.7, num=N*D).reshape(N, D)',
      'prev_h = np.linspace(-0.2, 0.5, num=N*H).reshape(N, H)',
      'Wx = np.linspace(-0.1, 0.9, num=D*H).reshape(D, H)',
      'Wh = np.linspace(-0.3, 0.7, num=H*H).reshape(H, H)',
      'b = np.linspace(-0.2, 0.4, num=H)',
      'next_h, _ = rnn_step_forward(x, prev_h, Wx, Wh, b)',
      'bad, _ = rnn_step_forward(x, prev_h, Wh, Wx, b)',
    ].join('\n');
    const an = analyzePython(text, EMPTY_SHAPE_CONTEXT);
    assert.equal(hover(an, at(text, 'x = np')), 'x: (3, 10)');
    assert.equal(hover(an, at(text, 'next_h')), 'next_h: (3, 4)');
    assert.equal(hover(an, at(text, 'bad')), 'bad: array, shape not inferred');
    assert.deepEqual(an.diagnostics.map((d) => d.message), [
      'rnn_step_forward: argument Wx gets Wh (4, 4), expected (10, 4): 4 ≠ 10',
      'rnn_step_forward: argument Wh gets Wx (10, 4), expected (4, 4): 10 ≠ 4',
    ]);
  });

  it('gives an undocumented engine layer the table\'s shapes by position, under its own names', () => {
    const text = [
      'def rnn_step_forward(x, prev_h, Wx, Wh, bh):',
      '    current_h = np.tanh(x.dot(Wx) + prev_h.dot(Wh) + bh)',
      '    cache = (x, prev_h, Wx, Wh, bh, current_h)',
      '    return current_h, cache',
      '',
      'def rnn_step_backward(dcurrent_h, cache):',
      '    (x, prev_h, Wx, Wh, bh, current_h) = cache',
      '    dstate = dcurrent_h * (1 - np.square(current_h))',
      '    dx = dstate.dot(Wx)',
      '    return dx',
    ].join('\n');
    const an = analyzePython(text, EMPTY_SHAPE_CONTEXT);
    assert.equal(hover(an, at(text, 'rnn_step_forward', { delta: 1 })),
      'rnn_step_forward(x: (N, D), prev_h: (N, H), Wx: (D, H), Wh: (H, H), bh: (H,)) → next_h: (N, H), cache');
    assert.equal(hover(an, at(text, 'dstate =')), 'dstate: (N, H)');
    assert.deepEqual(an.diagnostics.map((d) => d.message), ['dstate.dot: (N, H) · Wx (D, H): inner dimensions H ≠ D']);
  });

  it('keeps a documented shape it cannot read unknown instead of the table\'s (N, d_1, ..., d_k)', () => {
    const text = [
      'def affine_forward(x, w, b):',
      '    """',
      '    Inputs:',
      '    - x: A numpy array containing input data, of shape (N, d_1, ..., d_k)',
      '    - w: A numpy array of weights, of shape (D, M)',
      '    - b: A numpy array of biases, of shape (M,)',
      '    """',
      '    out = x.reshape(x.shape[0], -1).dot(w) + b',
      '    return out, (x, w, b)',
    ].join('\n');
    const an = analyzePython(text, EMPTY_SHAPE_CONTEXT);
    assert.equal(hover(an, at(text, 'affine_forward', { delta: 1 })), 'affine_forward(x, w: (D, M), b: (M,)) → out: (N, M), cache');
    assert.equal(hover(an, at(text, 'x, w, b):')), null);
    assert.deepEqual(an.diagnostics, []);
  });

  it('matches a layer reached through its module (layers.rnn_forward)', () => {
    const text = [
      'from cs231n import rnn_layers as layers',
      'def f(x, h0, Wx, Wh, b):',
      '    """',
      '    - x: of shape (N, T, D)',
      '    - h0: of shape (N, H)',
      '    - Wx: of shape (D, H)',
      '    - Wh: of shape (H, H)',
      '    - b: of shape (H,)',
      '    """',
      '    h, cache = layers.rnn_forward(x, h0, Wx, Wh, b)',
      '    bad, _ = layers.rnn_forward(x, h0, Wh, Wh, b)',
      '    return h',
    ].join('\n');
    const an = analyzePython(text, EMPTY_SHAPE_CONTEXT);
    assert.equal(hover(an, at(text, 'h, cache')), 'h: (N, T, H)');
    assert.equal(hover(an, at(text, 'rnn_forward(x')), 'rnn_forward(x: (N, T, D), h0: (N, H), Wx: (D, H), Wh: (H, H), b: (H,)) → h: (N, T, H), cache');
    assert.deepEqual(an.diagnostics.map((d) => d.message), ['rnn_forward: argument Wx gets Wh (H, H), expected (D, H): H ≠ D']);
  });

  it('reads np.zeros((N, H)), transpose, keepdims and broadcasting at module level', () => {
    const text = [
      'def f(x, w):',
      '    """',
      '    - x: of shape (N, T, D)',
      '    - w: of shape (D, M)',
      '    """',
      '    N, T, D = x.shape',
      '    h = np.zeros((N, D))',
      '    xt = x.transpose(1, 0, 2)',
      '    s = np.sum(x, axis=1, keepdims=True)',
      '    y = x @ w',
      '    m = x.max(axis=-1)',
      '    z = h[:, None, :] + x',
      '    e = np.expand_dims(h, 1)',
      '    r = x.reshape(-1, D)',
      '    return y',
    ].join('\n');
    const an = analyzePython(text, EMPTY_SHAPE_CONTEXT);
    assert.equal(hover(an, at(text, 'h = np')), 'h: (N, D)');
    assert.equal(hover(an, at(text, 'xt =')), 'xt: (T, N, D)');
    assert.equal(hover(an, at(text, 's = np')), 's: (N, 1, D)');
    assert.equal(hover(an, at(text, 'y = x')), 'y: (N, T, M)');
    assert.equal(hover(an, at(text, 'm = x')), 'm: (N, T)');
    assert.equal(hover(an, at(text, 'z = h')), 'z: (N, T, D)');
    assert.equal(hover(an, at(text, 'e = np')), 'e: (N, 1, D)');
    assert.equal(hover(an, at(text, 'r = x')), 'r: (N*T, D)');
    assert.deepEqual(an.diagnostics, []);
  });

  it('stops descending at MAX_DEPTH: 10,000 nested calls or 300 nested ifs cost no stack, no error, and nothing around them', () => {
    const deep = 'y = ' + 'f('.repeat(10_000) + 'x' + ')'.repeat(10_000);
    const ifs = Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}if c:`).join('\n') + `\n${' '.repeat(300)}q = 1`;
    for (const [nested, inside] of [[deep, 'x)'], [ifs, 'q = 1']]) {
      const text = ['import numpy as np', 'a = np.zeros((2, 3))', nested, 'b = np.zeros((4, 5))', 'c = a @ b'].join('\n') + '\n';
      const an = analyzePython(text, EMPTY_SHAPE_CONTEXT);
      // Before the limit the recursion overflowed and the statement became an internal error.
      assert.deepEqual(an.errors, []);
      assert.equal(hover(an, at(text, 'a = np')), 'a: (2, 3)');
      assert.equal(hover(an, at(text, 'b = np')), 'b: (4, 5)');
      assert.deepEqual(an.diagnostics.map((d) => d.message), ['a (2, 3) @ b (4, 5): inner dimensions 3 ≠ 4']);
      assert.equal(hover(an, at(text, inside)), null, 'deeper than the limit nothing is claimed');
    }
    // Nesting that real code writes (CPython refuses more than 200 parentheses) is analysed to the bottom.
    const text = 'import numpy as np\nx = np.zeros((2, 3))\ny = ' + 'g('.repeat(150) + 'x' + ')'.repeat(150) + '\n';
    assert.equal(hover(analyzePython(text, EMPTY_SHAPE_CONTEXT), at(text, 'x)')), 'x: (2, 3)');
  });
});
