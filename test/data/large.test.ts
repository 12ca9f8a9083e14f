/**
 * A feature file of more than 200 MB (13000 × 4096 float32, like the CS231n fc7 files) is opened,
 * scanned and read by hyperslab while the reading process stays under 300 MB resident.
 * The reader runs in a child process so its peak RSS (getrusage maxrss) is its own, bundled by
 * esbuild the way dist/cli.js is: under tsx, loading h5wasm alone costs ~600 MB RSS (tsx's
 * transform of the 4 MB wasm-carrying module), which says nothing about the loader.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { buildSync } from 'esbuild';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const CHILD = path.join(__dirname, 'largeFile.child.ts');

/** Bundles the child like esbuild.mjs bundles the CLI (CommonJS, import.meta.url shim). */
function bundleChild(dir: string): string {
  const shim = path.join(dir, 'shim.js');
  writeFileSync(shim, 'export const import_meta_url = require("url").pathToFileURL(__filename).href;\n');
  const out = path.join(dir, 'child.cjs');
  buildSync({ entryPoints: [CHILD], outfile: out, bundle: true, platform: 'node', format: 'cjs', target: 'node20', inject: [shim], define: { 'import.meta.url': 'import_meta_url' }, logLevel: 'error' });
  return out;
}

describe('large feature file', () => {
  it('opens and reads rows of a > 200 MB file under 300 MB resident', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gl-large-'));
    try {
      const child = bundleChild(dir);
      const runChild = (mode: string, data: string): string => execFileSync(process.execPath, [child, mode, data], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      runChild('write', dir);
      const bytes = statSync(path.join(dir, 'train2014_vgg16_fc7.h5')).size;
      assert.ok(bytes >= 200e6, `file is ${bytes} bytes`);
      const r = JSON.parse(runChild('read', dir)) as { D: number; numImages: number; preloaded: boolean; mismatches: number; maxRssMB: number; openMs: number; readMs: number; batch100Ms: number; rssAfterOpenMB: number };
      console.log(`large file: ${(bytes / 1e6).toFixed(0)} MB, open (with full NaN scan) ${r.openMs} ms, 7 rows ${r.readMs} ms, 100 rows ${r.batch100Ms.toFixed(1)} ms, RSS after open ${r.rssAfterOpenMB.toFixed(0)} MB, peak ${r.maxRssMB.toFixed(0)} MB`);
      assert.equal(r.D, 4096);
      assert.equal(r.numImages, 13000);
      assert.equal(r.preloaded, false);
      assert.equal(r.mismatches, 0);
      assert.ok(r.maxRssMB < 300, `peak RSS ${r.maxRssMB} MB`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
