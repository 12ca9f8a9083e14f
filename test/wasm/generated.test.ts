/**
 * core/wasm/as/elementwise.ts is generated from elementwise.tpl: the committed file must be exactly
 * what the generator makes, so an edit to one without the other fails here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const AS = path.join(__dirname, '..', '..', 'core', 'wasm', 'as');

describe('generated AssemblyScript', () => {
  it('elementwise.ts is what gen-elementwise.py makes from elementwise.tpl', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gl-gen-'));
    try {
      const out = path.join(dir, 'elementwise.ts');
      const r = spawnSync('python3', [path.join(AS, 'gen-elementwise.py'), out], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.ok(readFileSync(out, 'utf8') === readFileSync(path.join(AS, 'elementwise.ts'), 'utf8'), 'elementwise.ts differs from the template: edit elementwise.tpl and run python3 core/wasm/as/gen-elementwise.py');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
