/**
 * Rng.normals draws a pair at a time with the state in locals; it must give exactly the numbers of
 * repeated normal() calls (model initialisation, checks and datasets are reproduced from seeds).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../core/random';

function oneByOne(rng: Rng, n: number, scale: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * scale;
  return out;
}

describe('Rng.normals', () => {
  it('equals repeated normal() calls bit for bit, through odd lengths and the spare draw', () => {
    const a = new Rng(231), b = new Rng(231);
    for (const [n, scale] of [[7, 1], [1, 0.5], [0, 2], [1000, 1 / Math.sqrt(512)], [3, 1 / 100], [2, 1]] as const) {
      assert.deepEqual(a.normals(n, scale), oneByOne(b, n, scale), `n = ${n}`);
      // The two generators must still agree after each call (same state, same spare).
      assert.equal(a.normal(), b.normal(), `next draw after n = ${n}`);
      assert.equal(a.uniform(), b.uniform(), `next uniform after n = ${n}`);
    }
  });

  it('has mean ~0 and variance ~1', () => {
    const x = new Rng(7).normals(200001);
    let s = 0, q = 0;
    for (const v of x) { s += v; q += v * v; }
    const mean = s / x.length;
    assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
    assert.ok(Math.abs(q / x.length - mean * mean - 1) < 0.02, `variance ${q / x.length}`);
  });
});
