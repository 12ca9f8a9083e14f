// The bug catalogue's broken layer tables can never be on in training: nothing a training run,
// the solver, the model or the reference layers import (transitively) reaches core/explore.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');

/**
 * Relative imports of a TypeScript file that exist at run time (static, re-exports, dynamic).
 * `import type` / `export type … from` are erased by the compiler and load nothing, so they are
 * left out (the protocol names the explorations' result types that way).
 */
function importsOf(file: string): string[] {
  const src = readFileSync(file, 'utf8').replace(/^\s*(?:import|export)\s+type\s[^;]*;/gm, '');
  const out: string[] = [];
  for (const m of src.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) out.push(m[1]);
  return out;
}

function resolve(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [base, `${base}.ts`, path.join(base, 'index.ts')]) if (existsSync(c) && statSync(c).isFile()) return c;
  return undefined;
}

function closure(entries: string[]): Set<string> {
  const seen = new Set<string>();
  const todo = entries.filter((e) => existsSync(e));
  while (todo.length > 0) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    for (const s of importsOf(f)) {
      const r = resolve(f, s);
      if (r && r.endsWith('.ts')) todo.push(r);
    }
  }
  return seen;
}

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('core/explore isolation', () => {
  it('the import walker sees value imports and re-exports, and skips type-only ones', () => {
    const f = path.join(mkdtempSync(path.join(tmpdir(), 'gradlab-iso-')), 'a.ts');
    writeFileSync(f, "import type { A } from './types';\nexport type { B } from './types2';\nimport { c } from './values';\nexport * from './more';\nconst d = import('./lazy');\n");
    assert.deepEqual(importsOf(f).sort(), ['./lazy', './more', './values']);
  });

  it('no training module imports core/explore, directly or through anything it imports', () => {
    const entries = [
      'core/solver.ts',
      'core/optim.ts',
      'core/model.ts',
      'core/checks.ts',
      'core/layers/index.ts',
      'core/fast/model.ts',
      'runtime/trainWorker.ts',
      'runtime/jobWorker.ts',
      'extension/training.ts',
      ...tsFiles(path.join(root, 'core/train')).map((f) => path.relative(root, f)),
    ].map((e) => path.join(root, e));
    assert.ok(entries.filter((e) => existsSync(e)).length >= 5, 'the training entry points exist');
    const reached = [...closure(entries)].map((f) => path.relative(root, f));
    const bad = reached.filter((f) => f.startsWith(`core${path.sep}explore`));
    assert.deepEqual(bad, [], `training code reaches ${bad.join(', ')}`);
    assert.ok(reached.includes(path.join('core', 'solver.ts')));
  });

  it('outside the explorations, only the explore command, the explore UI, the explore worker and tests import core/explore', () => {
    const allowed = (f: string) =>
      f.startsWith(`core${path.sep}explore`) || f === path.join('cli', 'commands', 'explore.ts') || /^extension[/\\]explore/.test(f) || /^runtime[/\\]explore/.test(f) || f.startsWith(`test${path.sep}`) || f.startsWith(`protocol${path.sep}`);
    const offenders: string[] = [];
    for (const dir of ['core', 'runtime', 'cli', 'extension', 'server', 'protocol']) {
      for (const f of tsFiles(path.join(root, dir))) {
        const rel = path.relative(root, f);
        if (allowed(rel)) continue;
        for (const s of importsOf(f)) {
          const r = resolve(f, s);
          if (r && path.relative(root, r).startsWith(`core${path.sep}explore`)) offenders.push(`${rel} → ${s}`);
        }
      }
    }
    assert.deepEqual(offenders, []);
  });

  it('the reference layers carry no switch of the catalogue', () => {
    for (const f of tsFiles(path.join(root, 'core/layers'))) {
      const src = readFileSync(f, 'utf8');
      assert.doesNotMatch(src, /dropTanh|assignWh|noUpstream|staleCarry|swapOG|forgetNoCell/, path.relative(root, f));
    }
  });
});
