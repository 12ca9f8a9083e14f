/**
 * Temporary cell modules: what an earlier session left under gradient-lab-cells/ is removed once
 * it is a day old; newer files (another window's check may be using them) and other folders stay.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { removeStaleCellModules } from '../../extension/notebook/cellModules';

describe('stale cell modules', () => {
  it('removes files older than a day and the folders they leave empty, keeps the rest', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'gradlab-cells-'));
    try {
      const oldDir = path.join(root, 'aaaa');
      const mixed = path.join(root, 'bbbb');
      mkdirSync(oldDir);
      mkdirSync(mixed);
      const old1 = path.join(oldDir, 'nb_cell_1.py');
      const old2 = path.join(mixed, 'nb_cell_2.py');
      const fresh = path.join(mixed, 'nb_cell_3.py');
      for (const f of [old1, old2, fresh]) writeFileSync(f, 'def rnn_step_forward(x, prev_h, Wx, Wh, b):\n    pass\n');
      const twoDaysAgo = (Date.now() - 2 * 24 * 3600 * 1000) / 1000;
      utimesSync(old1, twoDaysAgo, twoDaysAgo);
      utimesSync(old2, twoDaysAgo, twoDaysAgo);
      assert.equal(await removeStaleCellModules(root), 2);
      assert.ok(!existsSync(old1) && !existsSync(old2));
      assert.ok(!existsSync(oldDir), 'an emptied folder is removed');
      assert.ok(existsSync(fresh), 'a file of today stays');
      assert.equal(await removeStaleCellModules(path.join(root, 'missing')), 0, 'no folder: nothing to do, no throw');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
