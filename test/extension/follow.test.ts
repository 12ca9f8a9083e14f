/** Diagnostics follow edits: the pure line-anchor logic behind extension/pycheck (no vscode). */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { advance, ChangeLog, functionLines, mapLine, moveLines, moveLinesThrough, track, type LineSpan, type TextChange } from '../../extension/pycheck/follow';
import { findFunctions } from '../../runtime/pycheck/finder';

/** Applies one change to a text the way an editor does (range of the text before it, replaced). */
function apply(src: string, c: TextChange): string {
  const lines = src.split('\n');
  const off = (p: { line: number; character: number }): number => lines.slice(0, p.line).reduce((s, l) => s + l.length + 1, 0) + p.character;
  return src.slice(0, off(c.start)) + c.text + src.slice(off(c.end));
}

const at = (line: number, character = 0) => ({ line, character });
const ins = (line: number, character: number, text: string): TextChange => ({ start: at(line, character), end: at(line, character), text });
const del = (l0: number, c0: number, l1: number, c1: number): TextChange => ({ start: at(l0, c0), end: at(l1, c1), text: '' });

const SRC = [
  'import numpy as np',
  '',
  '',
  'def rnn_step_forward(x, prev_h, Wx, Wh, b):',
  '    next_h = np.tanh(x.dot(Wx) + prev_h.dot(Wh) + b)',
  '    return next_h, (x, prev_h, Wx, Wh, next_h)',
  '',
  '',
  'def rnn_step_backward(dnext_h, cache):',
  '    x, prev_h, Wx, Wh, next_h = cache',
  '    da = dnext_h * (1 - next_h ** 2)',
  '    return da.dot(Wx.T), da.dot(Wh.T), x.T.dot(da), prev_h.T.dot(da), da.sum(axis=0)',
  '',
].join('\n');

const BWD: LineSpan = { first: 8, last: 11 };

describe('moveLines: a function anchored to its lines', () => {
  it('lines inserted or deleted above move it; nothing else about it changes', () => {
    assert.deepEqual(moveLines(BWD, ins(1, 0, '# a\n# b\n')), { first: 10, last: 13 });
    assert.deepEqual(moveLines(BWD, ins(0, 0, '\n')), { first: 9, last: 12 });
    assert.deepEqual(moveLines(BWD, del(1, 0, 3, 0)), { first: 6, last: 9 });
    // Typing Enter at the end of the line above, or deleting the blank line right above it.
    assert.deepEqual(moveLines(BWD, ins(7, 0, '\n')), { first: 9, last: 12 });
    assert.deepEqual(moveLines(BWD, del(6, 0, 7, 0)), { first: 7, last: 10 });
    assert.deepEqual(moveLines(BWD, ins(8, 0, '\n\n')), { first: 10, last: 13 }, 'blank lines inserted at the start of its def line');
    // An edit inside another function above that keeps its line count: no move.
    assert.deepEqual(moveLines(BWD, { start: at(4, 4), end: at(4, 10), text: 'h_next' }), BWD);
  });

  it('an edit below leaves it where it is', () => {
    assert.deepEqual(moveLines(BWD, ins(12, 0, 'def sigmoid(x):\n    return x\n')), BWD);
  });

  it('any edit of its own text ends it: def line, body, last line, a join from above', () => {
    assert.equal(moveLines(BWD, ins(8, 4, '_')), undefined, 'renamed');
    assert.equal(moveLines(BWD, ins(10, 20, '0.5 * ')), undefined, 'body');
    assert.equal(moveLines(BWD, ins(11, SRC.split('\n')[11].length, ' + 0')), undefined, 'appended to its last line');
    assert.equal(moveLines(BWD, del(7, 0, 8, 4)), undefined, 'the def keyword cut');
    assert.equal(moveLines(BWD, ins(8, 0, 'x = 1')), undefined, 'text put in front of def');
    assert.equal(moveLines(BWD, { start: at(0, 0), end: at(12, 0), text: SRC }), undefined, 'the whole file replaced (a revert)');
  });

  it('never claims intact lines that changed: random edits against the real text', () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const pieces = ['', '\n', 'x', '\n\n', 'a = 1\n', '  ', '\ndef f():\n    pass\n'];
    let moved = 0;
    let cleared = 0;
    for (let trial = 0; trial < 3000; trial++) {
      const lines = SRC.split('\n');
      const l0 = rnd(lines.length);
      const c0 = rnd(lines[l0].length + 1);
      const l1 = Math.min(lines.length - 1, l0 + rnd(3));
      const c1 = l1 === l0 ? c0 + rnd(lines[l0].length - c0 + 1) : rnd(lines[l1].length + 1);
      const c: TextChange = { start: at(l0, c0), end: at(l1, c1), text: pieces[rnd(pieces.length)] };
      const after = apply(SRC, c).split('\n');
      const got = moveLines(BWD, c);
      if (got) {
        moved++;
        assert.deepEqual(after.slice(got.first, got.last + 1), lines.slice(BWD.first, BWD.last + 1), JSON.stringify(c));
      } else cleared++;
    }
    assert.ok(moved > 500 && cleared > 300, `both outcomes exercised (${moved} moved, ${cleared} cleared)`);
  });

  it('a sequence of changes applies one after the other; an ended anchor stays ended', () => {
    assert.deepEqual(moveLinesThrough(BWD, [ins(0, 0, '\n'), ins(0, 0, '\n'), del(0, 0, 1, 0)]), { first: 9, last: 12 });
    assert.equal(moveLinesThrough(BWD, [ins(9, 0, '#'), ins(0, 0, '\n')]), undefined);
  });
});

describe('anchors, the change log and function lines', () => {
  it('functionLines finds a function by its name position, decorators in, trailing blank lines out', () => {
    const f = findFunctions(SRC).find((x) => x.qualified === 'rnn_step_backward')!;
    assert.deepEqual(functionLines(SRC, f.line, f.character), BWD);
    const deco = 'class M(object):\n    def __init__(self):\n        self.params = {}\n\n    @staticmethod\n    def helper():\n        pass\n\n    def loss(self, features, captions):\n        return 0.0, {}\n\n\n';
    const loss = findFunctions(deco).find((x) => x.qualified === 'M.loss')!;
    assert.deepEqual(functionLines(deco, loss.line, loss.character), { first: 8, last: 9 });
    assert.deepEqual(functionLines(deco, 5, 8), { first: 4, last: 6 }, 'from the decorator');
    assert.equal(functionLines(SRC, 4, 4), undefined, 'no definition named there');
  });

  it('a check that finishes after edits: its anchors replay the changes made meanwhile', () => {
    const log = new ChangeLog();
    const id = log.start();
    log.record([ins(0, 0, '# header\n')]);
    const t = track(BWD, log.since(id));
    assert.deepEqual(t.now, { first: 9, last: 12 });
    log.stop(id);
    assert.equal(log.running, 0);
    log.record([ins(0, 0, 'nobody listens\n')]);
    assert.deepEqual(log.since(id), []);
    advance([t], [ins(0, 0, '\n')]);
    assert.equal(mapLine([t], 8), 10, 'the name line moved by both insertions');
    assert.equal(mapLine([t], 3), undefined, 'a line outside every anchor');
    advance([t], [ins(11, 4, 'pass\n    ')]);
    assert.equal(mapLine([t], 8), undefined, 'edited inside: gone');
  });
});
