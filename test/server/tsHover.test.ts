// TypeScript hovers (layer table + JSDoc) and the per-version analysis cache.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAYER_SIGNATURES, camelName } from '../../core/signatures';
import { EMPTY_SHAPE_CONTEXT, type ShapeContextParams } from '../../protocol/lsp';
import { AnalysisCache } from '../../server/cache';
import { readShapeContext } from '../../server/context';
import { docFunctions, tsHover, wordAt } from '../../server/ts/tsHover';

const ROOT = join(__dirname, '..', '..');
const COCO: ShapeContextParams = { sizes: { N: 25, T: 16, D: 512, H: 512, W: 256, V: 1004 }, cellType: 'lstm', datasetKeys: [] };

const hoverText = (text: string, needle: string, ctx = EMPTY_SHAPE_CONTEXT, delta = 1): string | null => {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, needle);
  const h = tsHover(text, i + delta, ctx);
  return h ? h.lines.join('\n') : null;
};

describe('TypeScript hovers', () => {
  const caller = [
    "import { rnnStepForward } from './layers/rnn';",
    'const { nextH, cache } = rnnStepForward(x, prevH, p.Wx, p.Wh, p.b);',
    'const out = lstmBackward(dh, cache);',
  ].join('\n');

  it('hovers a call of an engine layer with its shapes, in the engine\'s spelling', () => {
    assert.equal(hoverText(caller, 'rnnStepForward(x'),
      'rnnStepForward(x: (N, D), prevH: (N, H), Wx: (D, H), Wh: (H, H), b: (H,)) → { nextH: (N, H), cache }');
    assert.equal(hoverText(caller, 'lstmBackward', COCO), [
      'lstmBackward(dh: (N, T, H), cache) → { dx: (N, T, D), dh0: (N, H), dWx: (D, 4H), dWh: (H, 4H), db: (4H,) }',
      'dh: (N, T, H) = (25, 16, 512)',
      'dx: (N, T, D) = (25, 16, 256)',
      'dh0: (N, H) = (25, 512)',
      'dWx: (D, 4H) = (256, 2048)',
      'dWh: (H, 4H) = (512, 2048)',
      'db: (4H,) = (2048,)',
    ].join('\n'));
    assert.equal(hoverText(caller, 'nextH'), null);
  });

  it('reads shapes from a JSDoc in the same document, and hovers its parameters inside the body', () => {
    const text = [
      '/**',
      ' * Scores at every step. h: (N, T, H); Wv: (H, V).',
      ' * Returns scores (N, T, V).',
      ' */',
      'export function vocabScores(h: Tensor, Wv: Tensor): Tensor {',
      "  const s = '}';",
      '  return matmul3(h, Wv);',
      '}',
      'const after = h;',
    ].join('\n');
    assert.equal(hoverText(text, 'vocabScores'), 'vocabScores(h: (N, T, H), Wv: (H, V)) → { scores: (N, T, V) }');
    assert.equal(hoverText(text, 'h, Wv);', EMPTY_SHAPE_CONTEXT, 0), 'h: (N, T, H)');
    assert.equal(hoverText(text, 'h;', EMPTY_SHAPE_CONTEXT, 0), null, 'outside the body h is not that parameter');
  });

  it('reads the engine\'s own core/layers JSDoc when present', { skip: !safeRead('core/layers/rnn.ts') }, () => {
    const text = safeRead('core/layers/rnn.ts') ?? '';
    const names = docFunctions(text).map((d) => d.sig.name);
    assert.ok(names.includes('rnnStepForward'), names.join());
    assert.equal(hoverText(text, 'rnnForward('),
      'rnnForward(x: (N, T, D), h0: (N, H), Wx: (D, H), Wh: (H, H), b: (H,)) → { h: (N, T, H), cache }');
  });

  it('finds the word under the cursor', () => {
    assert.deepEqual(wordAt('a = rnnForward(x)', 6), { word: 'rnnForward', from: 4, to: 14 });
    assert.equal(wordAt('a = (1)', 5), null);
  });

  it('has a TypeScript name for every layer in the table', () => {
    for (const s of LAYER_SIGNATURES) assert.equal(s.tsName, camelName(s.name));
  });
});

function safeRead(rel: string): string | null {
  try {
    return readFileSync(join(ROOT, rel), 'utf8');
  } catch {
    return null;
  }
}

describe('AnalysisCache', () => {
  it('computes once per (uri, version) and again after the context changes', () => {
    let runs = 0;
    const cache = new AnalysisCache((d: { uri: string; version: number; getText(): string }) => {
      runs++;
      return d.getText().length;
    });
    const doc = (version: number, text: string) => ({ uri: 'file:///a.py', version, getText: () => text });
    assert.equal(cache.get(doc(1, 'abc')), 3);
    assert.equal(cache.get(doc(1, 'abc')), 3);
    assert.equal(runs, 1);
    assert.equal(cache.get(doc(2, 'abcd')), 4);
    assert.equal(runs, 2);
    cache.invalidateAll();
    cache.get(doc(2, 'abcd'));
    assert.equal(runs, 3);
    cache.remove('file:///a.py');
    assert.equal(cache.size, 0);
  });

  it('evicts the least recently computed document beyond its limit', () => {
    const cache = new AnalysisCache((d: { uri: string; version: number; getText(): string }) => d.uri, 2);
    for (const u of ['a', 'b', 'c']) cache.get({ uri: u, version: 1, getText: () => '' });
    assert.equal(cache.size, 2);
  });
});

describe('readShapeContext', () => {
  it('keeps what is well formed and names what it drops', () => {
    const { context, dropped } = readShapeContext({
      sizes: { N: 25, H: 512, Q: 3, T: -1 },
      cellType: 'gru',
      datasetKeys: [{ key: 'train_captions', dtype: 'int32', shape: [400135, 17] }, { key: 'x' }],
    });
    assert.deepEqual(context, { sizes: { N: 25, H: 512 }, cellType: null, datasetKeys: [{ key: 'train_captions', dtype: 'int32', shape: [400135, 17] }] });
    assert.deepEqual(dropped, ['sizes.Q', 'sizes.T', 'cellType', 'datasetKeys[1]']);
    assert.deepEqual(readShapeContext(null).context, EMPTY_SHAPE_CONTEXT);
  });
});
