/**
 * The sampling mistakes, recognised from captions alone (no Python needed): each engine-made
 * variant is named with what to change, the shift whatever fills column 0, and right captions
 * (or unrelated ones) are never given a name.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { casesFor } from '../../runtime/pycheck/cases';
import { explainSample, explainSampleError, sampleVariant } from '../../runtime/pycheck/sampling';
import { modelMethod } from '../../runtime/pycheck/specs';
import type { Tensor } from '../../core/tensor';

const cases = casesFor(modelMethod('sample')!, 0);
const asTensor = (rows: number[][]): Tensor => ({ shape: [rows.length, rows[0].length], data: Float64Array.from(rows.flat()) });

for (const c of cases) {
  const m = c.model!;
  const ref = sampleVariant(m, {});
  describe(`sample() mistakes, cell_type='${m.cell}'`, () => {
    it('the right captions are not explained (nothing to name)', () => {
      assert.equal(explainSample(m, asTensor(ref), ref), undefined);
    });

    it('every word one column late, whatever fills column 0', () => {
      for (const fill of [0, 1, 2, 5]) {
        const shifted = ref.map((row) => [fill, ...row.slice(0, -1)]);
        const s = explainSample(m, asTensor(shifted), ref);
        assert.match(s ?? '', /^every word comes one column late \(column 0 holds \S+ \(\d\)\): write the word generated at step t into captions\[:, t\]/);
      }
    });

    const named: [Parameters<typeof sampleVariant>[1], RegExp][] = [
      [{ feed: m.wordToIdx['<START>'] }, /^every step is fed <START> \(1\) instead of the word generated at the step before/],
      [{ argmax: 'flat' }, /^one word is picked for the whole batch: np\.argmax\(scores\) without axis/],
      [{ h0: 'zeros' }, /^the image projection is not used as the first hidden state/],
      [{ carryH: false, carryC: false }, /^the hidden state.* is not carried to the next step/],
      [{ feed: 0, feedFirst: true }, /^every step is fed the same word, <NULL> \(0\)/],
    ];
    if (m.cell === 'lstm') named.push([{ carryC: false }, /^the cell state is not carried to the next step/]);
    for (const [v, rx] of named) {
      it(`${JSON.stringify(v)} is named`, () => {
        const user = sampleVariant(m, v);
        if (user.every((row, i) => row.every((w, t) => w === ref[i][t]))) return; // same captions: nothing to tell apart
        // Where two mistakes write the same captions, both are named.
        assert.match(explainSample(m, asTensor(user), ref) ?? '(nothing)', new RegExp(`(^|or else \\(these captions fit [^)]*\\): |; or )${rx.source.slice(1)}`));
      });
    }

    it('unrelated captions get no story', () => {
      const junk = ref.map((row) => row.map((w, t) => (w + t + 1) % 7));
      const s = explainSample(m, asTensor(junk), ref);
      assert.ok(s === undefined || !/one column late/.test(s), s);
    });

    it('argmax over the batch axis is read from numpy\'s broadcast error', () => {
      assert.match(explainSampleError(m, 'could not broadcast input array from shape (7,) into shape (3,)') ?? '', /^np\.argmax over axis 0 \(the batch\) gives one index per vocabulary word \(7\) instead of one per image \(3\)/);
      assert.equal(explainSampleError(m, 'could not broadcast input array from shape (2,) into shape (3,)'), undefined);
    });
  });
}
